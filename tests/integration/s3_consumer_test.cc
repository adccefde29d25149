// The backup group on S3 (Ceph RADOS Gateway started by scripts/test.sh):
// `aws s3` downloads every object with the bytes Kafka holds; a wrong secret
// stops start-up with the setting named and loses nothing; the gateway
// restarted in the middle of a run changes nothing in the outcome.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "support/cluster.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class S3ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = Env("SECOR_TEST_S3_ENDPOINT");
    ASSERT_FALSE(endpoint_.empty())
        << "SECOR_TEST_S3_ENDPOINT is not set: run via scripts/test.sh, or start Ceph with "
           "scripts/ceph.sh start DIR and source DIR/env";
    bucket_ = "secor-consumer-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::random_device{}() % 100000);
    auto mb = Aws({"s3", "mb", "s3://" + bucket_});
    ASSERT_EQ(mb.exit_code, 0) << mb.err;
  }

  testing::CommandResult Aws(std::vector<std::string> args) {
    std::vector<std::string> argv{"aws", "--endpoint-url", endpoint_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  std::string Config(TestBroker& broker, const std::string& name, const std::string& secret) {
    auto kv =
        testing::BaseConsumerSettings(broker.bootstrap(), "s3backup", dir_.Join("staging"), "");
    kv.erase("secor.output.uri");
    kv["cloud.service"] = "S3";
    kv["secor.s3.bucket"] = bucket_;
    kv["secor.s3.path"] = "raw";
    kv["aws.endpoint"] = endpoint_;
    kv["aws.access.key"] = Env("SECOR_TEST_S3_ACCESS_KEY");
    kv["aws.secret.key"] = secret;
    kv["aws.client.pathstyleaccess"] = "true";
    kv["aws.region"] = "us-east-1";
    kv["secor.s3.retry.base.ms"] = "50";
    kv["secor.s3.retry.max.ms"] = "1000";
    return testing::WriteProperties(dir_.Join(name), kv);
  }

  // Downloads the topic's objects with awscli and reads them back.
  testing::StoredMessages Download(const std::string& topic) {
    std::string local = dir_.Join("download-" + std::to_string(++downloads_));
    auto cp = Aws({"s3", "cp", "--recursive", "--quiet", "s3://" + bucket_ + "/raw/" + topic,
                   local + "/" + topic});
    EXPECT_EQ(cp.exit_code, 0) << cp.err;
    return testing::ReadStoredTopic(local, topic);
  }

  TempDir dir_;
  std::string endpoint_;
  std::string bucket_;
  int downloads_ = 0;
};

TEST_F(S3ConsumerTest, BackupGroupToS3ExactlyOnceThroughAWrongSecretAndAGatewayRestart) {
  TestBroker broker(dir_.path(), {"logs:4"});
  testing::Produce(broker.bootstrap(), "logs", 20000, {"--type", "json"});

  // A wrong secret: start-up stops with one line naming the setting.
  std::string bad = Config(broker, "bad.properties", "not-the-secret");
  auto r = RunCommand({BinaryPath("secor"), "consume", "-c", bad});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("aws.secret.key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SignatureDoesNotMatch"), std::string::npos) << r.err;

  // Fixed: every message arrives, exactly once, with the bytes Kafka holds.
  std::string config = Config(broker, "good.properties", Env("SECOR_TEST_S3_SECRET_KEY"));
  {
    Process p;
    p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer-1"));
    auto v = testing::WaitForVerify(config, "logs", 20000, 180s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
    testing::ExpectVerifyStillPasses(config, "logs", 20000);
  }
  auto kafka = testing::ReadTopicWithKcat(broker.bootstrap(), "logs");
  testing::ExpectSameMessages(kafka, Download("logs"), "logs");

  // secor print reads an object straight from the bucket: offset, key, payload.
  auto printed = RunCommand({BinaryPath("secor"), "print", "-c", config,
                             "s3://" + bucket_ + "/raw/logs/offset=0/1_0_00000000000000000000"});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  int64_t lines = 0;
  for (const auto& line : Split(printed.out, '\n')) {
    if (line.empty()) continue;
    auto fields = Split(line, '\t');
    ASSERT_GE(fields.size(), 3u) << line;
    EXPECT_EQ(std::to_string(lines), fields[0]) << "offsets in order from the round start";
    EXPECT_EQ(fields[2], (kafka[{0, lines}])) << "partition 0 offset " << lines;
    ++lines;
  }
  EXPECT_GT(lines, 0);

  // The gateway goes away under an upload in flight and comes back. The
  // consumer reaches the gateway through secor-faultproxy, which holds the
  // next upload of a data file with its last byte unsent ("stall"): the
  // restart is aimed at that upload, not at whatever moment a sleep ends.
  std::string ceph_dir = Env("SECOR_TEST_CEPH_DIR");
  ASSERT_FALSE(ceph_dir.empty()) << "SECOR_TEST_CEPH_DIR is not set (scripts/test.sh sets it)";
  {
    Process proxy;
    proxy.Start({BinaryPath("secor-faultproxy"), "--upstream", endpoint_},
                dir_.Join("faultproxy-restart"));
    auto address = proxy.WaitForLines(1, 10s);
    ASSERT_FALSE(address.empty()) << proxy.Stderr();
    // The proxy's counters: one "stats" answer, parsed by name.
    size_t answers = 1;
    auto stats = [&] {
      std::map<std::string, int64_t> out;
      proxy.WriteLine("stats");
      auto all = proxy.WaitForLines(++answers, 10s);
      if (all.size() < answers) return out;
      auto words = Split(all[answers - 1], ' ');
      for (size_t i = 1; i + 1 < words.size(); i += 2)
        out[words[i]] = std::atoll(words[i + 1].c_str());
      return out;
    };
    proxy.WriteLine("stall /raw/logs/");
    ASSERT_EQ(proxy.WaitForLines(++answers, 10s).back(), "ok stall /raw/logs/");
    Process p;
    p.Start({BinaryPath("secor"), "consume", "-c", config, "--set", "aws.endpoint=" + address[0]},
            dir_.Join("consumer-2"));
    testing::Produce(broker.bootstrap(), "logs", 20000, {"--type", "json"});
    ASSERT_TRUE(testing::WaitUntil([&] { return stats()["stalled"] == 1; }, 120s)) << p.Stderr();
    auto restart =
        RunCommand({std::string(SECOR_SOURCE_DIR) + "/scripts/ceph.sh", "restart-rgw", ceph_dir});
    EXPECT_EQ(restart.exit_code, 0) << restart.err;
    // The gateway's going cut the held upload, and the consumer retried it.
    EXPECT_TRUE(testing::WaitUntil([&] { return stats()["stall-cut"] == 1; }, 30s));
    proxy.WriteLine("release");
    auto v = testing::WaitForVerify(config, "logs", 40000, 240s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
    const std::string upload_retried = "S3 PutObject s3://" + bucket_ + "/raw/logs/";
    size_t retries = 0;
    for (const auto& line : Split(p.Stderr(), '\n')) {
      if (line.find(upload_retried) != std::string::npos &&
          line.find("; retry ") != std::string::npos) {
        ++retries;
      }
    }
    EXPECT_GE(retries, 1u) << "no retried upload of a data file in the consumer's log:\n"
                           << p.Stderr();
    testing::ExpectVerifyStillPasses(config, "logs", 40000);
  }
  testing::ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "logs"),
                              Download("logs"), "logs");
}

