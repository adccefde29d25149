#include "kafka/group_consumer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "kafka/client_config.h"
#include "testbroker/testbroker.h"

namespace secor {
namespace {

class NoRebalances : public RebalanceListener {
 public:
  AssignPlan OnAssigned(const std::vector<TopicPartition>&) override { return {}; }
  void OnRevoked(const std::vector<TopicPartition>&, bool) override {}
};

// librdkafka 2.0.2 waits a minute for a watermark answer from a leader that is
// down, whatever timeout it is given; the consume loop must not.
TEST(GroupConsumerTest, WatermarkQueryToADownLeaderReturnsWithinItsTimeout) {
  TestBroker broker;
  ASSERT_TRUE(broker.Start(2).ok());
  ASSERT_TRUE(broker.CreateTopic("t", 2).ok());
  bool quit = false;
  ASSERT_EQ(broker.Execute("leader t 0 1", &quit), "ok leader of t [0] is 1");
  ASSERT_EQ(broker.Execute("leader t 1 2", &quit), "ok leader of t [1] is 2");
  NoRebalances listener;
  auto consumer = GroupConsumer::Create(
      {{"bootstrap.servers", broker.Bootstraps()}, {"group.id", "g"}, {"log_level", "0"}},
      &listener);
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  int64_t low = -1, high = -1;
  Status up = (*consumer)->QueryWatermarks({"t", 0}, &low, &high, 5000);
  ASSERT_TRUE(up.ok()) << up.ToString();
  EXPECT_EQ(low, 0);
  EXPECT_EQ(high, 0);

  ASSERT_EQ(broker.Execute("broker down 2", &quit).substr(0, 2), "ok");
  auto start = std::chrono::steady_clock::now();
  Status down = (*consumer)->QueryWatermarks({"t", 1}, &low, &high, 1000);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(down.code(), Status::Code::kUnavailable) << down.ToString();
  EXPECT_NE(down.message().find("watermarks of t/1"), std::string::npos) << down.message();
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  // The partition led by the live broker still answers meanwhile.
  EXPECT_TRUE((*consumer)->QueryWatermarks({"t", 0}, &low, &high, 5000).ok());

  // Once the leader is back its partition answers again, and the abandoned
  // request finishes too, so the client is destroyed rather than left behind.
  ASSERT_EQ(broker.Execute("broker up 2", &quit).substr(0, 2), "ok");
  Status back;
  for (int i = 0; i < 20; ++i) {
    back = (*consumer)->QueryWatermarks({"t", 1}, &low, &high, 1000);
    if (back.ok()) break;
  }
  EXPECT_TRUE(back.ok()) << back.ToString();
}

}  // namespace
}  // namespace secor
