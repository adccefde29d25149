#include "consumer/consumer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "consumer/error_file.h"
#include "consumer/staging.h"
#include "format/codec.h"
#include "format/compression_pool.h"
#include "format/file_format.h"
#include "format/parquet/writer.h"
#include "kafka/client_config.h"
#include "kafka/group_consumer.h"
#include "metrics/metrics.h"
#include "metrics/status.h"
#include "parse/message_parser.h"
#include "storage/object_store.h"
#include "upload/object_names.h"
#include "upload/round_ledger.h"
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

// Everything that is fixed per topic: how its messages are parsed and written.
struct TopicContext {
  std::string topic;
  std::unique_ptr<MessageParser> parser;
  std::unique_ptr<MessageTransformer> transformer;
  std::unique_ptr<FileFormat> format;
  std::string extension;
  int64_t max_file_bytes = 0;
  int64_t max_file_age_ms = 0;
  bool upload_at_minute_mark = false;
  Counter* messages = nullptr;
  Counter* bytes = nullptr;
  Counter* bad_messages = nullptr;
  Counter* filtered = nullptr;
};

// One local file of the current round of a source partition.
struct OpenFile {
  std::string output_partition;
  std::string local_path;
  std::string key;
  std::unique_ptr<FileWriter> writer;
  std::unique_ptr<ErrorFile> errors;  // for the error partition instead of writer
  Clock::time_point created;
  int64_t messages = 0;
  uint64_t offsets_hash = kOffsetsHashSeed;
  uint64_t bytes = 0;  // as of the last append
};

// The state of one assigned source partition, owned by the consuming thread.
struct PartitionState {
  TopicPartition tp;
  TopicContext* ctx = nullptr;
  uint64_t epoch = 0;
  int64_t round_start = 0;
  int64_t last_offset = -1;  // last offset of the current round, -1 when empty
  uint64_t round_bytes = 0;  // all files of the current round, as written so far
  std::map<std::string, OpenFile> files;
  std::deque<RoundMarker> replay;  // decided rounds still to be replayed, in order
  int pending_rounds = 0;
  bool paused = false;
  bool blocked = false;  // Kafka no longer holds a round that must be replayed
  // False until the start offset is decided (committed offset, chain root,
  // markers). A set-up that failed on a store or broker error is retried from
  // the consume loop with backoff while the partition stays paused.
  bool ready = false;
  Clock::time_point setup_retry_at;
  int64_t setup_backoff_ms = 0;
  // A message whose parser failed for a reason that may pass (the schema
  // registry down) holds the partition at its offset: paused and sought back
  // there, nothing past it written or committed, read again at
  // parse_retry_at. held_offset stays set until that message is parsed.
  bool parse_held = false;
  int64_t held_offset = -1;
  bool held_resought = false;  // sought back to held_offset since the last policy tick
  // A message past the next offset this state needs: the fetch position went
  // wrong, or the offsets are not in the log (see Process). gap_seeks counts
  // the seeks back to gap_offset; gap_next is the lowest offset past it that
  // any read delivered.
  int64_t gap_offset = -1;
  int64_t gap_next = -1;
  int gap_seeks = 0;
  Clock::time_point gap_seek_at;
  Clock::time_point parse_retry_at;
  int64_t parse_backoff_ms = 0;
  std::string round_dir;
};

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

class ConsumerImpl : public Consumer, public RebalanceListener, public RoundOwner {
 public:
  ConsumerImpl(const Config& config, ConsumerOptions options)
      : config_(config), options_(options) {}

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
  struct Event {
    enum Kind { kRoundDone, kConflict, kFatal } kind;
    TopicPartition tp;
    uint64_t epoch = 0;
    int64_t start = 0;
    Status status;
  };

  Result<TopicContext*> Context(const std::string& topic);
  Result<std::vector<std::string>> MatchingTopics();
  Status SetUpPartition(PartitionState& ps);
  Status RetrySetUps();
  Status Process(const Message& m);
  Status HoldForParse(PartitionState& ps, const Message& m, const Status& why);
  void ReleaseParseHolds();
  static int64_t NextOffset(const PartitionState& ps);
  void SeekBackToGap(PartitionState& ps, int64_t offset);
  void RetryGapSeeks();
  static void ClearParseHold(PartitionState& ps);
  Status Append(PartitionState& ps, const Message& m, const std::string& output_partition,
                const std::string& error);
  Status SealRound(PartitionState& ps);
  Status SealEverything();
  void StartRound(PartitionState& ps, int64_t start);
  void DropRound(PartitionState& ps);
  Status CheckPolicies();
  void PublishStatus();
  Status HandleEvents();
  Status ResetToReplay(PartitionState& ps, int64_t start);
  void HoldForSetUp(PartitionState& ps, const Status& why);
  void WakeFetchersIfBehind();
  void UpdatePause(PartitionState& ps);
  void SetCurrent(const TopicPartition& tp, uint64_t epoch);
  void ClearCurrent(const TopicPartition& tp);
  size_t OpenFileCount() const;

  Config config_;
  ConsumerOptions options_;
  std::string group_;
  std::string writer_id_;
  int64_t generation_ = 1;
  std::string delivery_;
  bool upload_on_shutdown_ = false;
  int64_t shutdown_timeout_s_ = 60;
  bool age_youngest_ = true;
  int64_t max_file_count_ = -1;
  int64_t minute_mark_ = 0;
  int64_t messages_per_second_ = 0;
  int64_t max_bad_messages_ = 0;
  int max_pending_rounds_ = 3;
  int64_t parse_max_backoff_ms_ = 30000;
  static constexpr int64_t kFirstParseBackoffMs = 500;
  std::unique_ptr<RE2> topic_filter_;
  std::set<std::string> topic_list_;  // kafka.new.consumer.topic.list
  std::unique_ptr<RE2> topic_blacklist_;
  std::unique_ptr<RE2> minute_mark_filter_;

