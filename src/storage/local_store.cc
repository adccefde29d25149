#include "storage/local_store.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/file_util.h"
#include "common/strings.h"

namespace secor {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTmpPrefix = "._tmp.";
constexpr const char* kMetaXattrPrefix = "user.secor.";

class LocalStore : public ObjectStore {
 public:
  explicit LocalStore(std::string root) : root_(std::move(root)) {}

  std::string Uri(const std::string& key) const override { return JoinPath(root_, key); }

  Status PutFile(const std::string& key, const std::string& local_path,
                 const PutOptions& options) override {
    // A finished staging file on the same filesystem becomes the object
    // itself, linked in create-only: the data is not written a second time.
    // (Staging files are never written again once handed to the store.)
    if (options.create_only) {
      Result<bool> linked = LinkIn(key, local_path, options);
      if (!linked.ok() || *linked) return linked.status();
    }
    return Publish(key, options, [&](int fd, const std::string& tmp) -> Status {
      int in = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) return Status::FromErrno("open " + local_path, errno);
      struct stat st {};
      ::fstat(in, &st);
      off_t off = 0;
      Status result;
      while (off < st.st_size) {
        ssize_t n = ::sendfile(fd, in, &off, static_cast<size_t>(st.st_size - off));
        if (n < 0) {
          if (errno == EINTR) continue;
          result = Status::FromErrno(fmt::format("copy {} to {}", local_path, tmp), errno);
          break;
        }
        if (n == 0) break;
      }
      ::close(in);
      return result;
    });
  }

