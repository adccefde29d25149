// DateFormat: the subset of Java's SimpleDateFormat pattern syntax that Secor
// configurations use (partition directory formats and
// message.timestamp.input.pattern), as a formatter and a parser.
//
// Letters: G y Y u M L d D E a H k K h m s S z Z X; 'quoted text'; '' for a
// quote. Deliberate differences from Java, all toward determinism:
//  - parsing is strict about ranges (no month 13 rolling into next year);
//  - "yy" parses 69..99 as 19xx and 00..68 as 20xx (Java pivots on today);
//  - S parses as a fraction of a second (".5" is 500 ms; Java reads 5 ms);
//  - text after the pattern is ignored, as Java's DateFormat.parse does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parse/time_zone.h"

namespace secor {

// An instant broken down in a zone.
struct CivilTime {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int weekday = 4;      // 0 = Sunday
  int day_of_year = 1;  // 1..366
  int32_t offset = 0;   // seconds east of UTC
  std::string_view abbreviation;
};

CivilTime ToCivil(int64_t epoch_millis, const TimeZone& zone);

class DateFormat {
 public:
  // The smallest unit a pattern prints; an instant's text is constant
  // within one such unit of local time.
  enum class Unit { kMillisecond, kSecond, kMinute, kHour, kDay };

  static Result<DateFormat> Compile(std::string_view pattern);

  // Appends the formatted time to *out.
  void Format(const CivilTime& time, std::string* out) const;
  std::string Format(int64_t epoch_millis, const TimeZone& zone) const;
  // Milliseconds since the epoch; the zone applies unless the text has an offset.
  Result<int64_t> Parse(std::string_view text, const TimeZone& zone) const;

  Unit finest_unit() const { return finest_; }
  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    char letter;  // '\0' for literal text
    int count;
    std::string text;
  };
  std::string pattern_;
  std::vector<Token> tokens_;
  Unit finest_ = Unit::kDay;
};

}  // namespace secor
