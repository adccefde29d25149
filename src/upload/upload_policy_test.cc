#include "upload/upload_policy.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-12-06 10:MM:SS UTC in ms since the epoch.
int64_t WallAt(int minute, int second) {
  constexpr int64_t kTenOClock = 1796551200000;  // 2026-12-06T10:00:00Z
  return kTenOClock + minute * 60000 + second * 1000;
}

RoundSummary Round(size_t files, uint64_t bytes, Clock::time_point oldest,
                   Clock::time_point youngest) {
  RoundSummary r;
  r.files = files;
  r.bytes = bytes;
  r.oldest_file = oldest;
  r.youngest_file = youngest;
  return r;
}

TEST(UploadPolicyDecisionTest, SealsForSizeAtTheLimitNotBelow) {
  UploadPolicy policy({});
  UploadLimits limits{1000, 3600000, false};
  auto t = Clock::now();
  EXPECT_FALSE(policy.SealForSize(Round(1, 999, t, t), limits));
  EXPECT_TRUE(policy.SealForSize(Round(1, 1000, t, t), limits));
  EXPECT_TRUE(policy.SealForSize(Round(3, 5000, t, t), limits));
  // Nothing written (every message filtered so far): nothing to upload.
  EXPECT_FALSE(policy.SealForSize(Round(0, 0, t, t), UploadLimits{0, 0, false}));
}

TEST(UploadPolicyDecisionTest, FileCountLimitCountsOpenFilesPastTheLimit) {
  UploadPolicy unlimited({true, -1, 0});
  EXPECT_FALSE(unlimited.TooManyFiles(1000000));
  UploadPolicy policy({true, 10, 0});
  EXPECT_FALSE(policy.TooManyFiles(10));
  EXPECT_TRUE(policy.TooManyFiles(11));
  UploadPolicy zero({true, 0, 0});
  EXPECT_FALSE(zero.TooManyFiles(0));
  EXPECT_TRUE(zero.TooManyFiles(1));
}

TEST(UploadPolicyDecisionTest, AgeOfTheYoungestOrTheOldestFile) {
  auto now = Clock::now();
  auto oldest = now - seconds(100);
  auto youngest = now - seconds(10);
  UploadLimits limits{1 << 30, 60000, false};
  int64_t wall = WallAt(30, 0);
  UploadPolicy by_youngest({true, -1, 0});
  EXPECT_FALSE(by_youngest.SealOnTick(Round(2, 10, oldest, youngest), limits, now, wall));
  EXPECT_TRUE(by_youngest.SealOnTick(Round(2, 10, oldest, now - seconds(60)), limits, now, wall));
  UploadPolicy by_oldest({false, -1, 0});
  EXPECT_TRUE(by_oldest.SealOnTick(Round(2, 10, oldest, youngest), limits, now, wall));
  EXPECT_FALSE(
      by_oldest.SealOnTick(Round(2, 10, now - milliseconds(59999), youngest), limits, now, wall));
}

TEST(UploadPolicyDecisionTest, TickSealsForSizeToo) {
  auto now = Clock::now();
  UploadPolicy policy({});
  UploadLimits limits{100, 3600000, false};
  EXPECT_TRUE(policy.SealOnTick(Round(1, 100, now, now), limits, now, WallAt(0, 1)));
  EXPECT_FALSE(policy.SealOnTick(Round(1, 99, now, now), limits, now, WallAt(0, 1)));
}

TEST(UploadPolicyDecisionTest, EmptyRoundIsNeverSealedOnTick) {
  auto now = Clock::now();
  UploadPolicy policy({true, -1, 15});
  UploadLimits limits{0, 0, true};
  EXPECT_FALSE(policy.SealOnTick(Round(0, 0, now - seconds(7200), now - seconds(7200)), limits, now,
                                 WallAt(15, 30)));
}

TEST(UploadPolicyDecisionTest, MinuteMarkUploadsWhatBeganBeforeTheMarkMinute) {
  auto now = Clock::now();
  UploadLimits marked{1 << 30, 3600000, true};
  UploadPolicy policy({true, -1, 15});
  // At 10:15:30, a round whose oldest file was opened at 10:14:50.
  auto opened_before = now - seconds(40);
  EXPECT_TRUE(policy.SealOnTick(Round(1, 10, opened_before, now), marked, now, WallAt(15, 30)));
  // Opened at 10:15:10, within the mark minute: it waits.
  auto opened_within = now - seconds(20);
  EXPECT_FALSE(policy.SealOnTick(Round(1, 10, opened_within, now), marked, now, WallAt(15, 30)));
  // Another minute: nothing.
  EXPECT_FALSE(policy.SealOnTick(Round(1, 10, opened_before, now), marked, now, WallAt(16, 30)));
  // A topic outside the minute-mark filter: nothing.
  UploadLimits unmarked{1 << 30, 3600000, false};
  EXPECT_FALSE(policy.SealOnTick(Round(1, 10, opened_before, now), unmarked, now, WallAt(15, 30)));
  // The mark off (0): nothing, even for a marked topic.
  UploadPolicy off({true, -1, 0});
  EXPECT_FALSE(off.SealOnTick(Round(1, 10, opened_before, now), marked, now, WallAt(0, 30)));
}

}  // namespace
}  // namespace secor
