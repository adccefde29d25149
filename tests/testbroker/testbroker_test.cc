#include "testbroker/testbroker.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/strings.h"
#include "kafka/producer.h"
#include "support/test_util.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Reads a whole topic back with kcat, an independent client.
std::vector<std::string> Consume(const std::string& bootstrap, const std::string& topic,
                                 const std::string& format = "%s\n") {
  auto r = RunCommand(
      {"kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", format});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Lines(r.out);
}

// A secor-testbroker child; answers are read line by line after the bootstrap.
class BrokerProcess {
 public:
  explicit BrokerProcess(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BinaryPath("secor-testbroker")};
    argv.insert(argv.end(), args.begin(), args.end());
    proc_.Start(argv, dir_.Join("broker"));
    auto lines = proc_.WaitForLines(1, 10s);
    if (!lines.empty()) bootstrap_ = lines[0];
    seen_ = 1;
  }
  ~BrokerProcess() {
    proc_.Signal(SIGTERM);
    proc_.Wait(5s);
  }

  std::string Command(const std::string& line) {
    proc_.WriteLine(line);
    auto lines = proc_.WaitForLines(seen_ + 1, 10s);
    if (lines.size() <= seen_) return "<no answer>";
    return lines[seen_++];
  }

  const std::string& bootstrap() const { return bootstrap_; }
  Process& process() { return proc_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  Process proc_;
  std::string bootstrap_;
  size_t seen_ = 0;
};

TEST(ParseTest, ApiKeysByNameAndNumber) {
  EXPECT_EQ(*ParseApiKey("Fetch"), 1);
  EXPECT_EQ(*ParseApiKey("produce"), 0);
  EXPECT_EQ(*ParseApiKey("OffsetCommit"), 8);
  EXPECT_EQ(*ParseApiKey("OffsetCommitRequest"), 8);
  EXPECT_EQ(*ParseApiKey("JoinGroup"), 11);
  EXPECT_EQ(*ParseApiKey("Heartbeat"), 12);
  EXPECT_EQ(*ParseApiKey("SyncGroup"), 14);
  EXPECT_EQ(*ParseApiKey("FindCoordinator"), 10);
  EXPECT_EQ(*ParseApiKey("ListOffsets"), 2);
  EXPECT_EQ(*ParseApiKey("42"), 42);
  EXPECT_EQ(ParseApiKey("Bogus").status().message(),
            "API key Bogus: unknown name (try Produce, Fetch, OffsetCommit, ...)");
  EXPECT_EQ(ParseApiKey("101").status().message(), "API key 101: must be from 0 to 100");
}

TEST(ParseTest, ErrorCodesByNameAndNumber) {
  EXPECT_EQ(*ParseErrorCode("6"), 6);
  EXPECT_EQ(*ParseErrorCode("NOT_COORDINATOR"), 16);
  EXPECT_EQ(*ParseErrorCode("not_coordinator"), 16);
  EXPECT_EQ(*ParseErrorCode("RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION"), 22);
  EXPECT_EQ(*ParseErrorCode("_TRANSPORT"), -195);
  EXPECT_EQ(ParseErrorCode("NO_SUCH_ERROR").status().message(),
            "error code NO_SUCH_ERROR: unknown name (try NOT_COORDINATOR, 6, ...)");
  EXPECT_EQ(ParseErrorCode("99999").status().message(), "error code 99999: not a Kafka error code");
}

TEST(ParseTest, TopicSpecs) {
  auto t = ParseTopicSpec("logs:12");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->name, "logs");
  EXPECT_EQ(t->partitions, 12);
  EXPECT_EQ(ParseTopicSpec("logs").status().message(), "topic logs: expected TOPIC:PARTITIONS");
  EXPECT_EQ(ParseTopicSpec("logs:0").status().message(),
            "topic logs:0: partition count must be a number from 1 to 100000");
}

