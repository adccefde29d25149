// UploadPolicy: when the current round of a source partition is sealed and
// handed to the uploader. A pure decision from a summary of the round's files,
// the clocks and typed settings, following the original Secor's rules: the
// round's size, the age of its files, the number of files open in the
// process, and the minute mark.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace secor {

// Process-wide settings of the policy.
struct UploadPolicySettings {
  // secor.file.age.youngest: a round's age is that of its youngest file
  // (true) or of its oldest.
  bool age_of_youngest = true;
  // secor.max.file.count: more open files than this seals every round; -1
  // for no limit.
  int64_t max_open_files = -1;
  // secor.upload.minute_mark: the minute of the hour at which topics that
  // match the minute-mark filter upload what they began before it; 0 is off.
  int minute_mark = 0;
};

// Per-topic limits, resolved once per topic.
struct UploadLimits {
  int64_t max_round_bytes = 0;  // secor.max.file.size.bytes
  int64_t max_age_ms = 0;       // secor.max.file.age.seconds, in ms
  bool at_minute_mark = false;  // the topic matches the minute-mark filter
};

// What the policy needs to know of a round (see RoundWriter::Summary).
struct RoundSummary {
  using Clock = std::chrono::steady_clock;
  size_t files = 0;
  uint64_t bytes = 0;  // all files, as written so far
  Clock::time_point oldest_file;
  Clock::time_point youngest_file;
};

class UploadPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  explicit UploadPolicy(UploadPolicySettings settings) : settings_(settings) {}

  const UploadPolicySettings& settings() const { return settings_; }

  // Checked after each message, so that a burst cannot carry a round far
  // past its size before the next tick.
  bool SealForSize(const RoundSummary& round, const UploadLimits& limits) const;

  // More files are open in the process than allowed: every round is sealed.
  bool TooManyFiles(size_t open_files) const;

  // Checked on the periodic tick: size, age and minute mark. now_wall_ms is
  // the wall clock in ms since the epoch (the minute mark is wall time; ages
  // are measured on the steady clock).
  bool SealOnTick(const RoundSummary& round, const UploadLimits& limits, Clock::time_point now,
                  int64_t now_wall_ms) const;

 private:
  UploadPolicySettings settings_;
};

}  // namespace secor
