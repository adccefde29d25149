#include "consumer/staging.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/file_util.h"

namespace secor {

namespace fs = std::filesystem;

Staging::~Staging() {
  if (lock_fd_ >= 0) {
    RemoveAll(dir_);
    ::close(lock_fd_);
  }
}

Result<std::unique_ptr<Staging>> Staging::Open(const std::string& root,
                                               const std::string& instance) {
  if (root.empty()) return Status::InvalidArgument("secor.local.path: required setting is missing");
  Status st = MakeDirs(root);
  if (!st.ok()) return st.WithContext("secor.local.path");
  if (::access(root.c_str(), W_OK) != 0) {
    return Status::FromErrno("secor.local.path " + root + " is not writable", errno);
  }
  // Remove the directories of processes that no longer hold their lock.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec)) continue;
    // Another process's directory in the making (below): between creating
    // its lock file and locking it, the lock looks free. Only one left by a
    // crash a while ago is removed.
    if (entry.path().filename().string().rfind(".creating-secor-", 0) == 0) {
      auto age = fs::file_time_type::clock::now() - entry.last_write_time(ec);
      if (ec || age < std::chrono::minutes(1)) continue;
    }
    std::string lock_path = entry.path().string() + "/.lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      // A directory still being created has no lock yet, but also not its
      // final name (see below).
      if (entry.path().filename().string().rfind("secor-", 0) == 0)
        RemoveAll(entry.path().string());
      continue;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      spdlog::info("removing stale staging directory {}", entry.path().string());
      RemoveAll(entry.path().string());
    }
    ::close(fd);
  }
  // Made under a temporary name and renamed once locked: another process
  // starting at the same moment removes directories named secor-* that have
  // no lock, and would otherwise take this one between mkdir and lock.
  std::unique_ptr<Staging> s(new Staging());
  s->dir_ = JoinPath(root, "secor-" + instance);
  std::string creating = JoinPath(root, ".creating-secor-" + instance);
  RETURN_IF_ERROR(MakeDirs(creating));
  std::string lock_path = creating + "/.lock";
  s->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s->lock_fd_ < 0) return Status::FromErrno("create " + lock_path, errno);
  if (::flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::FromErrno("lock " + lock_path, errno);
  }
  if (::rename(creating.c_str(), s->dir_.c_str()) != 0) {
    return Status::FromErrno("rename " + creating + " to " + s->dir_, errno);
  }
  return s;
}

}  // namespace secor
