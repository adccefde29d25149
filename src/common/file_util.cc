#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <random>

namespace secor {

namespace fs = std::filesystem;

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  std::string out;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::FromErrno("read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

static Status WriteAll(int fd, const char* data, size_t len, const std::string& path) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + path, errno);
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return Status::OK();
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  RETURN_IF_ERROR(MakeDirs(DirName(path)));
  std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create " + tmp, errno);
  Status st = WriteAll(fd, data.data(), data.size(), tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Status::FromErrno("fsync " + tmp, errno);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::FromErrno("rename " + tmp + " to " + path, errno);
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return SyncDir(DirName(path));
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return Status::OK();
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::IOError("create directory {}: {}", path, ec.message());
  return Status::OK();
}

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::IOError("remove {}: {}", path, ec.message());
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("fsync directory " + dir, err);
  return Status::OK();
}

Result<int64_t> FileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat " + path, errno);
  return static_cast<int64_t>(st.st_size);
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return Status::IOError("list {}: {}", dir, ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IOError("list {}: {}", dir, ec.message());
    if (it->is_regular_file(ec)) out.push_back(fs::relative(it->path(), dir, ec).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out.push_back('/');
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out.append(b);
  return out;
}

std::string DirName(std::string_view path) {
  size_t pos = path.rfind('/');
  if (pos == std::string_view::npos) return "";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

std::string BaseName(std::string_view path) {
  size_t pos = path.rfind('/');
  return std::string(pos == std::string_view::npos ? path : path.substr(pos + 1));
}

BufferedFile::~BufferedFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status BufferedFile::Open(const std::string& path, size_t buffer_size) {
  RETURN_IF_ERROR(MakeDirs(DirName(path)));
  // A new inode every time, never a truncated old one: a finished staging
  // file may have been linked into a local store, and truncating through
  // another name would empty the stored object.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("replace " + path, errno);
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::FromErrno("create " + path, errno);
  path_ = path;
  max_capacity_ = std::max<size_t>(buffer_size, 1);
  capacity_ = std::min<size_t>(max_capacity_, 8 << 10);
  buffer_.reserve(capacity_);
  size_ = 0;
  return Status::OK();
}

Status BufferedFile::Append(std::string_view data) {
  size_ += data.size();
  if (buffer_.size() + data.size() > capacity_) {
    RETURN_IF_ERROR(Flush());
    if (capacity_ < max_capacity_ && size_ > 16 * capacity_) {
      capacity_ = std::min(capacity_ * 2, max_capacity_);
      buffer_.reserve(capacity_);
    }
    if (data.size() >= capacity_) return WriteAll(fd_, data.data(), data.size(), path_);
  }
  buffer_.append(data);
  return Status::OK();
}

Status BufferedFile::Flush() {
  if (buffer_.empty()) return Status::OK();
  Status st = WriteAll(fd_, buffer_.data(), buffer_.size(), path_);
  buffer_.clear();
  return st;
}

Status BufferedFile::Sync() {
  RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return Status::FromErrno("fsync " + path_, errno);
  return Status::OK();
}

Status BufferedFile::Close() {
  if (fd_ < 0) return Status::OK();
  Status st = Flush();
  if (::close(fd_) != 0 && st.ok()) st = Status::FromErrno("close " + path_, errno);
  fd_ = -1;
  std::string().swap(buffer_);
  return st;
}

}  // namespace secor
