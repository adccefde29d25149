// GroupConsumer: one member of a Kafka consumer group, with cooperative
// assignment and manual commits only. Rebalances are reported to a listener
// on the polling thread; the listener decides where each newly assigned
// partition starts (the round protocol needs that). An interface, so that the
// consumer's unit tests can run on an in-process fake
// (tests/support/fake_group_consumer.h); GroupConsumer::Create returns the
// librdkafka member (rdkafka_group_consumer.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/message.h"
#include "common/status.h"

namespace secor {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator<(const TopicPartition& o) const {
    return topic < o.topic || (topic == o.topic && partition < o.partition);
  }
  bool operator==(const TopicPartition& o) const {
    return topic == o.topic && partition == o.partition;
  }
};

// What the listener decides for newly assigned partitions.
struct AssignPlan {
  // The offset each partition starts at (a missing entry means "the
  // committed offset, or auto.offset.reset").
  std::map<TopicPartition, int64_t> starts;
  // Partitions to hold paused from the moment they are assigned (their
  // set-up is not finished; the listener resumes them later).
  std::vector<TopicPartition> hold;
};

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Newly assigned partitions. Runs inside Poll: it must not block for long,
  // or the group evicts the member.
  virtual AssignPlan OnAssigned(const std::vector<TopicPartition>& parts) = 0;
  // Partitions taken away (lost=true when the member was evicted).
  virtual void OnRevoked(const std::vector<TopicPartition>& parts, bool lost) = 0;
};

// Why a poll returned an error in place of a message.
enum class PollError {
  kNone,
  // The position is outside the log (retention deleted what was to be read)
  // and auto.offset.reset moved it: messages were skipped.
  kOffsetOutOfRange,
  // Anything else; the client retries by itself, the text is for the log.
  kOther,
};

// A polled message, or an error. The Message view points into bytes that the
// owner keeps alive as long as this object lives (the client's buffer, or a
// fake's log).
class PolledMessage {
 public:
  using Owner = std::unique_ptr<void, void (*)(void*)>;

  PolledMessage() = default;
  PolledMessage(const Message& view, Owner owner)
      : present_(true), view_(view), owner_(std::move(owner)) {}
  PolledMessage(PollError error, std::string text, Owner owner)
      : present_(true), error_(error), error_text_(std::move(text)), owner_(std::move(owner)) {}
  PolledMessage(PolledMessage&&) noexcept = default;
  PolledMessage& operator=(PolledMessage&&) noexcept = default;
  PolledMessage(const PolledMessage&) = delete;
  PolledMessage& operator=(const PolledMessage&) = delete;

  bool empty() const { return !present_; }
  // kNone for a message (the end of a partition is not an error).
  PollError error() const { return error_; }
  const std::string& error_text() const { return error_text_; }
  const Message& view() const { return view_; }

 private:
  bool present_ = false;
  PollError error_ = PollError::kNone;
  std::string error_text_;
  Message view_;
  Owner owner_{nullptr, [](void*) {}};
};

class GroupConsumer {
 public:
  // settings: librdkafka configuration (see kafka/client_config.h). The
  // librdkafka member (rdkafka_group_consumer.h).
  static Result<std::unique_ptr<GroupConsumer>> Create(
      const std::map<std::string, std::string>& settings, RebalanceListener* listener);
  // Closes (Close()) when that was not done.
  virtual ~GroupConsumer() = default;

  // Joins the group for these topics; assignments follow inside polls.
  virtual Status Subscribe(const std::vector<std::string>& topics) = 0;
  // All topic names the cluster has (metadata request).
  virtual Result<std::vector<std::string>> ListTopics(int timeout_ms) = 0;
  // Waits up to timeout_ms for one message; empty when none. Rebalance
  // callbacks run inside, which is all a member that reads nothing needs.
  virtual PolledMessage Poll(int timeout_ms) = 0;
  // Waits up to timeout_ms for messages and takes up to max of them at once
  // (rebalance callbacks run inside, as in Poll). out is cleared first.
  virtual void PollBatch(int timeout_ms, size_t max, std::vector<PolledMessage>* out) = 0;

  // Committed offsets of the group (-1 when none).
  virtual Result<std::map<TopicPartition, int64_t>> Committed(
      const std::vector<TopicPartition>& parts, int timeout_ms) = 0;
  // From now on every commit, waiting or new, returns Aborted at once: at
  // shutdown, past secor.shutdown.timeout.seconds, what is not committed
  // is left to the next owner. Safe from any thread.
  virtual void AbandonCommits() = 0;
  // Synchronous commit of next-offset-to-read values. Fenced when the group
  // refused it (stale generation, unknown member, rebalance in progress);
  // Unavailable when the coordinator did not answer within timeout (retry
  // with the same offsets).
  virtual Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) = 0;
  // Moves the fetch position. timeout_ms 0: asynchronous. Messages fetched
  // before the seek are never delivered after it either way.
  virtual Status Seek(const TopicPartition& tp, int64_t offset, int timeout_ms) = 0;
  // Stops fetching these partitions; they stay assigned.
  virtual Status Pause(const std::vector<TopicPartition>& parts) = 0;
  // Fetches them again, from a position the implementation chooses: use
  // ResumeAt when the position matters.
  virtual Status Resume(const std::vector<TopicPartition>& parts) = 0;
  // Resumes the partition so that the next message it delivers is the first
  // at or after offset, whatever was sought or polled while it was paused.
  // On an error the partition may be paused or not: pause it again.
  virtual Status ResumeAt(const TopicPartition& tp, int64_t offset) = 0;
  // Messages fetched and waiting to be polled.
  virtual size_t QueuedMessages() = 0;
  // Asks the leaders of these partitions to fetch again now (catching up,
  // with the poll queue drained). Never blocks.
  virtual void WakeFetchers(const std::vector<TopicPartition>& parts) = 0;
  // Low and high watermarks from the broker, or Unavailable after timeout_ms
  // (with the leader down, too).
  virtual Status QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high,
                                 int timeout_ms) = 0;
  // The watermarks last seen in fetch responses: no broker round trip, so
  // cheap on the consume loop. False when none were seen yet.
  virtual bool CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high) = 0;
  // Leaves the group (revoking everything through the listener), waiting at
  // most timeout for the group to answer; past it the group drops the member
  // after session.timeout.ms, as after a crash.
  virtual Status Close(std::chrono::milliseconds timeout = std::chrono::seconds(60)) = 0;
};

}  // namespace secor
