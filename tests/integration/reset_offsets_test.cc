// `secor reset-offsets` end to end: a consumer stores a topic, is stopped, the
// group is moved back, and the restarted consumer stores the rewound range
// again as a new chain. Checks what the tool prints and removes, and the
// output of both generations (docs/reset-offsets.md).
#include <gtest/gtest.h>

#include <csignal>
#include <functional>
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
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WriteProperties;

// generation -> partition -> offsets stored (each offset once per generation).
using ByGeneration = std::map<int64_t, std::map<int32_t, std::multiset<int64_t>>>;

ByGeneration ReadByGeneration(const std::string& root, const std::string& topic) {
  ByGeneration out;
  auto files = ListFilesRecursive(JoinPath(root, topic));
  if (!files.ok()) return out;
  for (const auto& rel : *files) {
    auto id = ParseDataFileName(BaseName(rel));
    if (!id) continue;
    auto reader = OpenReaderAuto(JoinPath(JoinPath(root, topic), rel));
    EXPECT_TRUE(reader.ok()) << rel;
    if (!reader.ok()) continue;
    Record r;
    while (true) {
      auto more = (*reader)->Next(&r);
      EXPECT_TRUE(more.ok()) << rel;
      if (!more.ok() || !*more) break;
      out[id->generation][id->kafka_partition].insert(r.offset);
    }
  }
  return out;
}

std::multiset<int64_t> Range(int64_t from, int64_t to) {
  std::multiset<int64_t> s;
  for (int64_t i = from; i < to; ++i) s.insert(i);
  return s;
}

size_t CountMarkers(const std::string& dir) {
  auto files = ListFilesRecursive(dir);
  if (!files.ok()) return 0;
  size_t n = 0;
  for (const auto& f : *files) n += BaseName(f).size() == 20 ? 1 : 0;
  return n;
}

class ResetOffsetsTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string Out() const { return dir_.Join("store"); }

  testing::CommandResult Reset(const std::string& config, std::vector<std::string> extra) {
    std::vector<std::string> argv{BinaryPath("secor"), "reset-offsets", "-c", config, "-t", "rs"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  }

  // Runs a consumer until pred holds for the store, then stops it gracefully.
  void ConsumeUntil(const std::string& config, const std::string& name, int64_t generation,
                    const std::function<bool(const ByGeneration&)>& pred) {
    Process p;
    p.Start({BinaryPath("secor"), "consume", "-c", config, "--set",
             "secor.generation=" + std::to_string(generation)},
            dir_.Join(name));
    EXPECT_TRUE(testing::WaitUntil([&] { return pred(ReadByGeneration(Out(), "rs")); }, 120s))
        << p.Stderr();
    // A wrong extra round would show up before the group has committed the
    // end of every partition: once it has, the consumer has stored all it
    // read and has nothing left to write.
    EXPECT_TRUE(testing::WaitForKafkaCommittedToEnd("backup", "rs", 60s)) << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
  }
};

