// The round protocol against a real consumer: a round decided by another
// writer (its marker exists, its file does not) is replayed into exactly the
// file the marker names, and a replay that would split differently stops the
// consumer with an error instead of writing a different split.
#include <gtest/gtest.h>

#include <csignal>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "storage/object_store.h"
#include "support/cluster.h"
#include "upload/object_names.h"
#include "upload/round_ledger.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::Process;
using testing::TempDir;
using testing::TestBroker;

class RoundProtocolTest : public ::testing::Test {
 protected:
  // A marker deciding round [0, end] of partition 0, as another writer left it
  // after a crash between deciding the round and uploading its file.
  void DecideFirstRound(int64_t end, int64_t messages) {
    auto store = OpenObjectStore(Store(), secor::Config());
    ASSERT_TRUE(store.ok());
    RoundLedger ledger(store->get(), "_secor_rounds", "g");
    RoundMarker m;
    m.start = 0;
    m.end = end;
    uint64_t hash = kOffsetsHashSeed;
    for (int64_t o = 0; o < messages; ++o) hash = OffsetsHashAdd(hash, o);
    m.files.push_back({DataFileKey("t", "offset=0", 1, 0, 0, ""), messages, hash});
    m.writer = "another-host:1:1:dead";
    ASSERT_TRUE(ledger.CreateMarker("t", 0, m).ok());
  }

  std::string Store() const { return dir_.Join("store"); }

  std::string Config(TestBroker& broker) {
    auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "g", dir_.Join("staging"), Store());
    return testing::WriteProperties(dir_.Join("c.properties"), kv);
  }

  TempDir dir_;
};

TEST_F(RoundProtocolTest, ADecidedRoundIsReplayedIntoTheFileItsMarkerNames) {
  TestBroker broker(dir_.path(), {"t:1"});
  testing::Produce(broker.bootstrap(), "t", 300, {"--type", "json"});
  DecideFirstRound(149, 150);
  std::string config = Config(broker);
  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer"));
  auto v = testing::WaitForVerify(config, "t", 300, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_TRUE(p.WaitForOutput("replaying 1 decided round(s) from 0", 1s)) << p.Stderr();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
  testing::ExpectVerifyStillPasses(config, "t", 300);
  // The replayed round holds exactly [0, 149]; the next round starts at 150.
  auto files = ListFilesRecursive(Store() + "/t/offset=0");
  ASSERT_TRUE(files.ok());
  ASSERT_GE(files->size(), 2u);
  EXPECT_EQ((*files)[0], "1_0_00000000000000000000");
  EXPECT_EQ((*files)[1], "1_0_00000000000000000150");
  auto printed = testing::RunCommand(
      {BinaryPath("secor"), "print", "-o", Store() + "/t/offset=0/" + (*files)[0]});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  auto offsets = Split(printed.out, '\n', true);
  ASSERT_EQ(offsets.size(), 150u);
  EXPECT_EQ(offsets.front(), "0");
  EXPECT_EQ(offsets.back(), "149");
}

TEST_F(RoundProtocolTest, AReplayThatWouldSplitDifferentlyStopsWithAnError) {
  TestBroker broker(dir_.path(), {"t:1"});
  testing::Produce(broker.bootstrap(), "t", 300, {"--type", "json"});
  // The marker says its file holds 149 messages of [0, 149]: another parser's split.
  DecideFirstRound(149, 149);
  std::string config = Config(broker);
  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer"));
  EXPECT_EQ(p.Wait(90s), 1) << p.Stderr();
  EXPECT_NE(
      p.Stderr().find("replaying round 0..149 gave files [t/offset=0/1_0_00000000000000000000 "
                      "(150 messages"),
      std::string::npos)
      << p.Stderr();
  EXPECT_NE(p.Stderr().find("needs a new secor.generation"), std::string::npos) << p.Stderr();
  // Nothing was uploaded for the round, and nothing committed past it.
  EXPECT_FALSE(PathExists(Store() + "/t/offset=0/1_0_00000000000000000000"));
}

}  // namespace
}  // namespace secor
