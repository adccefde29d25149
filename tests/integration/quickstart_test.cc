// The README's quick start, run as written: the lines between its
// <!-- quickstart --> markers, in a fresh directory that holds the
// checkout's build/, examples/ and tests/ (symbolic links), against the
// run's real Kafka. Then `secor check`'s probes against the same Kafka:
// what it says when all is well, and the exit statuses when the topic
// filter matches nothing or Kafka does not answer. No probe joins the group.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "support/cluster.h"

namespace secor {
namespace {

using testing::BinaryPath;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::RunShell;
using ::testing::StartsWith;
using testing::TempDir;
using testing::TestBroker;

const std::string kSource = SECOR_SOURCE_DIR;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The command lines of the README's quick start, in order.
std::vector<std::string> QuickStartLines() {
  std::string readme = ReadText(kSource + "/README.md");
  size_t begin = readme.find("<!-- quickstart");
  size_t end = readme.find("<!-- /quickstart -->");
  if (begin == std::string::npos || end == std::string::npos) return {};
  std::vector<std::string> lines;
  for (const auto& line : Split(readme.substr(begin, end - begin), '\n', true)) {
    if (secor::StartsWith(line, "<!--") || secor::StartsWith(line, "```")) continue;
    lines.push_back(line);
  }
  return lines;
}

// A directory laid out like the checkout, in which the README's paths
// (build/secor, examples/local.properties, tests/node) resolve; the
// binaries are those the tests run (SECOR_TEST_BINARY_DIR).
void LayOutCheckout(const TempDir& dir) {
  std::string bin = BinaryPath("secor");
  std::filesystem::create_symlink(bin.substr(0, bin.rfind('/')), dir.Join("build"));
  std::filesystem::create_symlink(kSource + "/examples", dir.Join("examples"));
  std::filesystem::create_symlink(kSource + "/tests", dir.Join("tests"));
}

class QuickStartTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = RunShell(kSource + "/tests/node/install.sh");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

TEST_F(QuickStartTest, ReadmeQuickStartRunsAsWritten) {
  auto lines = QuickStartLines();
  ASSERT_EQ(lines.size(), 8u) << Join(lines, "\n");
  TempDir dir;
  TestBroker broker(dir.Join("broker"), {"quickstart:1"});
  TempDir work;
  LayOutCheckout(work);
  // Each line's output follows a line "@@ <n>"; set -e stops at the first
  // command that fails.
  std::string script = "set -e\ncd " + work.path() + "\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    script += fmt::format("echo '@@ {}'\n{}\n", i, lines[i]);
  }
  std::string script_path = dir.Join("quickstart.sh");
  std::ofstream(script_path) << script;
  auto r = RunCommand({"bash", script_path}, "", {{"KAFKA", broker.bootstrap()}});
  ASSERT_EQ(r.exit_code, 0) << r.out << "\n" << r.err;
  std::vector<std::vector<std::string>> out;
  for (const auto& line : Split(r.out, '\n', true)) {
    if (secor::StartsWith(line, "@@ ")) {
      out.emplace_back();
    } else if (!out.empty()) {
      out.back().push_back(line);
    }
  }
  ASSERT_EQ(out.size(), lines.size()) << r.out;
  // check: the file, then Kafka and the store answer.
  EXPECT_THAT(
      out[2],
      ElementsAre("config: examples/local.properties is complete and valid for secor consume",
                  StartsWith(fmt::format("kafka: {} answers; 1 of its ", broker.bootstrap())),
                  "store: quickstart/out accepts create-only writes"))
      << r.err;
  EXPECT_THAT(out[2][1], ::testing::EndsWith(" topics match: quickstart"));
  // verify: 1,000 messages, each once.
  EXPECT_THAT(Join(out[4], "\n"), HasSubstr("1000")) << Join(out[4], "\n");
  EXPECT_EQ(out[5], std::vector<std::string>{"1_0_00000000000000000000.jsonl"});
  // print: the first two messages of partition 0.
  ASSERT_EQ(out[6].size(), 2u) << Join(out[6], "\n");
  EXPECT_THAT(out[6][0], HasSubstr(R"("timestamp": 1700000000000, "id": 0,)"));
  EXPECT_THAT(out[6][1], HasSubstr(R"("id": 1,)"));
  // DuckDB: every message under its day.
  EXPECT_THAT(out[7], ElementsAre(R"({"dt":"2023-11-14","n":"1000"})"));
}

// A configuration for the probes: the run's Kafka, a local store in dir.
std::string ProbeConfig(const TempDir& dir, const std::string& bootstrap,
                        const std::string& filter) {
  return testing::WriteProperties(dir.Join("check.properties"),
                                  {{"kafka.bootstrap.servers", bootstrap},
                                   {"secor.kafka.group", "secor_check_probe"},
                                   {"secor.message.parser.class", "OffsetMessageParser"},
                                   {"secor.local.path", dir.Join("staging")},
                                   {"secor.output.uri", dir.Join("out")},
                                   {"secor.kafka.topic_filter", filter}});
}

TEST(CheckProbeTest, KafkaTopicsAndStoreWithoutJoiningTheGroup) {
  TempDir dir;
  TestBroker broker(dir.Join("broker"), {"probe_a:2", "probe_b:1", "other:1"});
  std::string config = ProbeConfig(dir, broker.bootstrap(), "probe_.*");
  auto r = RunCommand({BinaryPath("secor"), "check", "-c", config});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = Split(r.out, '\n', true);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], "config: " + config + " is complete and valid for secor consume");
  EXPECT_THAT(lines[1],
              StartsWith(fmt::format("kafka: {} answers; 2 of its ", broker.bootstrap())));
  EXPECT_THAT(lines[1], ::testing::EndsWith(" topics match: probe_a, probe_b"));
  EXPECT_EQ(lines[2], "store: " + dir.Join("out") + " accepts create-only writes");
  // The probe's object is gone again; nothing else was written.
  auto left = RunShell("find " + dir.Join("out") + " -type f");
  EXPECT_EQ(left.out, "");
  // The group was never joined: Kafka knows no such group.
  auto groups =
      testing::KafkaTool("consumer-groups", {"--bootstrap-server", broker.bootstrap(), "--list"});
  EXPECT_EQ(groups.exit_code, 0) << groups.err;
  EXPECT_THAT(groups.out, ::testing::Not(HasSubstr("secor_check_probe")));
}

