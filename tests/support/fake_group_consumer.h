// FakeGroupConsumer: an in-process GroupConsumer for unit tests of code that
// consumes a group (the consumer's round protocol) without a broker. The test
// owns the cluster (topics, per-partition logs that may have offset gaps, the
// group's committed offsets) and scripts the group: Assign and Revoke are
// delivered to the RebalanceListener inside the next Poll/PollBatch, as
// librdkafka does (that poll returns no message). Positions follow the interface's semantics: Seek,
// Pause, Resume and ResumeAt move or stop the next offset delivered. Thread-safe: commits may come
// from other threads, and an Append from another thread wakes a waiting poll. Listener callbacks
// run without the lock held, so they may call back into the fake.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/group_consumer.h"

namespace secor::testing {

// One record to append; the log gives it its offset.
struct FakeRecord {
  std::string payload;
  bool has_key = false;
  std::string key;
  int64_t timestamp_ms = -1;
  std::vector<std::pair<std::string, std::string>> headers;
};

class FakeGroupConsumer : public GroupConsumer {
 public:
  // listener may be set later (SetListener), before the first poll that
  // delivers a rebalance.
  explicit FakeGroupConsumer(RebalanceListener* listener = nullptr);
  ~FakeGroupConsumer() override;

  void SetListener(RebalanceListener* listener);
  // Where an assigned partition without a plan start and without a committed
  // offset starts: true is auto.offset.reset=earliest (the default), false
  // latest. Also where an out-of-range position is reset to.
  void SetResetToEarliest(bool earliest);

  // --- The cluster ---
  // Creates (or grows) a topic with partitions 0..partitions-1, empty.
  void CreateTopic(const std::string& topic, int32_t partitions);
  // Appends at the partition's high watermark; returns the record's offset.
  int64_t Append(const TopicPartition& tp, FakeRecord record);
  int64_t Append(const TopicPartition& tp, const std::string& payload);
  // Appends every payload at once (one fetch can see them all); returns the
  // first one's offset.
  int64_t AppendAll(const TopicPartition& tp, const std::vector<std::string>& payloads);
  // Appends at offset, which must not be below the high watermark; the
  // offsets skipped are a gap (transaction markers, compaction).
  void AppendAt(const TopicPartition& tp, int64_t offset, FakeRecord record);
  // Moves the high watermark by n without records (an aborted transaction's
  // marker, say).
  void SkipOffsets(const TopicPartition& tp, int64_t n);
  // Removes one record from inside the log (compaction): a gap.
  void Compact(const TopicPartition& tp, int64_t offset);
  // Deletes every record below offset (retention): the low watermark moves.
  void TruncateBefore(const TopicPartition& tp, int64_t offset);
  int64_t LowWatermark(const TopicPartition& tp) const;
  int64_t HighWatermark(const TopicPartition& tp) const;

  // --- The group ---
  // Sets the group's committed offset, as another member would.
  void SetCommitted(const TopicPartition& tp, int64_t offset);
  // The group's committed offset, -1 when none.
  int64_t CommittedOffset(const TopicPartition& tp) const;
  std::map<TopicPartition, int64_t> CommittedOffsets() const;
  // Every successful Commit call, in order.
  std::vector<std::map<TopicPartition, int64_t>> CommitHistory() const;
  // Scripts a rebalance, delivered inside the next poll (in script order).
  void Assign(const std::vector<TopicPartition>& parts);
  // Assigns every partition of the subscribed topics not assigned yet.
  void AssignAllSubscribed();
  void Revoke(const std::vector<TopicPartition>& parts, bool lost = false);
  // The next n commits fail with status (a stale generation: Fenced; a
  // coordinator away: Unavailable) and change nothing.
  void FailNextCommits(Status status, int n = 1);
  // The next n QueryWatermarks calls fail with status.
  void FailNextWatermarkQueries(Status status, int n = 1);
  // The next n Committed calls fail with status.
  void FailNextCommittedReads(Status status, int n = 1);

  // Moves the fetch position without the member asking, as librdkafka
  // 2.0.2 sometimes did (it kept fetching from a stale position after a
  // seek): once the log holds offset, the next fetch of tp starts there.
  void ForcePosition(const TopicPartition& tp, int64_t offset);
  // Every Seek and ResumeAt the member made, in order.
  std::vector<std::pair<TopicPartition, int64_t>> SeekHistory() const;

