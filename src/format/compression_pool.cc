#include "format/compression_pool.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace secor {

CompressionPool::CompressionPool(int threads, int max_waiting)
    : max_waiting_(static_cast<size_t>(max_waiting > 0 ? max_waiting : 2 * std::max(threads, 1))) {
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this] { Work(); });
}

CompressionPool::~CompressionPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  room_.notify_all();
  for (auto& t : threads_) t.join();
}

std::future<void> CompressionPool::Submit(std::function<void()> job) {
  std::packaged_task<void()> task(std::move(job));
  std::future<void> done = task.get_future();
  {
    std::unique_lock lock(mu_);
    ++blocked_submitters_;
    room_.wait(lock, [this] { return waiting_.size() < max_waiting_ || stopping_; });
    --blocked_submitters_;
    waiting_.push_back(std::move(task));
  }
  work_ready_.notify_one();
  return done;
}

int CompressionPool::BlockedSubmitters() {
  std::lock_guard lock(mu_);
  return blocked_submitters_;
}

void CompressionPool::Work() {
  while (true) {
    std::packaged_task<void()> task;
    {
      std::unique_lock lock(mu_);
      work_ready_.wait(lock, [this] { return !waiting_.empty() || stopping_; });
      // Jobs still waiting at shutdown run anyway: a writer may wait on them.
      if (waiting_.empty()) return;
      task = std::move(waiting_.front());
      waiting_.pop_front();
    }
    room_.notify_one();
    task();
  }
}

namespace {
std::unique_ptr<CompressionPool>& SharedPoolSlot() {
  static std::unique_ptr<CompressionPool> pool;
  return pool;
}
}  // namespace

CompressionPool* SharedCompressionPool() { return SharedPoolSlot().get(); }

void SetSharedCompressionThreads(int threads) {
  auto& pool = SharedPoolSlot();
  if (threads <= 0) {
    pool.reset();
  } else if (!pool || pool->threads() != threads) {
    pool = std::make_unique<CompressionPool>(threads);
  }
}

}  // namespace secor
