#include "upload/uploader.h"

#include <chrono>
#include <random>

#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "metrics/metrics.h"

namespace secor {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Uploader::Probe::Probe(MetricsRegistry& m)
    : files(m.GetCounter("secor_uploader_files_total",
                         "Data files uploaded (or found already stored)")),
      bytes(m.GetCounter("secor_uploader_bytes_total", "Bytes of data files uploaded")),
      failures(m.GetCounter("secor_uploader_failures_total",
                            "Failed store or commit attempts (each retried)")),
      rounds_decided(m.GetCounter("secor_rounds_total", "Rounds completed", {{"mode", "normal"}})),
      rounds_replayed(m.GetCounter("secor_rounds_total", "Rounds completed", {{"mode", "replay"}})),
      conflicts(
          m.GetCounter("secor_round_conflicts_total", "Rounds another writer had decided first")),
      commits(m.GetCounter("secor_kafka_commits_total", "Offsets committed after a round")),
      fenced(m.GetCounter("secor_kafka_commits_fenced_total",
                          "Commits refused because the partition moved on")),
      latency(m.GetHistogram("secor_upload_duration_seconds",
                             "Time from sealing a round to its commit",
                             {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})) {}

Uploader::Uploader(ObjectStore* store, RoundLedger* ledger, RoundOwner* owner,
                   UploaderOptions options, MetricsRegistry& metrics)
    : store_(store), ledger_(ledger), owner_(owner), options_(std::move(options)), probe_(metrics) {
  int n = std::max(1, options_.threads);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Uploader::~Uploader() { Stop(); }

void Uploader::Submit(SealedRound round) {
  std::lock_guard lock(mu_);
  Key key{round.topic, round.partition};
  queues_[key].push_back(std::move(round));
  ++pending_;
  work_cv_.notify_one();
}

size_t Uploader::Pending() const {
  std::lock_guard lock(mu_);
  return pending_;
}

void Uploader::Drain() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return pending_ == 0 || stopping_; });
}

void Uploader::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    work_cv_.notify_all();
    idle_cv_.notify_all();
  }
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void Uploader::WorkerLoop() {
  while (true) {
    SealedRound round;
    Key key;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] {
        if (stopping_) return true;
        for (auto& [k, q] : queues_) {
          if (!q.empty() && !busy_[k]) return true;
        }
        return false;
      });
      if (stopping_) return;
      for (auto& [k, q] : queues_) {
        if (!q.empty() && !busy_[k]) {
          key = k;
          round = std::move(q.front());
          q.pop_front();
          busy_[k] = true;
          break;
        }
      }
    }
    Process(round);
    {
      std::lock_guard lock(mu_);
      busy_[key] = false;
      --pending_;
      if (queues_[key].empty()) queues_.erase(key);
      work_cv_.notify_all();
      if (pending_ == 0) idle_cv_.notify_all();
    }
  }
}

Status Uploader::CheckSameRound(const std::string& key, const ObjectInfo& existing,
                                const SealedRound& round) {
  // Metadata is best effort on local filesystems without user xattrs: only a
  // recorded round that differs is a verdict.
  auto start = existing.metadata.find("secor-round-start");
  auto end = existing.metadata.find("secor-round-end");
  if (start == existing.metadata.end() || end == existing.metadata.end()) return Status::OK();
  if (start->second == std::to_string(round.start) && end->second == std::to_string(round.end)) {
    return Status::OK();
  }
  return Status::Internal(
      "{} exists already but holds round {}..{}, not {}..{}: the key belongs to an earlier chain "
      "of "
      "this secor.generation (offsets reset or imported without a new generation); stopping "
      "instead of mixing the two. Bump secor.generation or move the old files away "
      "(docs/reset-offsets.md)",
      store_->Uri(key), start->second, end->second, round.start, round.end);
}

bool Uploader::Stale(const SealedRound& round) {
  return !owner_->IsCurrent(round.topic, round.partition, round.epoch);
}

std::string Uploader::StoreProblem() const {
  std::lock_guard lock(mu_);
  return store_problem_;
}

Status Uploader::Retry(const SealedRound& round, Target target, const std::string& what,
                       const std::function<Status()>& op) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  int64_t ceiling = 100;
  for (int attempt = 1;; ++attempt) {
    Status st = op();
    if (target == Target::kStore && st.code() != Status::Code::kAborted) {
      // An answer that is not a failure of the store (AlreadyExists, say)
      // shows that it takes writes.
      std::lock_guard lock(mu_);
      store_problem_ = st.IsRetryable() ? what + ": " + st.message() : "";
    }
    if (st.ok() || st.IsAlreadyExists() || st.IsNotFound() || st.code() == Status::Code::kFenced) {
      return st;
    }
    probe_.failures.Add();
    if (!st.IsRetryable()) return st;
    if (Stale(round)) return Status::Aborted("{}: partition revoked while retrying", what);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Aborted("{}: shutting down", what);
    }
    // Full jitter: sleep uniformly in [0, ceiling), ceiling doubling up to the cap.
    int64_t sleep_ms = std::uniform_int_distribution<int64_t>(0, ceiling)(rng);
    spdlog::warn("{} failed (attempt {}), retrying in {} ms: {}", what, attempt, sleep_ms,
                 st.message());
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    ceiling = std::min(ceiling * 2, options_.max_backoff_ms);
  }
}