TEST(TestBrokerTest, ExecuteAnswersOneLineEach) {
  TestBroker broker;
  ASSERT_TRUE(broker.Start(2).ok());
  bool quit = false;
  EXPECT_EQ(broker.Execute("ping", &quit), "ok pong");
  EXPECT_EQ(broker.Execute("bootstrap", &quit), "ok " + broker.Bootstraps());
  EXPECT_EQ(Split(broker.Bootstraps(), ',').size(), 2u);
  EXPECT_EQ(broker.Execute("topic create a 3", &quit), "ok created a with 3 partitions");
  EXPECT_EQ(broker.Execute("topic create a 3", &quit),
            "error: topic a: TOPIC_ALREADY_EXISTS (Broker: Topic already exists)");
  EXPECT_EQ(broker.Execute("topic create a x", &quit),
            "error: topic create: bad partition count x");
  EXPECT_EQ(broker.Execute("leader a 1 2", &quit), "ok leader of a [1] is 2");
  EXPECT_EQ(broker.Execute("leader a 7 2", &quit),
            "error: leader a 7: UNKNOWN_TOPIC_OR_PART (Broker: Unknown topic or partition)");
  EXPECT_EQ(broker.Execute("coordinator group g 2", &quit), "ok coordinator of group g is 2");
  EXPECT_EQ(broker.Execute("rtt 1 50", &quit), "ok rtt 1 50 ms");
  EXPECT_EQ(broker.Execute("rtt 1 -5", &quit), "error: rtt: bad delay -5");
  EXPECT_EQ(broker.Execute("broker down 9", &quit),
            "error: broker down 9: BROKER_NOT_AVAILABLE (Broker: Broker not available)");
  EXPECT_EQ(broker.Execute("broker sideways 1", &quit), "error: usage: broker down|up ID|all");
  EXPECT_EQ(broker.Execute("errors OffsetCommit ILLEGAL_GENERATION 2", &quit),
            "ok pushed 2 x ILLEGAL_GENERATION on API 8");
  EXPECT_EQ(broker.Execute("errors clear OffsetCommit", &quit), "ok cleared errors of API 8");
  EXPECT_EQ(broker.Execute("errors Fetch 6 0", &quit), "error: errors: bad count 0");
  EXPECT_EQ(broker.Execute("topic error a UNKNOWN_TOPIC_OR_PART", &quit),
            "ok topic a error UNKNOWN_TOPIC_OR_PART");
  EXPECT_EQ(broker.Execute("  jump   high ", &quit),
            "error: unknown command jump   high (try help)");
  EXPECT_TRUE(StartsWith(broker.Execute("help", &quit), "ok commands: ping"));
  EXPECT_FALSE(quit);
  EXPECT_EQ(broker.Execute("quit", &quit), "ok bye");
  EXPECT_TRUE(quit);
}

TEST(TestBrokerProcessTest, ProducedMessagesReadBackExactly) {
  BrokerProcess broker({"t:3"});
  ASSERT_TRUE(std::regex_match(broker.bootstrap(), std::regex(R"(127\.0\.0\.1:\d+)")))
      << broker.bootstrap();
  auto producer = Producer::Create(broker.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  auto partitions = (*producer)->PartitionCount("t", 10s);
  ASSERT_TRUE(partitions.ok()) << partitions.status().message();
  EXPECT_EQ(*partitions, 3);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE((*producer)->Produce("t", i % 3, "", "m" + std::to_string(i)).ok());
  }
  ASSERT_TRUE((*producer)->Flush(30s).ok());
  EXPECT_EQ((*producer)->delivered(), 300u);

  auto got = Consume(broker.bootstrap(), "t", "%p %s\n");
  ASSERT_EQ(got.size(), 300u);
  std::set<std::string> unique(got.begin(), got.end());
  std::set<std::string> want;
  for (int i = 0; i < 300; ++i) want.insert(std::to_string(i % 3) + " m" + std::to_string(i));
  EXPECT_EQ(unique, want);
}

