// The whole-file check of secor check and of consume's start-up: every
// problem at once, each naming its key, and the command lines around it
// (check, consume without a file, keys FILTER, version), asserted exactly.
#include "tools/config_check.h"

#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/strings.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::BinaryPath;
using secor::testing::RunCommand;
using secor::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A configuration that starts, with staging and output in dir.
std::map<std::string, std::string> Complete(const TempDir& dir) {
  return {{"kafka.bootstrap.servers", "127.0.0.1:1"},
          {"secor.kafka.group", "g"},
          {"secor.message.parser.class", "com.pinterest.secor.parser.OffsetMessageParser"},
          {"secor.local.path", dir.Join("staging")},
          {"secor.output.uri", dir.Join("out")}};
}

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.Join(name);
  std::ofstream(path) << text;
  return path;
}

TEST(ValidateConsumeConfigTest, CompleteConfigurationHasNoProblem) {
  TempDir dir;
  EXPECT_THAT(ValidateConsumeConfig(Config::FromMap(Complete(dir))), ElementsAre());
}

TEST(ValidateConsumeConfigTest, ThreeMissingKeysAreReportedTogether) {
  TempDir dir;
  auto values = Complete(dir);
  values.erase("kafka.bootstrap.servers");
  values.erase("secor.kafka.group");
  values.erase("secor.local.path");
  EXPECT_THAT(
      ValidateConsumeConfig(Config::FromMap(values)),
      ElementsAre(
          "kafka.bootstrap.servers: required setting is missing (or kafka.seed.broker.host)",
          "secor.kafka.group: required setting is missing",
          "secor.local.path: required setting is missing"));
}

TEST(ValidateConsumeConfigTest, EmptyConfigurationNamesEveryRequiredKeyAndTheOutputUri) {
  EXPECT_THAT(
      ValidateConsumeConfig(Config()),
      ElementsAre(
          "kafka.bootstrap.servers: required setting is missing (or kafka.seed.broker.host)",
          "secor.kafka.group: required setting is missing",
          "secor.message.parser.class: required setting is missing",
          "secor.local.path: required setting is missing",
          "secor.output.uri: required setting is missing (or secor.s3.bucket with "
          "cloud.service=S3)"));
}

TEST(ValidateConsumeConfigTest, TheS3BucketOrTheSeedHostStandForTheirKeys) {
  TempDir dir;
  auto values = Complete(dir);
  values.erase("secor.output.uri");
  values.erase("kafka.bootstrap.servers");
  values["secor.s3.bucket"] = "b";
  values["kafka.seed.broker.host"] = "127.0.0.1";
  EXPECT_THAT(ValidateConsumeConfig(Config::FromMap(values)), ElementsAre());
}

TEST(ValidateConsumeConfigTest, OutOfRangePortAndNegativeAgeAreRefusedNamingTheKey) {
  TempDir dir;
  auto values = Complete(dir);
  values["secor.http.port"] = "99999";
  values["secor.max.file.age.seconds"] = "-5";
  values["secor.max.file.age.seconds.clicks"] = "-1";
  values["secor.upload.threads"] = "0";
  EXPECT_THAT(ValidateConsumeConfig(Config::FromMap(values)),
              ElementsAre("secor.http.port=99999 (test): must be a TCP port, 0 to 65535",
                          "secor.max.file.age.seconds=-5 (test): must be 0 or more",
                          "secor.max.file.age.seconds.clicks=-1 (test): must be 0 or more",
                          "secor.upload.threads=0 (test): must be 1 to 1024"));
}

