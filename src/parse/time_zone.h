// TimeZone: UTC offsets of one IANA zone, read from the system tz database
// (TZif files under /usr/share/zoneinfo, or $TZDIR). g++ 12's libstdc++ has no
// std::chrono::locate_zone, and localtime_r needs the process-wide TZ, so the
// files are read here. Zones are immutable once loaded: safe to share between
// threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor {

class TimeZone {
 public:
  // An offset and the span of UTC seconds [begin, end) over which it holds.
  struct Span {
    int32_t offset = 0;  // seconds east of UTC
    int64_t begin = INT64_MIN;
    int64_t end = INT64_MAX;
    std::string_view abbreviation;
  };

  // "UTC", "GMT", an IANA name ("Europe/Berlin"), or a fixed offset
  // ("GMT+05:30", "UTC-8", "+0100"). Loaded zones are cached for the process.
  static Result<std::shared_ptr<const TimeZone>> Load(std::string_view name);
  static std::shared_ptr<const TimeZone> Utc();
  // A zone from the bytes of a TZif file (for tests and fuzzing).
  static Result<std::shared_ptr<const TimeZone>> FromTzif(std::string name, std::string_view data);

  const std::string& name() const { return name_; }
  Span Lookup(int64_t utc_seconds) const;
  int32_t OffsetAt(int64_t utc_seconds) const { return Lookup(utc_seconds).offset; }
  // Local wall-clock seconds to UTC. A time repeated when clocks go back
  // resolves to its first occurrence; a time skipped when clocks go forward
  // is read with the offset before the change (so 02:30 becomes 03:30 DST).
  int64_t LocalToUtc(int64_t local_seconds) const;

  // Public for std::make_shared; use Load.
  struct Transition {
    int64_t at;
    int32_t type;
  };
  struct Type {
    int32_t offset;
    bool dst;
    std::string abbreviation;
  };
  struct PosixRule;

  TimeZone() = default;
  ~TimeZone();

 private:
  Span LookupRule(int64_t t, int64_t floor) const;

  std::string name_;
  std::vector<Transition> transitions_;
  std::vector<Type> types_;
  std::unique_ptr<PosixRule> rule_;  // the TZif footer: times after the last transition
};

// Civil-date arithmetic on the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

}  // namespace secor
