#include "kafka/offset_gap.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

using Verdict = OffsetGapTracker::Verdict;
using Clock = OffsetGapTracker::Clock;
using std::chrono::milliseconds;

TEST(OffsetGapTrackerTest, InOrderMessagesAreNoGap) {
  OffsetGapTracker gaps;
  auto t = Clock::now();
  EXPECT_EQ(gaps.OnMessage(5, 5, t), Verdict::kNext);
  EXPECT_EQ(gaps.OnMessage(3, 5, t), Verdict::kNext);  // re-delivered: the caller drops it
  EXPECT_EQ(gaps.gap_offset(), -1);
  EXPECT_FALSE(gaps.SeekDue(6, true, false, t + std::chrono::hours(1)));
}

// A wrong fetch position: the seek back brings the missing offsets, which
// arrive as the next ones, and the gap is forgotten once passed.
TEST(OffsetGapTrackerTest, SeekBackThenTheMissingOffsetsArrive) {
  OffsetGapTracker gaps;
  auto t = Clock::now();
  EXPECT_EQ(gaps.OnMessage(20, 10, t), Verdict::kSeekBack);
  EXPECT_EQ(gaps.gap_offset(), 10);
  EXPECT_EQ(gaps.seeks(), 1);
  EXPECT_EQ(gaps.OnMessage(21, 10, t), Verdict::kDrop);  // fetched before the seek
  EXPECT_EQ(gaps.OnMessage(10, 10, t), Verdict::kNext);
  EXPECT_FALSE(gaps.SeekDue(11, true, false, t + std::chrono::seconds(5)));
  EXPECT_EQ(gaps.gap_offset(), -1);
}

// Offsets not in the log (compaction): after three seeks, two seconds apart
// from the tick, the lowest offset delivered past the gap is accepted.
TEST(OffsetGapTrackerTest, RealGapIsAcceptedAfterThreeSeeksAtItsLowestOffset) {
  OffsetGapTracker gaps;
  auto t = Clock::now();
  EXPECT_EQ(gaps.OnMessage(15, 10, t), Verdict::kSeekBack);
  EXPECT_EQ(gaps.OnMessage(13, 10, t), Verdict::kDrop);  // lower: remembered
  EXPECT_EQ(gaps.gap_next(), 13);
  EXPECT_FALSE(gaps.SeekDue(10, true, false, t + milliseconds(1999)));
  EXPECT_TRUE(gaps.SeekDue(10, true, false, t + milliseconds(2000)));
  EXPECT_EQ(gaps.seeks(), 2);
  EXPECT_EQ(gaps.OnMessage(13, 10, t), Verdict::kDrop);                // two seeks only
  EXPECT_FALSE(gaps.SeekDue(10, true, true, t + milliseconds(5000)));  // paused: wait
  EXPECT_TRUE(gaps.SeekDue(10, true, false, t + milliseconds(5000)));
  EXPECT_EQ(gaps.seeks(), 3);
  EXPECT_EQ(gaps.OnMessage(15, 10, t), Verdict::kDrop);  // not the lowest seen
  EXPECT_EQ(gaps.OnMessage(13, 10, t), Verdict::kAccept);
}

TEST(OffsetGapTrackerTest, PartitionStartingOverForgetsTheGap) {
  OffsetGapTracker gaps;
  auto t = Clock::now();
  EXPECT_EQ(gaps.OnMessage(15, 10, t), Verdict::kSeekBack);
  EXPECT_FALSE(gaps.SeekDue(10, false, false, t + std::chrono::seconds(10)));
  EXPECT_EQ(gaps.gap_offset(), -1);
  // The same gap met again starts over at one seek.
  EXPECT_EQ(gaps.OnMessage(15, 10, t), Verdict::kSeekBack);
  EXPECT_EQ(gaps.seeks(), 1);
}

}  // namespace
}  // namespace secor
