// PartitionState: one assigned source partition as the consume loop sees it:
// where its current round starts and stands, its open files, the decided
// rounds it must replay, and which phase it is in. Owned by the consuming
// thread only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>

#include "consumer/round_writer.h"
#include "consumer/topic_context.h"
#include "kafka/group_consumer.h"
#include "kafka/offset_gap.h"
#include "upload/round_ledger.h"

namespace secor {

// A capped exponential backoff for retrying something from the consume loop.
class RetryTimer {
 public:
  using Clock = std::chrono::steady_clock;
  // Next try after first_ms (capped at max_ms).
  void Start(int64_t first_ms, int64_t max_ms, Clock::time_point now) {
    delay_ms_ = std::min(first_ms, max_ms);
    at_ = now + std::chrono::milliseconds(delay_ms_);
  }
  // Next try after twice the last delay (capped at max_ms).
  void Double(int64_t max_ms, Clock::time_point now) {
    delay_ms_ = std::min(delay_ms_ * 2, max_ms);
    at_ = now + std::chrono::milliseconds(delay_ms_);
  }
  bool Due(Clock::time_point now) const { return now >= at_; }
  int64_t delay_ms() const { return delay_ms_; }

 private:
  int64_t delay_ms_ = 0;
  Clock::time_point at_;
};

enum class PartitionPhase {
  // Its start offset is not decided yet (the set-up needs the broker and the
  // store); paused, set up again with backoff from the consume loop.
  kSettingUp,
  // Reading and writing rounds.
  kFlowing,
  // A message's parser failed for a reason that may pass (the schema
  // registry down): paused and sought back to that message, read again
  // after a backoff. Nothing past it is written or committed.
  kParseHeld,
  // A decided round must be replayed but Kafka no longer holds its
  // messages: paused until an operator moves the offsets.
  kBlocked,
};

struct PartitionState {
  using Clock = std::chrono::steady_clock;

  TopicPartition tp;
  TopicContext* ctx = nullptr;
  // The incarnation of this state; rounds sealed under an older epoch are no
  // longer this state's to commit.
  uint64_t epoch = 0;
  PartitionPhase phase = PartitionPhase::kSettingUp;
  bool paused = false;     // as last set in Kafka
  int pending_rounds = 0;  // sealed and not yet done by the uploader

  int64_t round_start = 0;
  int64_t last_offset = -1;  // of the current round, -1 when it has none yet
  std::unique_ptr<RoundWriter> round;
  std::deque<RoundMarker> replay;  // decided rounds still to be replayed, in order

  RetryTimer setup_retry;
  // The held message's offset stays set after the hold is released, until
  // that message is parsed: a fetch that resumes past it is sought back.
  int64_t held_offset = -1;
  bool held_resought = false;  // sought back to held_offset since the last policy tick
  RetryTimer parse_retry;
  OffsetGapTracker gaps;

  // The offset this state needs next.
  int64_t NextOffset() const { return last_offset >= 0 ? last_offset + 1 : round_start; }
  // Where fetching must resume: the held message first.
  int64_t ResumeOffset() const { return held_offset >= 0 ? held_offset : NextOffset(); }
  bool WantsPause(int max_pending_rounds) const {
    return pending_rounds >= max_pending_rounds || phase != PartitionPhase::kFlowing;
  }
  bool replaying() const { return !replay.empty(); }
};

}  // namespace secor