  std::unique_ptr<Staging> staging_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<RoundLedger> ledger_;
  std::unique_ptr<Uploader> uploader_;
  std::unique_ptr<GroupConsumer> kafka_;
  std::string auto_offset_reset_ = "earliest";

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
  std::set<TopicPartition> assigned_in_poll_;  // by OnAssigned, inside PollBatch
  Status setup_error_;

  std::mutex current_mu_;
  std::map<TopicPartition, uint64_t> current_;  // assigned partitions and their epochs

  std::mutex events_mu_;
  std::deque<Event> events_;

  std::atomic<bool> stop_requested_{false};
  std::string transformed_;  // reused buffer for transformed payloads
  std::string partition_path_;

  Counter& rebalances_ = MetricsRegistry::Global().GetCounter("secor_consumer_rebalances_total",
                                                              "Partitions assigned or revoked");
  Counter& offsets_lost_ = MetricsRegistry::Global().GetCounter(
      "secor_consumer_offsets_lost_total",
      "Times Kafka no longer held offsets that had to be read (retention passed them)");
  Counter& parse_retries_ = MetricsRegistry::Global().GetCounter(
      "secor_consumer_parse_retries_total",
      "Parser failures that may pass (schema registry down): the partition was held at the "
      "message's offset to read it again later");
  Gauge& open_files_ =
      MetricsRegistry::Global().GetGauge("secor_consumer_open_files", "Local files being written");
  Gauge& rounds_in_flight_ = MetricsRegistry::Global().GetGauge(
      "secor_rounds_in_flight", "Sealed rounds waiting for upload and commit");
  Gauge& assigned_ = MetricsRegistry::Global().GetGauge("secor_consumer_assigned_partitions",
                                                        "Source partitions assigned");
  // secor_consumer_lag_messages of the owned partitions (consuming thread only).
  std::map<TopicPartition, Gauge*> lag_gauges_;
};

Status ConsumerImpl::Init() {
  ASSIGN_OR_RETURN(group_, config_.Required("secor.kafka.group"));
  ASSIGN_OR_RETURN(generation_, config_.Int("secor.generation"));
  if (generation_ < 0) return config_.BadValue("secor.generation", "must not be negative");
  ASSIGN_OR_RETURN(delivery_, config_.String("secor.delivery"));
  delivery_ = ToLower(delivery_);
  if (delivery_ != "exactly-once" && delivery_ != "at-least-once") {
    return config_.BadValue("secor.delivery", "must be exactly-once or at-least-once");
  }
  ASSIGN_OR_RETURN(upload_on_shutdown_, config_.Bool("secor.upload.on.shutdown"));
  ASSIGN_OR_RETURN(shutdown_timeout_s_, config_.Int("secor.shutdown.timeout.seconds"));
  if (shutdown_timeout_s_ < 0) {
    return config_.BadValue("secor.shutdown.timeout.seconds", "must not be negative");
  }
  ASSIGN_OR_RETURN(age_youngest_, config_.Bool("secor.file.age.youngest"));
  ASSIGN_OR_RETURN(max_file_count_, config_.Int("secor.max.file.count"));
  ASSIGN_OR_RETURN(minute_mark_, config_.Int("secor.upload.minute_mark"));
  if (minute_mark_ < 0 || minute_mark_ > 59) {
    return config_.BadValue("secor.upload.minute_mark", "must be a minute, 0 to 59");
  }
  ASSIGN_OR_RETURN(messages_per_second_, config_.Int("secor.messages.per.second"));
  ASSIGN_OR_RETURN(max_bad_messages_, config_.Int("secor.consumer.max_bad_messages"));
  ASSIGN_OR_RETURN(int64_t compression_threads, config_.Int("secor.compression.threads"));
  if (compression_threads < 0 || compression_threads > 64) {
    return config_.BadValue("secor.compression.threads", "must be 0 to 64");
  }
  SetSharedCompressionThreads(static_cast<int>(compression_threads));
  ASSIGN_OR_RETURN(int64_t parquet_memory, config_.Int("secor.parquet.memory.budget.bytes"));
  if (parquet_memory < (1 << 20)) {
    return config_.BadValue("secor.parquet.memory.budget.bytes", "must be at least 1048576");
  }
  parquet::MemoryBudget::Process()->set_limit(parquet_memory);
  ASSIGN_OR_RETURN(int64_t threads, config_.Int("secor.upload.threads"));
  if (threads < 1) return config_.BadValue("secor.upload.threads", "must be at least 1");
  ASSIGN_OR_RETURN(int64_t max_backoff, config_.Int("secor.upload.retry.max.backoff.ms"));
  ASSIGN_OR_RETURN(parse_max_backoff_ms_,
                   config_.Int("secor.schema.registry.retry.max.backoff.ms"));
  if (parse_max_backoff_ms_ < 1) {
    return config_.BadValue("secor.schema.registry.retry.max.backoff.ms", "must be positive");
  }

  auto compile = [&](const std::string& key, std::unique_ptr<RE2>* out) -> Status {
    ASSIGN_OR_RETURN(std::string pattern, config_.String(key));
    if (pattern.empty()) return Status::OK();
    *out = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!(*out)->ok()) return config_.BadValue(key, "bad regular expression: " + (*out)->error());
    return Status::OK();
  };
  RETURN_IF_ERROR(compile("secor.kafka.topic_filter", &topic_filter_));
  // The original's kafka.new.consumer.topic.list: exact names instead of the filter.
  ASSIGN_OR_RETURN(std::string topic_list, config_.String("kafka.new.consumer.topic.list"));
  for (const auto& t : Split(topic_list, ',', true)) topic_list_.insert(std::string(Trim(t)));
  RETURN_IF_ERROR(compile("secor.kafka.topic_blacklist", &topic_blacklist_));
  RETURN_IF_ERROR(compile("secor.kafka.upload_at_minute_mark.topic_filter", &minute_mark_filter_));

  // Build the per-topic parts once with the topic-independent settings, so
  // that a bad parser, format, codec or policy value stops start-up instead
  // of the first assignment.
  RETURN_IF_ERROR(Context("").status());
  topics_.clear();

  ASSIGN_OR_RETURN(std::string writer_name, config_.String("secor.writer.id"));
  if (writer_name.find(':') != std::string::npos) {
    return config_.BadValue("secor.writer.id", "must not contain ':'");
  }
  writer_id_ = MakeWriterId(writer_name);
  ASSIGN_OR_RETURN(std::string local_path, config_.Required("secor.local.path"));
  std::random_device rd;
  auto staging =
      Staging::Open(local_path, fmt::format("{}-{}-{:06x}", ::getpid(), WallMs(), rd() & 0xffffff));
  if (!staging.ok()) return staging.status();
  staging_ = std::move(staging).value();

  ASSIGN_OR_RETURN(std::string uri, OutputUri(config_));
  ASSIGN_OR_RETURN(store_, OpenObjectStore(uri, config_));
  ASSIGN_OR_RETURN(std::string state_path, config_.String("secor.round.state.path"));
  ledger_ = std::make_unique<RoundLedger>(store_.get(), state_path, group_);

  // Exactly-once needs a store that refuses a second create-only write.
  std::string probe = fmt::format("{}/{}/_probe/{}", state_path, group_,
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
  if (!probed.ok()) {
    if (delivery_ == "exactly-once") return probed;
    spdlog::warn("secor.delivery=at-least-once: {}", probed.message());
  }

  ASSIGN_OR_RETURN(auto settings, ConsumerClientSettings(config_, group_));
  auto_offset_reset_ = settings["auto.offset.reset"];
  ASSIGN_OR_RETURN(kafka_, GroupConsumer::Create(settings, this));

  UploaderOptions uopts;
  uopts.threads = static_cast<int>(threads);
  uopts.max_backoff_ms = max_backoff;
  uopts.writer_id = writer_id_;
  uploader_ = std::make_unique<Uploader>(store_.get(), ledger_.get(), this, uopts);
  spdlog::info("secor consume: group {} writer {} output {} staging {}", group_, writer_id_,
               store_->Uri(""), staging_->dir());
  return Status::OK();
}

