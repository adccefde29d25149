#include "kafka/offset_gap.h"

#include <algorithm>

namespace secor {

OffsetGapTracker::Verdict OffsetGapTracker::OnMessage(int64_t offset, int64_t expected,
                                                      Clock::time_point now) {
  if (offset <= expected) return Verdict::kNext;
  if (gap_offset_ != expected) {
    gap_offset_ = expected;
    gap_next_ = offset;
    seeks_ = 1;
    last_seek_ = now;
    return Verdict::kSeekBack;
  }
  gap_next_ = std::min(gap_next_, offset);
  if (seeks_ < kSeeksBeforeAccepting || offset != gap_next_) return Verdict::kDrop;
  return Verdict::kAccept;
}

bool OffsetGapTracker::SeekDue(int64_t expected, bool active, bool paused, Clock::time_point now) {
  if (gap_offset_ < 0) return false;
  if (gap_offset_ != expected || !active) {
    gap_offset_ = -1;
    return false;
  }
  if (paused || now - last_seek_ < kSeekInterval) return false;
  ++seeks_;
  last_seek_ = now;
  return true;
}

}  // namespace secor
