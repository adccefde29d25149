#include "consumer/staging.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "support/test_util.h"

namespace secor {
namespace {

namespace fs = std::filesystem;

TEST(StagingTest, RemovesDeadInstancesAndKeepsLiveOnes) {
  testing::TempDir root;
  // A process that died: its directory and lock file are there, the lock is free.
  ASSERT_TRUE(WriteFileAtomic(root.Join("secor-dead/.lock"), "").ok());
  ASSERT_TRUE(WriteFileAtomic(root.Join("secor-dead/t/0/1_0/offset=0/file"), "half").ok());
  // A directory without a lock, left by a crash before the lock was taken.
  ASSERT_TRUE(WriteFileAtomic(root.Join("secor-nolock/x"), "x").ok());
  // Someone else's directory in the same place is not ours to remove.
  ASSERT_TRUE(WriteFileAtomic(root.Join("other/x"), "x").ok());

  auto live = Staging::Open(root.path(), "live");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_FALSE(fs::exists(root.Join("secor-dead")));
  EXPECT_FALSE(fs::exists(root.Join("secor-nolock")));
  EXPECT_TRUE(fs::exists(root.Join("other/x")));
  EXPECT_EQ((*live)->dir(), root.Join("secor-live"));

  // A second process on the same secor.local.path keeps the first one's files.
  ASSERT_TRUE(WriteFileAtomic((*live)->dir() + "/t/0/file", "open round").ok());
  auto second = Staging::Open(root.path(), "second");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(fs::exists((*live)->dir() + "/t/0/file"));

  // A process's own directory goes when it stops.
  std::string second_dir = (*second)->dir();
  second->reset();
  EXPECT_FALSE(fs::exists(second_dir));
  EXPECT_TRUE(fs::exists((*live)->dir() + "/t/0/file"));
}

// Processes started together on one secor.local.path each clean up the
// others' stale directories: none may take a directory that another is still
// creating (the S3 soak of 2026-12-02 lost a consumer at start-up that way).
// Threads stand in for processes: flock locks belong to each open().
TEST(StagingTest, InstancesStartingTogetherAllGetTheirDirectory) {
  for (int round = 0; round < 20; ++round) {
    testing::TempDir root;
    constexpr int kInstances = 8;
    std::vector<Result<std::unique_ptr<Staging>>> opened;
    for (int i = 0; i < kInstances; ++i) opened.emplace_back(Status::Internal("not started"));
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back(
          [&, i] { opened[i] = Staging::Open(root.path(), "i" + std::to_string(i)); });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kInstances; ++i) {
      ASSERT_TRUE(opened[i].ok()) << "round " << round << " instance " << i << ": "
                                  << opened[i].status().ToString();
      EXPECT_TRUE(fs::exists((*opened[i])->dir() + "/.lock")) << (*opened[i])->dir();
    }
  }
}

TEST(StagingTest, AnUnwritableRootNamesTheSetting) {
  testing::TempDir root;
  ASSERT_TRUE(WriteFileAtomic(root.Join("file"), "x").ok());
  auto s = Staging::Open(root.Join("file/staging"), "i");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("secor.local.path"), std::string::npos)
      << s.status().ToString();
}

}  // namespace
}  // namespace secor