Result<TopicContext*> ConsumerImpl::Context(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second.get();
  auto ctx = std::make_unique<TopicContext>();
  ctx->topic = topic;
  ASSIGN_OR_RETURN(ctx->parser, NewMessageParser(config_, topic));
  ASSIGN_OR_RETURN(ctx->transformer, NewMessageTransformer(config_, topic));
  ASSIGN_OR_RETURN(ctx->format, NewTopicFileFormat(config_, topic));
  ASSIGN_OR_RETURN(ctx->extension, config_.StringForTopic("secor.file.extension", topic));
  if (ctx->extension.empty()) ctx->extension = ctx->format->DefaultExtension();
  ASSIGN_OR_RETURN(ctx->max_file_bytes, config_.IntForTopic("secor.max.file.size.bytes", topic));
  ASSIGN_OR_RETURN(int64_t age_s, config_.IntForTopic("secor.max.file.age.seconds", topic));
  ctx->max_file_age_ms = age_s * 1000;
  ctx->upload_at_minute_mark =
      minute_mark_ > 0 && minute_mark_filter_ && RE2::FullMatch(topic, *minute_mark_filter_);
  // The start-up check builds a context for topic "" that never counts
  // anything: keep it out of the exported series.
  static MetricsRegistry validation_only;
  auto& m = topic.empty() ? validation_only : MetricsRegistry::Global();
  Labels labels{{"topic", topic}};
  ctx->messages = &m.GetCounter("secor_consumer_messages_total", "Messages consumed", labels);
  ctx->bytes = &m.GetCounter("secor_consumer_bytes_total", "Payload bytes consumed", labels);
  ctx->bad_messages = &m.GetCounter("secor_consumer_bad_messages_total",
                                    "Messages sent to the error output", labels);
  ctx->filtered = &m.GetCounter("secor_consumer_filtered_messages_total",
                                "Messages dropped by the transformer", labels);
  TopicContext* raw = ctx.get();
  topics_[topic] = std::move(ctx);
  return raw;
}

