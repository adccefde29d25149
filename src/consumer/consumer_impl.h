// ConsumerImpl: the consume loop behind Consumer (consumer.h), in three
// files: consumer.cc (start-up, the loop, events from the uploader, status,
// shutdown), partition_setup.cc (assignment, revocation, set-up and replay)
// and message_path.cc (admitting, writing and holding messages, sealing
// rounds). Private to src/consumer.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "consumer/consumer.h"
#include "consumer/consumer_settings.h"
#include "consumer/partition_state.h"
#include "consumer/staging.h"
#include "consumer/topic_context.h"
#include "kafka/group_consumer.h"
#include "metrics/metrics.h"
#include "metrics/status.h"
#include "storage/object_store.h"
#include "upload/round_ledger.h"
#include "upload/upload_policy.h"
#include "upload/uploader.h"

namespace secor::consumer_internal {

using Clock = std::chrono::steady_clock;

inline constexpr char kLagMetric[] = "secor_consumer_lag_messages";

inline int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Exponentially decaying count of bad messages (half-life one minute), as the
// original's max_bad_messages limit: bursts trip it, a trickle does not.
class DecayingCount {
 public:
  double Add(Clock::time_point now) {
    double dt = std::chrono::duration<double>(now - last_).count();
    value_ = value_ * std::exp2(-dt / 60.0) + 1;
    last_ = now;
    return value_;
  }

 private:
  double value_ = 0;
  Clock::time_point last_ = Clock::now();
};

// The consume loop's own series (the per-topic ones are in TopicContext).
struct ConsumerProbe {
  explicit ConsumerProbe(MetricsRegistry& m)
      : registry(m),
        rebalances(
            m.GetCounter("secor_consumer_rebalances_total", "Partitions assigned or revoked")),
        offsets_lost(m.GetCounter(
            "secor_consumer_offsets_lost_total",
            "Times Kafka no longer held offsets that had to be read (retention passed them)")),
        parse_retries(m.GetCounter(
            "secor_consumer_parse_retries_total",
            "Parser failures that may pass (schema registry down): the partition was held at the "
            "message's offset to read it again later")),
        open_files(m.GetGauge("secor_consumer_open_files", "Local files being written")),
        rounds_in_flight(
            m.GetGauge("secor_rounds_in_flight", "Sealed rounds waiting for upload and commit")),
        assigned(m.GetGauge("secor_consumer_assigned_partitions", "Source partitions assigned")) {}

  // secor_consumer_lag_messages of a partition, registered at first use.
  Gauge& Lag(const TopicPartition& tp) {
    Gauge*& lag = lag_gauges[tp];
    if (!lag) {
      lag = &registry.GetGauge(kLagMetric,
                               "Messages between the read position and the partition's end",
                               {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}});
    }
    return *lag;
  }
  // A partition another consumer owns now reports its lag there, not here.
  template <typename Owned>
  void DropLagOfOthers(const Owned& owned) {
    for (auto it = lag_gauges.begin(); it != lag_gauges.end();) {
      if (owned.count(it->first)) {
        ++it;
        continue;
      }
      registry.RemoveGauge(kLagMetric, {{"topic", it->first.topic},
                                        {"partition", std::to_string(it->first.partition)}});
      it = lag_gauges.erase(it);
    }
  }

  MetricsRegistry& registry;
  Counter& rebalances;
  Counter& offsets_lost;
  Counter& parse_retries;
  Gauge& open_files;
  Gauge& rounds_in_flight;
  Gauge& assigned;
  std::map<TopicPartition, Gauge*> lag_gauges;  // consuming thread only
};

class ConsumerImpl : public Consumer, public RebalanceListener, public RoundOwner {
 public:
  ConsumerImpl(const Config& config, ConsumerOptions options, ConsumerEnvironment env)
      : config_(config),
        options_(options),
        env_(std::move(env)),
        metrics_(env_.metrics ? *env_.metrics : MetricsRegistry::Global()),
        status_(env_.status ? *env_.status : StatusBoard::Global()),
        probe_(metrics_) {}

  Status Init();
  Status Run() override;
  void RequestStop() override { stop_requested_.store(true); }

  // RebalanceListener (consuming thread, inside Poll).
  AssignPlan OnAssigned(const std::vector<TopicPartition>& parts) override;
  void OnRevoked(const std::vector<TopicPartition>& parts, bool lost) override;

  // RoundOwner (uploader threads).
  bool IsCurrent(const std::string& topic, int32_t partition, uint64_t epoch) override;
  Status Commit(const std::string& topic, int32_t partition, uint64_t epoch,
                int64_t next_offset) override;
  void OnRoundDone(const SealedRound& round, const Status& outcome) override;
  void OnConflict(const SealedRound& round) override;
  void OnFatal(const Status& status) override;

