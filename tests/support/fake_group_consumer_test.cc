#include "support/fake_group_consumer.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/test_util.h"

namespace secor::testing {
namespace {

// Records what the group did and answers with a plan the test sets.
class ScriptedListener : public RebalanceListener {
 public:
  AssignPlan OnAssigned(const std::vector<TopicPartition>& parts) override {
    assigned.insert(assigned.end(), parts.begin(), parts.end());
    return plan;
  }
  void OnRevoked(const std::vector<TopicPartition>& parts, bool was_lost) override {
    revoked.insert(revoked.end(), parts.begin(), parts.end());
    lost = was_lost;
  }
  AssignPlan plan;
  std::vector<TopicPartition> assigned;
  std::vector<TopicPartition> revoked;
  bool lost = false;
};

std::vector<int64_t> Offsets(const std::vector<PolledMessage>& batch) {
  std::vector<int64_t> out;
  for (const auto& m : batch) out.push_back(m.view().offset);
  return out;
}

class FakeGroupConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka.CreateTopic("t", 2);
    for (int i = 0; i < 5; ++i) kafka.Append(t0, "m" + std::to_string(i));
  }
  ScriptedListener listener;
  FakeGroupConsumer kafka{&listener};
  TopicPartition t0{"t", 0}, t1{"t", 1};
  std::vector<PolledMessage> batch;
};

TEST_F(FakeGroupConsumerTest, AssignmentReachesTheListenerInsideThePoll) {
  kafka.Assign({t0});
  EXPECT_TRUE(listener.assigned.empty());
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(listener.assigned, std::vector<TopicPartition>{t0});
  EXPECT_EQ(kafka.Assignment(), std::set<TopicPartition>{t0});
  kafka.PollBatch(0, 100, &batch);
  ASSERT_EQ(Offsets(batch), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(batch[2].view().payload, "m2");
  EXPECT_EQ(batch[2].view().topic, "t");
  EXPECT_EQ(batch[2].error(), PollError::kNone);
}

TEST_F(FakeGroupConsumerTest, StartsAtThePlanThenTheCommittedOffsetThenTheReset) {
  kafka.SetCommitted(t0, 3);
  kafka.Append(t1, "x");
  kafka.Append(t1, "y");
  kafka.Assign({t0, t1});
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(kafka.Position(t0), 3);
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(kafka.Position(t0), 5);  // committed 3, read 3 and 4
  EXPECT_EQ(kafka.Position(t1), 2);  // nothing committed: earliest

  kafka.Revoke({t0, t1});
  listener.plan.starts[t0] = 1;
  kafka.Assign({t0});
  kafka.PollBatch(0, 100, &batch);  // both rebalances
  EXPECT_TRUE(batch.empty());
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(Offsets(batch), (std::vector<int64_t>{1, 2, 3, 4}));

  FakeGroupConsumer latest(nullptr);
  latest.SetResetToEarliest(false);
  latest.Append(t0, "a");
  latest.Assign({t0});
  latest.PollBatch(0, 100, &batch);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(latest.Position(t0), 1);
}

TEST_F(FakeGroupConsumerTest, HeldPartitionsStayPausedUntilResumedAt) {
  listener.plan.hold = {t0};
  kafka.Assign({t0});
  kafka.PollBatch(0, 100, &batch);
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(kafka.IsPaused(t0));
  // A seek while paused moves the position; the resume keeps it.
  ASSERT_TRUE(kafka.Seek(t0, 2, 0).ok());
  ASSERT_TRUE(kafka.Resume({t0}).ok());
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(Offsets(batch), (std::vector<int64_t>{2, 3, 4}));

  ASSERT_TRUE(kafka.Pause({t0}).ok());
  kafka.Append(t0, "m5");
  kafka.PollBatch(0, 100, &batch);
  EXPECT_TRUE(batch.empty());
  ASSERT_TRUE(kafka.ResumeAt(t0, 4).ok());
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(Offsets(batch), (std::vector<int64_t>{4, 5}));
  EXPECT_FALSE(kafka.Seek(t1, 0, 0).ok());  // not assigned
}

TEST_F(FakeGroupConsumerTest, GapsAreSkippedAndTruncationIsReported) {
  kafka.SkipOffsets(t0, 2);  // 5 and 6: transaction markers
  kafka.Append(t0, "m7");
  kafka.Compact(t0, 1);
  FakeRecord late;
  late.payload = "m10";
  kafka.AppendAt(t0, 10, late);
  kafka.Assign({t0});
  kafka.PollBatch(0, 100, &batch);
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(Offsets(batch), (std::vector<int64_t>{0, 2, 3, 4, 7, 10}));
  EXPECT_EQ(kafka.HighWatermark(t0), 11);

  kafka.TruncateBefore(t0, 4);
  ASSERT_TRUE(kafka.Seek(t0, 2, 0).ok());
  kafka.PollBatch(0, 100, &batch);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].error(), PollError::kOffsetOutOfRange);
  EXPECT_NE(batch[0].error_text().find("out of range"), std::string::npos);
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(Offsets(batch), (std::vector<int64_t>{4, 7, 10}));
}