Result<std::vector<std::string>> ConsumerImpl::MatchingTopics() {
  ASSIGN_OR_RETURN(auto all, kafka_->ListTopics(10000));
  std::vector<std::string> out;
  for (const auto& t : all) {
    if (StartsWith(t, "__")) continue;  // internal topics
    if (!topic_list_.empty() ? !topic_list_.count(t)
                             : topic_filter_ && !RE2::FullMatch(t, *topic_filter_)) {
      continue;
    }
    if (topic_blacklist_ && RE2::FullMatch(t, *topic_blacklist_)) continue;
    out.push_back(t);
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
  StatusBoard::Global().RecordUpload({WallMs(), round.topic, round.partition, round.start,
                                      round.end, static_cast<int64_t>(round.files.size()),
                                      round.replay, outcome.ok() ? "" : outcome.message()});
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
  ps.blocked = false;
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
  ASSIGN_OR_RETURN(auto markers, ledger_->ListMarkers(tp.topic, tp.partition, start));
  // Skip decided rounds whose files are all stored: commit their end and move on.
  while (true) {
    auto it = markers.find(start);
    if (it == markers.end()) break;
    bool all_stored = true;
    for (const auto& file : it->second.files) {
      auto head = store_->Head(file.key);
      if (!head.ok()) {
        if (!head.status().IsNotFound()) return head.status();
        all_stored = false;
        break;
      }
    }
    if (!all_stored) break;
    Status st = kafka_->Commit({{tp, it->second.end + 1}});
    if (!st.ok())
      spdlog::warn("{}/{}: commit of decided round failed: {}", tp.topic, tp.partition,
                   st.message());
    start = it->second.end + 1;
  }
  // The rest of the chain is replayed: same messages, same files.
  for (int64_t s = start;;) {
    auto it = markers.find(s);
    if (it == markers.end()) break;
    ps.replay.push_back(it->second);
    s = it->second.end + 1;
  }
  if (start < low) {
    offsets_lost_.Add();
    if (!ps.replay.empty()) {
      ps.blocked = true;
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
  ps.ready = true;
  SetCurrent(tp, ps.epoch);
  if (!ps.replay.empty()) {
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
    rebalances_.Add();
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
      ps.paused = true;
      ps.setup_backoff_ms = 500;
      ps.setup_retry_at = Clock::now() + std::chrono::milliseconds(ps.setup_backoff_ms);
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
  assigned_.Set(static_cast<double>(partitions_.size()));
  return plan;
}

Status ConsumerImpl::RetrySetUps() {
  auto now = Clock::now();
  bool tried = false;
  for (auto& [tp, ps] : partitions_) {
    if (ps.ready || now < ps.setup_retry_at) continue;
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
      ps.ready = false;
      ClearCurrent(tp);
    }
    // Fenced: the group is moving the partition; the revocation follows.
    if (!st.IsRetryable() && st.code() != Status::Code::kFenced) {
      return st.WithContext(fmt::format("assignment of {}/{}", tp.topic, tp.partition));
    }
    ps.setup_backoff_ms = std::min<int64_t>(ps.setup_backoff_ms * 2, 30000);
    ps.setup_retry_at = Clock::now() + std::chrono::milliseconds(ps.setup_backoff_ms);
    spdlog::warn("{}/{}: setting up the assignment failed, retrying in {} ms: {}", tp.topic,
                 tp.partition, ps.setup_backoff_ms, st.message());
  }
  return Status::OK();
}

void ConsumerImpl::OnRevoked(const std::vector<TopicPartition>& parts, bool lost) {
  for (const auto& tp : parts) {
    rebalances_.Add();
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
  assigned_.Set(static_cast<double>(partitions_.size()));
}

void ConsumerImpl::StartRound(PartitionState& ps, int64_t start) {
  ps.round_start = start;
  ps.last_offset = -1;
  ps.round_bytes = 0;
  ps.files.clear();
  ps.round_dir =
      fmt::format("{}/{}/{}/{}_{}", staging_->dir(), ps.tp.topic, ps.tp.partition, ps.epoch, start);
}

void ConsumerImpl::DropRound(PartitionState& ps) {
  for (auto& [op, f] : ps.files) {
    if (f.writer) (void)f.writer->Close();
    if (f.errors) (void)f.errors->Close();
  }
  ps.files.clear();
  if (!ps.round_dir.empty()) (void)RemoveAll(ps.round_dir);
  open_files_.Set(static_cast<double>(OpenFileCount()));
}

size_t ConsumerImpl::OpenFileCount() const {
  size_t n = 0;
  for (const auto& [tp, ps] : partitions_) n += ps.files.size();
  return n;
}

Status ConsumerImpl::Append(PartitionState& ps, const Message& m,
                            const std::string& output_partition, const std::string& error) {
  auto it = ps.files.find(output_partition);
  if (it == ps.files.end()) {
    OpenFile f;
    f.output_partition = output_partition;
    bool is_error = output_partition == kErrorPartition;
    std::string ext = is_error ? ".jsonl" : ps.ctx->extension;
    f.key = DataFileKey(ps.tp.topic, output_partition, generation_, ps.tp.partition, ps.round_start,
                        ext);
    f.local_path = JoinPath(
        ps.round_dir, JoinPath(output_partition,
                               DataFileName(generation_, ps.tp.partition, ps.round_start, ext)));
    if (is_error) {
      f.errors = std::make_unique<ErrorFile>();
      RETURN_IF_ERROR(f.errors->Open(f.local_path));
    } else {
      ASSIGN_OR_RETURN(f.writer, ps.ctx->format->NewWriter(f.local_path));
    }
    f.created = Clock::now();
    it = ps.files.emplace(output_partition, std::move(f)).first;
    size_t open = OpenFileCount();
    open_files_.Set(static_cast<double>(open));
    if (max_file_count_ >= 0 && open > static_cast<size_t>(max_file_count_)) too_many_files_ = true;
  }
  OpenFile& f = it->second;
  if (f.errors) {
    RETURN_IF_ERROR(f.errors->Append(m, error));
  } else {
    Status st = f.writer->Append(m);
    if (st.code() == Status::Code::kInvalidArgument) {
      // The message does not fit the output (e.g. a Parquet schema): error output.
      return Append(ps, m, std::string(kErrorPartition), st.message());
    }
    RETURN_IF_ERROR(st);
  }
  ++f.messages;
  f.offsets_hash = OffsetsHashAdd(f.offsets_hash, m.offset);
  uint64_t bytes = f.writer ? f.writer->BytesWritten() : f.errors->size();
  ps.round_bytes += bytes - f.bytes;
  f.bytes = bytes;
  return Status::OK();
}

Status ConsumerImpl::Process(const Message& raw) {
  auto it = partitions_.find({std::string(raw.topic), raw.partition});
  if (it == partitions_.end()) return Status::OK();  // not ours (any more)
  PartitionState& ps = it->second;
  if (ps.blocked || !ps.ready || ps.parse_held) return Status::OK();
  if (raw.offset < ps.round_start || raw.offset <= ps.last_offset)
    return Status::OK();  // re-delivered
  if (ps.held_offset >= 0 && raw.offset > ps.held_offset) {
    // The fetch resumed past the held message (a pause saves the position
    // of the last message handed out, which may lie beyond it): it must not
    // be skipped, so seek back to it once more.
    if (!ps.held_resought) {
      ps.held_resought = true;
      spdlog::warn("{}/{}: fetch resumed at offset {} past the held offset {}; seeking back",
                   ps.tp.topic, ps.tp.partition, raw.offset, ps.held_offset);
      Status st = kafka_->Seek(ps.tp, ps.held_offset, 0);
      if (!st.ok()) HoldForSetUp(ps, st);
    }
    return Status::OK();
  }
  // Kafka hands out every offset of a plain topic in order, so a message past
  // the one this state needs means the fetch position went wrong: librdkafka
  // 2.0.2 sometimes keeps fetching where it stood when a partition held at
  // its assignment is set up and sought (the soaks lost offsets that way).
  // Seek back, a few times; a gap that stays is a real one (a compacted or
  // transactional topic) and is accepted.
  //
  // The seeks after the first come from the policy tick (RetryGapSeeks), two
  // seconds apart, not from messages: after a seek back the messages past the
  // gap are delivered again at once and dropped here, and on a topic that
  // gets no new messages nothing else would ever arrive to trigger the next
  // seek (a read_committed consumer stalled at the first control record for
  // good). Only the lowest offset any read delivered past the gap is taken
  // after the third seek, so a stale message fetched before a seek can never
  // carry the partition past offsets that exist.
  const int64_t expected = NextOffset(ps);
  if (raw.offset > expected) {
    if (ps.gap_offset != expected) {
      ps.gap_offset = expected;
      ps.gap_next = raw.offset;
      ps.gap_seeks = 0;
      SeekBackToGap(ps, raw.offset);
      return Status::OK();
    }
    ps.gap_next = std::min(ps.gap_next, raw.offset);
    if (ps.gap_seeks < 3 || raw.offset != ps.gap_next) return Status::OK();
    spdlog::warn("{}/{}: offsets {}..{} are not in the log; going on at {}", ps.tp.topic,
                 ps.tp.partition, expected, raw.offset - 1, raw.offset);
  }
  // A replayed round ends at its marker's end; a gap may hide the end itself.
  if (!ps.replay.empty() && raw.offset > ps.replay.front().end) RETURN_IF_ERROR(SealRound(ps));

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
      if (!ps.replay.empty() && raw.offset == ps.replay.front().end) return SealRound(ps);
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
  if (!error.empty()) {
    ctx.bad_messages->Add();
    double decayed = bad_count_.Add(Clock::now());
    spdlog::debug("{}/{} offset {}: {}", raw.topic, raw.partition, raw.offset, error);
    RETURN_IF_ERROR(Append(ps, raw, std::string(kErrorPartition), error));
    if (max_bad_messages_ >= 0 && decayed > static_cast<double>(max_bad_messages_)) {
      return Status::InvalidArgument(
          "too many messages could not be parsed (decayed count {:.0f} > "
          "secor.consumer.max_bad_messages={}); last: {}/{} offset {}: {}",
          decayed, max_bad_messages_, raw.topic, raw.partition, raw.offset, error);
    }
  } else {
    RETURN_IF_ERROR(Append(ps, *m, partition_path_, ""));
  }
  ps.last_offset = raw.offset;
  if (!ps.replay.empty()) {
    return raw.offset == ps.replay.front().end ? SealRound(ps) : Status::OK();
  }
  // The size and file count policies are decided per message, so that a
  // burst cannot carry a round far past its limit before the periodic check
  // (age, minute mark) runs.
  if (too_many_files_) return SealEverything();
  if (ps.round_bytes >= static_cast<uint64_t>(ps.ctx->max_file_bytes)) return SealRound(ps);
  return Status::OK();
}

// The parser failed on m for a reason that may pass: m is neither written
// nor sent to the error output. The partition is paused and sought back to
// m (the pause first: it saves the fetch position the seek then replaces),
// and ReleaseParseHolds resumes it after a backoff. The consume loop keeps
// polling meanwhile, so other partitions flow and the member stays in the
// group; no commit can pass m because no round holds it.
Status ConsumerImpl::HoldForParse(PartitionState& ps, const Message& m, const Status& why) {
  parse_retries_.Add();
  ps.parse_backoff_ms = ps.held_offset == m.offset
                            ? std::min(ps.parse_backoff_ms * 2, parse_max_backoff_ms_)
                            : std::min(kFirstParseBackoffMs, parse_max_backoff_ms_);
  ps.parse_held = true;
  ps.held_offset = m.offset;
  ps.held_resought = false;
  ps.parse_retry_at = Clock::now() + std::chrono::milliseconds(ps.parse_backoff_ms);
  spdlog::warn(
      "{}/{} offset {}: parser failed, holding the partition at this offset and "
      "retrying in {} ms: {}",
      ps.tp.topic, ps.tp.partition, m.offset, ps.parse_backoff_ms, why.message());
  UpdatePause(ps);
  Status st = kafka_->Seek(ps.tp, m.offset, 0);
  if (!st.ok()) HoldForSetUp(ps, st);
  return Status::OK();
}

int64_t ConsumerImpl::NextOffset(const PartitionState& ps) {
  return ps.last_offset >= 0 ? ps.last_offset + 1 : ps.round_start;
}

// Seeks back to the gap's first offset, having received offset past it.
void ConsumerImpl::SeekBackToGap(PartitionState& ps, int64_t offset) {
  ++ps.gap_seeks;
  ps.gap_seek_at = Clock::now();
  spdlog::warn("{}/{}: got offset {} while {} comes next; seeking back (attempt {})", ps.tp.topic,
               ps.tp.partition, offset, ps.gap_offset, ps.gap_seeks);
  Status st = kafka_->Seek(ps.tp, ps.gap_offset, 0);
  if (!st.ok()) HoldForSetUp(ps, st);
}

// Seeks back again to a gap still open two seconds after the last seek (see
// Process).
void ConsumerImpl::RetryGapSeeks() {
  auto now = Clock::now();
  for (auto& [tp, ps] : partitions_) {
    if (ps.gap_offset < 0) continue;
    if (ps.gap_offset != NextOffset(ps) || !ps.ready || ps.blocked) {
      ps.gap_offset = -1;  // passed, or the partition starts over
      continue;
    }
    if (ps.paused || now - ps.gap_seek_at < std::chrono::seconds(2)) continue;
    SeekBackToGap(ps, ps.gap_next);
  }
}

// Resumes held partitions whose backoff has passed; the held message is read
// again and parsed from Process.
void ConsumerImpl::ReleaseParseHolds() {
  auto now = Clock::now();
  for (auto& [tp, ps] : partitions_) {
    // Messages of the last batch past the held offset were fetched before
    // the seek back; a later one means the fetch skipped it again.
    ps.held_resought = false;
    if (!ps.parse_held || now < ps.parse_retry_at) continue;
    ps.parse_held = false;
    UpdatePause(ps);
  }
}

void ConsumerImpl::ClearParseHold(PartitionState& ps) {
  ps.parse_held = false;
  ps.held_offset = -1;
  ps.held_resought = false;
  ps.parse_backoff_ms = 0;
}

// secor.max.file.count: more files are open than allowed, so every partition
// in normal mode uploads what it holds.
Status ConsumerImpl::SealEverything() {
  too_many_files_ = false;
  for (auto& [tp, ps] : partitions_) {
    if (ps.files.empty() || !ps.replay.empty()) continue;
    RETURN_IF_ERROR(SealRound(ps));
  }
  return Status::OK();
}

// Closes the current round's files and hands the round to the uploader.
Status ConsumerImpl::SealRound(PartitionState& ps) {
  bool replay = !ps.replay.empty();
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
  round.local_dir = ps.round_dir;
  for (auto& [op, f] : ps.files) {
    Status st = f.writer ? f.writer->Close() : f.errors->Close();
    if (!st.ok()) return st.WithContext("closing " + f.local_path);
    SealedFile sf;
    sf.local_path = f.local_path;
    sf.key = f.key;
    sf.messages = f.messages;
    sf.offsets_hash = f.offsets_hash;
    sf.metadata = {{"secor-topic", ps.tp.topic},
                   {"secor-partition", std::to_string(ps.tp.partition)},
                   {"secor-round-start", std::to_string(round.start)},
                   {"secor-round-end", std::to_string(round.end)},
                   {"secor-messages", std::to_string(f.messages)}};
    round.files.push_back(std::move(sf));
  }
  if (!ps.replay.empty()) {
    const RoundMarker& marker = ps.replay.front();
    std::set<MarkerFile> derived, decided(marker.files.begin(), marker.files.end());
    for (const auto& f : round.files) derived.insert({f.key, f.messages, f.offsets_hash});
    if (derived != decided) {
      auto describe = [](const std::set<MarkerFile>& files) {
        std::vector<std::string> out;
        out.reserve(files.size());
        for (const auto& f : files) {
          out.push_back(
              fmt::format("{} ({} messages, hash {:016x})", f.key, f.messages, f.offsets_hash));
        }
        return Join(out, ", ");
      };
      return Status::Internal(
          "{}/{}: replaying round {}..{} gave files [{}], but the round marker lists [{}]: the "
          "parser, transformer or format changed between writers (such a change needs a new "
          "secor.generation, see docs/operations.md), or Kafka no longer holds all of the round's "
          "messages",
          ps.tp.topic, ps.tp.partition, marker.start, marker.end, describe(derived),
          describe(decided));
    }
    round.replay = true;
    ps.replay.pop_front();
  }
  int64_t next = round.end + 1;
  uploader_->Submit(std::move(round));
  ++ps.pending_rounds;
  rounds_in_flight_.Add(1);
  ps.files.clear();
  StartRound(ps, next);
  open_files_.Set(static_cast<double>(OpenFileCount()));
  UpdatePause(ps);
  return Status::OK();
}

// Backpressure: a partition whose rounds pile up (store slow or down) stops
// fetching until they drain, so local disk use stays bounded.
void ConsumerImpl::UpdatePause(PartitionState& ps) {
  bool want = ps.pending_rounds >= max_pending_rounds_ || ps.blocked || !ps.ready || ps.parse_held;
  if (want == ps.paused) return;
  Status st = want ? kafka_->Pause({ps.tp}) : kafka_->Resume({ps.tp});
  if (!st.ok()) return;
  ps.paused = want;
  if (want) return;
  // librdkafka 2.0.2 resumes fetching where the application's position stood
  // when the partition was paused, undoing any seek made while it was
  // paused; messages dropped meanwhile (the partition was not set up) would
  // be skipped. Seek after the resume to the offset this state needs next
  // (the resume's fetches are older than the seek and never delivered). The
  // 2026-12-02 soak lost offsets 4408..4415 of a partition that way.
  int64_t next = ps.held_offset >= 0   ? ps.held_offset
                 : ps.last_offset >= 0 ? ps.last_offset + 1
                                       : ps.round_start;
  st = kafka_->Seek(ps.tp, next, 0);
  if (!st.ok()) HoldForSetUp(ps, st);
}

Status ConsumerImpl::ResetToReplay(PartitionState& ps, int64_t start) {
  DropRound(ps);
  ClearParseHold(ps);
  ps.epoch = next_epoch_++;
  SetCurrent(ps.tp, ps.epoch);
  ps.pending_rounds = 0;
  ps.replay.clear();
  ASSIGN_OR_RETURN(auto markers, ledger_->ListMarkers(ps.tp.topic, ps.tp.partition, start));
  for (int64_t s = start;;) {
    auto it = markers.find(s);
    if (it == markers.end()) break;
    ps.replay.push_back(it->second);
    s = it->second.end + 1;
  }
  StartRound(ps, start);
  RETURN_IF_ERROR(kafka_->Seek(ps.tp, start, 0));
  UpdatePause(ps);
  spdlog::info("{}/{}: replaying {} round(s) decided by other writers from {}", ps.tp.topic,
               ps.tp.partition, ps.replay.size(), start);
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
    if (!ps.ready || ps.paused) continue;
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(kafka_->handle(), tp.topic.c_str(), tp.partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    int64_t next = ps.last_offset >= 0 ? ps.last_offset + 1 : ps.round_start;
    if (high > next) behind.emplace_back(high - next, tp);
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

// Starts the partition over as if newly assigned (paused, set up again by
// RetrySetUps from the committed offset and the markers), after a broker or
// store error in the middle of a change of round.
void ConsumerImpl::HoldForSetUp(PartitionState& ps, const Status& why) {
  DropRound(ps);
  ClearParseHold(ps);
  ClearCurrent(ps.tp);
  ps.epoch = next_epoch_++;
  ps.ready = false;
  ps.replay.clear();
  ps.pending_rounds = 0;
  ps.setup_backoff_ms = 500;
  ps.setup_retry_at = Clock::now() + std::chrono::milliseconds(ps.setup_backoff_ms);
  UpdatePause(ps);
  spdlog::warn("{}/{}: holding the partition paused and setting it up again: {}", ps.tp.topic,
               ps.tp.partition, why.message());
}

Status ConsumerImpl::HandleEvents() {
  std::deque<Event> events;
  {
    std::lock_guard lock(events_mu_);
    events.swap(events_);
  }
  for (auto& e : events) {
    if (e.kind == Event::kFatal) return e.status;
    rounds_in_flight_.Add(e.kind == Event::kRoundDone ? -1 : 0);
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

// The status server's view of this loop (also its liveness heartbeat).
void ConsumerImpl::PublishStatus() {
  ConsumerSnapshot snap;
  snap.group = group_;
  snap.writer_id = writer_id_;
  snap.output = store_->Uri("");
  snap.staging_dir = staging_->dir();
  for (const auto& [tp, ps] : partitions_) {
    AssignmentStatus a;
    a.topic = tp.topic;
    a.partition = tp.partition;
    a.round_start = ps.round_start;
    a.last_offset = ps.last_offset;
    a.replay = !ps.replay.empty();
    a.open_files = static_cast<int64_t>(ps.files.size());
    a.pending_rounds = ps.pending_rounds;
    a.paused = ps.paused;
    int64_t low = -1, high = -1;
    // Cached from fetch responses: no broker round trip on the consume loop.
    if (rd_kafka_get_watermark_offsets(kafka_->handle(), tp.topic.c_str(), tp.partition, &low,
                                       &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0) {
      a.high_watermark = high;
      if (ps.ready) {
        Gauge*& lag = lag_gauges_[tp];
        if (!lag) {
          lag = &MetricsRegistry::Global().GetGauge(
              kLagMetric, "Messages between the read position and the partition's end",
              {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}});
        }
        int64_t next = ps.last_offset >= 0 ? ps.last_offset + 1 : ps.round_start;
        lag->Set(static_cast<double>(std::max<int64_t>(0, high - next)));
      }
    }
    snap.assignments.push_back(std::move(a));
  }
  // A partition another consumer owns now reports its lag there, not here.
  for (auto it = lag_gauges_.begin(); it != lag_gauges_.end();) {
    if (partitions_.count(it->first)) {
      ++it;
      continue;
    }
    MetricsRegistry::Global().RemoveGauge(
        kLagMetric,
        {{"topic", it->first.topic}, {"partition", std::to_string(it->first.partition)}});
    it = lag_gauges_.erase(it);
  }
  snap.open_files = static_cast<int64_t>(OpenFileCount());
  snap.rounds_in_flight = static_cast<int64_t>(rounds_in_flight_.value());
  StatusBoard::Global().Publish(std::move(snap));
}

Status ConsumerImpl::CheckPolicies() {
  RETURN_IF_ERROR(RetrySetUps());
  ReleaseParseHolds();
  RetryGapSeeks();
  auto now = Clock::now();
  bool seal_all = max_file_count_ >= 0 && OpenFileCount() > static_cast<size_t>(max_file_count_);
  int minute = -1;
  int64_t minute_start_ms = 0;
  if (minute_mark_ > 0) {
    int64_t ms = WallMs();
    minute = static_cast<int>((ms / 60000) % 60);
    minute_start_ms = ms - ms % 60000;
  }
  for (auto& [tp, ps] : partitions_) {
    if (ps.files.empty() || !ps.replay.empty()) continue;
    bool seal = seal_all;
    if (!seal) {
      uint64_t bytes = 0;
      Clock::time_point youngest = Clock::time_point::min(), oldest = Clock::time_point::max();
      for (const auto& [op, f] : ps.files) {
        bytes += f.writer ? f.writer->BytesWritten() : f.errors->size();
        youngest = std::max(youngest, f.created);
        oldest = std::min(oldest, f.created);
      }
      auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        now - (age_youngest_ ? youngest : oldest))
                        .count();
      seal = bytes >= static_cast<uint64_t>(ps.ctx->max_file_bytes) ||
             age_ms >= ps.ctx->max_file_age_ms;
      if (!seal && ps.ctx->upload_at_minute_mark && minute == minute_mark_) {
        auto created_ms =
            WallMs() - std::chrono::duration_cast<std::chrono::milliseconds>(now - oldest).count();
        seal = created_ms < minute_start_ms;
      }
    }
    if (seal) RETURN_IF_ERROR(SealRound(ps));
  }
  // After the seals: a round handed to the uploader shows as in flight, so
  // the status never has an upload done while its round still looks open.
  PublishStatus();
  return Status::OK();
}

Status ConsumerImpl::Run() {
  // An unreachable broker is retried with backoff, and reported each time.
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
    if (stop_requested_.load())
      return Status::Aborted("stopped before the broker could be reached");
  }
  if (subscribed_.empty()) {
    spdlog::warn("no topic matches secor.kafka.topic_filter yet; waiting for one to appear");
  } else {
    spdlog::info("subscribing to {} topic(s): {}", subscribed_.size(), Join(subscribed_, ", "));
    RETURN_IF_ERROR(kafka_->Subscribe(subscribed_));
  }
  StatusBoard::Global().SetRunning(true);
  PublishStatus();
  auto last_check = Clock::now();
  auto last_topic_refresh = Clock::now();
  auto rate_window_start = Clock::now();
  int64_t rate_window_count = 0;
  int64_t total = 0;
  std::vector<PolledMessage> batch;
  Clock::time_point first_message_at, last_message_at;
  Status result;
  uint32_t since_check = 0;
  while (!stop_requested_.load()) {
    if (!setup_error_.ok()) {
      result = setup_error_;
      break;
    }
    result = HandleEvents();
    if (!result.ok()) break;
    kafka_->PollBatch(0, kBatch, &batch);
    if (batch.empty()) {
      WakeFetchersIfBehind();
      kafka_->PollBatch(100, kBatch, &batch);
    }
    bool done = false;
    for (const PolledMessage& msg : batch) {
      if (msg.error_code()) {
        if (msg.error_code() == -140 /* RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET */) {
          offsets_lost_.Add();
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
      result = Process(msg.view());
      if (!result.ok()) break;
      ++total;
      ++rate_window_count;
      if (options_.max_messages > 0 && total >= options_.max_messages) {
        done = true;
        break;
      }
    }
    if (!batch.empty()) {
      auto now = Clock::now();
      if (first_message_at == Clock::time_point()) first_message_at = now;
      last_message_at = now;
    }
    if (!result.ok() || done) break;
    for (const auto& tp : assigned_in_poll_) {
      auto it = partitions_.find(tp);
      if (it == partitions_.end() || !it->second.ready) continue;
      Status st = kafka_->Seek(tp, it->second.round_start, 0);
      if (!st.ok()) HoldForSetUp(it->second, st);
    }
    assigned_in_poll_.clear();
    since_check += static_cast<uint32_t>(batch.size());
    if (since_check >= 256 || batch.empty()) {
      since_check = 0;
      if (kafka_->QueuedMessages() < kWakeBelowQueued) WakeFetchersIfBehind();
      auto now = Clock::now();
      if (now - last_check >= std::chrono::milliseconds(100)) {
        last_check = now;
        result = CheckPolicies();
        if (!result.ok()) break;
      }
      if (now - last_topic_refresh >= std::chrono::seconds(30)) {
        last_topic_refresh = now;
        auto topics = MatchingTopics();
        if (topics.ok() && *topics != subscribed_) {
          subscribed_ = *topics;
          spdlog::info("topics changed; subscribing to {}", Join(subscribed_, ", "));
          result = kafka_->Subscribe(subscribed_);
          if (!result.ok()) break;
        }
      }
      if (messages_per_second_ > 0) {
        double elapsed = std::chrono::duration<double>(now - rate_window_start).count();
        double allowed = elapsed * static_cast<double>(messages_per_second_);
        if (static_cast<double>(rate_window_count) > allowed) {
          // What was read before the pause shows on /status and /metrics during it.
          PublishStatus();
          std::this_thread::sleep_for(
              std::chrono::duration<double>((static_cast<double>(rate_window_count) - allowed) /
                                            static_cast<double>(messages_per_second_)));
        }
        if (elapsed > 10) {
          rate_window_start = now;
          rate_window_count = 0;
        }
      }
    }
  }
  batch.clear();  // the messages go back to librdkafka before it closes
  const auto shutdown_started = Clock::now();
  if (result.ok()) {
    spdlog::info("stopping: {}", upload_on_shutdown_ ? "uploading open files first"
                                                     : "open files are left to the next owner");
    if (upload_on_shutdown_) {
      for (auto& [tp, ps] : partitions_) {
        if (ps.replay.empty()) result = SealRound(ps);
        if (!result.ok()) break;
      }
    }
    // Sealed rounds are finished before leaving the group: their commits
    // need the group membership. A store that stays down must not hold the
    // process for ever: past the timeout the rounds are left to the next
    // owner, exactly as a crash would leave them.
    auto deadline = Clock::now() + std::chrono::seconds(shutdown_timeout_s_);
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
          shutdown_timeout_s_, pending - committing, committing);
    }
    if (result.ok()) result = HandleEvents();
  }
  StatusBoard::Global().SetRunning(false);
  // A commit still waiting for an unreachable coordinator would hold the
  // uploader's threads, and the exit, for its whole timeout each.
  kafka_->AbandonCommits();
  uploader_->Stop();
  if (total > 0) {
    double secs = std::chrono::duration<double>(last_message_at - first_message_at).count();
    spdlog::info("consumed {} messages in {:.3f} s from the first to the last ({:.0f} msg/s)",
                 total, secs, secs > 0 ? static_cast<double>(total) / secs : 0.0);
  }
  // Leaving the group gets what is left of the shutdown bound, and a few
  // seconds at least, so that SIGTERM ends the process within about
  // secor.shutdown.timeout.seconds whatever Kafka does.
  auto close_budget = std::max<Clock::duration>(
      std::chrono::seconds(5),
      shutdown_started + std::chrono::seconds(shutdown_timeout_s_) - Clock::now());
  Status closed =
      kafka_->Close(std::chrono::duration_cast<std::chrono::milliseconds>(close_budget));
  if (!closed.ok()) spdlog::warn("leaving the group: {}", closed.message());
  for (auto& [tp, ps] : partitions_) DropRound(ps);
  if (!result.ok()) spdlog::error("{}", result.message());
  return result;
}

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::Create(const Config& config, ConsumerOptions options) {
  auto c = std::make_unique<ConsumerImpl>(config, options);
  RETURN_IF_ERROR(c->Init());
  return std::unique_ptr<Consumer>(std::move(c));
}

}  // namespace secor