TEST(ValidateConsumeConfigTest, TypesClassesAndChoicesAreAllReportedAtOnce) {
  TempDir dir;
  auto values = Complete(dir);
  values.erase("secor.kafka.group");
  values["secor.generation"] = "one";
  values["secor.upload.on.shutdown"] = "perhaps";
  values["secor.delivery"] = "sometimes";
  values["secor.message.parser.class"] = "com.example.NoSuchParser";
  values["secor.compression.codec"] = "rot13";
  values["secor.kafka.topic_filter"] = "(unclosed";
  auto problems = ValidateConsumeConfig(Config::FromMap(values));
  ASSERT_EQ(problems.size(), 7u) << Join(problems, "\n");
  EXPECT_EQ(problems[0], "secor.kafka.group: required setting is missing");
  EXPECT_THAT(problems[1], StartsWith("secor.generation=one (test): "));
  EXPECT_THAT(problems[2], StartsWith("secor.upload.on.shutdown=perhaps (test): "));
  EXPECT_EQ(problems[3], "secor.delivery=sometimes (test): must be exactly-once or at-least-once");
  EXPECT_THAT(problems[4], StartsWith("secor.kafka.topic_filter=(unclosed (test): bad regular "
                                      "expression: "));
  // The parser and the codec, each named with its value.
  std::vector<std::string> rest(problems.begin() + 5, problems.end());
  std::sort(rest.begin(), rest.end());
  EXPECT_THAT(rest[0], StartsWith("secor.compression.codec=rot13 (test): "));
  EXPECT_THAT(rest[1], StartsWith("secor.message.parser.class=com.example.NoSuchParser (test): "));
}

TEST(ValidateConsumeConfigTest, AJavaKeyThatCannotBeHonouredIsOneOfTheProblems) {
  TempDir dir;
  auto values = Complete(dir);
  values.erase("secor.kafka.group");
  values["secor.upload.manager.class"] = "com.pinterest.secor.uploader.GsUploadManager";
  values.erase("secor.output.uri");
  values["secor.s3.bucket"] = "b";
  auto problems = ValidateConsumeConfig(Config::FromMap(values));
  ASSERT_EQ(problems.size(), 2u) << Join(problems, "\n");
  EXPECT_EQ(problems[0], "secor.kafka.group: required setting is missing");
  EXPECT_THAT(problems[1],
              StartsWith("secor.upload.manager.class=com.pinterest.secor.uploader.GsUploadManager "
                         "(test): Google Cloud Storage is not supported yet"));
}

TEST(ValidateConsumeConfigTest, DirectoriesThatCannotBeCreatedAreRefused) {
  TempDir dir;
  std::string file = WriteFile(dir, "plain", "x");
  auto values = Complete(dir);
  values["secor.local.path"] = file + "/staging";
  values["secor.output.uri"] = "file://" + file;
  EXPECT_THAT(
      ValidateConsumeConfig(Config::FromMap(values)),
      ElementsAre(fmt::format("secor.local.path={0}/staging (test): cannot be created: {0} is not "
                              "a directory",
                              file),
                  fmt::format("secor.output.uri=file://{} (test): not a directory", file)));
}

TEST(CheckCommandTest, ReportsEveryProblemOfTheFileAndExitsTwo) {
  TempDir dir;
  std::string path = WriteFile(dir, "bad.properties",
                               "secor.message.parser.class=OffsetMessageParser\n"
                               "secor.output.uri=" +
                                   dir.Join("out") +
                                   "\n"
                                   "secor.http.port=99999\n"
                                   "secor.max.file.age.seconds=-5\n");
  auto r = RunCommand({BinaryPath("secor"), "check", "-c", path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            fmt::format("secor check: kafka.bootstrap.servers: required setting is missing in {0} "
                        "(or kafka.seed.broker.host)\n"
                        "secor check: secor.kafka.group: required setting is missing in {0}\n"
                        "secor check: secor.local.path: required setting is missing in {0}\n"
                        "secor check: secor.http.port=99999 ({0}:3): must be a TCP port, 0 to "
                        "65535\n"
                        "secor check: secor.max.file.age.seconds=-5 ({0}:4): must be 0 or more\n"
                        "secor check: 5 problems in {0}; nothing was probed\n",
                        path));
}

TEST(CheckCommandTest, OfflineCheckOfAGoodFileSaysSoAndExitsZero) {
  TempDir dir;
  std::string path = WriteFile(dir, "good.properties", "");
  std::vector<std::string> argv = {BinaryPath("secor"), "check", "--offline", "-c", path};
  for (const auto& [k, v] : Complete(dir)) {
    argv.push_back("--set");
    argv.push_back(fmt::format("{}={}", k, v));
  }
  auto r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "config: " + path + " is complete and valid for secor consume\n");
  EXPECT_EQ(r.err, "");
}

