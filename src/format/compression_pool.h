// CompressionPool: compresses blocks of output files on background threads, so
// that the consuming thread only parses and appends while a codec such as zstd
// or gzip works in parallel. A writer submits a job per block and writes the
// results back in its own order (see SequenceFile's block writer); the bytes
// of a file do not depend on whether or how the pool is used.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace secor {

class CompressionPool {
 public:
  // threads > 0. At most max_waiting jobs wait for a thread; Submit blocks
  // past that, which bounds the memory the pool holds.
  explicit CompressionPool(int threads, int max_waiting = 0);
  ~CompressionPool();
  CompressionPool(const CompressionPool&) = delete;
  CompressionPool& operator=(const CompressionPool&) = delete;

  // Runs job on a pool thread; the future is ready when it has run.
  std::future<void> Submit(std::function<void()> job);
  int threads() const { return static_cast<int>(threads_.size()); }
  // Callers of Submit blocked now because the queue is full (a test waits on it).
  int BlockedSubmitters();

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable work_ready_, room_;
  std::deque<std::packaged_task<void()>> waiting_;
  size_t max_waiting_;
  int blocked_submitters_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// keep_at_most for TakeFinishedInOrder: take only the jobs already done.
inline constexpr size_t kNoWait = ~size_t{0};

// A writer's jobs leave the pool in the order it submitted them (its file's
// bytes must not depend on which job finished first): hands each finished
// job, oldest first, to finish (a callable taking std::unique_ptr<Job> and
// returning Status), waiting for the oldest while more than keep_at_most
// remain; stops at the first error. Job has a std::future<void> `done`.
template <class Job, class Finish>
Status TakeFinishedInOrder(std::deque<std::unique_ptr<Job>>* jobs, size_t keep_at_most,
                           Finish&& finish) {
  while (!jobs->empty()) {
    std::future<void>& done = jobs->front()->done;
    if (jobs->size() <= keep_at_most &&
        done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      break;
    }
    done.get();
    std::unique_ptr<Job> job = std::move(jobs->front());
    jobs->pop_front();
    RETURN_IF_ERROR(finish(std::move(job)));
  }
  return Status::OK();
}

// The process's pool, or nullptr when blocks are compressed on the writing
// thread (the default until SetSharedCompressionThreads is called).
CompressionPool* SharedCompressionPool();
// Sets the shared pool's size once at start-up (secor.compression.threads);
// 0 keeps compression on the writing thread. Not safe while writers are open.
void SetSharedCompressionThreads(int threads);

}  // namespace secor
