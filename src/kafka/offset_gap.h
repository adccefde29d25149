// OffsetGapTracker: what a consumer does with a message past the offset its
// partition needs next. Kafka hands out every offset of a plain topic in
// order, so such a message means either that the fetch position went wrong
// (librdkafka 2.0.2 sometimes keeps fetching where it stood when a partition
// held paused at its assignment is set up and sought: the 2026-12 soaks lost
// offsets that way) or that the offsets are not in the log (compaction,
// transaction markers). The tracker seeks back a few times, two seconds
// apart, and only then accepts the gap as real, at the lowest offset any
// read delivered past it, so that a stale message fetched before a seek can
// never carry the partition past offsets that exist.
//
// The seeks after the first are driven by the caller's periodic tick, not by
// messages: after a seek back the messages past the gap are delivered again
// at once and dropped, and on a topic that gets no new messages nothing else
// would ever trigger the next seek (a read_committed consumer stalled at the
// first control record for good).
#pragma once

#include <chrono>
#include <cstdint>

namespace secor {

class OffsetGapTracker {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kSeeksBeforeAccepting = 3;
  static constexpr std::chrono::seconds kSeekInterval{2};

  enum class Verdict {
    kNext,      // the offset needed next (or before it): no gap
    kSeekBack,  // drop the message and seek back to gap_offset()
    kDrop,      // drop the message; a seek back is under way
    kAccept,    // the gap is real: take the message, offsets before it are not in the log
  };

  // A message at offset arrived while expected is the next offset needed.
  Verdict OnMessage(int64_t offset, int64_t expected, Clock::time_point now);

  // From the periodic tick: true when the caller must seek back to
  // gap_offset() again. expected is the next offset needed now; active is
  // false when the partition starts over (being set up, blocked), which
  // forgets the gap, as does a gap already passed.
  bool SeekDue(int64_t expected, bool active, bool paused, Clock::time_point now);

  int64_t gap_offset() const { return gap_offset_; }
  // The lowest offset delivered past the gap so far.
  int64_t gap_next() const { return gap_next_; }
  int seeks() const { return seeks_; }

 private:
  int64_t gap_offset_ = -1;
  int64_t gap_next_ = -1;
  int seeks_ = 0;
  Clock::time_point last_seek_;
};

}  // namespace secor
