// The backup group end to end on a local directory: real test broker, real
// `secor consume` processes sharing a consumer group, files read back by the
// library's readers and compared byte for byte with what kcat reads from Kafka.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "format/file_format.h"
#include "support/cluster.h"
#include "upload/object_names.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::ExpectVerifyStillPasses;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WaitForVerify;
using testing::WriteProperties;

using testing::ExpectSameMessages;
using testing::ReadStoredTopic;

class BackupGroupTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string Out() const { return dir_.Join("store"); }

  std::string Config(const std::string& name, TestBroker& broker,
                     std::map<std::string, std::string> extra = {}) {
    auto kv = BaseConsumerSettings(broker.bootstrap(), "backup", dir_.Join("staging"), Out());
    for (const auto& [k, v] : extra) kv[k] = v;
    return WriteProperties(dir_.Join(name), kv);
  }

  void StartConsumer(Process& p, const std::string& config, const std::string& name) {
    p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join(name));
  }

  static void Stop(Process& p) {
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
  }
};

TEST_F(BackupGroupTest, TwoConsumersStoreEveryMessageOnceThenResumeAfterRestartAndCrash) {
  TestBroker broker(dir_.path(), {"alpha:16", "beta:16"});
  ASSERT_FALSE(broker.bootstrap().empty());
  testing::Produce(broker.bootstrap(), "alpha", 100000, {"--type", "json"});
  testing::Produce(broker.bootstrap(), "beta", 100000, {"--type", "binary", "--size", "120"});
  std::string config = Config("backup.properties", broker);

  {
    Process a, b;
    StartConsumer(a, config, "consumer-a");
    StartConsumer(b, config, "consumer-b");
    auto va = WaitForVerify(config, "alpha", 100000, 180s);
    EXPECT_EQ(va.exit_code, 0) << va.out << va.err;
    auto vb = WaitForVerify(config, "beta", 100000, 120s);
    EXPECT_EQ(vb.exit_code, 0) << vb.out << vb.err;
    EXPECT_NE(va.out.find("100000 messages"), std::string::npos) << va.out;
    // Both members took part: each logged assignments.
    EXPECT_TRUE(a.WaitForOutput("assigned, starting at offset", 1s)) << a.Stderr();
    EXPECT_TRUE(b.WaitForOutput("assigned, starting at offset", 1s)) << b.Stderr();
    Stop(a);
    Stop(b);
    ExpectVerifyStillPasses(config, "alpha", 100000);
    ExpectVerifyStillPasses(config, "beta", 100000);
  }
  ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "alpha"),
                     ReadStoredTopic(Out(), "alpha"), "alpha");
  ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "beta"),
                     ReadStoredTopic(Out(), "beta"), "beta");
  // Object names as the original lays them out.
  EXPECT_TRUE(PathExists(Out() + "/alpha/offset=0/1_0_00000000000000000000"));

  // A restart resumes from the committed offsets: new messages only.
  testing::Produce(broker.bootstrap(), "alpha", 10000, {"--type", "json"});
  {
    Process c;
    const int port = testing::FreeLocalPort();
    c.Start({BinaryPath("secor"), "consume", "-c", config, "--set",
             "secor.http.port=" + std::to_string(port)},
            dir_.Join("consumer-c"));
    auto v = WaitForVerify(config, "alpha", 110000, 120s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    // Killed without warning, in the middle of more traffic: as soon as it
    // has read some of the new messages, which a round 2 s old at the
    // earliest holds, so the kill lands before they are all stored.
    const std::string consumed = "secor_consumer_messages_total{topic=\"alpha\"}";
    const double before = testing::ScrapeMetric(port, consumed);
    EXPECT_GE(before, 10000) << "the restart read the messages produced for it";
    testing::Produce(broker.bootstrap(), "alpha", 10000, {"--type", "json"});
    EXPECT_TRUE(
        testing::WaitUntil([&] { return testing::ScrapeMetric(port, consumed) > before; }, 60s));
    c.Signal(SIGKILL);
    c.Wait(10s);
    EXPECT_EQ(testing::Verify(config, "alpha", 120000).exit_code, 1)
        << "the kill should have come before every new message was stored";
  }
  {
    // ...and the next process stores the rest, nothing twice.
    Process d;
    StartConsumer(d, config, "consumer-d");
    auto v = WaitForVerify(config, "alpha", 120000, 120s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    Stop(d);
    ExpectVerifyStillPasses(config, "alpha", 120000);
  }
  auto stored = ReadStoredTopic(Out(), "alpha");
  ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "alpha"), stored, "alpha");
  // Kafka's own tools agree: the topic ends where `secor verify` counted to,
  // and the group committed exactly what is stored.
  int64_t end_total = 0;
  for (const auto& [tp, end] : testing::KafkaToolEndOffsets("alpha")) end_total += end;
  EXPECT_EQ(end_total, 120000) << "Kafka's get-offsets tool against secor verify's count";
  testing::ExpectKafkaCommittedWhatIsStored("backup", "alpha", stored);
  testing::ExpectKafkaCommittedWhatIsStored("backup", "beta", ReadStoredTopic(Out(), "beta"));
}

