#include "kafka/producer.h"

#include <chrono>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_util.h"
#include "testbroker/testbroker.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::RunCommand;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class ProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.Start(1).ok());
    ASSERT_TRUE(broker_.CreateTopic("t", 2).ok());
  }
  std::vector<std::string> Consume(const std::string& format) {
    auto r = RunCommand({"kcat", "-C", "-b", broker_.Bootstraps(), "-t", "t", "-o", "beginning",
                         "-e", "-q", "-f", format});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Lines(r.out);
  }
  TestBroker broker_;
};

TEST_F(ProducerTest, KeysHeadersTimestampsAndPartitions) {
  auto p = Producer::Create(broker_.Bootstraps());
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_TRUE(
      (*p)->Produce("t", 1, "key-a", "one", 1600000000123, {{"h1", "v1"}, {"h2", "v2"}}).ok());
  ASSERT_TRUE((*p)->Produce("t", 1, "", "two", 1600000000456).ok());
  ASSERT_TRUE((*p)->Flush(20s).ok());
  EXPECT_EQ((*p)->delivered(), 2u);
  EXPECT_EQ((*p)->failed(), 0u);
  EXPECT_EQ(
      Consume("%p|%k|%T|%h|%s\n"),
      (std::vector<std::string>{"1|key-a|1600000000123|h1=v1,h2=v2|one", "1||1600000000456||two"}));
}

TEST_F(ProducerTest, PartitionCountFromMetadata) {
  auto p = Producer::Create(broker_.Bootstraps());
  ASSERT_TRUE(p.ok());
  auto n = (*p)->PartitionCount("t", 10s);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2);
}

TEST_F(ProducerTest, ManyMessagesFromSeveralThreads) {
  auto p = Producer::Create(broker_.Bootstraps());
  ASSERT_TRUE(p.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25000; ++i) {
        EXPECT_TRUE((*p)->Produce("t", i % 2, "", std::to_string(t * 25000 + i)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE((*p)->Flush(60s).ok());
  EXPECT_EQ((*p)->delivered(), 100000u);
  auto got = Consume("%s\n");
  ASSERT_EQ(got.size(), 100000u);
  std::vector<int> seen(100000, 0);
  for (const auto& s : got) ++seen.at(std::stoi(s));
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(seen[i], 1) << i;
}

TEST_F(ProducerTest, DeliveryFailureIsReportedOnceByFlush) {
  auto p = Producer::Create(broker_.Bootstraps());
  ASSERT_TRUE(p.ok());
  bool quit = false;
  EXPECT_EQ(broker_.Execute("errors Produce INVALID_RECORD", &quit),
            "ok pushed 1 x INVALID_RECORD on API 0");
  ASSERT_TRUE((*p)->Produce("t", 0, "", "bad").ok());
  EXPECT_EQ((*p)->Flush(20s).message(),
            "produce: 1 message(s) failed delivery; first: t [0]: INVALID_RECORD (Broker: Broker "
            "failed to validate record)");
  ASSERT_TRUE((*p)->Produce("t", 0, "", "good").ok());
  EXPECT_TRUE((*p)->Flush(20s).ok());
  EXPECT_EQ((*p)->failed(), 1u);
  EXPECT_EQ(Consume("%s\n"), std::vector<std::string>{"good"});
}

TEST_F(ProducerTest, BadSettingsAndUnknownPartition) {
  auto bad = Producer::Create({{"bootstrap.servers", broker_.Bootstraps()}, {"no.such", "1"}});
  EXPECT_EQ(bad.status().message(),
            "producer setting no.such=1: No such configuration property: \"no.such\"");
  EXPECT_EQ(Producer::Create("").status().message(), "producer: bootstrap.servers is empty");
  auto p = Producer::Create(broker_.Bootstraps());
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->PartitionCount("t", 10s).ok());
  Status st = (*p)->Produce("t", 5, "", "x");
  EXPECT_EQ(st.message(), "produce to t [5]: _UNKNOWN_PARTITION (Local: Unknown partition)");
}

}  // namespace
}  // namespace secor
