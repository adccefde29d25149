// Logs of the real commands: with JSON lines every line of standard error is
// one JSON object with time, level and message, also for a failing start-up;
// and no configured secret (S3 secret key, Kafka SASL and SSL key passwords,
// Qubole token, a schema registry or Qubole URL's password) is ever printed,
// at debug level, by consume, progress or finalize, nor written to the store
// or staging files.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

#include <simdjson.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "support/cluster.h"

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

// Fails the test unless every line of text is a JSON object with an ISO-8601
// UTC "time", a known "level" and a string "msg"; returns the messages.
std::vector<std::string> ParseJsonLines(const std::string& text, const std::string& what) {
  std::vector<std::string> messages;
  static const std::regex kTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  simdjson::dom::parser parser;
  for (const auto& line : Split(text, '\n', true)) {
    simdjson::dom::element doc;
    simdjson::dom::object obj;
    if (parser.parse(line).get(doc) || doc.get(obj)) {
      ADD_FAILURE() << what << ": not a JSON object: " << line;
      continue;
    }
    std::string_view time, level, msg;
    EXPECT_FALSE(obj["time"].get(time)) << what << ": " << line;
    EXPECT_TRUE(std::regex_match(std::string(time), kTime)) << what << ": " << line;
    EXPECT_FALSE(obj["level"].get(level)) << what << ": " << line;
    EXPECT_TRUE(level == "trace" || level == "debug" || level == "info" || level == "warning" ||
                level == "error" || level == "critical")
        << what << ": " << line;
    EXPECT_FALSE(obj["msg"].get(msg)) << what << ": " << line;
    messages.emplace_back(msg);
  }
  return messages;
}

bool Contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(OpsLogsTest, JsonLinesEveryLine) {
  TempDir dir;
  TestBroker broker(dir.path(), {"j:1"});
  testing::Produce(broker.bootstrap(), "j", 20);
  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "jsong", dir.Join("staging"), dir.Join("store"));
  settings["secor.max.file.age.seconds"] = "1";
  settings["secor.log.json"] = "true";
  settings["secor.log.level"] = "debug";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  auto verified = testing::WaitForVerify(config, "j", 20, 60s);
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  consumer.Signal(SIGTERM);
  ASSERT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "j", 20);
  auto messages = ParseJsonLines(consumer.Stderr(), "consume");
  EXPECT_GT(messages.size(), 3u);
  EXPECT_TRUE(Contains(messages, "subscribing to 1 topic(s): j")) << consumer.Stderr();

  // A start-up that fails on a bad setting reports it as a JSON line too.
  auto bad =
      RunCommand({BinaryPath("secor"), "consume", "-c", config, "--set", "secor.generation=-1"});
  EXPECT_NE(bad.exit_code, 0);
  messages = ParseJsonLines(bad.err, "failed consume");
  EXPECT_TRUE(Contains(messages, "secor.generation=-1")) << bad.err;

  // So does a configuration that cannot be read.
  bad = RunCommand({BinaryPath("secor"), "consume", "--log-json", "-c", dir.Join("missing")});
  EXPECT_NE(bad.exit_code, 0);
  messages = ParseJsonLines(bad.err, "missing config");
  EXPECT_TRUE(Contains(messages, dir.Join("missing"))) << bad.err;

  // The operator tools log the same way (--log-json on the command line),
  // librdkafka's own debug lines included.
  auto progress = RunCommand({BinaryPath("secor"), "progress", "-c", config, "--log-json", "--set",
                              "secor.log.json=false", "--log-level", "debug", "--set",
                              "kafka.client.debug=broker"});
  EXPECT_EQ(progress.exit_code, 0) << progress.err;
  messages = ParseJsonLines(progress.err, "progress");
  EXPECT_TRUE(Contains(messages, "kafka BROKER")) << progress.err;
  auto finalize =
      RunCommand({BinaryPath("secor"), "finalize", "-c", config, "--log-level", "debug"});
  EXPECT_EQ(finalize.exit_code, 0) << finalize.err;
  messages = ParseJsonLines(finalize.err, "finalize");
  EXPECT_TRUE(Contains(messages, "finalize j: ")) << finalize.err;
}

// An hourly partitioner over many partitions holds thousands of files open:
// consume asks for the hard limit on open files and says so.
TEST(OpsLogsTest, ConsumeRaisesTheOpenFileLimit) {
  auto r = testing::RunShell("ulimit -Sn 256 && ulimit -Hn 4096 && exec " + BinaryPath("secor") +
                             " consume --set secor.kafka.group=g");
  EXPECT_NE(r.exit_code, 0);  // the configuration is incomplete: start-up stops after the raise
  EXPECT_NE(r.err.find("open file limit raised from 256 to 4096"), std::string::npos) << r.err;
}

