// Uploader: carries sealed rounds to the object store off the consuming
// thread, following the round protocol (docs/design.md): decide the round with
// a create-only marker (unless replaying a decided one), upload its files
// create-only, then commit end+1 to Kafka. Rounds of one source partition are
// handled strictly in order (commits must not overtake each other); different
// partitions upload in parallel. Failures are retried with capped exponential
// backoff and full jitter; nothing is ever committed before its files are
// stored, and nothing is dropped except on revocation (the next owner replays).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "metrics/metrics.h"
#include "storage/object_store.h"
#include "upload/round_ledger.h"

namespace secor {

struct SealedFile {
  std::string local_path;
  std::string key;  // relative to the output root
  int64_t messages = 0;
  uint64_t offsets_hash = kOffsetsHashSeed;
  std::map<std::string, std::string> metadata;
};

struct SealedRound {
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;
  int64_t end = 0;
  std::vector<SealedFile> files;
  bool replay = false;    // the marker exists already: only upload and commit
  uint64_t epoch = 0;     // the partition state incarnation that sealed it
  std::string local_dir;  // removed once the round is done or dropped
};

// What the uploader needs from the consumer. Called from uploader threads.
class RoundOwner {
 public:
  virtual ~RoundOwner() = default;
  // Whether the partition state that sealed rounds of this epoch still owns them.
  virtual bool IsCurrent(const std::string& topic, int32_t partition, uint64_t epoch) = 0;
  // Commits next_offset for the partition state of this epoch; Fenced when
  // that state no longer owns the partition or the group refused the commit.
  // A member that lost a partition stays in the group under cooperative
  // rebalancing, and Kafka does not check who commits a partition: without
  // the ownership check a late commit could move the offset back.
  virtual Status Commit(const std::string& topic, int32_t partition, uint64_t epoch,
                        int64_t next_offset) = 0;
  // The round is stored and committed (or dropped): ok, fenced, or a conflict.
  virtual void OnRoundDone(const SealedRound& round, const Status& outcome) = 0;
  // Another writer decided round.start differently: the consumer must replay.
  virtual void OnConflict(const SealedRound& round) = 0;
  // A failure that retrying cannot fix (credentials, permissions).
  virtual void OnFatal(const Status& status) = 0;
};

struct UploaderOptions {
  int threads = 4;
  int64_t max_backoff_ms = 30000;
  std::string writer_id;
};

class Uploader {
 public:
  // Counts its work in metrics (files, bytes, rounds, commits, latency).
  Uploader(ObjectStore* store, RoundLedger* ledger, RoundOwner* owner, UploaderOptions options,
           MetricsRegistry& metrics);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  void Submit(SealedRound round);
  // Rounds queued or in progress.
  size_t Pending() const;
  // Of those, the rounds whose files and marker are stored and whose commit
  // is still to be made: at shutdown they are not lost work, the next owner
  // finds them by their markers.
  size_t StoredAwaitingCommit() const { return stored_awaiting_commit_; }
  // Why the last store write failed, while no store write has succeeded
  // since ("" when the store takes writes): /readyz and /status.
  std::string StoreProblem() const;
  // Blocks until every submitted round is done.
  void Drain();
  // Stops the workers after the rounds in progress (queued rounds are dropped).
  void Stop();

 private:
  using Key = std::pair<std::string, int32_t>;
  void WorkerLoop();
  void Process(SealedRound& round);
  enum class Target { kStore, kKafka };
  // Retries op until it succeeds, fails non-retryably, or the round is stale.
  Status Retry(const SealedRound& round, Target target, const std::string& what,
               const std::function<Status()>& op);
  bool Stale(const SealedRound& round);
  // OK unless the existing object records a different round (another chain).
  Status CheckSameRound(const std::string& key, const ObjectInfo& existing,
                        const SealedRound& round);

  // The uploader's series, registered once at construction.
  struct Probe {
    explicit Probe(MetricsRegistry& m);
    Counter& files;
    Counter& bytes;
    Counter& failures;
    Counter& rounds_decided;
    Counter& rounds_replayed;
    Counter& conflicts;
    Counter& commits;
    Counter& fenced;
    Histogram& latency;
  };

  ObjectStore* store_;
  RoundLedger* ledger_;
  RoundOwner* owner_;
  UploaderOptions options_;
  Probe probe_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::map<Key, std::deque<SealedRound>> queues_;
  std::map<Key, bool> busy_;
  // Per partition, the epoch of a round that was not decided and stored
  // (conflict, failure, revocation). Later rounds of that epoch were cut
  // after it and build on it, so they must not be decided or committed.
  std::map<Key, uint64_t> broken_epoch_;
  size_t pending_ = 0;
  std::atomic<size_t> stored_awaiting_commit_{0};
  bool stopping_ = false;
  std::string store_problem_;
  std::vector<std::thread> workers_;
};

}  // namespace secor
