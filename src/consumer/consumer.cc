#include "consumer/consumer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "consumer/consumer_settings.h"
#include "consumer/partition_state.h"
#include "consumer/round_writer.h"
#include "consumer/staging.h"
#include "consumer/topic_context.h"
#include "format/compression_pool.h"
#include "format/parquet/writer.h"
#include "kafka/client_config.h"
#include "kafka/group_consumer.h"
#include "metrics/metrics.h"
#include "metrics/status.h"
#include "storage/object_store.h"
#include "upload/object_names.h"
#include "upload/round_ledger.h"
#include "upload/upload_policy.h"
#include "upload/uploader.h"

namespace secor {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kLagMetric[] = "secor_consumer_lag_messages";

int64_t WallMs() {
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

// name (secor.writer.id) stands for the host name; the pid, start time and
// a random part keep every incarnation distinct.
std::string MakeWriterId(std::string name) {
  if (name.empty()) {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    name = host;
  }
  std::random_device rd;
  return fmt::format("{}:{}:{}:{:08x}", name, ::getpid(), WallMs(), rd());
}

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
  std::map<TopicPartition, PartitionState> partitions_;
  std::vector<std::string> subscribed_;
  uint64_t next_epoch_ = 1;
  DecayingCount bad_count_;
  bool too_many_files_ = false;  // secor.max.file.count passed: seal every round
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
  int64_t total_ = 0;  // messages processed
  Clock::time_point first_message_at_, last_message_at_;
};

Status ConsumerImpl::Init() {
  ASSIGN_OR_RETURN(settings_, ConsumerSettings::FromConfig(config_));
  policy_ = std::make_unique<UploadPolicy>(settings_.policy);
  // Process-wide resources, sized by this service's settings.
  SetSharedCompressionThreads(settings_.compression_threads);
  parquet::MemoryBudget::Process()->set_limit(settings_.parquet_memory_budget);

  // Build the per-topic parts once with the topic-independent settings, so
  // that a bad parser, format, codec or policy value stops start-up instead
  // of the first assignment.
  RETURN_IF_ERROR(Context("").status());
  topics_.clear();

  writer_id_ = MakeWriterId(settings_.writer_name);
  std::random_device rd;
  auto staging = Staging::Open(settings_.local_path,
                               fmt::format("{}-{}-{:06x}", ::getpid(), WallMs(), rd() & 0xffffff));
  if (!staging.ok()) return staging.status();
  staging_ = std::move(staging).value();

  ASSIGN_OR_RETURN(store_, OpenObjectStore(settings_.output_uri, config_));
  ledger_ = std::make_unique<RoundLedger>(store_.get(), settings_.state_path, settings_.group);
  RETURN_IF_ERROR(ProbeStore());

  ASSIGN_OR_RETURN(auto client_settings, ConsumerClientSettings(config_, settings_.group));
  auto_offset_reset_ = client_settings["auto.offset.reset"];
  if (env_.open_kafka) {
    ASSIGN_OR_RETURN(kafka_, env_.open_kafka(this));
  } else {
    ASSIGN_OR_RETURN(kafka_, GroupConsumer::Create(client_settings, this));
  }

  UploaderOptions uopts;
  uopts.threads = settings_.upload_threads;
  uopts.max_backoff_ms = settings_.upload_max_backoff_ms;
  uopts.writer_id = writer_id_;
  uploader_ = std::make_unique<Uploader>(store_.get(), ledger_.get(), this, uopts, metrics_);
  spdlog::info("secor consume: group {} writer {} output {} staging {}", settings_.group,
               writer_id_, store_->Uri(""), staging_->dir());
  return Status::OK();
}

// Exactly-once needs a store that refuses a second create-only write.
Status ConsumerImpl::ProbeStore() {
  std::string probe = fmt::format("{}/{}/_probe/{}", settings_.state_path, settings_.group,
                                  writer_id_.substr(writer_id_.find(':') + 1));
  for (char& c : probe) {
    if (c == ':') c = '-';
  }
  // A store error, or a first write whose answer was lost and whose retry
  // then met the probe it had written (AlreadyExists), says nothing about
  // create-only support: try again with a fresh key. Only a store that
  // accepts the second write (InvalidArgument) or refuses access is a verdict.
  // A store that stays unreachable is retried with backoff for about five
  // minutes, or until a signal asks the process to stop.
  Status probed;
  auto stopping = [this] {
    return options_.stop_signals != nullptr && options_.stop_signals->load() > 0;
  };
  for (int attempt = 0; attempt < 16; ++attempt) {
    probed = ProbeCreateOnly(*store_, attempt == 0 ? probe : fmt::format("{}-{}", probe, attempt));
    if (probed.ok() || !(probed.IsRetryable() || probed.IsAlreadyExists())) break;
    int64_t backoff_ms = std::min<int64_t>(int64_t{500} << std::min(attempt, 6), 30000);
    spdlog::warn("create-only probe failed, trying again in {} ms: {}", backoff_ms,
                 probed.message());
    for (int64_t waited = 0; waited < backoff_ms && !stopping(); waited += 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (stopping()) break;
  }
  if (probed.ok()) return probed;
  if (settings_.delivery == Delivery::kExactlyOnce) return probed;
  spdlog::warn("secor.delivery=at-least-once: {}", probed.message());
  return Status::OK();
}

Result<TopicContext*> ConsumerImpl::Context(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second.get();
  // The start-up check builds a context for topic "" that never counts
  // anything: keep it out of the exported series.
  static MetricsRegistry validation_only;
  ASSIGN_OR_RETURN(auto ctx, BuildTopicContext(config_, settings_, topic,
                                               topic.empty() ? validation_only : metrics_));
  TopicContext* raw = ctx.get();
  topics_[topic] = std::move(ctx);
  return raw;
}

Result<std::vector<std::string>> ConsumerImpl::MatchingTopics() {
  ASSIGN_OR_RETURN(auto all, kafka_->ListTopics(10000));
  std::vector<std::string> out;
  for (const auto& t : all) {
    if (settings_.topics.Matches(t)) out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ConsumerImpl::SetCurrent(const TopicPartition& tp, uint64_t epoch) {
  std::lock_guard lock(current_mu_);
  current_[tp] = epoch;
}

void ConsumerImpl::ClearCurrent(const TopicPartition& tp) {
  std::lock_guard lock(current_mu_);
  current_.erase(tp);
}

bool ConsumerImpl::IsCurrent(const std::string& topic, int32_t partition, uint64_t epoch) {
  std::lock_guard lock(current_mu_);
  auto it = current_.find({topic, partition});
  return it != current_.end() && it->second == epoch;
}

Status ConsumerImpl::Commit(const std::string& topic, int32_t partition, uint64_t epoch,
                            int64_t next_offset) {
  // Held across the commit: OnRevoked (ClearCurrent) waits for it, so no
  // commit is sent for a partition after the callback has given it up.
  std::lock_guard lock(current_mu_);
  auto it = current_.find({topic, partition});
  if (it == current_.end() || it->second != epoch) {
    return Status::Fenced("commit {} of {}/{}: the partition was revoked", next_offset, topic,
                          partition);
  }
  return kafka_->Commit({{{topic, partition}, next_offset}});
}

void ConsumerImpl::OnRoundDone(const SealedRound& round, const Status& outcome) {
  status_.RecordUpload({WallMs(), round.topic, round.partition, round.start, round.end,
                        static_cast<int64_t>(round.files.size()), round.replay,
                        outcome.ok() ? "" : outcome.message()});
  std::lock_guard lock(events_mu_);
  events_.push_back(
      {Event::kRoundDone, {round.topic, round.partition}, round.epoch, round.start, outcome});
}

void ConsumerImpl::OnConflict(const SealedRound& round) {
  std::lock_guard lock(events_mu_);
  events_.push_back(
      {Event::kConflict, {round.topic, round.partition}, round.epoch, round.start, {}});
}

void ConsumerImpl::OnFatal(const Status& status) {
  std::lock_guard lock(events_mu_);
  events_.push_back({Event::kFatal, {}, 0, 0, status});
}

// Where a newly assigned partition starts, following the round protocol:
// the committed offset (or the chain root), then past every decided round
// whose files are all stored, then replay of the decided rounds that are not.
Status ConsumerImpl::SetUpPartition(PartitionState& ps) {
  const TopicPartition tp = ps.tp;
  ps.replay.clear();
  ASSIGN_OR_RETURN(ps.ctx, Context(tp.topic));
  // Short timeouts: a set-up that cannot finish is retried from the consume
  // loop, which must stay responsive (a SIGTERM, other partitions).
  ASSIGN_OR_RETURN(auto committed, kafka_->Committed({tp}, kSetUpTimeoutMs));
  int64_t start = committed[tp];
  int64_t low = 0, high = 0;
  RETURN_IF_ERROR(kafka_->QueryWatermarks(tp, &low, &high, kSetUpTimeoutMs));
  if (start < 0) {
    int64_t reset = auto_offset_reset_ == "latest" ? high : low;
    ASSIGN_OR_RETURN(start, ledger_->CreateOrAdoptRoot(tp.topic, tp.partition, reset, writer_id_));
    spdlog::info("{}/{}: no committed offset; chain root {}", tp.topic, tp.partition, start);
  }
  // Decided rounds whose files are all stored are committed and passed; the
  // rest of the chain is replayed: same messages, same files.
  ASSIGN_OR_RETURN(ChainPosition position,
                   ledger_->PositionFrom(tp.topic, tp.partition, start, [&](int64_t next) {
                     Status st = kafka_->Commit({{tp, next}});
                     if (!st.ok()) {
                       spdlog::warn("{}/{}: commit of decided round failed: {}", tp.topic,
                                    tp.partition, st.message());
                     }
                   }));
  start = position.start;
  ps.replay = std::move(position.replay);
  ps.phase = PartitionPhase::kFlowing;
  if (start < low) {
    probe_.offsets_lost.Add();
    if (ps.replaying()) {
      ps.phase = PartitionPhase::kBlocked;
      spdlog::error(
          "{}/{}: round {}..{} was decided but its files are not all stored, and Kafka no longer "
          "holds offset {} (log starts at {}): these messages are lost; the partition is paused. "
          "Use `secor reset-offsets` to move past them",
          tp.topic, tp.partition, ps.replay.front().start, ps.replay.front().end, start, low);
    } else {
      spdlog::error(
          "{}/{}: Kafka no longer holds offsets {}..{} (retention passed them): they "
          "were never stored; continuing at {}",
          tp.topic, tp.partition, start, low - 1, low);
    }
  }
  StartRound(ps, start);
  SetCurrent(tp, ps.epoch);
  if (ps.replaying()) {
    spdlog::info("{}/{}: replaying {} decided round(s) from {}", tp.topic, tp.partition,
                 ps.replay.size(), start);
  }
  return Status::OK();
}

// Set-up needs the broker and the store. One attempt here, inside the
// rebalance callback; when it fails for a reason that may pass (store or
// broker unavailable), the partition is held paused and RetrySetUps tries
// again from the consume loop, so the member keeps polling and stays in the
// group however long the outage lasts.
AssignPlan ConsumerImpl::OnAssigned(const std::vector<TopicPartition>& parts) {
  AssignPlan plan;
  Status outage;  // once one set-up fails for the broker or store, hold the rest
  for (const auto& tp : parts) {
    probe_.rebalances.Add();
    PartitionState ps;
    ps.tp = tp;
    ps.epoch = next_epoch_++;
    Status st = outage.ok() ? SetUpPartition(ps) : outage;
    if (st.ok()) {
      plan.starts[tp] = ps.round_start;
      spdlog::info("{}/{}: assigned, starting at offset {}", tp.topic, tp.partition,
                   ps.round_start);
    } else if (st.IsRetryable() || st.code() == Status::Code::kFenced) {
      outage = st;
      ps.phase = PartitionPhase::kSettingUp;
      ps.paused = true;
      ps.setup_retry.Start(kFirstSetUpBackoffMs, kMaxSetUpBackoffMs, Clock::now());
      plan.hold.push_back(tp);
      spdlog::warn("{}/{}: assigned, but setting it up failed; holding it paused and retrying: {}",
                   tp.topic, tp.partition, st.message());
    } else {
      setup_error_ = st.WithContext(fmt::format("assignment of {}/{}", tp.topic, tp.partition));
      continue;
    }
    partitions_[tp] = std::move(ps);
    assigned_in_poll_.insert(tp);
  }
  probe_.assigned.Set(static_cast<double>(partitions_.size()));
  return plan;
}

Status ConsumerImpl::RetrySetUps() {
  auto now = Clock::now();
  bool tried = false;
  for (auto& [tp, ps] : partitions_) {
    if (ps.phase != PartitionPhase::kSettingUp || !ps.setup_retry.Due(now)) continue;
    // One attempt per policy tick: a store or broker that is down makes each
    // attempt slow, and the loop has other partitions and signals to serve.
    if (tried || stop_requested_.load()) break;
    tried = true;
    Status st = SetUpPartition(ps);
    if (st.ok()) {
      st = kafka_->Seek(tp, ps.round_start, 0);
      if (st.ok()) {
        UpdatePause(ps);
        spdlog::info("{}/{}: set up after retrying, starting at offset {}", tp.topic, tp.partition,
                     ps.round_start);
        continue;
      }
      ps.phase = PartitionPhase::kSettingUp;
      ClearCurrent(tp);
    }
    // Fenced: the group is moving the partition; the revocation follows.
    if (!st.IsRetryable() && st.code() != Status::Code::kFenced) {
      return st.WithContext(fmt::format("assignment of {}/{}", tp.topic, tp.partition));
    }
    ps.setup_retry.Double(kMaxSetUpBackoffMs, Clock::now());
    spdlog::warn("{}/{}: setting up the assignment failed, retrying in {} ms: {}", tp.topic,
                 tp.partition, ps.setup_retry.delay_ms(), st.message());
  }
  return Status::OK();
}

void ConsumerImpl::OnRevoked(const std::vector<TopicPartition>& parts, bool lost) {
  for (const auto& tp : parts) {
    probe_.rebalances.Add();
    ClearCurrent(tp);
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) continue;
    // librdkafka keeps a partition's pause across unassign and a later
    // assign, while the next PartitionState starts unpaused and would never
    // resume it: the partition would stall for good. Resume it while it is
    // still assigned.
    if (it->second.paused) (void)kafka_->Resume({tp});
    DropRound(it->second);
    partitions_.erase(it);
    spdlog::info("{}/{}: {}", tp.topic, tp.partition,
                 lost ? "lost (evicted from the group)" : "revoked");
  }
  probe_.assigned.Set(static_cast<double>(partitions_.size()));
}

// Starts the partition over as if newly assigned (paused, set up again by
// RetrySetUps from the committed offset and the markers), after a broker or
// store error in the middle of a change of round.
void ConsumerImpl::HoldForSetUp(PartitionState& ps, const Status& why) {
  DropRound(ps);
  ClearParseHold(ps);
  ClearCurrent(ps.tp);
  ps.epoch = next_epoch_++;
  ps.phase = PartitionPhase::kSettingUp;
  ps.replay.clear();
  ps.pending_rounds = 0;
  ps.setup_retry.Start(kFirstSetUpBackoffMs, kMaxSetUpBackoffMs, Clock::now());
  UpdatePause(ps);
  spdlog::warn("{}/{}: holding the partition paused and setting it up again: {}", ps.tp.topic,
               ps.tp.partition, why.message());
}

// Another writer decided the round this state sealed at start: drop what
// this state holds and replay the chain the others decided.
Status ConsumerImpl::ResetToReplay(PartitionState& ps, int64_t start) {
  DropRound(ps);
  ClearParseHold(ps);
  ps.epoch = next_epoch_++;
  SetCurrent(ps.tp, ps.epoch);
  ps.pending_rounds = 0;
  ps.replay.clear();
  ASSIGN_OR_RETURN(ChainPosition position,
                   ledger_->ReplayFrom(ps.tp.topic, ps.tp.partition, start));
  ps.replay = std::move(position.replay);
  StartRound(ps, start);
  RETURN_IF_ERROR(kafka_->Seek(ps.tp, start, 0));
  UpdatePause(ps);
  spdlog::info("{}/{}: replaying {} round(s) decided by other writers from {}", ps.tp.topic,
               ps.tp.partition, ps.replay.size(), start);
  return Status::OK();
}

void ConsumerImpl::StartRound(PartitionState& ps, int64_t start) {
  ps.round_start = start;
  ps.last_offset = -1;
  RoundFileSpec spec;
  spec.topic = ps.tp.topic;
  spec.partition = ps.tp.partition;
  spec.generation = settings_.generation;
  spec.extension = ps.ctx->extension;
  const TopicContext* ctx = ps.ctx;
  spec.open_writer = [ctx](const std::string& path) { return ctx->OpenWriter(path); };
  ps.round =
      std::make_unique<RoundWriter>(std::move(spec), start,
                                    fmt::format("{}/{}/{}/{}_{}", staging_->dir(), ps.tp.topic,
                                                ps.tp.partition, ps.epoch, start));
}

void ConsumerImpl::DropRound(PartitionState& ps) {
  if (ps.round) ps.round->Drop();
  CountOpenFiles();
}

size_t ConsumerImpl::OpenFileCount() const {
  size_t n = 0;
  for (const auto& [tp, ps] : partitions_) n += ps.round ? ps.round->file_count() : 0;
  return n;
}

void ConsumerImpl::CountOpenFiles() {
  size_t open = OpenFileCount();
  probe_.open_files.Set(static_cast<double>(open));
  if (policy_->TooManyFiles(open)) too_many_files_ = true;
}

Status ConsumerImpl::Process(const Message& raw) {
  auto it = partitions_.find({std::string(raw.topic), raw.partition});
  if (it == partitions_.end()) return Status::OK();  // not ours (any more)
  PartitionState& ps = it->second;
  if (!Admit(ps, raw)) return Status::OK();
  // A replayed round ends at its marker's end; a gap may hide the end itself.
  if (ps.replaying() && raw.offset > ps.replay.front().end) RETURN_IF_ERROR(SealRound(ps));
  RETURN_IF_ERROR(Write(ps, raw));
  if (ps.phase == PartitionPhase::kParseHeld || ps.last_offset != raw.offset) {
    return Status::OK();  // held: nothing was decided for this message
  }
  if (ps.replaying()) {
    return raw.offset == ps.replay.front().end ? SealRound(ps) : Status::OK();
  }
  // The size and file count policies are decided per message, so that a
  // burst cannot carry a round far past its limit before the periodic check
  // (age, minute mark) runs.
  if (too_many_files_) return SealEverything();
  if (policy_->SealForSize(ps.round->SizeSoFar(), ps.ctx->limits)) return SealRound(ps);
  return Status::OK();
}

// Whether m is the message this partition needs next; seeks back when the
// fetch went past it.
bool ConsumerImpl::Admit(PartitionState& ps, const Message& m) {
  if (ps.phase != PartitionPhase::kFlowing) return false;
  if (m.offset < ps.round_start || m.offset <= ps.last_offset) return false;  // re-delivered
  if (ps.held_offset >= 0 && m.offset > ps.held_offset) {
    // The fetch resumed past the held message (a pause saves the position
    // of the last message handed out, which may lie beyond it): it must not
    // be skipped, so seek back to it once more.
    if (!ps.held_resought) {
      ps.held_resought = true;
      spdlog::warn("{}/{}: fetch resumed at offset {} past the held offset {}; seeking back",
                   ps.tp.topic, ps.tp.partition, m.offset, ps.held_offset);
      Status st = kafka_->Seek(ps.tp, ps.held_offset, 0);
      if (!st.ok()) HoldForSetUp(ps, st);
    }
    return false;
  }
  const int64_t expected = ps.NextOffset();
  switch (ps.gaps.OnMessage(m.offset, expected, Clock::now())) {
    case OffsetGapTracker::Verdict::kNext:
      return true;
    case OffsetGapTracker::Verdict::kSeekBack:
      SeekBackToGap(ps, m.offset);
      return false;
    case OffsetGapTracker::Verdict::kDrop:
      return false;
    case OffsetGapTracker::Verdict::kAccept:
      spdlog::warn("{}/{}: offsets {}..{} are not in the log; going on at {}", ps.tp.topic,
                   ps.tp.partition, expected, m.offset - 1, m.offset);
      return true;
  }
  return false;
}

// Transforms, parses and appends raw to the current round, or to its error
// output; or holds the partition at raw when the parser may succeed later.
Status ConsumerImpl::Write(PartitionState& ps, const Message& raw) {
  TopicContext& ctx = *ps.ctx;
  const Message* m = &raw;
  Message transformed;
  std::string error;
  if (ctx.transformer) {
    auto keep = ctx.transformer->Transform(raw, &transformed_);
    if (!keep.ok()) {
      error = "transformer: " + keep.status().message();
    } else if (!*keep) {
      ctx.messages->Add();
      ctx.bytes->Add(static_cast<double>(raw.payload.size()));
      ctx.filtered->Add();
      if (ps.held_offset >= 0) ClearParseHold(ps);  // decided: nothing is held any more
      ps.last_offset = raw.offset;
      return Status::OK();
    } else {
      transformed = raw;
      transformed.payload = transformed_;
      m = &transformed;
    }
  }
  if (error.empty()) {
    Status st = ctx.parser->Partition(*m, &partition_path_);
    if (st.IsRetryable()) return HoldForParse(ps, raw, st);
    if (!st.ok()) {
      error = st.message();
    } else if (partition_path_.find("..") != std::string::npos ||
               StartsWith(partition_path_, "/") || StartsWith(partition_path_, "_")) {
      error = "parser returned an unsafe output partition '" + partition_path_ + "'";
    }
  }
  // Counted once the message is decided, not each time a hold reads it again.
  ctx.messages->Add();
  ctx.bytes->Add(static_cast<double>(raw.payload.size()));
  if (ps.held_offset >= 0) {
    spdlog::info("{}/{}: the held message at offset {} is parsed; the partition flows again",
                 ps.tp.topic, ps.tp.partition, raw.offset);
    ClearParseHold(ps);
  }
  size_t files_before = ps.round->file_count();
  if (!error.empty()) {
    ctx.bad_messages->Add();
    double decayed = bad_count_.Add(Clock::now());
    spdlog::debug("{}/{} offset {}: {}", raw.topic, raw.partition, raw.offset, error);
    RETURN_IF_ERROR(ps.round->AppendError(raw, error));
    if (settings_.max_bad_messages >= 0 &&
        decayed > static_cast<double>(settings_.max_bad_messages)) {
      return Status::InvalidArgument(
          "too many messages could not be parsed (decayed count {:.0f} > "
          "secor.consumer.max_bad_messages={}); last: {}/{} offset {}: {}",
          decayed, settings_.max_bad_messages, raw.topic, raw.partition, raw.offset, error);
    }
  } else {
    RETURN_IF_ERROR(ps.round->Append(*m, partition_path_));
  }
  if (ps.round->file_count() != files_before) CountOpenFiles();
  ps.last_offset = raw.offset;
  return Status::OK();
}

// The parser failed on m for a reason that may pass: m is neither written
// nor sent to the error output. The partition is paused and sought back to
// m (the pause first: it saves the fetch position the seek then replaces),
// and ReleaseParseHolds resumes it after a backoff. The consume loop keeps
// polling meanwhile, so other partitions flow and the member stays in the
// group; no commit can pass m because no round holds it.
Status ConsumerImpl::HoldForParse(PartitionState& ps, const Message& m, const Status& why) {
  probe_.parse_retries.Add();
  if (ps.held_offset == m.offset) {
    ps.parse_retry.Double(settings_.parse_max_backoff_ms, Clock::now());
  } else {
    ps.parse_retry.Start(kFirstParseBackoffMs, settings_.parse_max_backoff_ms, Clock::now());
  }
  ps.phase = PartitionPhase::kParseHeld;
  ps.held_offset = m.offset;
  ps.held_resought = false;
  spdlog::warn(
      "{}/{} offset {}: parser failed, holding the partition at this offset and "
      "retrying in {} ms: {}",
      ps.tp.topic, ps.tp.partition, m.offset, ps.parse_retry.delay_ms(), why.message());
  UpdatePause(ps);
  Status st = kafka_->Seek(ps.tp, m.offset, 0);
  if (!st.ok()) HoldForSetUp(ps, st);
  return Status::OK();
}

// Resumes held partitions whose backoff has passed; the held message is read
// again and parsed from Process.
void ConsumerImpl::ReleaseParseHolds() {
  auto now = Clock::now();
  for (auto& [tp, ps] : partitions_) {
    // Messages of the last batch past the held offset were fetched before
    // the seek back; a later one means the fetch skipped it again.
    ps.held_resought = false;
    if (ps.phase != PartitionPhase::kParseHeld || !ps.parse_retry.Due(now)) continue;
    ps.phase = PartitionPhase::kFlowing;
    UpdatePause(ps);
  }
}

void ConsumerImpl::ClearParseHold(PartitionState& ps) {
  if (ps.phase == PartitionPhase::kParseHeld) ps.phase = PartitionPhase::kFlowing;
  ps.held_offset = -1;
  ps.held_resought = false;
}

// Seeks back to the gap's first offset, having received offset past it
// (see OffsetGapTracker).
void ConsumerImpl::SeekBackToGap(PartitionState& ps, int64_t offset) {
  spdlog::warn("{}/{}: got offset {} while {} comes next; seeking back (attempt {})", ps.tp.topic,
               ps.tp.partition, offset, ps.gaps.gap_offset(), ps.gaps.seeks());
  Status st = kafka_->Seek(ps.tp, ps.gaps.gap_offset(), 0);
  if (!st.ok()) HoldForSetUp(ps, st);
}

void ConsumerImpl::RetryGapSeeks() {
  auto now = Clock::now();
  for (auto& [tp, ps] : partitions_) {
    bool active = ps.phase != PartitionPhase::kSettingUp && ps.phase != PartitionPhase::kBlocked;
    if (ps.gaps.SeekDue(ps.NextOffset(), active, ps.paused, now)) {
      SeekBackToGap(ps, ps.gaps.gap_next());
    }
  }
}

// secor.max.file.count: more files are open than allowed, so every partition
// in normal mode uploads what it holds.
Status ConsumerImpl::SealEverything() {
  too_many_files_ = false;
  for (auto& [tp, ps] : partitions_) {
    if (!ps.round || ps.round->file_count() == 0 || ps.replaying()) continue;
    RETURN_IF_ERROR(SealRound(ps));
  }
  return Status::OK();
}

// Closes the current round's files and hands the round to the uploader.
Status ConsumerImpl::SealRound(PartitionState& ps) {
  bool replay = ps.replaying();
  // An empty normal round has nothing to decide; a replayed round is sealed
  // even when Kafka no longer returns its messages, so that the file check
  // below reports the difference instead of mixing rounds.
  if (ps.last_offset < 0 && !replay) return Status::OK();
  SealedRound round;
  round.topic = ps.tp.topic;
  round.partition = ps.tp.partition;
  round.start = ps.round_start;
  round.end = replay ? ps.replay.front().end : ps.last_offset;
  round.epoch = ps.epoch;
  round.local_dir = ps.round->dir();
  ASSIGN_OR_RETURN(round.files, ps.round->Seal(round.end));
  if (replay) {
    std::vector<MarkerFile> derived;
    derived.reserve(round.files.size());
    for (const auto& f : round.files) derived.push_back({f.key, f.messages, f.offsets_hash});
    RETURN_IF_ERROR(
        RoundLedger::CheckReplay(ps.tp.topic, ps.tp.partition, ps.replay.front(), derived));
    round.replay = true;
    ps.replay.pop_front();
  }
  int64_t next = round.end + 1;
  uploader_->Submit(std::move(round));
  ++ps.pending_rounds;
  probe_.rounds_in_flight.Add(1);
  StartRound(ps, next);
  CountOpenFiles();
  UpdatePause(ps);
  return Status::OK();
}

Status ConsumerImpl::CheckPolicies() {
  RETURN_IF_ERROR(RetrySetUps());
  ReleaseParseHolds();
  RetryGapSeeks();
  auto now = Clock::now();
  int64_t now_wall_ms = WallMs();
  bool seal_all = policy_->TooManyFiles(OpenFileCount());
  for (auto& [tp, ps] : partitions_) {
    if (!ps.round || ps.round->file_count() == 0 || ps.replaying()) continue;
    if (seal_all || policy_->SealOnTick(ps.round->Summary(), ps.ctx->limits, now, now_wall_ms)) {
      RETURN_IF_ERROR(SealRound(ps));
    }
  }
  // After the seals: a round handed to the uploader shows as in flight, so
  // the status never has an upload done while its round still looks open.
  PublishStatus();
  return Status::OK();
}

// Backpressure: a partition whose rounds pile up (store slow or down) stops
// fetching until they drain, so local disk use stays bounded. A partition
// that is not flowing is paused too.
void ConsumerImpl::UpdatePause(PartitionState& ps) {
  bool want = ps.WantsPause(settings_.max_pending_rounds);
  if (want == ps.paused) return;
  if (want) {
    if (kafka_->Pause({ps.tp}).ok()) ps.paused = true;
    return;
  }
  // At the offset this state needs next: messages dropped while the
  // partition was paused (not set up, held) must be fetched again.
  Status st = kafka_->ResumeAt(ps.tp, ps.ResumeOffset());
  // Failed, it may still be paused: setting it up again pauses it for sure.
  ps.paused = false;
  if (!st.ok()) HoldForSetUp(ps, st);
}

Status ConsumerImpl::HandleEvents() {
  std::deque<Event> events;
  {
    std::lock_guard lock(events_mu_);
    events.swap(events_);
  }
  for (auto& e : events) {
    if (e.kind == Event::kFatal) return e.status;
    probe_.rounds_in_flight.Add(e.kind == Event::kRoundDone ? -1 : 0);
    auto it = partitions_.find(e.tp);
    if (it == partitions_.end() || it->second.epoch != e.epoch) continue;
    PartitionState& ps = it->second;
    if (e.kind == Event::kRoundDone) {
      ps.pending_rounds = std::max(0, ps.pending_rounds - 1);
      UpdatePause(ps);
    } else {
      Status st = ResetToReplay(ps, e.start);
      if (st.IsRetryable() || st.code() == Status::Code::kFenced) {
        HoldForSetUp(ps, st);
      } else if (!st.ok()) {
        return st;
      }
    }
  }
  return Status::OK();
}

// The consumer queue is (nearly) drained while partitions are far behind
// (catching up): wake the fetchers instead of waiting for librdkafka's broker
// threads to wake up by themselves (see GroupConsumer::WakeFetchers). At most
// every 20 ms, for a few of the partitions furthest behind (their leaders),
// and never for a consumer that keeps up with the traffic.
void ConsumerImpl::WakeFetchersIfBehind() {
  auto now = Clock::now();
  if (now - last_wake_ < std::chrono::milliseconds(20)) return;
  last_wake_ = now;
  std::vector<std::pair<int64_t, TopicPartition>> behind;
  for (const auto& [tp, ps] : partitions_) {
    if (ps.phase == PartitionPhase::kSettingUp || ps.paused) continue;
    int64_t low = -1, high = -1;
    if (!kafka_->CachedWatermarks(tp, &low, &high)) continue;
    if (high > ps.NextOffset()) behind.emplace_back(high - ps.NextOffset(), tp);
  }
  int64_t total = 0;
  for (const auto& b : behind) total += b.first;
  if (total < kWakeMinLag) return;
  size_t n = std::min<size_t>(behind.size(), 3);
  std::partial_sort(behind.begin(), behind.begin() + static_cast<std::ptrdiff_t>(n), behind.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<TopicPartition> wake;
  for (size_t i = 0; i < n; ++i) wake.push_back(behind[i].second);
  kafka_->WakeFetchers(wake);
}

// The status server's view of this loop (also its liveness heartbeat).
void ConsumerImpl::PublishStatus() {
  ConsumerSnapshot snap;
  snap.group = settings_.group;
  snap.writer_id = writer_id_;
  snap.output = store_->Uri("");
  snap.staging_dir = staging_->dir();
  for (const auto& [tp, ps] : partitions_) {
    AssignmentStatus a;
    a.topic = tp.topic;
    a.partition = tp.partition;
    a.round_start = ps.round_start;
    a.last_offset = ps.last_offset;
    a.replay = ps.replaying();
    a.open_files = ps.round ? static_cast<int64_t>(ps.round->file_count()) : 0;
    a.pending_rounds = ps.pending_rounds;
    a.paused = ps.paused;
    int64_t low = -1, high = -1;
    // Cached from fetch responses: no broker round trip on the consume loop.
    if (kafka_->CachedWatermarks(tp, &low, &high) && high >= 0) {
      a.high_watermark = high;
      if (ps.phase != PartitionPhase::kSettingUp) {
        probe_.Lag(tp).Set(static_cast<double>(std::max<int64_t>(0, high - ps.NextOffset())));
      }
    }
    snap.assignments.push_back(std::move(a));
  }
  probe_.DropLagOfOthers(partitions_);
  snap.open_files = static_cast<int64_t>(OpenFileCount());
  snap.rounds_in_flight = static_cast<int64_t>(probe_.rounds_in_flight.value());
  status_.Publish(std::move(snap));
}

// An unreachable broker is retried with backoff, and reported each time.
Status ConsumerImpl::SubscribeWhenReachable() {
  for (int64_t backoff_ms = 500;; backoff_ms = std::min<int64_t>(backoff_ms * 2, 30000)) {
    auto topics = MatchingTopics();
    if (topics.ok()) {
      subscribed_ = *topics;
      break;
    }
    spdlog::error("cannot list topics ({}); retrying in {} ms", topics.status().message(),
                  backoff_ms);
    for (int64_t waited = 0; waited < backoff_ms && !stop_requested_.load(); waited += 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (stop_requested_.load()) {
      return Status::Aborted("stopped before the broker could be reached");
    }
  }
  if (subscribed_.empty()) {
    spdlog::warn("no topic matches secor.kafka.topic_filter yet; waiting for one to appear");
    return Status::OK();
  }
  spdlog::info("subscribing to {} topic(s): {}", subscribed_.size(), Join(subscribed_, ", "));
  return kafka_->Subscribe(subscribed_);
}

Status ConsumerImpl::Run() {
  RETURN_IF_ERROR(SubscribeWhenReachable());
  status_.SetRunning(true);
  PublishStatus();
  Status result = ConsumeLoop();
  return Shutdown(result);
}

// Polls, processes and applies the policies until a stop is requested, the
// message limit is reached, or something fails for good.
Status ConsumerImpl::ConsumeLoop() {
  auto last_check = Clock::now();
  auto last_topic_refresh = Clock::now();
  auto rate_window_start = Clock::now();
  int64_t rate_window_count = 0;
  std::vector<PolledMessage> batch;
  uint32_t since_check = 0;
  while (!stop_requested_.load()) {
    if (!setup_error_.ok()) return setup_error_;
    RETURN_IF_ERROR(HandleEvents());
    kafka_->PollBatch(0, kBatch, &batch);
    if (batch.empty()) {
      WakeFetchersIfBehind();
      kafka_->PollBatch(100, kBatch, &batch);
    }
    bool done = false;
    for (const PolledMessage& msg : batch) {
      if (msg.error() != PollError::kNone) {
        if (msg.error() == PollError::kOffsetOutOfRange) {
          probe_.offsets_lost.Add();
          spdlog::error("Kafka no longer holds the offsets to be read: {}", msg.error_text());
        } else {
          spdlog::warn("kafka: {}", msg.error_text());
        }
        continue;
      }
      // A partition assigned during this poll may have messages in the
      // batch from before its assignment: they are dropped here, and the
      // partition is sought to its start below.
      if (!assigned_in_poll_.empty() &&
          assigned_in_poll_.count({std::string(msg.view().topic), msg.view().partition})) {
        continue;
      }
      Status st = Process(msg.view());
      if (!st.ok()) {
        batch.clear();  // the messages go back to librdkafka before it closes
        return st;
      }
      ++total_;
      ++rate_window_count;
      if (options_.max_messages > 0 && total_ >= options_.max_messages) {
        done = true;
        break;
      }
    }
    if (!batch.empty()) {
      auto now = Clock::now();
      if (first_message_at_ == Clock::time_point()) first_message_at_ = now;
      last_message_at_ = now;
    }
    size_t polled = batch.size();
    batch.clear();
    if (done) return Status::OK();
    for (const auto& tp : assigned_in_poll_) {
      auto it = partitions_.find(tp);
      if (it == partitions_.end() || it->second.phase == PartitionPhase::kSettingUp) continue;
      Status st = kafka_->Seek(tp, it->second.round_start, 0);
      if (!st.ok()) HoldForSetUp(it->second, st);
    }
    assigned_in_poll_.clear();
    since_check += static_cast<uint32_t>(polled);
    if (since_check < 256 && polled > 0) continue;
    since_check = 0;
    if (kafka_->QueuedMessages() < kWakeBelowQueued) WakeFetchersIfBehind();
    auto now = Clock::now();
    if (now - last_check >= std::chrono::milliseconds(100)) {
      last_check = now;
      RETURN_IF_ERROR(CheckPolicies());
    }
    if (now - last_topic_refresh >= std::chrono::seconds(30)) {
      last_topic_refresh = now;
      auto topics = MatchingTopics();
      if (topics.ok() && *topics != subscribed_) {
        subscribed_ = *topics;
        spdlog::info("topics changed; subscribing to {}", Join(subscribed_, ", "));
        RETURN_IF_ERROR(kafka_->Subscribe(subscribed_));
      }
    }
    if (settings_.messages_per_second > 0) {
      double elapsed = std::chrono::duration<double>(now - rate_window_start).count();
      double allowed = elapsed * static_cast<double>(settings_.messages_per_second);
      if (static_cast<double>(rate_window_count) > allowed) {
        // What was read before the pause shows on /status and /metrics during it.
        PublishStatus();
        std::this_thread::sleep_for(
            std::chrono::duration<double>((static_cast<double>(rate_window_count) - allowed) /
                                          static_cast<double>(settings_.messages_per_second)));
      }
      if (elapsed > 10) {
        rate_window_start = now;
        rate_window_count = 0;
      }
    }
  }
  return Status::OK();
}

// Finishes the sealed rounds within secor.shutdown.timeout.seconds (after
// sealing the open ones first with secor.upload.on.shutdown), then leaves
// the group within what is left of that bound.
Status ConsumerImpl::Shutdown(Status result) {
  const auto shutdown_started = Clock::now();
  const auto timeout = settings_.shutdown_timeout;
  if (result.ok()) {
    spdlog::info("stopping: {}", settings_.upload_on_shutdown
                                     ? "uploading open files first"
                                     : "open files are left to the next owner");
    if (settings_.upload_on_shutdown) {
      for (auto& [tp, ps] : partitions_) {
        if (!ps.replaying()) result = SealRound(ps);
        if (!result.ok()) break;
      }
    }
    // Sealed rounds are finished before leaving the group: their commits
    // need the group membership. A store that stays down must not hold the
    // process for ever: past the timeout the rounds are left to the next
    // owner, exactly as a crash would leave them.
    auto deadline = Clock::now() + timeout;
    while (result.ok() && uploader_->Pending() > 0 && Clock::now() < deadline) {
      result = HandleEvents();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (result.ok() && uploader_->Pending() > 0) {
      size_t pending = uploader_->Pending();
      size_t committing = std::min(pending, uploader_->StoredAwaitingCommit());
      spdlog::warn(
          "stopping after secor.shutdown.timeout.seconds={} with {} round(s) not yet stored and "
          "{} stored but not committed: the next owner of their partitions reads the first "
          "again and commits the second from their markers",
          timeout.count(), pending - committing, committing);
    }
    if (result.ok()) result = HandleEvents();
  }
  status_.SetRunning(false);
  // A commit still waiting for an unreachable coordinator would hold the
  // uploader's threads, and the exit, for its whole timeout each.
  kafka_->AbandonCommits();
  uploader_->Stop();
  if (total_ > 0) {
    double secs = std::chrono::duration<double>(last_message_at_ - first_message_at_).count();
    spdlog::info("consumed {} messages in {:.3f} s from the first to the last ({:.0f} msg/s)",
                 total_, secs, secs > 0 ? static_cast<double>(total_) / secs : 0.0);
  }
  // Leaving the group gets what is left of the shutdown bound, and a few
  // seconds at least, so that SIGTERM ends the process within about
  // secor.shutdown.timeout.seconds whatever Kafka does.
  auto close_budget =
      std::max<Clock::duration>(std::chrono::seconds(5), shutdown_started + timeout - Clock::now());
  Status closed =
      kafka_->Close(std::chrono::duration_cast<std::chrono::milliseconds>(close_budget));
  if (!closed.ok()) spdlog::warn("leaving the group: {}", closed.message());
  for (auto& [tp, ps] : partitions_) DropRound(ps);
  if (!result.ok()) spdlog::error("{}", result.message());
  return result;
}

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::Create(const Config& config, ConsumerOptions options,
                                                   ConsumerEnvironment environment) {
  auto c = std::make_unique<ConsumerImpl>(config, options, std::move(environment));
  RETURN_IF_ERROR(c->Init());
  return std::unique_ptr<Consumer>(std::move(c));
}

}  // namespace secor
