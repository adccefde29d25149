// RdKafkaGroupConsumer: the GroupConsumer over librdkafka 2.0.2 (Debian 12),
// with the workarounds that version needs (bounded commit, close and
// watermark waits; resume-then-seek; no close for a member never assigned;
// a watchdog for partitions that never start fetching).
// Internal to src/kafka: everyone else sees GroupConsumer.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "kafka/group_consumer.h"

namespace secor {

class RdKafkaGroupConsumer : public GroupConsumer {
 public:
  static Result<std::unique_ptr<RdKafkaGroupConsumer>> Create(
      const std::map<std::string, std::string>& settings, RebalanceListener* listener);
  ~RdKafkaGroupConsumer() override;
  RdKafkaGroupConsumer(const RdKafkaGroupConsumer&) = delete;
  RdKafkaGroupConsumer& operator=(const RdKafkaGroupConsumer&) = delete;

  Status Subscribe(const std::vector<std::string>& topics) override;
  Result<std::vector<std::string>> ListTopics(int timeout_ms) override;
  PolledMessage Poll(int timeout_ms) override;
  void PollBatch(int timeout_ms, size_t max, std::vector<PolledMessage>* out) override;
  Result<std::map<TopicPartition, int64_t>> Committed(const std::vector<TopicPartition>& parts,
                                                      int timeout_ms) override;
  void AbandonCommits() override { commits_abandoned_ = true; }
  // Not rd_kafka_commit(), which waits for the coordinator without a bound.
  Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                std::chrono::milliseconds timeout) override;
  // librdkafka's version barrier is raised at once, so an asynchronous seek
  // already keeps older fetches from being delivered; waiting would only
  // block on a partition whose leader is down.
  Status Seek(const TopicPartition& tp, int64_t offset, int timeout_ms) override;
  Status Pause(const std::vector<TopicPartition>& parts) override;
  Status Resume(const std::vector<TopicPartition>& parts) override;
  Status ResumeAt(const TopicPartition& tp, int64_t offset) override;
  size_t QueuedMessages() override;
  // librdkafka 2.0.2 stops fetching every partition once the shared
  // consumer queue passes queued.min.messages or queued.max.messages.kbytes,
  // and its broker threads then sleep up to a second before they look again,
  // however soon the queue is drained; catching up would crawl. A watermark
  // request to each leader wakes its thread. The requests go out from a
  // helper thread, one batch at a time.
  void WakeFetchers(const std::vector<TopicPartition>& parts) override;
  // librdkafka 2.0.2's rd_kafka_query_watermark_offsets applies its timeout
  // only to finding the leader: with the leader down it waits for the
  // request's own timeout (socket.timeout.ms, a minute by default), which
  // held the consume loop, and a SIGTERM, that long. The call runs on a
  // helper thread; one that outlives its caller finishes there.
  Status QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high,
                         int timeout_ms) override;
  bool CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high) override;
  // librdkafka's own close waits without a bound: with the coordinator
  // unreachable it held a SIGTERM past secor.shutdown.timeout.seconds and a
  // systemd stop timeout. Past the bound the handle is left to the process
  // exit.
  Status Close(std::chrono::milliseconds timeout) override;

 private:
  RdKafkaGroupConsumer() = default;
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque);
  // The answer to a commit, or nullptr after timeout or AbandonCommits().
  rd_kafka_event_t* WaitForReply(rd_kafka_queue_t* reply, std::chrono::milliseconds timeout);
  // The stall watchdog. librdkafka 2.0.2 starts a partition assigned
  // without an offset only after fetching its committed offset, and when
  // that fetch fails (NOT_COORDINATOR, say) it never tries again: the
  // partition stays assigned and never fetched, whatever seeks and resumes
  // follow, and no later such partition is started either (the chaos test's
  // mock variant, seed 13438229940227825205, stalled three for good). A
  // partition that was sought (Seek, ResumeAt) and has delivered nothing
  // since, for a few seconds, while not paused and with the log holding
  // messages past the wanted offset (or no fetch response ever seen), is
  // unassigned and assigned again at that offset: an absolute offset needs
  // no committed-offset fetch.
  void Watch(const TopicPartition& tp, int64_t offset);
  void Unwatch(const std::vector<TopicPartition>& parts);
  void SetPaused(const std::vector<TopicPartition>& parts, bool paused);
  // Drops the partitions of these messages from the watch.
  void Delivered(const std::vector<PolledMessage>& batch);
  void CheckStalls();
  struct Watched {
    int64_t offset = 0;  // what the caller wants delivered next
    std::chrono::steady_clock::time_point since;
    std::chrono::milliseconds wait{0};  // before the next re-assignment
  };
  std::mutex watch_mu_;
  std::map<TopicPartition, Watched> watched_;
  // Paused by the caller (librdkafka keeps that across re-assignment): a
  // seek while paused is not watched; ResumeAt seeks again once resumed.
  std::set<TopicPartition> paused_;
  std::chrono::steady_clock::time_point next_stall_check_;

  // Helper threads still inside librdkafka; the handle must outlive them.
  // False when some are still there after timeout_ms.
  bool WaitForHelpers(int timeout_ms);

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;  // the consumer queue
  // The queue of a close abandoned at its deadline (kept with the handle).
  rd_kafka_queue_t* close_queue_ = nullptr;
  RebalanceListener* listener_ = nullptr;
  bool closed_ = false;
  bool close_abandoned_ = false;  // Close timed out: the handle is mid-close
  std::atomic<bool> commits_abandoned_{false};
  // librdkafka 2.0.2 (Debian 12) aborts when a cooperative-sticky member
  // that never received an assignment is destroyed (its issue #4312, fixed
  // in 2.3.0). Such a member holds nothing, so it leaves without closing and
  // its handle is left to the process exit.
  bool ever_assigned_ = false;

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