TEST(CheckProbeTest, AFilterThatMatchesNoTopicExitsThree) {
  TempDir dir;
  TestBroker broker(dir.Join("broker"), {"probe_a:1"});
  std::string config = ProbeConfig(dir, broker.bootstrap(), "nothing_here");
  auto r = RunCommand({BinaryPath("secor"), "check", "-c", config});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr(fmt::format("secor check: kafka {}: none of its ", broker.bootstrap())));
  EXPECT_THAT(r.err, HasSubstr(" topics matches the topic filter"));
  // The store was probed all the same.
  EXPECT_THAT(r.out, HasSubstr("store: " + dir.Join("out") + " accepts create-only writes"));
}

TEST(CheckProbeTest, KafkaThatDoesNotAnswerExitsThree) {
  TempDir dir;
  std::string config = ProbeConfig(dir, "127.0.0.1:1", ".*");
  auto r = RunCommand({BinaryPath("secor"), "check", "-c", config});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // librdkafka's own connection errors come first in the log.
  EXPECT_THAT(r.err, HasSubstr("\nsecor check: kafka 127.0.0.1:1: listing topics: "));
  EXPECT_THAT(r.out, HasSubstr("store: " + dir.Join("out") + " accepts create-only writes"));
}

// A store the probe cannot write to (here the state directory's place is
// taken by a file): exit 4 with Kafka answering, 5 with Kafka away as well.
void BreakTheStore(const TempDir& dir) {
  ASSERT_TRUE(MakeDirs(dir.Join("out")).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.Join("out/_secor_rounds"), "not a directory").ok());
}

TEST(CheckProbeTest, AStoreThatRefusesTheProbeExitsFour) {
  TempDir dir;
  TestBroker broker(dir.Join("broker"), {"probe_a:1"});
  std::string config = ProbeConfig(dir, broker.bootstrap(), "probe_.*");
  BreakTheStore(dir);
  auto r = RunCommand({BinaryPath("secor"), "check", "-c", config});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("kafka: {} answers; ", broker.bootstrap())));
  EXPECT_THAT(r.err, HasSubstr("secor check: create-only probe, first write of " +
                               dir.Join("out/_secor_rounds/secor_check_probe/_probe/check-")))
      << r.err;
}

TEST(CheckProbeTest, KafkaAndStoreBothFailingExitsFive) {
  TempDir dir;
  std::string config = ProbeConfig(dir, "127.0.0.1:1", ".*");
  BreakTheStore(dir);
  auto r = RunCommand({BinaryPath("secor"), "check", "-c", config});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("\nsecor check: kafka 127.0.0.1:1: listing topics: "));
  EXPECT_THAT(r.err, HasSubstr("secor check: create-only probe, first write of " +
                               dir.Join("out/_secor_rounds/secor_check_probe/_probe/check-")))
      << r.err;
}

}  // namespace
}  // namespace secor
