// Staging: this process's local directory for files being written. Each
// process gets its own subdirectory of secor.local.path, locked with flock, so
// that several processes can share one secor.local.path; at start-up the
// directories of processes that are gone (lock free) are removed. The staging
// area is a cache: everything in it can be rebuilt from Kafka.
#pragma once

#include <string>

#include "common/status.h"

namespace secor {

class Staging {
 public:
  ~Staging();
  // Creates <root>/<instance>, cleaning up dead instances' directories first.
  static Result<std::unique_ptr<Staging>> Open(const std::string& root,
                                               const std::string& instance);
  const std::string& dir() const { return dir_; }

 private:
  Staging() = default;
  std::string dir_;
  int lock_fd_ = -1;
};

}  // namespace secor