void Uploader::Process(SealedRound& round) {
  auto started = std::chrono::steady_clock::now();
  std::string where =
      fmt::format("{}/{} round {}..{}", round.topic, round.partition, round.start, round.end);
  Key key{round.topic, round.partition};
  auto mark_broken = [&] {
    std::lock_guard lock(mu_);
    broken_epoch_[key] = round.epoch;
  };
  bool stored = false;  // marker and files in place: the chain goes on from end + 1
  auto finish = [&](const Status& outcome) {
    if (!outcome.ok() && !stored) mark_broken();
    if (stored) --stored_awaiting_commit_;
    RemoveAll(round.local_dir);
    owner_->OnRoundDone(round, outcome);
  };
  {
    // A round queued behind one that was not decided and stored starts where
    // that one ended: deciding it would create a marker off the chain, and
    // its commit would skip the unfinished round. (A refused commit alone
    // breaks nothing: the next round's commit covers it.)
    std::unique_lock lock(mu_);
    auto it = broken_epoch_.find(key);
    if (it != broken_epoch_.end() && it->second == round.epoch) {
      lock.unlock();
      finish(Status::Aborted("{}: dropped, an earlier round of this partition did not complete",
                             where));
      return;
    }
  }
  if (Stale(round)) {
    finish(Status::Aborted("{}: partition revoked before upload", where));
    return;
  }
  if (!round.replay) {
    RoundMarker marker;
    marker.start = round.start;
    marker.end = round.end;
    for (const auto& f : round.files) marker.files.push_back({f.key, f.messages, f.offsets_hash});
    marker.writer = options_.writer_id;
    marker.created_ms = NowMs();
    Status st = Retry(round, Target::kStore, "create marker of " + where,
                      [&] { return ledger_->CreateMarker(round.topic, round.partition, marker); });
    if (st.IsAlreadyExists()) {
      // A timed-out create may have succeeded: the round is ours if the marker
      // names this writer and the same end.
      auto existing = ledger_->ReadMarker(round.topic, round.partition, round.start);
      if (!existing.ok() || existing->writer != options_.writer_id || existing->end != round.end) {
        probe_.conflicts.Add();
        spdlog::warn("{}: another writer decided this round first ({}); replaying", where,
                     existing.ok() ? existing->writer : existing.status().message());
        mark_broken();
        RemoveAll(round.local_dir);
        owner_->OnConflict(round);
        owner_->OnRoundDone(round, Status::Conflict("{}: decided by another writer", where));
        return;
      }
    } else if (!st.ok()) {
      if (st.code() != Status::Code::kAborted) owner_->OnFatal(st.WithContext(where));
      finish(st);
      return;
    }
  }
  for (const auto& file : round.files) {
    if (round.replay) {
      // HEAD first: a replayed file usually exists already.
      auto head = store_->Head(file.key);
      if (head.ok()) {
        Status same = CheckSameRound(file.key, *head, round);
        if (!same.ok()) {
          owner_->OnFatal(same);
          finish(same);
          return;
        }
        probe_.files.Add();
        continue;
      }
    }
    PutOptions opts;
    opts.create_only = true;
    opts.metadata = file.metadata;
    Status st = Retry(round, Target::kStore, "upload " + store_->Uri(file.key),
                      [&] { return store_->PutFile(file.key, file.local_path, opts); });
    if (st.IsAlreadyExists()) {
      // Another writer of this round stored it first, or (never acceptable)
      // the key belongs to an earlier chain of the same generation.
      auto head = store_->Head(file.key);
      if (head.ok()) st = CheckSameRound(file.key, *head, round);
      if (!st.ok() && !st.IsAlreadyExists()) {
        owner_->OnFatal(st);
        finish(st);
        return;
      }
    }
    if (!st.ok() && !st.IsAlreadyExists()) {
      if (st.code() != Status::Code::kAborted) owner_->OnFatal(st);
      finish(st);
      return;
    }
    probe_.files.Add();
    if (st.ok()) {
      auto size = FileSize(file.local_path);
      if (size.ok()) probe_.bytes.Add(static_cast<double>(*size));
    }
  }
  stored = true;
  ++stored_awaiting_commit_;
  Status st = Retry(
      round, Target::kKafka, "commit offset " + std::to_string(round.end + 1) + " of " + where,
      [&] { return owner_->Commit(round.topic, round.partition, round.epoch, round.end + 1); });
  if (st.code() == Status::Code::kFenced) {
    probe_.fenced.Add();
    spdlog::info("{}: commit refused, the partition moved on ({})", where, st.message());
  } else if (!st.ok()) {
    if (st.code() != Status::Code::kAborted)
      spdlog::warn("{}: commit not done: {}", where, st.message());
  } else {
    probe_.commits.Add();
    (round.replay ? probe_.rounds_replayed : probe_.rounds_decided).Add();
    probe_.latency.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    spdlog::info("{}: {} file(s) stored, committed {}{}", where, round.files.size(), round.end + 1,
                 round.replay ? " (a replayed round)" : "");
  }
  finish(st);
}

}  // namespace secor