TEST_F(BackupGroupTest, UploadOnShutdownStoresOpenFilesBeforeExiting) {
  TestBroker broker(dir_.path(), {"gamma:4"});
  testing::Produce(broker.bootstrap(), "gamma", 3000, {"--type", "json"});
  // Files would never age out in this test: only shutdown uploads them.
  const int port = testing::FreeLocalPort();
  std::string config = Config("shutdown.properties", broker,
                              {{"secor.max.file.age.seconds", "3600"},
                               {"secor.upload.on.shutdown", "true"},
                               {"secor.writer.id", "backup-7"},
                               {"secor.http.port", std::to_string(port)}});
  Process p;
  StartConsumer(p, config, "consumer");
  // The configured name stands for the host name in the writer id.
  EXPECT_TRUE(p.WaitForOutput(" writer backup-7:", 30s)) << p.Stderr();
  // Wait until every message is read into the open files of the four
  // partitions; none is stored before the shutdown.
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return testing::ScrapeMetric(port, "secor_consumer_messages_total{topic=\"gamma\"}") ==
               3000;
      },
      60s))
      << p.Stderr();
  auto files = ListFilesRecursive(dir_.Join("staging"));
  ASSERT_TRUE(files.ok());
  size_t data = 0;
  for (const auto& f : *files) data += ParseDataFileName(BaseName(f)) ? 1 : 0;
  EXPECT_EQ(data, 4u);
  EXPECT_EQ(testing::Verify(config, "gamma", 3000).exit_code, 1);  // nothing uploaded yet
  Stop(p);
  auto v = testing::Verify(config, "gamma", 3000);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

