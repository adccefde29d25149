// RoundWriter: the local files of the current round of one source partition,
// one per output partition, plus the error output. It appends messages,
// seals the round into the files the uploader stores (with each file's
// message count and offsets hash, which a replaying writer must match), or
// drops it. No Kafka and no store: the consumer decides what goes in and
// when the round ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/message.h"
#include "common/status.h"
#include "consumer/error_file.h"
#include "format/file_format.h"
#include "upload/upload_policy.h"
#include "upload/uploader.h"

namespace secor {

// How the data files of a topic are named and opened.
struct RoundFileSpec {
  std::string topic;
  int32_t partition = 0;
  int64_t generation = 0;
  std::string extension;  // of data files; the error output is always .jsonl
  // Opens a writer of the topic's format at a local path.
  std::function<Result<std::unique_ptr<FileWriter>>(const std::string& path)> open_writer;
};

class RoundWriter {
 public:
  using Clock = std::chrono::steady_clock;

  // A round starting at offset start, its files under dir.
  RoundWriter(RoundFileSpec spec, int64_t start, std::string dir);
  ~RoundWriter();
  RoundWriter(const RoundWriter&) = delete;
  RoundWriter& operator=(const RoundWriter&) = delete;

  // Appends m to the file of output_partition, opening it first. A message
  // the format refuses as not fitting (InvalidArgument, e.g. a Parquet
  // schema) goes to the error output with the reason instead.
  Status Append(const Message& m, const std::string& output_partition);
  // Appends m to the error output with the reason it could not be parsed.
  Status AppendError(const Message& m, const std::string& error);

  // Closes every file and returns them for the uploader, with their
  // metadata for a round ending at end. The writer holds nothing afterwards.
  Result<std::vector<SealedFile>> Seal(int64_t end);
  // Closes and deletes every file and the round's directory.
  void Drop();

  int64_t start() const { return start_; }
  const std::string& dir() const { return dir_; }
  size_t file_count() const { return files_.size(); }
  // Messages in the round's files, the error output's included.
  int64_t messages() const {
    int64_t n = 0;
    for (const auto& [op, f] : files_) n += f.messages;
    return n;
  }
  // For the upload policy's tick: sizes as the writers report them now
  // (compression may have finished since the last append), and file ages.
  RoundSummary Summary() const;
  // For the size check after each append: counts and sizes as of the last
  // append, without asking each writer (the hot path).
  RoundSummary SizeSoFar() const {
    RoundSummary s;
    s.files = files_.size();
    s.bytes = bytes_;
    return s;
  }

 private:
  struct OpenFile {
    std::string local_path;
    std::string key;
    std::unique_ptr<FileWriter> writer;
    std::unique_ptr<ErrorFile> errors;  // for the error partition instead of writer
    Clock::time_point created;
    int64_t messages = 0;
    uint64_t offsets_hash = kOffsetsHashSeed;
    uint64_t bytes = 0;  // as of the last append
  };

  Result<OpenFile*> FileFor(const std::string& output_partition);
  void Counted(OpenFile& f, int64_t offset);

  RoundFileSpec spec_;
  int64_t start_;
  std::string dir_;
  std::map<std::string, OpenFile> files_;
  uint64_t bytes_ = 0;  // all files, as of their last appends
};

}  // namespace secor