 private:
  // What the uploader threads report back to the consuming thread.
  struct Event {
    enum Kind { kRoundDone, kConflict, kFatal } kind;
    TopicPartition tp;
    uint64_t epoch = 0;
    int64_t start = 0;
    Status status;
  };

  Status ProbeStore();
  Result<TopicContext*> Context(const std::string& topic);
  Result<std::vector<std::string>> MatchingTopics();
  Status SubscribeWhenReachable();

  // Assignment and set-up.
  Status SetUpPartition(PartitionState& ps);
  Status RetrySetUps();
  void HoldForSetUp(PartitionState& ps, const Status& why);
  Status ResetToReplay(PartitionState& ps, int64_t start);
  void SetCurrent(const TopicPartition& tp, uint64_t epoch);
  void ClearCurrent(const TopicPartition& tp);

  // Messages.
  Status Process(const Message& m);
  bool Admit(PartitionState& ps, const Message& m);
  Status Write(PartitionState& ps, const Message& raw);
  Status HoldForParse(PartitionState& ps, const Message& m, const Status& why);
  void ReportBadMessage(const Message& m, const std::string& error);
  void ReleaseParseHolds();
  static void ClearParseHold(PartitionState& ps);
  void SeekBackToGap(PartitionState& ps, int64_t offset);
  void RetryGapSeeks();

  // Rounds.
  void StartRound(PartitionState& ps, int64_t start);
  void DropRound(PartitionState& ps);
  Status SealRound(PartitionState& ps);
  Status SealEverything();
  Status CheckPolicies();
  void UpdatePause(PartitionState& ps);
  void CountOpenFiles();
  size_t OpenFileCount() const;

  Status HandleEvents();
  void WakeFetchersIfBehind();
  void PublishStatus();
  // The periodic progress line (secor.log.progress.seconds), so that a
  // healthy consumer says so between assignment and its first round.
  void LogProgressIfDue(Clock::time_point now);
  Status ConsumeLoop();
  Status Shutdown(Status result);

  Config config_;
  ConsumerOptions options_;
  ConsumerEnvironment env_;
  MetricsRegistry& metrics_;
  StatusBoard& status_;
  ConsumerProbe probe_;
  ConsumerSettings settings_;
  std::unique_ptr<UploadPolicy> policy_;
  std::string writer_id_;
  std::string auto_offset_reset_ = "earliest";

  std::unique_ptr<Staging> staging_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<RoundLedger> ledger_;
  std::unique_ptr<Uploader> uploader_;
  std::unique_ptr<GroupConsumer> kafka_;

  std::map<std::string, std::unique_ptr<TopicContext>> topics_;
  // The start-up check builds a context for topic "" that never counts
  // anything: its series stay out of the exported registry.
  MetricsRegistry validation_metrics_;
  std::map<TopicPartition, PartitionState> partitions_;
  std::vector<std::string> subscribed_;
  uint64_t next_epoch_ = 1;
  DecayingCount bad_count_;
  static constexpr std::chrono::seconds kBadReportInterval{10};
  Clock::time_point bad_reported_at_;  // of the last bad message reported
  int64_t bad_unreported_ = 0;         // bad messages since then
  bool too_many_files_ = false;        // secor.max.file.count passed: seal every round
  Clock::time_point last_wake_;
  static constexpr size_t kWakeBelowQueued = 2000;
  static constexpr int64_t kWakeMinLag = 10000;
  static constexpr size_t kBatch = 1024;
  static constexpr int kSetUpTimeoutMs = 5000;
  static constexpr int64_t kFirstSetUpBackoffMs = 500;
  static constexpr int64_t kMaxSetUpBackoffMs = 30000;
  static constexpr int64_t kFirstParseBackoffMs = 500;
  std::set<TopicPartition> assigned_in_poll_;  // by OnAssigned, inside PollBatch
  Status setup_error_;

  std::mutex current_mu_;
  std::map<TopicPartition, uint64_t> current_;  // assigned partitions and their epochs

  std::mutex events_mu_;
  std::deque<Event> events_;

  std::atomic<bool> stop_requested_{false};
  std::string transformed_;  // reused buffer for transformed payloads
  std::string partition_path_;
  int64_t total_ = 0;          // messages processed
  bool joined_group_ = false;  // an assignment arrived, and was not lost since
  Clock::time_point first_message_at_, last_message_at_;
  Clock::time_point progress_at_ = Clock::now();  // of the last progress line
  int64_t progress_messages_ = 0;                 // total_ then
  double progress_bytes_ = 0;                     // bytes consumed then
};

}  // namespace secor::consumer_internal