TEST_F(FakeGroupConsumerTest, BatchesAreBoundedAndMessagesOutliveTheLog) {
  kafka.Assign({t0});
  kafka.PollBatch(0, 2, &batch);
  kafka.PollBatch(0, 2, &batch);
  EXPECT_EQ(Offsets(batch), (std::vector<int64_t>{0, 1}));
  kafka.TruncateBefore(t0, 5);
  EXPECT_EQ(batch[1].view().payload, "m1");
  PolledMessage one = kafka.Poll(0);
  EXPECT_EQ(one.error(), PollError::kOffsetOutOfRange);
}

TEST_F(FakeGroupConsumerTest, RevocationAndLossReachTheListener) {
  kafka.Assign({t0, t1});
  kafka.PollBatch(0, 100, &batch);
  kafka.Revoke({t1}, true);
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(listener.revoked, std::vector<TopicPartition>{t1});
  EXPECT_TRUE(listener.lost);
  EXPECT_EQ(kafka.Assignment(), std::set<TopicPartition>{t0});
}

TEST_F(FakeGroupConsumerTest, CommitsCanBeFencedAndAbandoned) {
  ASSERT_TRUE(kafka.Commit({{t0, 3}}, std::chrono::seconds(1)).ok());
  kafka.FailNextCommits(Status::Fenced("stale generation"));
  Status st = kafka.Commit({{t0, 5}}, std::chrono::seconds(1));
  EXPECT_EQ(st.code(), Status::Code::kFenced);
  EXPECT_EQ(kafka.CommittedOffset(t0), 3);
  ASSERT_TRUE(kafka.Commit({{t0, 5}}, std::chrono::seconds(1)).ok());
  EXPECT_EQ(kafka.CommittedOffset(t0), 5);
  EXPECT_EQ(kafka.CommitHistory().size(), 2u);
  auto committed = kafka.Committed({t0, t1}, 0);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ((*committed)[t1], -1);
  kafka.AbandonCommits();
  EXPECT_EQ(kafka.Commit({{t0, 6}}, std::chrono::seconds(1)).code(), Status::Code::kAborted);
}

TEST_F(FakeGroupConsumerTest, WatermarksAreCachedFromFetchesAndQueriedLive) {
  int64_t low = -1, high = -1;
  kafka.Assign({t0});
  kafka.PollBatch(0, 0, &batch);
  EXPECT_FALSE(kafka.CachedWatermarks(t0, &low, &high));  // assigned, not fetched yet
  kafka.PollBatch(0, 100, &batch);
  ASSERT_TRUE(kafka.CachedWatermarks(t0, &low, &high));
  EXPECT_EQ(high, 5);
  kafka.Append(t0, "m5");
  ASSERT_TRUE(kafka.CachedWatermarks(t0, &low, &high));
  EXPECT_EQ(high, 5);  // no fetch since
  ASSERT_TRUE(kafka.QueryWatermarks(t0, &low, &high, 0).ok());
  EXPECT_EQ(high, 6);
  kafka.FailNextWatermarkQueries(Status::Unavailable("leader down"));
  EXPECT_FALSE(kafka.QueryWatermarks(t0, &low, &high, 0).ok());
}

TEST_F(FakeGroupConsumerTest, CloseRevokesEverythingThroughTheListener) {
  ASSERT_TRUE(kafka.Subscribe({"t"}).ok());
  kafka.AssignAllSubscribed();
  kafka.PollBatch(0, 100, &batch);
  EXPECT_EQ(kafka.Assignment().size(), 2u);
  kafka.Assign({{"t", 7}});  // scripted, never delivered
  ASSERT_TRUE(kafka.Close(std::chrono::seconds(1)).ok());
  EXPECT_EQ(listener.revoked.size(), 2u);
  EXPECT_FALSE(listener.lost);
  EXPECT_TRUE(kafka.Assignment().empty());
  kafka.PollBatch(0, 100, &batch);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(listener.assigned.size(), 2u);
}

TEST_F(FakeGroupConsumerTest, AnAppendWakesAWaitingPoll) {
  kafka.Assign({t0});
  kafka.PollBatch(0, 100, &batch);
  kafka.PollBatch(0, 100, &batch);
  // The append comes while the poll waits (a condition, not a sleep).
  std::thread producer([this] {
    EXPECT_TRUE(WaitUntil([this] { return kafka.WaitingPolls() == 1; }, std::chrono::seconds(10)));
    kafka.Append(t0, "late");
  });
  auto start = std::chrono::steady_clock::now();
  kafka.PollBatch(10000, 100, &batch);
  producer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(Offsets(batch), std::vector<int64_t>{5});
}

}  // namespace
}  // namespace secor::testing
