#include "consumer/consumer.h"

#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "consumer/consumer_impl.h"
#include "format/compression_pool.h"
#include "format/parquet/writer.h"
#include "kafka/client_config.h"

namespace secor {
namespace consumer_internal {
namespace {

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

}  // namespace

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
  ASSIGN_OR_RETURN(auto ctx, BuildTopicContext(config_, settings_, topic,
                                               topic.empty() ? validation_metrics_ : metrics_));
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
    int64_t next = ps.NextOffset();
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

// The status server's view of this loop (also its liveness heartbeat).
void ConsumerImpl::PublishStatus() {
  ConsumerSnapshot snap;
  snap.group = settings_.group;
  snap.writer_id = writer_id_;
  snap.output = store_->Uri("");
  snap.staging_dir = staging_->dir();
  snap.joined_group = joined_group_;
  snap.store_problem = uploader_->StoreProblem();
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

// An unreachable broker is retried with backoff, and reported each time; a
// refused login or TLS handshake too, reported by the Kafka client.
Status ConsumerImpl::SubscribeWhenReachable() {
  for (int64_t backoff_ms = 500;; backoff_ms = std::min<int64_t>(backoff_ms * 2, 30000)) {
    auto topics = MatchingTopics();
    if (topics.ok()) {
      subscribed_ = *topics;
      break;
    }
    if (topics.status().code() == Status::Code::kPermissionDenied) {
      // A refused login or TLS handshake: the Kafka client logged it once
      // (and repeats it at most once a minute); no line per attempt here.
      spdlog::debug("cannot list topics ({}); retrying in {} ms", topics.status().message(),
                    backoff_ms);
    } else {
      spdlog::error("cannot list topics ({}); retrying in {} ms", topics.status().message(),
                    backoff_ms);
    }
    for (int64_t waited = 0; waited < backoff_ms && !stop_requested_.load(); waited += 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (stop_requested_.load()) {
      // A clean stop, as a SIGTERM at any other time: nothing was consumed.
      spdlog::info("stopping: asked to stop before the broker could be reached");
      return Status::OK();
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
  // /status names the group and output while the broker is still being
  // reached; the loop is not running yet (/healthz says so).
  PublishStatus();
  RETURN_IF_ERROR(SubscribeWhenReachable());
  if (stop_requested_.load()) return Shutdown(Status::OK());
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
    int64_t open_messages = 0;
    for (const auto& [tp, ps] : partitions_) open_messages += ps.round ? ps.round->messages() : 0;
    if (settings_.upload_on_shutdown) {
      spdlog::info("stopping: uploading the {} message(s) in open files first", open_messages);
    } else {
      spdlog::info(
          "stopping: {} message(s) in open files are left to the next owner, which reads them "
          "again from Kafka (secor.upload.on.shutdown=true uploads them before stopping)",
          open_messages);
    }
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
    if (secs > 0) {
      spdlog::info("consumed {} messages in {:.3f} s from the first to the last ({:.0f} msg/s)",
                   total_, secs, static_cast<double>(total_) / secs);
    } else {
      spdlog::info("consumed {} messages", total_);  // in one batch: no rate to tell
    }
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

}  // namespace consumer_internal

Result<std::unique_ptr<Consumer>> Consumer::Create(const Config& config, ConsumerOptions options,
                                                   ConsumerEnvironment environment) {
  auto c =
      std::make_unique<consumer_internal::ConsumerImpl>(config, options, std::move(environment));
  RETURN_IF_ERROR(c->Init());
  return std::unique_ptr<Consumer>(std::move(c));
}

}  // namespace secor
