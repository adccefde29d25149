// GroupConsumer: one member of a Kafka consumer group over librdkafka, with
// cooperative-sticky assignment and manual commits only. Rebalances are
// reported to a listener on the polling thread; the listener decides where
// each newly assigned partition starts (the round protocol needs that).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/message.h"
#include "common/status.h"

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_queue_s;
struct rd_kafka_op_s;

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

// A message owned by the consumer; Message view valid while this lives.
class PolledMessage {
 public:
  PolledMessage() = default;
  explicit PolledMessage(rd_kafka_message_s* m);
  ~PolledMessage();
  PolledMessage(PolledMessage&& o) noexcept;
  PolledMessage& operator=(PolledMessage&& o) noexcept;
  PolledMessage(const PolledMessage&) = delete;
  PolledMessage& operator=(const PolledMessage&) = delete;

  bool empty() const { return msg_ == nullptr; }
  // Error carried by the message (end of partition is not an error).
  int error_code() const;
  std::string error_text() const;
  const Message& view() const { return view_; }

 private:
  rd_kafka_message_s* msg_ = nullptr;
  Message view_;
};

class GroupConsumer {
 public:
  // settings: librdkafka configuration (see kafka/client_config.h).
  static Result<std::unique_ptr<GroupConsumer>> Create(
      const std::map<std::string, std::string>& settings, RebalanceListener* listener);
  ~GroupConsumer();

  Status Subscribe(const std::vector<std::string>& topics);
  // All topic names the cluster has (metadata request).
  Result<std::vector<std::string>> ListTopics(int timeout_ms);
  // Waits up to timeout_ms for one message; empty when none.
  PolledMessage Poll(int timeout_ms);
  // Waits up to timeout_ms for messages and takes up to max of them at once
  // (rebalance callbacks run inside, as in Poll). out is cleared first.
  void PollBatch(int timeout_ms, size_t max, std::vector<PolledMessage>* out);

  // Committed offsets of the group (-1 when none).
  Result<std::map<TopicPartition, int64_t>> Committed(const std::vector<TopicPartition>& parts,
                                                      int timeout_ms);
  // From now on every commit, waiting or new, returns Aborted at once: at
  // shutdown, past secor.shutdown.timeout.seconds, what is not committed
  // is left to the next owner.
  void AbandonCommits() { commits_abandoned_ = true; }
  // Synchronous commit of next-offset-to-read values. Fenced when the group
  // refused it (stale generation, unknown member, rebalance in progress);
  // Unavailable when the coordinator did not answer within timeout (retry
  // with the same offsets).
  Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // timeout_ms 0: asynchronous. Messages fetched before the seek are never
  // delivered after it either way (librdkafka's version barrier is raised at
  // once); waiting would only block on a partition whose leader is down.
  Status Seek(const TopicPartition& tp, int64_t offset, int timeout_ms);
  Status Pause(const std::vector<TopicPartition>& parts);
  Status Resume(const std::vector<TopicPartition>& parts);
  // Messages fetched and waiting in the consumer queue.
  size_t QueuedMessages();
  // Low and high watermarks as the last fetch responses reported them (no
  // broker round trip); false when none arrived yet.
  bool CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high);
  // Wakes the fetchers of these partitions' leaders (a watermark request to
  // each). librdkafka 2.0.2 stops fetching every partition once the shared
  // consumer queue passes queued.min.messages or queued.max.messages.kbytes,
  // and its broker threads then sleep up to a second before they look again,
  // however soon the queue is drained; catching up would crawl.
  // Never blocks: the requests go out from a helper thread, one batch at a
  // time.
  void WakeFetchers(const std::vector<TopicPartition>& parts);
  // Low and high watermarks from the broker, or Unavailable after timeout_ms.
  // librdkafka 2.0.2's rd_kafka_query_watermark_offsets applies its timeout
  // only to finding the leader: with the leader down it waits for the
  // request's own timeout (socket.timeout.ms, a minute by default), which
  // held the consume loop, and a SIGTERM, that long. The call runs on a
  // helper thread; one that outlives its caller finishes there.
  Status QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high, int timeout_ms);
  // Leaves the group (revoking everything through the listener), waiting at
  // most timeout for the group to answer. librdkafka's own close waits
  // without a bound: with the coordinator unreachable it held a SIGTERM past
  // secor.shutdown.timeout.seconds and a systemd stop timeout. Past the
  // bound the member is left for the group to drop after
  // session.timeout.ms, as after a crash, and the handle is left to the
  // process exit.
  Status Close(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  rd_kafka_s* handle() { return rk_; }

 private:
  GroupConsumer() = default;
  friend struct GroupConsumerAccess;
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_queue_s* queue_ = nullptr;  // the consumer queue
  RebalanceListener* listener_ = nullptr;
  bool closed_ = false;
  // The answer to a commit, or nullptr after timeout or AbandonCommits().
  rd_kafka_op_s* WaitForReply(rd_kafka_queue_s* reply, std::chrono::milliseconds timeout);
  bool close_abandoned_ = false;
  std::atomic<bool> commits_abandoned_{false};  // Close timed out: the handle is mid-close
  // librdkafka 2.0.2 (Debian 12) aborts when a cooperative-sticky member
  // that never received an assignment is destroyed (its issue #4312, fixed
  // in 2.3.0). Such a member holds nothing, so it leaves without closing and
  // its handle is left to the process exit.
  bool ever_assigned_ = false;

  // Helper threads still inside librdkafka; the handle must outlive them.
  // False when some are still there after timeout_ms.
  bool WaitForHelpers(int timeout_ms);
  // Shared with the helper threads, which may outlive this object (see the
  // destructor).
  struct Helpers {
    std::mutex mu;
    std::condition_variable done;
    int running = 0;
    bool waking = false;  // a WakeFetchers batch is in flight
  };
  std::shared_ptr<Helpers> helpers_ = std::make_shared<Helpers>();
};

}  // namespace secor