TEST(ConsumeCommandTest, WithoutAConfigurationFileSaysSo) {
  auto r = RunCommand({BinaryPath("secor"), "consume"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "secor consume: no configuration file: give --config FILE (e.g. "
            "examples/local.properties), or every setting with --set key=value\n");
}

TEST(ConsumeCommandTest, AMissingFileIsNamed) {
  TempDir dir;
  auto r = RunCommand({BinaryPath("secor"), "consume", "-c", dir.Join("nope.properties")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("secor consume: "));
  EXPECT_THAT(r.err, HasSubstr(dir.Join("nope.properties")));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("secor.kafka.group")));
}

// Every problem is reported before the consumer joins: with Kafka
// unreachable (port 1), a consumer that tried to join would log the
// connection failures and wait; this one stops at once on the file.
TEST(ConsumeCommandTest, EveryProblemIsReportedBeforeJoining) {
  TempDir dir;
  std::vector<std::string> argv = {BinaryPath("secor"), "consume"};
  auto values = Complete(dir);
  values["secor.http.port"] = "99999";
  values["secor.max.file.age.seconds"] = "-5";
  for (const auto& [k, v] : values) {
    argv.push_back("--set");
    argv.push_back(fmt::format("{}={}", k, v));
  }
  auto r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 2);
  // consume raises its open file limit first, and logs that when it can.
  std::string err;
  for (const auto& line : Split(r.err, '\n', true)) {
    if (line.find("open file limit") == std::string::npos) err += line + "\n";
  }
  EXPECT_EQ(err,
            "secor consume: secor.http.port=99999 (--set): must be a TCP port, 0 to 65535\n"
            "secor consume: secor.max.file.age.seconds=-5 (--set): must be 0 or more\n"
            "secor consume: 2 configuration problems; not started (secor check -c FILE checks "
            "a file without starting)\n");
  EXPECT_EQ(r.out, "");
}

TEST(KeysCommandTest, AFilterKeepsTheKeysContainingIt) {
  auto r = RunCommand({BinaryPath("secor"), "keys", "secor.max.file"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  for (const auto& line : Split(r.out, '\n', true)) {
    if (!secor::StartsWith(line, " ")) names.push_back(line.substr(0, line.find('=')));
  }
  EXPECT_THAT(names, ElementsAre("secor.max.file.size.bytes", "secor.max.file.age.seconds",
                                 "secor.max.file.count", "secor.max.file.timestamp.range.millis"));
  EXPECT_THAT(r.out, HasSubstr("secor.max.file.age.seconds=3600\n    upload when files are this "
                               "old (per topic: `secor.max.file.age.seconds.<topic>`) (at least "
                               "0)\n"));
}

TEST(KeysCommandTest, RequiredKeysAreMarked) {
  auto r = RunCommand({BinaryPath("secor"), "keys", "secor.kafka.group"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "secor.kafka.group=\n    required: consumer group; the backup and partition "
            "groups must differ\n");
}

TEST(KeysCommandTest, AFilterThatMatchesNothingFails) {
  auto r = RunCommand({BinaryPath("secor"), "keys", "no.such.key"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "secor keys: no key contains 'no.such.key'\n");
}

TEST(VersionCommandTest, PrintsTheVersion) {
  auto r = RunCommand({BinaryPath("secor"), "version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "secor 0.1.0\n");
  auto flag = RunCommand({BinaryPath("secor"), "--version"});
  EXPECT_EQ(flag.out, "secor 0.1.0\n");
}

}  // namespace
}  // namespace secor
