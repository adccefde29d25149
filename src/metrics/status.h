// StatusBoard: what a running `secor consume` reports about itself to the HTTP
// status server (/status, /healthz, the status page). The consume loop
// publishes a snapshot every ~100 ms; uploads and warnings are recorded as they
// happen. Everything here is thread-safe and bounded (recent items only).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/sink.h>

namespace secor {

struct AssignmentStatus {
  std::string topic;
  int32_t partition = 0;
  int64_t round_start = 0;
  int64_t last_offset = -1;  // last offset of the current round, -1 when empty
  bool replay = false;       // replaying rounds decided by another writer
  int64_t open_files = 0;
  int64_t pending_rounds = 0;
  bool paused = false;
  int64_t high_watermark = -1;  // last known from fetches, -1 when unknown
  // Messages behind the end of the partition (0 when the watermark is unknown).
  int64_t Lag() const;
};

struct ConsumerSnapshot {
  std::string group;
  std::string writer_id;
  std::string output;
  std::string staging_dir;
  std::vector<AssignmentStatus> assignments;
  int64_t open_files = 0;
  int64_t rounds_in_flight = 0;
  bool joined_group = false;  // the group gave this member its assignment
  std::string store_problem;  // the last store write's failure, "" once one succeeds
};

struct UploadRecord {
  int64_t time_ms = 0;
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t files = 0;
  bool replay = false;
  std::string error;  // empty when the round was uploaded and committed
};

struct ErrorRecord {
  int64_t time_ms = 0;
  std::string level;
  std::string message;
};

class StatusBoard {
 public:
  static constexpr size_t kKeep = 20;
  static StatusBoard& Global();

  // The consume loop: its state now (also the liveness heartbeat).
  void Publish(ConsumerSnapshot snapshot);
  void SetRunning(bool running);
  void RecordUpload(UploadRecord record);
  void RecordError(ErrorRecord record);

  struct View {
    ConsumerSnapshot consumer;
    bool running = false;
    int64_t published_ms = 0;           // 0 before the first snapshot
    std::vector<UploadRecord> uploads;  // newest first
    std::vector<ErrorRecord> errors;    // newest first
  };
  View Get() const;

 private:
  mutable std::mutex mu_;
  ConsumerSnapshot consumer_;
  bool running_ = false;
  int64_t published_ms_ = 0;
  std::deque<UploadRecord> uploads_;
  std::deque<ErrorRecord> errors_;
};

// The /status document.
std::string StatusJson(const StatusBoard::View& view, int64_t now_ms);

// A log sink that keeps warnings and errors on the StatusBoard; added to the
// process logger by `secor consume` when the status server runs.
std::shared_ptr<spdlog::sinks::sink> NewStatusLogSink();

int64_t NowMillis();

}  // namespace secor