  Status PutBytes(const std::string& key, std::string_view data,
                  const PutOptions& options) override {
    return Publish(key, options, [&](int fd, const std::string& tmp) -> Status {
      const char* p = data.data();
      size_t left = data.size();
      while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
          if (errno == EINTR) continue;
          return Status::FromErrno("write " + tmp, errno);
        }
        p += n;
        left -= static_cast<size_t>(n);
      }
      return Status::OK();
    });
  }

  Result<std::string> Get(const std::string& key) override { return ReadFile(Uri(key)); }

  Status GetToFile(const std::string& key, const std::string& local_path) override {
    ASSIGN_OR_RETURN(std::string data, ReadFile(Uri(key)));
    return WriteFileAtomic(local_path, data);
  }

  Result<ObjectInfo> Head(const std::string& key) override {
    std::string path = Uri(key);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat " + path, errno);
    if (!S_ISREG(st.st_mode)) return Status::NotFound("{} is not a file", path);
    ObjectInfo info;
    info.key = key;
    info.size = st.st_size;
    ReadMetadata(path, &info.metadata);
    return info;
  }

  Status List(const std::string& prefix, std::vector<ObjectInfo>* out) override {
    // Walk the deepest directory the prefix names, then filter by prefix.
    std::string dir_part = prefix.find('/') == std::string::npos ? "" : DirName(prefix);
    std::string base = JoinPath(root_, dir_part);
    // Only a missing directory means "no objects": std::filesystem::exists
    // also says false on ENOTDIR, which here is a broken or swapped store.
    struct stat st {};
    if (::stat(base.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::OK();
      return Status::FromErrno("list " + base, errno);
    }
    std::error_code ec;
    std::vector<ObjectInfo> found;
    fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec),
        end;
    if (ec) return Status::IOError("list {}: {}", base, ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return Status::IOError("list {}: {}", base, ec.message());
      if (!it->is_regular_file(ec)) continue;
      std::string name = it->path().filename().string();
      if (StartsWith(name, kTmpPrefix)) continue;
      std::string key = fs::relative(it->path(), root_, ec).string();
      if (!StartsWith(key, prefix)) continue;
      found.push_back(ObjectInfo{key, static_cast<int64_t>(it->file_size(ec)), {}});
    }
    std::sort(found.begin(), found.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    out->insert(out->end(), found.begin(), found.end());
    return Status::OK();
  }

  Status Delete(const std::string& key) override {
    std::string path = Uri(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno("delete " + path, errno);
    }
    return Status::OK();
  }

 private:
  // true: linked (or an error about it); false: another filesystem, copy instead.
  Result<bool> LinkIn(const std::string& key, const std::string& local_path,
                      const PutOptions& options) {
    if (key.empty() || key.find("..") != std::string::npos) {
      return Status::InvalidArgument("bad object key '{}'", key);
    }
    std::string path = Uri(key);
    std::string dir = DirName(path);
    RETURN_IF_ERROR(MakeDirs(dir));
    int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + local_path, errno);
    for (const auto& [k, v] : options.metadata) {
      ::fsetxattr(fd, (kMetaXattrPrefix + k).c_str(), v.data(), v.size(), 0);
    }
    Status st;
    if (::fsync(fd) != 0) st = Status::FromErrno("fsync " + local_path, errno);
    ::close(fd);
    RETURN_IF_ERROR(st);
    if (::link(local_path.c_str(), path.c_str()) != 0) {
      int err = errno;
      if (err == EEXIST) return Status::AlreadyExists("{} already exists", path);
      if (err == EXDEV || err == EPERM || err == EMLINK) return false;
      return Status::FromErrno("link " + local_path + " to " + path, err);
    }
    RETURN_IF_ERROR(SyncDir(dir));
    return true;
  }

  template <typename WriteBody>
  Status Publish(const std::string& key, const PutOptions& options, WriteBody write_body) {
    if (key.empty() || key.find("..") != std::string::npos) {
      return Status::InvalidArgument("bad object key '{}'", key);
    }
    std::string path = Uri(key);
    std::string dir = DirName(path);
    RETURN_IF_ERROR(MakeDirs(dir));
    static std::atomic<uint64_t> counter{0};
    std::string tmp =
        JoinPath(dir, std::string(kTmpPrefix) + BaseName(path) + "." + std::to_string(::getpid()) +
                          "." + std::to_string(counter++));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno("create " + tmp, errno);
    Status st = write_body(fd, tmp);
    if (st.ok()) {
      for (const auto& [k, v] : options.metadata) {
        // Metadata is best effort on filesystems without user xattrs.
        ::fsetxattr(fd, (kMetaXattrPrefix + k).c_str(), v.data(), v.size(), 0);
      }
      if (::fsync(fd) != 0) st = Status::FromErrno("fsync " + tmp, errno);
    }
    ::close(fd);
    if (st.ok()) {
      if (options.create_only) {
        if (::link(tmp.c_str(), path.c_str()) != 0) {
          int err = errno;
          st = err == EEXIST ? Status::AlreadyExists("{} already exists", path)
                             : Status::FromErrno("link " + tmp + " to " + path, err);
        }
      } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
        st = Status::FromErrno("rename " + tmp + " to " + path, errno);
      }
    }
    ::unlink(tmp.c_str());  // after link, or on failure; after rename it is gone
    if (!st.ok()) return st;
    return SyncDir(dir);
  }

  static void ReadMetadata(const std::string& path, std::map<std::string, std::string>* out) {
    char names[4096];
    ssize_t len = ::listxattr(path.c_str(), names, sizeof names);
    for (ssize_t i = 0; i < len;) {
      std::string name(names + i);
      i += static_cast<ssize_t>(name.size()) + 1;
      if (!StartsWith(name, kMetaXattrPrefix)) continue;
      char value[4096];
      ssize_t vlen = ::getxattr(path.c_str(), name.c_str(), value, sizeof value);
      if (vlen >= 0) (*out)[name.substr(strlen(kMetaXattrPrefix))] = std::string(value, vlen);
    }
  }

  std::string root_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewLocalStore(const std::string& uri, const Config&) {
  std::string scheme, rest;
  SplitUri(uri, &scheme, &rest);
  if (rest.empty()) return Status::InvalidArgument("empty local output path in '{}'", uri);
  // file:///abs keeps its leading slash in rest ("/abs"); a relative path stays relative.
  std::string root = rest;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  RETURN_IF_ERROR(MakeDirs(root));
  return std::unique_ptr<ObjectStore>(new LocalStore(root));
}

}  // namespace secor