  // --- What the member did ---
  std::set<TopicPartition> Assignment() const;
  bool IsPaused(const TopicPartition& tp) const;
  // The next offset the partition delivers from; -1 when not assigned.
  int64_t Position(const TopicPartition& tp) const;
  std::vector<std::string> Subscription() const;
  bool RebalancePending() const;
  bool IsClosed() const;
  bool CommitsAbandoned() const;
  int WakeFetchersCalls() const;
  // Polls begun so far, and polls waiting now for a message (a test waits
  // on these instead of sleeping: the consume loop went round, a poll waits).
  int64_t Polls() const;
  int WaitingPolls() const;

  // --- GroupConsumer ---
  Status Subscribe(const std::vector<std::string>& topics) override;
  Result<std::vector<std::string>> ListTopics(int timeout_ms) override;
  PolledMessage Poll(int timeout_ms) override;
  void PollBatch(int timeout_ms, size_t max, std::vector<PolledMessage>* out) override;
  Result<std::map<TopicPartition, int64_t>> Committed(const std::vector<TopicPartition>& parts,
                                                      int timeout_ms) override;
  void AbandonCommits() override;
  Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                std::chrono::milliseconds timeout) override;
  Status Seek(const TopicPartition& tp, int64_t offset, int timeout_ms) override;
  Status Pause(const std::vector<TopicPartition>& parts) override;
  Status Resume(const std::vector<TopicPartition>& parts) override;
  Status ResumeAt(const TopicPartition& tp, int64_t offset) override;
  // The fake fetches on demand: nothing ever waits in a queue.
  size_t QueuedMessages() override { return 0; }
  void WakeFetchers(const std::vector<TopicPartition>& parts) override;
  Status QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high,
                         int timeout_ms) override;
  // The watermarks as of the partition's last poll (a fetch response): false
  // before the first poll after its assignment.
  bool CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high) override;
  Status Close(std::chrono::milliseconds timeout) override;

 private:
  struct Stored {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    FakeRecord record;
  };
  struct Log {
    std::map<int64_t, std::shared_ptr<const Stored>> records;
    int64_t low = 0;
    int64_t high = 0;
  };
  struct Member {
    int64_t position = 0;
    bool paused = false;
    bool fetched = false;  // polled since assignment: watermarks cached
    int64_t cached_low = -1, cached_high = -1;
    int64_t forced_position = -1;  // ForcePosition, applied once the log reaches it
  };
  struct Rebalance {
    bool assign = true;
    bool lost = false;
    std::vector<TopicPartition> parts;
  };

  // A partition the test never created is created empty on first use.
  Log& LogOf(const TopicPartition& tp);
  const Log& LogOf(const TopicPartition& tp) const;
  int64_t ResetOffset(const Log& log) const;
  // Runs the scripted rebalances; takes the lock itself, calls the listener
  // without it. False when there were none.
  bool DeliverRebalances();
  // Up to max records (or errors) from the unpaused assigned partitions.
  void Fetch(size_t max, std::vector<PolledMessage>* out);

  mutable std::mutex mu_;
  std::condition_variable changed_;
  int64_t polls_ = 0;      // guarded by mu_
  int waiting_polls_ = 0;  // guarded by mu_
  RebalanceListener* listener_ = nullptr;
  bool reset_to_earliest_ = true;
  std::map<TopicPartition, Log> logs_;
  std::map<TopicPartition, int64_t> committed_;
  std::vector<std::map<TopicPartition, int64_t>> commit_history_;
  std::vector<std::pair<TopicPartition, int64_t>> seek_history_;
  std::vector<std::string> subscription_;
  std::map<TopicPartition, Member> assigned_;
  std::deque<Rebalance> script_;
  std::deque<Status> commit_failures_;
  std::deque<Status> watermark_failures_;
  std::deque<Status> committed_failures_;
  bool closed_ = false;
  bool commits_abandoned_ = false;
  int wake_calls_ = 0;
  size_t next_partition_ = 0;  // where the next fetch starts, for fairness
};

}  // namespace secor::testing
