#include "upload/upload_policy.h"

namespace secor {

bool UploadPolicy::SealForSize(const RoundSummary& round, const UploadLimits& limits) const {
  return round.files > 0 && round.bytes >= static_cast<uint64_t>(limits.max_round_bytes);
}

bool UploadPolicy::TooManyFiles(size_t open_files) const {
  return settings_.max_open_files >= 0 &&
         open_files > static_cast<size_t>(settings_.max_open_files);
}

bool UploadPolicy::SealOnTick(const RoundSummary& round, const UploadLimits& limits,
                              Clock::time_point now, int64_t now_wall_ms) const {
  if (round.files == 0) return false;
  if (SealForSize(round, limits)) return true;
  auto since = settings_.age_of_youngest ? round.youngest_file : round.oldest_file;
  auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count();
  if (age_ms >= limits.max_age_ms) return true;
  if (!limits.at_minute_mark || settings_.minute_mark <= 0) return false;
  if ((now_wall_ms / 60000) % 60 != settings_.minute_mark) return false;
  // Only what was begun before this minute: a round opened within the mark
  // minute waits for its size or age (or the next hour's mark).
  int64_t minute_start_ms = now_wall_ms - now_wall_ms % 60000;
  int64_t oldest_wall_ms =
      now_wall_ms -
      std::chrono::duration_cast<std::chrono::milliseconds>(now - round.oldest_file).count();
  return oldest_wall_ms < minute_start_ms;
}

}  // namespace secor
