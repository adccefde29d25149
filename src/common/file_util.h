// Local filesystem helpers that report errors as Status (never throw).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor {

Result<std::string> ReadFile(const std::string& path);
// Writes via a temporary sibling, fsync and rename: readers see old or new.
Status WriteFileAtomic(const std::string& path, std::string_view data);
Status MakeDirs(const std::string& path);
// Removes a file or a directory tree; a missing path is OK.
Status RemoveAll(const std::string& path);
// fsyncs a directory so that a rename or create inside it is durable.
Status SyncDir(const std::string& dir);
Result<int64_t> FileSize(const std::string& path);
bool PathExists(const std::string& path);
// Recursively lists regular files under dir, as paths relative to dir, sorted.
Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir);
std::string JoinPath(std::string_view a, std::string_view b);
std::string DirName(std::string_view path);
std::string BaseName(std::string_view path);

// An append-only local file with a user-space buffer: the writers' sink.
class BufferedFile {
 public:
  BufferedFile() = default;
  ~BufferedFile();
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;

  // Creates (truncating) path, making parent directories. The buffer starts
  // at 8 KiB and grows to buffer_size as the file grows: thousands of small
  // open files stay cheap, a large one is written in large pieces.
  Status Open(const std::string& path, size_t buffer_size = 1 << 16);
  Status Append(std::string_view data);
  Status Flush();
  // Flushes and fsyncs.
  Status Sync();
  Status Close();
  // Bytes appended so far (buffered or not).
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  size_t capacity_ = 0;
  size_t max_capacity_ = 0;
  uint64_t size_ = 0;
};

}  // namespace secor