TEST_F(ResetOffsetsTest, RewindRemovesMarkersAndTheNewChainStoresTheRangeAgain) {
  TestBroker broker(dir_.path(), {"rs:2"});
  std::string config = WriteProperties(
      dir_.Join("rs.properties"),
      BaseConsumerSettings(broker.bootstrap(), "backup", dir_.Join("staging"), Out()));
  // Two batches, each stored before the next is produced: partition 0 then
  // has a round boundary at exactly offset 300.
  testing::Produce(broker.bootstrap(), "rs", 600);
  std::string markers0 = Out() + "/_secor_rounds/backup/rs/0";
  auto has = [](int64_t gen, int32_t p, size_t n) {
    return [=](const ByGeneration& s) {
      auto g = s.find(gen);
      if (g == s.end()) return n == 0;
      auto it = g->second.find(p);
      return (it == g->second.end() ? 0 : it->second.size()) == n;
    };
  };
  ConsumeUntil(config, "c1", 1,
               [&](const ByGeneration& s) { return has(1, 0, 300)(s) && has(1, 1, 300)(s); });
  testing::Produce(broker.bootstrap(), "rs", 400);
  ConsumeUntil(config, "c2", 1,
               [&](const ByGeneration& s) { return has(1, 0, 500)(s) && has(1, 1, 500)(s); });
  size_t before = CountMarkers(markers0);
  ASSERT_GE(before, 2u);

  // Neither --delete-files nor --new-generation: refused, nothing changed.
  auto r = Reset(config, {"--partition", "0", "--to-offset", "300"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("rs/0: committed 500 -> 300\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  marker _secor_rounds/backup/rs/0/00000000000000000300 (round 300.."),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    file rs/offset=0/1_0_00000000000000000300\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("refused: the "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("restart the consumers with secor.generation=2"), std::string::npos)
      << r.out;
  EXPECT_EQ(CountMarkers(markers0), before);

  // A dry run prints the same plan and changes nothing.
  r = Reset(config, {"--partition", "0", "--to-offset", "300", "--new-generation", "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(dry run: nothing is changed)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("would remove "), std::string::npos) << r.out;
  EXPECT_EQ(CountMarkers(markers0), before);

  // Rewind partition 0 to 300, keeping generation 1's files.
  r = Reset(config, {"--partition", "0", "--to-offset", "300", "--new-generation"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("start the consumers with secor.generation=2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("committed 1 partition(s)"), std::string::npos) << r.out;
  EXPECT_LT(CountMarkers(markers0), before);
  auto markers = ListFilesRecursive(markers0);
  ASSERT_TRUE(markers.ok());
  for (const auto& m : *markers) {
    if (BaseName(m).size() == 20) {
      EXPECT_LT(std::stoll(BaseName(m)), 300) << m;
    }
  }
  EXPECT_TRUE(PathExists(Out() + "/rs/offset=0/1_0_00000000000000000300"));

  // Generation 2 stores offsets 300..499 of partition 0 again, and nothing else.
  ConsumeUntil(config, "c3", 2, has(2, 0, 200));
  auto stored = ReadByGeneration(Out(), "rs");
  EXPECT_EQ(stored[1][0], Range(0, 500));
  EXPECT_EQ(stored[1][1], Range(0, 500));
  EXPECT_EQ(stored[2][0], Range(300, 500));
  EXPECT_EQ(stored[2].count(1), 0u);
  // secor verify reads every generation: the rewound range shows as duplicates.
  auto v = testing::Verify(config, "rs", 1200);
  EXPECT_NE(v.out.find("topic rs: 1200 messages (0 in the error output)"), std::string::npos)
      << v.out;
  EXPECT_NE(v.out.find("200 duplicate offsets, 0 gaps"), std::string::npos) << v.out;

  // Partition 1 back to the start, deleting its files: the same generation
  // then holds every offset exactly once again.
  r = Reset(config, {"--partition", "1", "--to-earliest", "--delete-files"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rs/1: committed 500 -> 0\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("data file(s) listed are deleted"), std::string::npos) << r.out;
  EXPECT_EQ(CountMarkers(Out() + "/_secor_rounds/backup/rs/1"), 0u);
  EXPECT_EQ(ReadByGeneration(Out(), "rs")[1].count(1), 0u);
  ConsumeUntil(config, "c4", 2, has(2, 1, 500));
  stored = ReadByGeneration(Out(), "rs");
  EXPECT_EQ(stored[1][0], Range(0, 500));
  EXPECT_EQ(stored[1].count(1), 0u);
  EXPECT_EQ(stored[2][0], Range(300, 500));
  EXPECT_EQ(stored[2][1], Range(0, 500));
}

TEST_F(ResetOffsetsTest, NoCommitWritesTheRootAndBadArgumentsAreRefused) {
  TestBroker broker(dir_.path(), {"rs:1"});
  testing::Produce(broker.bootstrap(), "rs", 100);
  std::string config = WriteProperties(
      dir_.Join("rs.properties"),
      BaseConsumerSettings(broker.bootstrap(), "fresh", dir_.Join("staging"), Out()));
  auto r = Reset(config, {"--to-offset", "40"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rs/0: committed none -> 40\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("root _secor_rounds/fresh/rs/0/root = 40"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no data file is affected"), std::string::npos) << r.out;
  auto root = ReadFile(Out() + "/_secor_rounds/fresh/rs/0/root");
  ASSERT_TRUE(root.ok());
  EXPECT_NE(root->find("\"start\":40,"), std::string::npos) << *root;

  // The consumer starts at 40: offsets 40..99 only.
  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("c"));
  auto v = testing::WaitForVerify(config, "rs", 60, 60s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("partition 0: 60 messages, offsets 40..99"), std::string::npos) << v.out;
  // While a consumer holds the partition, the tool changes nothing.
  std::string markers = Out() + "/_secor_rounds/fresh/rs/0";
  size_t before = CountMarkers(markers);
  ASSERT_GE(before, 1u);
  r = Reset(config, {"--to-offset", "40", "--delete-files", "--wait-seconds", "5"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("was not given every partition of rs within 5 s: stop the group's "
                       "consumers and run it again (nothing was changed)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(CountMarkers(markers), before);
  EXPECT_EQ(testing::Verify(config, "rs", 60).exit_code, 0);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(60s), 0);
  testing::ExpectVerifyStillPasses(config, "rs", 60);

  r = Reset(config, {"--to-offset", "500"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("rs/0: offset 500 is outside the log (0..100)"), std::string::npos) << r.err;
  r = Reset(config, {"--to-time", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to-time yesterday: expected epoch ms or ISO-8601"), std::string::npos)
      << r.err;
  r = Reset(config, {"--to-earliest", "--to-latest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("give exactly one of"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace secor
