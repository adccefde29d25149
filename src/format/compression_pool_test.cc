#include "format/compression_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "support/test_util.h"

namespace secor {
namespace {

using namespace std::chrono_literals;

TEST(CompressionPoolTest, RunsEveryJobAndSignalsItsFuture) {
  CompressionPool pool(2);
  std::atomic<int> ran{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 100; ++i) done.push_back(pool.Submit([&ran] { ++ran; }));
  for (auto& f : done) f.wait();
  EXPECT_EQ(ran.load(), 100);
}

TEST(CompressionPoolTest, SubmitWaitsWhileTheQueueIsFull) {
  CompressionPool pool(1, /*max_waiting=*/1);
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  auto blocker = [&] {
    ++started;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  auto first = pool.Submit(blocker);  // runs, blocks the only thread
  ASSERT_TRUE(testing::WaitUntil([&] { return started.load() == 1; }, 10s));
  EXPECT_EQ(pool.BlockedSubmitters(), 0);
  auto second = pool.Submit(blocker);  // waits in the queue
  std::atomic<bool> third_submitted{false};
  std::thread submitter([&] {
    pool.Submit([] {}).wait();
    third_submitted = true;
  });
  // The third Submit is seen blocked (a wait with a deadline, not a sleep),
  // and has not returned while the queue stays full.
  EXPECT_TRUE(testing::WaitUntil([&] { return pool.BlockedSubmitters() == 1; }, 10s));
  EXPECT_FALSE(third_submitted.load()) << "the queue was full: Submit should have waited";
  release = true;
  submitter.join();
  EXPECT_TRUE(third_submitted.load());
  first.wait();
  second.wait();
}

TEST(CompressionPoolTest, JobsStillQueuedRunBeforeThePoolIsDestroyed) {
  std::atomic<int> ran{0};
  {
    CompressionPool pool(1, 64);
    for (int i = 0; i < 50; ++i) pool.Submit([&ran] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(CompressionPoolTest, SharedPoolIsOffUntilSetAndCanBeTurnedOff) {
  SetSharedCompressionThreads(0);
  EXPECT_EQ(SharedCompressionPool(), nullptr);
  SetSharedCompressionThreads(2);
  ASSERT_NE(SharedCompressionPool(), nullptr);
  EXPECT_EQ(SharedCompressionPool()->threads(), 2);
  SetSharedCompressionThreads(0);
  EXPECT_EQ(SharedCompressionPool(), nullptr);
}

}  // namespace
}  // namespace secor