TEST_F(BackupGroupTest, BadConfigurationStopsStartUpNamingTheKeyAndFile) {
  TestBroker broker(dir_.path(), {"delta:1"});
  std::string config = Config("bad.properties", broker, {{"secor.max.file.size.bytes", "lots"}});
  auto r = RunCommand({BinaryPath("secor"), "consume", "-c", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("secor.max.file.size.bytes=lots (" + config + ":"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("not an integer"), std::string::npos) << r.err;

  config = Config("bad-parser.properties", broker,
                  {{"secor.message.parser.class", "com.example.NoSuchParser"}});
  r = RunCommand({BinaryPath("secor"), "consume", "-c", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("secor.message.parser.class=com.example.NoSuchParser"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("unknown parser"), std::string::npos) << r.err;

  config = Config("bad-writer.properties", broker, {{"secor.writer.id", "a:b"}});
  r = RunCommand({BinaryPath("secor"), "consume", "-c", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("secor.writer.id=a:b"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("must not contain ':'"), std::string::npos) << r.err;
}

TEST_F(BackupGroupTest, UnwritableStagingDirectoryStopsWithAClearMessage) {
  TestBroker broker(dir_.path(), {"epsilon:1"});
  std::string file = dir_.Join("a-file");
  ASSERT_TRUE(WriteFileAtomic(file, "x").ok());
  std::string config =
      Config("staging.properties", broker, {{"secor.local.path", file + "/staging"}});
  auto r = RunCommand({BinaryPath("secor"), "consume", "-c", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("secor.local.path"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + "/staging"), std::string::npos) << r.err;
}

TEST_F(BackupGroupTest, StoreUnavailableAtAssignmentHoldsPartitionsUntilItReturns) {
  // The round state directory of the topic is a plain file when the group
  // assigns the partitions: setting them up fails. The member must stay in
  // the group, hold them paused, keep retrying, and store every message once
  // the store is back.
  TestBroker broker(dir_.path(), {"zeta:4"});
  ASSERT_FALSE(broker.bootstrap().empty());
  testing::Produce(broker.bootstrap(), "zeta", 2000, {"--type", "json"});
  std::string blocker = Out() + "/_secor_rounds/backup/zeta";
  ASSERT_TRUE(WriteFileAtomic(blocker, "not a directory").ok());
  std::string config = Config("store-down.properties", broker);
  Process p;
  StartConsumer(p, config, "consumer");
  ASSERT_TRUE(p.WaitForOutput("holding it paused and retrying", 60s)) << p.Stderr();
  EXPECT_TRUE(p.WaitForOutput("retrying in", 10s)) << p.Stderr();
  EXPECT_NE(p.Stderr().find("Not a directory"), std::string::npos) << p.Stderr();
  EXPECT_FALSE(std::filesystem::exists(Out() + "/zeta"));
  ASSERT_TRUE(p.Running());
  std::filesystem::remove(blocker);
  auto v = WaitForVerify(config, "zeta", 2000, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_TRUE(p.WaitForOutput("set up after retrying", 1s)) << p.Stderr();
  Stop(p);
  auto kafka = testing::ReadTopicWithKcat(broker.bootstrap(), "zeta");
  ExpectSameMessages(kafka, ReadStoredTopic(Out(), "zeta"), "zeta");
  // After shutdown, and by payload: every message Kafka holds is stored once, unchanged.
  auto again = testing::VerifyPayloads(config, "zeta", kafka, dir_.Join("zeta.expected"));
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("payloads: 2000 expected, 2000 stored copies as expected\n"),
            std::string::npos)
      << again.out;
}

TEST_F(BackupGroupTest, AFullStagingDiskStopsTheConsumerAndLosesNothing) {
  // A 256 KiB tmpfs as secor.local.path fills up long before the round is
  // due (tests run as root, as CI does).
  std::string small = dir_.Join("small-disk");
  std::filesystem::create_directories(small);
  auto mount = RunCommand({"mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small});
  ASSERT_EQ(mount.exit_code, 0) << "this test mounts a tmpfs and needs root: " << mount.err;
  struct Unmount {
    std::string path;
    ~Unmount() { RunCommand({"umount", path}); }
  } unmount{small};

  TestBroker broker(dir_.path(), {"big:2"});
  ASSERT_FALSE(broker.bootstrap().empty());
  testing::Produce(broker.bootstrap(), "big", 6000, {"--type", "binary", "--size", "200"});
  std::string config =
      Config("full.properties", broker,
             {{"secor.local.path", small}, {"secor.max.file.age.seconds", "3600"}});
  auto r = RunCommand({BinaryPath("secor"), "consume", "-c", config});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(small), std::string::npos) << "the message names the full path\n" << r.err;
  EXPECT_FALSE(std::filesystem::exists(Out() + "/big")) << "nothing was uploaded";

  // Nothing was committed either: a consumer with room stores every message once.
  std::string roomy = Config("roomy.properties", broker, {{"secor.max.file.age.seconds", "1"}});
  Process p;
  StartConsumer(p, roomy, "roomy");
  auto v = WaitForVerify(roomy, "big", 6000, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  Stop(p);
  auto kafka = testing::ReadTopicWithKcat(broker.bootstrap(), "big");
  ExpectSameMessages(kafka, ReadStoredTopic(Out(), "big"), "big");
  // Binary payloads, compared byte for byte after shutdown.
  auto again = testing::VerifyPayloads(roomy, "big", kafka, dir_.Join("big.expected"));
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(BackupGroupTest, SigtermWithKafkaDownEndsWithinTheShutdownBound) {
  // The whole cluster goes away under a running member that uploads its
  // open files on shutdown, whose commits then cannot be made: SIGTERM must
  // still end it within secor.shutdown.timeout.seconds and a few seconds (it
  // took over a minute inside librdkafka's close), and a member started
  // after Kafka is back stores every message once.
  TestBroker broker(dir_.path(), {"eta:4"});
  ASSERT_TRUE(broker.real()) << "stops a node of the run's real Kafka";
  testing::Produce(broker.bootstrap(), "eta", 4000, {"--type", "json"});
  const int port = testing::FreeLocalPort();
  std::string config = Config("down.properties", broker,
                              {{"secor.max.file.age.seconds", "3600"},
                               {"secor.upload.on.shutdown", "true"},
                               {"secor.shutdown.timeout.seconds", "10"},
                               {"secor.http.port", std::to_string(port)}});
  Process p;
  StartConsumer(p, config, "consumer");
  ASSERT_TRUE(p.WaitForOutput("eta/3: assigned", 60s)) << p.Stderr();
  // Every message read into the open files before Kafka goes.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return testing::ScrapeMetric(port, "secor_consumer_messages_total{topic=\"eta\"}") == 4000;
      },
      30s))
      << p.Stderr();
  auto files = ListFilesRecursive(dir_.Join("staging"));
  ASSERT_TRUE(files.ok());
  size_t data_files = 0;
  for (const auto& f : *files) data_files += ParseDataFileName(BaseName(f)) ? 1 : 0;
  ASSERT_EQ(data_files, 4u) << p.Stderr();
  auto stopped = testing::KafkaNode("stop-node", 1);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  struct StartAgain {
    ~StartAgain() { testing::KafkaNode("start-node", 1); }
  } start_again;
  auto t0 = std::chrono::steady_clock::now();
  p.Signal(SIGTERM);
  int code = p.Wait(30s);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(code, 0) << p.Stderr();
  EXPECT_LT(took, 16s) << "SIGTERM with Kafka down took "
                       << std::chrono::duration_cast<std::chrono::seconds>(took).count() << " s";

  auto started = testing::KafkaNode("start-node", 1);
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string after = Config("after.properties", broker);
  Process q;
  StartConsumer(q, after, "after");
  auto v = WaitForVerify(after, "eta", 4000, 120s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  Stop(q);
  ExpectVerifyStillPasses(after, "eta", 4000);
}

TEST_F(BackupGroupTest, UnreachableBrokerIsRetriedAndReported) {
  // Nothing listens on this port: the consumer keeps retrying, says so, and
  // still stops cleanly when asked.
  auto kv = BaseConsumerSettings("127.0.0.1:9", "backup", dir_.Join("staging"), Out());
  kv["kafka.new.consumer.socket.connection.setup.timeout.ms"] = "1000";
  std::string config = WriteProperties(dir_.Join("unreachable.properties"), kv);
  Process p;
  StartConsumer(p, config, "consumer");
  EXPECT_TRUE(p.WaitForOutput("cannot list topics", 60s)) << p.Stderr();
  EXPECT_TRUE(p.WaitForOutput("retrying in", 1s)) << p.Stderr();
  p.Signal(SIGTERM);
  // A stop asked for is a clean stop (exit 0), as at any other time: the
  // chaos test's SIGTERM met a member waiting for a killed broker, and exit
  // 1 there read as a crash to the test (and would to systemd).
  EXPECT_EQ(p.Wait(30s), 0) << p.Stderr();
  EXPECT_TRUE(p.WaitForOutput("asked to stop before the broker could be reached", 1s))
      << p.Stderr();
}

}  // namespace
}  // namespace secor
