// secor progress against the test broker: offsets committed by the test, lag
// figures in the table, and the exact StatsD datagrams and OpenTSDB request
// received by loopback listeners.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "config/config.h"
#include "support/cluster.h"
#include "support/fake_http_server.h"
#include "tools/group_offsets.h"

namespace secor {
namespace {

using testing::BinaryPath;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;

// A loopback UDP socket; returns its port.
int UdpListener(int* fd) {
  *fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(*fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(*fd, reinterpret_cast<sockaddr*>(&a), &len);
  timeval tv{5, 0};
  setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return ntohs(a.sin_port);
}

std::set<std::string> Receive(int fd, size_t n) {
  std::set<std::string> out;
  char buf[2048];
  for (size_t i = 0; i < n; ++i) {
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0) break;
    out.emplace(buf, static_cast<size_t>(got));
  }
  return out;
}

TEST(OpsProgressTest, LagTableStatsdAndOpenTsdb) {
  TempDir dir;
  TestBroker broker(dir.path(), {"p:2", "skipme:1"});
  // id i goes to partition i % 2 with timestamp start + i seconds.
  testing::Produce(
      broker.bootstrap(), "p", 100,
      {"--type", "json", "-p", "1", "--start-time", "1700000000", "--time-spread", "100"});
  testing::Produce(broker.bootstrap(), "skipme", 5);
  auto config = Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}});
  {
    auto kafka = GroupOffsets::Create(config, "lagg");
    ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
    ASSERT_TRUE((*kafka)->Commit({{{"p", 0}, 20}, {{"p", 1}, 50}}).ok());
    // The record timestamps the lag in seconds is computed from.
    EXPECT_EQ(*(*kafka)->TimestampAt("p", 0, 19), 1700000038000);
    EXPECT_EQ(*(*kafka)->TimestampAt("p", 0, 49), 1700000098000);
  }
  int udp = -1;
  int statsd_port = UdpListener(&udp);
  testing::FakeHttpServer tsdb(
      [](const testing::FakeRequest&) { return testing::FakeResponse::Json(204, ""); });
  std::vector<std::string> base{BinaryPath("secor"),
                                "progress",
                                "--set",
                                "kafka.bootstrap.servers=" + broker.bootstrap(),
                                "--set",
                                "secor.kafka.group=lagg",
                                "--set",
                                "monitoring.blacklist.topics=skipme",
                                "--set",
                                "statsd.hostport=127.0.0.1:" + std::to_string(statsd_port),
                                "--set",
                                "tsdb.hostport=127.0.0.1:" + std::to_string(tsdb.port()),
                                "--prometheus-textfile",
                                dir.Join("lag.prom")};
  base.insert(base.begin() + 2, {"-c", testing::WriteProperties(dir.Join("empty.properties"), {})});
  auto r = RunCommand(base);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Kafka's own tools are the judge of the committed and end offsets below.
  EXPECT_EQ(testing::KafkaToolCommittedOffsets("lagg"),
            (testing::TopicOffsets{{{"p", 0}, 20}, {{"p", 1}, 50}}));
  EXPECT_EQ(testing::KafkaToolEndOffsets("p"),
            (testing::TopicOffsets{{{"p", 0}, 50}, {{"p", 1}, 50}}));
  EXPECT_EQ(
      r.out,
      "group                topic                          partition    committed          end "
      "lag_offsets lag_seconds\n"
      "lagg                 p                                      0           20           50 "
      "         30          60\n"
      "lagg                 p                                      1           50           50 "
      "          0           0\n");
  EXPECT_EQ(
      Receive(udp, 4),
      (std::set<std::string>{"lagg.secor.lag.offsets.p.0:30|g", "lagg.secor.lag.seconds.p.0:60|g",
                             "lagg.secor.lag.offsets.p.1:0|g", "lagg.secor.lag.seconds.p.1:0|g"}));
  auto reqs = tsdb.received();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/api/put");
  EXPECT_EQ(
      std::regex_replace(reqs[0].body, std::regex("\"timestamp\":[0-9]+"), "\"timestamp\":T"),
      "[{\"metric\":\"secor.lag.offsets\",\"timestamp\":T,\"value\":30,\"tags\":{\"topic\":\"p\","
      "\"partition\":\"0\",\"group\":\"lagg\"}},"
      "{\"metric\":\"secor.lag.seconds\",\"timestamp\":T,\"value\":60,\"tags\":{\"topic\":\"p\","
      "\"partition\":\"0\",\"group\":\"lagg\"}},"
      "{\"metric\":\"secor.lag.offsets\",\"timestamp\":T,\"value\":0,\"tags\":{\"topic\":\"p\","
      "\"partition\":\"1\",\"group\":\"lagg\"}},"
      "{\"metric\":\"secor.lag.seconds\",\"timestamp\":T,\"value\":0,\"tags\":{\"topic\":\"p\","
      "\"partition\":\"1\",\"group\":\"lagg\"}}]");
  auto prom = testing::RunCommand({"cat", dir.Join("lag.prom")});
  EXPECT_NE(prom.out.find("secor_lag_offsets{topic=\"p\",partition=\"0\",group=\"lagg\"} 30\n"),
            std::string::npos)
      << prom.out;
  EXPECT_NE(prom.out.find("secor_lag_seconds{topic=\"p\",partition=\"0\",group=\"lagg\"} 60\n"),
            std::string::npos);

  // DogStatsD tags instead of names that hold them.
  base.push_back("--dogstatsd");
  r = RunCommand(base);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Receive(udp, 4),
            (std::set<std::string>{"secor.lag.offsets:30|g|#topic:p,partition:0,group:lagg",
                                   "secor.lag.seconds:60|g|#topic:p,partition:0,group:lagg",
                                   "secor.lag.offsets:0|g|#topic:p,partition:1,group:lagg",
                                   "secor.lag.seconds:0|g|#topic:p,partition:1,group:lagg"}));
  ::close(udp);
}

}  // namespace
}  // namespace secor