TEST(TestBrokerProcessTest, TopicsGetTheirPartitionCounts) {
  BrokerProcess broker({"--brokers", "3", "a:7", "b:1"});
  EXPECT_EQ(Split(broker.bootstrap(), ',').size(), 3u);
  auto md = RunCommand({"kcat", "-L", "-b", broker.bootstrap(), "-t", "a"});
  EXPECT_NE(md.out.find("3 brokers:"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("topic \"a\" with 7 partitions:"), std::string::npos) << md.out;
  EXPECT_EQ(broker.Command("topic create c 5"), "ok created c with 5 partitions");
  md = RunCommand({"kcat", "-L", "-b", broker.bootstrap(), "-t", "c"});
  EXPECT_NE(md.out.find("topic \"c\" with 5 partitions:"), std::string::npos) << md.out;
}

TEST(TestBrokerProcessTest, BrokerDownStopsDeliveryAndUpRestoresIt) {
  BrokerProcess broker({"t:1"});
  EXPECT_EQ(broker.Command("broker down 1"), "ok broker 1 down");
  {
    auto producer = Producer::Create(
        {{"bootstrap.servers", broker.bootstrap()}, {"message.timeout.ms", "1500"}});
    ASSERT_TRUE(producer.ok());
    ASSERT_TRUE((*producer)->Produce("t", 0, "", "lost").ok());
    Status st = (*producer)->Flush(20s);
    EXPECT_EQ(st.message(),
              "produce: 1 message(s) failed delivery; first: t [0]: _MSG_TIMED_OUT (Local: "
              "Message timed out)");
    EXPECT_EQ((*producer)->failed(), 1u);
  }
  EXPECT_EQ(broker.Command("broker up 1"), "ok broker 1 up");
  auto producer = Producer::Create(broker.bootstrap());
  ASSERT_TRUE(producer.ok());
  ASSERT_TRUE((*producer)->Produce("t", 0, "", "kept").ok());
  EXPECT_TRUE((*producer)->Flush(20s).ok());
  EXPECT_EQ(Consume(broker.bootstrap(), "t"), std::vector<std::string>{"kept"});
}

TEST(TestBrokerProcessTest, InjectedErrors) {
  BrokerProcess broker({"t:1"});
  auto producer = Producer::Create(broker.bootstrap());
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*producer)->Produce("t", 0, "", std::to_string(i)).ok());
  ASSERT_TRUE((*producer)->Flush(20s).ok());

  // Retryable Fetch errors: the reader retries and still gets everything.
  EXPECT_EQ(broker.Command("errors Fetch 6 3"), "ok pushed 3 x NOT_LEADER_FOR_PARTITION on API 1");
  EXPECT_EQ(Consume(broker.bootstrap(), "t"), (std::vector<std::string>{"0", "1", "2", "3", "4"}));

  // A permanent Produce error fails the delivery.
  EXPECT_EQ(broker.Command("errors Produce MSG_SIZE_TOO_LARGE"),
            "ok pushed 1 x MSG_SIZE_TOO_LARGE on API 0");
  ASSERT_TRUE((*producer)->Produce("t", 0, "", "refused").ok());
  EXPECT_EQ((*producer)->Flush(20s).message(),
            "produce: 1 message(s) failed delivery; first: t [0]: MSG_SIZE_TOO_LARGE (Broker: "
            "Message size too large)");
  EXPECT_EQ(Consume(broker.bootstrap(), "t"), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST(TestBrokerProcessTest, CommandAnswersAndQuit) {
  BrokerProcess broker({});
  EXPECT_EQ(broker.Command("ping"), "ok pong");
  EXPECT_EQ(broker.Command("bootstrap"), "ok " + broker.bootstrap());
  EXPECT_EQ(broker.Command("fly away"), "error: unknown command fly away (try help)");
  EXPECT_EQ(broker.Command("errors Nope 6"),
            "error: API key Nope: unknown name (try Produce, Fetch, OffsetCommit, ...)");
  EXPECT_EQ(broker.Command("quit"), "ok bye");
  EXPECT_EQ(broker.process().Wait(10s), 0);
  EXPECT_EQ(Lines(broker.process().Stdout()).size(), 6u);
}

TEST(TestBrokerProcessTest, SurvivesClosedStdinAndStopsOnSigterm) {
  TempDir dir;
  std::string port_file = dir.Join("bootstrap");
  Process proc;
  proc.Start(
      {"/bin/sh", "-c",
       "exec " + BinaryPath("secor-testbroker") + " --port-file " + port_file + " t:2 </dev/null"},
      dir.Join("broker"));
  auto lines = proc.WaitForLines(1, 10s);
  ASSERT_EQ(lines.size(), 1u);
  std::ifstream in(port_file);
  std::string from_file;
  std::getline(in, from_file);
  EXPECT_EQ(from_file, lines[0]);
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(proc.Running());
  {
    // Still serving after end of input.
    auto producer = Producer::Create(lines[0]);
    ASSERT_TRUE(producer.ok());
    ASSERT_TRUE((*producer)->Produce("t", 1, "", "x").ok());
    EXPECT_TRUE((*producer)->Flush(20s).ok());
  }
  proc.Signal(SIGTERM);
  EXPECT_EQ(proc.Wait(10s), 0);
}

TEST(TestBrokerProcessTest, StopsOnSigint) {
  BrokerProcess broker({});
  EXPECT_EQ(broker.Command("ping"), "ok pong");
  broker.process().Signal(SIGINT);
  EXPECT_EQ(broker.process().Wait(10s), 0);
}

TEST(TestBrokerProcessTest, BadArgumentsExitWithUsage) {
  auto r = RunCommand({BinaryPath("secor-testbroker"), "notopic"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(StartsWith(r.err, "secor-testbroker: topic notopic: expected TOPIC:PARTITIONS\n"))
      << r.err;
  r = RunCommand({BinaryPath("secor-testbroker"), "--brokers", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(StartsWith(r.err, "secor-testbroker: --brokers: expected a number from 1 to 100\n"))
      << r.err;
}

// secor produce against the broker, read back with kcat. Needs build/secor.
TEST(SecorProduceTest, JsonMessagesLandExactlyOnce) {
  BrokerProcess broker({"t:4"});
  auto r = RunCommand({BinaryPath("secor"), "produce", "-b", broker.bootstrap(), "-t", "t", "-m",
                       "1000", "--type", "json", "-p", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "produced 1000 messages to t\n");
  auto got = Consume(broker.bootstrap(), "t", "%p %T %s\n");
  ASSERT_EQ(got.size(), 1000u);
  std::regex json(
      R"re((\d+) (\d+) \{"timestamp": (\d+), "id": (\d+), "producer": (\d), "payload": "[a-z0-9]*"\})re");
  std::map<int, int> seen;
  for (const auto& line : got) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, json)) << line;
    int id = std::stoi(m[4]);
    ++seen[id];
    EXPECT_EQ(std::stoi(m[1]), id % 4) << line;  // round-robin over partitions
    EXPECT_EQ(m[2], m[3]) << line;               // record timestamp = body timestamp
    int thread = 0;                              // thread t sends ids [t*N/P, (t+1)*N/P)
    while (id >= (thread + 1) * 1000 / 3) ++thread;
    EXPECT_EQ(std::stoi(m[5]), thread) << line;
    EXPECT_EQ(line.size() - m[1].length() - m[2].length() - 2, 100u) << line;  // --size default
  }
  ASSERT_EQ(seen.size(), 1000u);
  EXPECT_EQ(seen.begin()->first, 0);
  EXPECT_EQ(seen.rbegin()->first, 999);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

TEST(SecorProduceTest, TimestampsSpreadOverAWindow) {
  BrokerProcess broker({"days:1"});
  // Three days from 2023-11-14 22:13:20 UTC, 300 messages: 864 s apart.
  auto r = RunCommand({BinaryPath("secor"), "produce", "-b", broker.bootstrap(), "-t", "days", "-m",
                       "300", "--start-time", "1700000000", "--time-spread", "259200",
                       "--timeshift", "-100", "--key", "k-{id}-{id}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = Consume(broker.bootstrap(), "days", "%k %T\n");
  ASSERT_EQ(got.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(got[i], fmt::format("k-{}-{} {}", i, i, 1699999900000LL + i * 864000LL));
  }
}

TEST(SecorProduceTest, BinaryLayout) {
  BrokerProcess broker({"bin:2"});
  auto r = RunCommand({BinaryPath("secor"), "produce", "-b", broker.bootstrap(), "-t", "bin", "-m",
                       "4", "--type", "binary", "--size", "32", "--partition", "1", "--start-time",
                       "1", "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto k = RunCommand({"kcat", "-C", "-b", broker.bootstrap(), "-t", "bin", "-p", "1", "-o",
                       "beginning", "-e", "-q", "-f", "%s"});
  ASSERT_EQ(k.out.size(), 4u * 32);
  for (int i = 0; i < 4; ++i) {
    std::string head = k.out.substr(i * 32, 20);
    std::string want(20, '\0');
    want[7] = static_cast<char>(i);
    want[14] = 0x03;  // 1000 ms = 0x03e8
    want[15] = static_cast<char>(0xe8);
    EXPECT_EQ(HexEncode(head), HexEncode(want)) << i;
  }
}

TEST(SecorProduceTest, FailsWithoutBrokersAndOnDeliveryFailure) {
  auto r = RunCommand({BinaryPath("secor"), "produce", "-t", "t", "-m", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "secor produce: no brokers: give -b/--brokers or a --config with "
            "kafka.bootstrap.servers\n");
  BrokerProcess broker({"t:1"});
  EXPECT_EQ(broker.Command("errors Produce MSG_SIZE_TOO_LARGE 1"),
            "ok pushed 1 x MSG_SIZE_TOO_LARGE on API 0");
  r = RunCommand({BinaryPath("secor"), "produce", "-b", broker.bootstrap(), "-t", "t", "-m", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "secor produce: produce: 1 message(s) failed delivery; first: t [0]: "
            "MSG_SIZE_TOO_LARGE (Broker: Message size too large)\n");
}

}  // namespace
}  // namespace secor