TEST_F(S3ConsumerTest, AStoreThatIgnoresCreateOnlyIsRefusedUnlessAtLeastOnceIsChosen) {
  // secor-faultproxy answers "412 exists" with "200 written": to the consumer
  // the gateway looks like a store that ignores If-None-Match.
  TestBroker broker(dir_.path(), {"probe:2"});
  testing::Produce(broker.bootstrap(), "probe", 500, {"--type", "json"});
  Process proxy;
  proxy.Start({BinaryPath("secor-faultproxy"), "--upstream", endpoint_, "--ignore-create-only"},
              dir_.Join("faultproxy"));
  auto lines = proxy.WaitForLines(1, 10s);
  ASSERT_FALSE(lines.empty()) << proxy.Stderr();
  std::string config = Config(broker, "overwriting.properties", Env("SECOR_TEST_S3_SECRET_KEY"));
  std::vector<std::string> via_proxy{"--set", "aws.endpoint=" + lines[0]};

  std::vector<std::string> argv{BinaryPath("secor"), "consume", "-c", config};
  argv.insert(argv.end(), via_proxy.begin(), via_proxy.end());
  auto refused = RunCommand(argv);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("accepted a second create-only write"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("secor.delivery=at-least-once"), std::string::npos) << refused.err;
  auto listed = Aws({"s3", "ls", "--recursive", "s3://" + bucket_ + "/raw/probe/"});
  EXPECT_EQ(listed.out, "") << "nothing may be written before the probe passes";

  // Chosen explicitly: it runs, says what it gives up, and stores everything.
  argv.insert(argv.end(), {"--set", "secor.delivery=at-least-once"});
  Process p;
  p.Start(argv, dir_.Join("at-least-once"));
  EXPECT_TRUE(p.WaitForOutput("secor.delivery=at-least-once: the store at", 60s)) << p.Stderr();
  auto v = testing::WaitForVerify(config, "probe", 500, 120s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
  testing::ExpectVerifyStillPasses(config, "probe", 500);
  testing::ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "probe"),
                              Download("probe"), "probe");
}

}  // namespace
}  // namespace secor
