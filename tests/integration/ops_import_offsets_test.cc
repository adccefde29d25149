// secor import-offsets against a real ZooKeeper (Debian's) holding offsets in
// the original Secor's layout: the Kafka group gets exactly those offsets and
// a consumer started afterwards resumes exactly there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <map>
#include <thread>

#include "common/file_util.h"
#include "config/config.h"
#include "support/cluster.h"
#include "tools/group_offsets.h"
#include "upload/object_names.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WriteProperties;

const char* kZkClasspath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";

// Runs zkCli commands (one a line) against the server.
testing::CommandResult ZkCli(int port, const std::string& commands) {
  return RunCommand({"java", "-cp", kZkClasspath, "org.apache.zookeeper.ZooKeeperMain", "-server",
                     "127.0.0.1:" + std::to_string(port)},
                    commands + "quit\n");
}

TEST(OpsImportOffsetsTest, CommitsZooKeeperOffsetsAndConsumerResumesThere) {
  TempDir dir;
  int zk_port = testing::FreeLocalPort();
  ASSERT_TRUE(MakeDirs(dir.Join("zk-data")).ok());
  std::string cfg = dir.Join("zoo.cfg");
  ASSERT_TRUE(WriteFileAtomic(cfg, "tickTime=2000\ndataDir=" + dir.Join("zk-data") +
                                       "\nclientPort=" + std::to_string(zk_port) +
                                       "\nadmin.enableServer=false\n")
                  .ok());
  Process zk;
  zk.Start({"java", "-cp", kZkClasspath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg},
           dir.Join("zk"));
  TestBroker broker(dir.path(), {"t:2"});
  testing::Produce(broker.bootstrap(), "t", 100);  // 50 per partition

  // The original's layout: /consumers/<group>/offsets/<topic>/<partition>.
  testing::CommandResult made;
  for (int i = 0; i < 30; ++i) {
    made = ZkCli(
        zk_port,
        "create /consumers \"\"\ncreate /consumers/old \"\"\ncreate /consumers/old/offsets \"\"\n"
        "create /consumers/old/offsets/t \"\"\ncreate /consumers/old/offsets/t/0 \"17\"\n"
        "create /consumers/old/offsets/t/1 \"42\"\nget /consumers/old/offsets/t/1\n");
    if (made.out.find("\n42\n") != std::string::npos) break;
    std::this_thread::sleep_for(1s);
  }
  ASSERT_NE(made.out.find("\n42\n"), std::string::npos) << made.out << made.err;

  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "old", dir.Join("staging"), dir.Join("store"));
  settings["zookeeper.quorum"] = "127.0.0.1:" + std::to_string(zk_port);
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  auto r = RunCommand({BinaryPath("secor"), "import-offsets", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "old t 0 17\nold t 1 42\n");

  auto kafka = GroupOffsets::Create(
      Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}}), "old");
  ASSERT_TRUE(kafka.ok());
  auto parts = (*kafka)->Partitions("t");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].committed, 17);
  EXPECT_EQ((*parts)[1].committed, 42);
  kafka->reset();

  // The consumer resumes exactly there: 33 + 8 messages, the first rounds
  // starting at the imported offsets.
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  auto v = testing::WaitForVerify(config, "t", 41, 60s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "t", 41);
  std::map<int32_t, int64_t> first;
  auto stored = ListFilesRecursive(dir.Join("store/t"));
  ASSERT_TRUE(stored.ok());
  for (const auto& f : *stored) {
    auto id = ParseDataFileName(BaseName(f));
    if (!id) continue;
    auto it = first.find(id->kafka_partition);
    if (it == first.end() || id->start_offset < it->second)
      first[id->kafka_partition] = id->start_offset;
  }
  EXPECT_EQ(first, (std::map<int32_t, int64_t>{{0, 17}, {1, 42}}));
  zk.Signal(SIGTERM);
  zk.Wait(20s);
}

}  // namespace
}  // namespace secor