TEST(OpsLogsTest, SecretsAreNeverPrinted) {
  TempDir dir;
  TestBroker broker(dir.path(), {"s:1", "a:1"});
  // Two hours old: finalize has an hour to register (with Qubole).
  testing::Produce(broker.bootstrap(), "s", 10, {"--type", "json", "--timeshift", "-7200"});
  // Binary test messages start with a zero byte: the Avro parser takes them
  // for the registry's wire format and asks the (unreachable) registry.
  testing::Produce(broker.bootstrap(), "a", 3, {"--type", "binary"});
  const std::vector<std::string> secrets{"AwsSecret-7f3kq9", "SaslPass-Qx81z",
                                         "SslKeyPass-Lm204", "QuboleTok-Zt55w",
                                         "RegistryPw-Hh19c", "QuboleUrlPw-Ww73d"};
  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "secretg", dir.Join("staging"), dir.Join("store"));
  settings["secor.max.file.age.seconds"] = "1";
  settings["secor.log.level"] = "debug";
  settings["aws.access.key"] = "AKIDEXAMPLE";
  settings["aws.secret.key"] = secrets[0];
  settings["kafka.client.sasl.username"] = "secor";
  settings["kafka.client.sasl.password"] = secrets[1];
  settings["kafka.client.ssl.key.password"] = secrets[2];
  settings["secor.qubole.api.token"] = secrets[3];
  settings["schema.registry.url"] = "http://reguser:" + secrets[4] + "@127.0.0.1:1/";
  settings["secor.schema.registry.retries"] = "1";
  settings["secor.message.parser.class.s"] = "JsonMessageParser";
  settings["partitioner.granularity.hour"] = "true";
  settings["secor.message.parser.class.a"] = "AvroMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);

  std::vector<std::pair<std::string, std::string>> outputs;  // (what, text)
  {
    Process consumer;
    consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
    auto verified = testing::WaitForVerify(config, "s", 10, 60s);
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    // The Avro topic's three messages go to its error output, each naming the registry.
    EXPECT_TRUE(consumer.WaitForOutput("reguser:****@127.0.0.1:1", 30s)) << consumer.Stderr();
    consumer.Signal(SIGTERM);
    EXPECT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
    testing::ExpectVerifyStillPasses(config, "s", 10);
    outputs.emplace_back("consume stdout", consumer.Stdout());
    outputs.emplace_back("consume stderr", consumer.Stderr());
  }
  // Failing start-ups: an S3 store whose key pair is incomplete, and a Kafka
  // setting librdkafka rejects.
  auto s3 = RunCommand({BinaryPath("secor"), "consume", "-c", config, "--set",
                        "secor.output.uri=s3://bucket/path", "--set", "aws.access.key="});
  EXPECT_NE(s3.exit_code, 0);
  EXPECT_NE(s3.err.find("aws.secret.key=****"), std::string::npos) << s3.err;
  outputs.emplace_back("s3 consume", s3.out + s3.err);
  auto kafka = RunCommand({BinaryPath("secor"), "consume", "-c", config, "--set",
                           "kafka.client.ssl.key.password.bogus=" + secrets[2]});
  EXPECT_NE(kafka.exit_code, 0);
  outputs.emplace_back("bad kafka consume", kafka.out + kafka.err);
  auto progress = RunCommand({BinaryPath("secor"), "progress", "-c", config});
  EXPECT_EQ(progress.exit_code, 0) << progress.err;
  outputs.emplace_back("progress", progress.out + progress.err);
  // Registration against a Qubole URL with a password in it, which nothing answers.
  auto finalize = RunCommand(
      {BinaryPath("secor"), "finalize", "-c", config, "--set", "secor.enable.qubole=true", "--set",
       "partitioner.finalizer.delay.seconds=0", "--set",
       "secor.qubole.api.url=http://quser:" + secrets[5] + "@127.0.0.1:1/api/v1.2/commands"});
  outputs.emplace_back("finalize", finalize.out + finalize.err);
  EXPECT_NE(finalize.err.find("quser:****@127.0.0.1:1"), std::string::npos) << finalize.err;

  for (const auto& [what, text] : outputs) {
    for (const auto& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << what << " prints " << secret << ":\n"
                                                      << text;
    }
  }
  auto files = ListFilesRecursive(dir.path());
  ASSERT_TRUE(files.ok());
  for (const auto& f : *files) {
    if (f.find("properties") != std::string::npos || f.find("broker") != std::string::npos)
      continue;
    auto text = ReadFile(JoinPath(dir.path(), f));
    if (!text.ok()) continue;
    for (const auto& secret : secrets) {
      EXPECT_EQ(text->find(secret), std::string::npos) << f << " holds " << secret;
    }
  }
}

}  // namespace
}  // namespace secor
