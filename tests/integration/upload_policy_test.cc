// Upload policies and topic selection on real processes: the size and file
// count policies cut rounds where they should, every message still lands
// exactly once, and the topic filter and blacklist decide what is consumed.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "support/cluster.h"
#include "upload/object_names.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::Process;
using testing::TempDir;
using testing::TestBroker;
using testing::WaitForVerify;
using testing::WriteProperties;

struct StoredFile {
  std::string path;  // relative to the topic
  int64_t round_start = 0;
  int64_t size = 0;
};

// The topic's data files (not the error output), by round start.
std::vector<StoredFile> DataFiles(const std::string& root, const std::string& topic) {
  std::vector<StoredFile> out;
  auto files = ListFilesRecursive(JoinPath(root, topic));
  EXPECT_TRUE(files.ok());
  if (!files.ok()) return out;
  for (const auto& rel : *files) {
    auto id = ParseDataFileName(BaseName(rel));
    if (!id || rel.find("_errors/") != std::string::npos) continue;
    out.push_back(
        {rel, id->start_offset,
         static_cast<int64_t>(std::filesystem::file_size(JoinPath(root, topic + "/" + rel)))});
  }
  std::sort(out.begin(), out.end(),
            [](const StoredFile& a, const StoredFile& b) { return a.round_start < b.round_start; });
  return out;
}

class UploadPolicyTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string Out() const { return dir_.Join("store"); }

  std::string Config(const std::string& name, TestBroker& broker,
                     std::map<std::string, std::string> extra) {
    auto kv = BaseConsumerSettings(broker.bootstrap(), "policy", dir_.Join("staging"), Out());
    // All messages are there before the consumer starts, so they arrive in
    // one burst: the policy under test cuts the rounds, and the age policy
    // only the last one, a few seconds after the burst.
    kv["secor.max.file.age.seconds"] = "3";
    for (const auto& [k, v] : extra) kv[k] = v;
    return WriteProperties(dir_.Join(name), kv);
  }

  // Runs one consumer until every message is stored once, then stops it.
  void Run(const std::string& config, const std::string& topic, int64_t expected) {
    Process p;
    p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer-" + topic));
    auto v = WaitForVerify(config, topic, expected, 120s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
    testing::ExpectVerifyStillPasses(config, topic, expected);
  }
};

TEST_F(UploadPolicyTest, SizePolicyCutsARoundOnceItsFileReachesTheLimit) {
  TestBroker broker(dir_.path(), {"sized:1"});
  ASSERT_FALSE(broker.bootstrap().empty());
  testing::Produce(broker.bootstrap(), "sized", 5000, {"--type", "binary", "--size", "100"});
  const int64_t limit = 50000;
  std::string config =
      Config("sized.properties", broker, {{"secor.max.file.size.bytes", std::to_string(limit)}});
  // 5000 records of about 120 bytes: eleven rounds by size, then the rest by age.
  Run(config, "sized", 5000);
  auto files = DataFiles(Out(), "sized");
  ASSERT_GE(files.size(), 10u);
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    EXPECT_GE(files[i].size, limit) << files[i].path << " was uploaded below the size limit";
    // Cut at the message that crossed the limit, not at the next periodic check.
    EXPECT_LT(files[i].size, limit + 1000) << files[i].path << " ran far past the size limit";
  }
  testing::ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "sized"),
                              testing::ReadStoredTopic(Out(), "sized"), "sized");
}

TEST_F(UploadPolicyTest, FileCountPolicyUploadsEverythingWhenMoreFilesAreOpen) {
  // One partition, ten hours of events in offset order: hourly output
  // partitions open one after the other. With secor.max.file.count=3 a round
  // is cut when the fourth file opens, so no round spans more than four hours.
  TestBroker broker(dir_.path(), {"hours:1"});
  ASSERT_FALSE(broker.bootstrap().empty());
  testing::Produce(broker.bootstrap(), "hours", 10000,
                   {"--type", "json", "--start-time", "1772841600", "--time-spread", "36000"});
  std::string config = Config("count.properties", broker,
                              {{"secor.max.file.count", "3"},
                               {"secor.message.parser.class", "JsonMessageParser"},
                               {"partitioner.granularity.hour", "true"}});
  Run(config, "hours", 10000);
  std::map<int64_t, std::set<std::string>> rounds;  // round start -> hour directories
  for (const auto& f : DataFiles(Out(), "hours")) rounds[f.round_start].insert(DirName(f.path));
  EXPECT_GE(rounds.size(), 3u);
  std::set<std::string> hours;
  for (const auto& [start, dirs] : rounds) {
    EXPECT_LE(dirs.size(), 4u) << "round " << start << " held " << dirs.size() << " files";
    hours.insert(dirs.begin(), dirs.end());
  }
  EXPECT_EQ(hours.size(), 10u);
  testing::ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "hours"),
                              testing::ReadStoredTopic(Out(), "hours"), "hours");
}

TEST_F(UploadPolicyTest, TopicFilterAndBlacklistChooseWhatIsConsumed) {
  TestBroker broker(dir_.path(), {"keep.a:2", "keep.b:2", "keep.secret:2", "other:2"});
  ASSERT_FALSE(broker.bootstrap().empty());
  for (const char* t : {"keep.a", "keep.b", "keep.secret", "other"}) {
    testing::Produce(broker.bootstrap(), t, 300, {"--type", "json"});
  }
  std::string config = Config("filter.properties", broker,
                              {{"secor.kafka.topic_filter", "keep\\..*"},
                               {"secor.kafka.topic_blacklist", ".*secret"},
                               {"secor.max.file.age.seconds", "1"}});
  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer"));
  for (const char* t : {"keep.a", "keep.b"}) {
    auto v = WaitForVerify(config, t, 300, 90s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
  EXPECT_TRUE(p.WaitForOutput("subscribing to 2 topic(s): keep.a, keep.b", 1s)) << p.Stderr();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
  for (const char* t : {"keep.a", "keep.b"}) testing::ExpectVerifyStillPasses(config, t, 300);
  EXPECT_FALSE(std::filesystem::exists(Out() + "/keep.secret"));
  EXPECT_FALSE(std::filesystem::exists(Out() + "/other"));
}

}  // namespace
}  // namespace secor
