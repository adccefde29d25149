// The partition group's configurable parts end to end on real broker
// traffic: the example plug-in parser and transformer named in the
// configuration, and one consumer whose topics each get their own parser,
// time settings and output format through per-topic keys. Outputs are read
// back (the library's readers, DuckDB for Parquet) and compared per output
// partition with what Kafka holds.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <map>

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

const std::string kNodeDir = std::string(SECOR_SOURCE_DIR) + "/tests/node";

// strftime of a UTC instant shifted by offset_s.
std::string FormatUtc(int64_t secs, const char* format, int64_t offset_s = 0) {
  time_t t = static_cast<time_t>(secs + offset_s);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Counts per output partition of stored messages.
std::map<std::string, int64_t> Counts(
    const std::map<std::string, testing::StoredMessages>& by_partition) {
  std::map<std::string, int64_t> out;
  for (const auto& [op, messages] : by_partition) out[op] = static_cast<int64_t>(messages.size());
  return out;
}

TEST(PartitionGroupTopicsTest, PluginParserAndTransformerPlaceEveryMessageOnce) {
  TempDir dir;
  TestBroker broker(dir.path(), {"csv:2"});
  ASSERT_FALSE(broker.bootstrap().empty());
  // 300 CSV lines over three days on two partitions, and two lines the
  // plug-in cannot place.
  for (int partition : {0, 1}) {
    std::string lines;
    for (int i = 0; i < 150; ++i) {
      int64_t secs = 1718409600 + (int64_t{i} * 2 + partition) * 259200 / 300;  // from 2024-06-15
      lines += FormatUtc(secs, "%Y-%m-%dT%H:%M:%S") + ",click," + std::to_string(i) + "\n";
    }
    if (partition == 0) lines += "no date here,view,1\n2024-6-15,view,2\n";
    auto sent = RunCommand(
        {"kcat", "-P", "-b", broker.bootstrap(), "-t", "csv", "-p", std::to_string(partition)},
        lines);
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
  }

  std::string store = dir.Join("store");
  auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "plugin", dir.Join("staging"), store);
  kv["secor.message.parser.class"] = "plugin";
  kv["secor.message.parser.plugin.path"] = SECOR_EXAMPLE_PLUGIN;
  kv["secor.message.transformer.class"] = "plugin";
  kv["secor.message.transformer.plugin.path"] = SECOR_EXAMPLE_PLUGIN;
  kv["secor.plugin.csv.prefix"] = "day=";
  std::string config = testing::WriteProperties(dir.Join("plugin.properties"), kv);

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consumer"));
  auto v = testing::WaitForVerify(config, "csv", 302, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("302 messages (2 in the error output)"), std::string::npos) << v.out;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "csv", 302);

  // Each line once, upper-cased by the transformer, under the day the
  // parser read from its first column (with the configured prefix).
  auto kafka = testing::ReadTopicWithKcat(broker.bootstrap(), "csv");
  ASSERT_EQ(kafka.size(), 302u);
  std::map<std::string, testing::StoredMessages> expected;
  for (const auto& [where, payload] : kafka) {
    if (payload[0] == 'n' || payload[6] == '-') continue;  // the two the plug-in refuses
    expected["day=" + payload.substr(0, 10)].emplace(where, Upper(payload));
  }
  auto stored = testing::ReadStoredTopicByOutputPartition(store, "csv");
  EXPECT_EQ(Counts(stored), Counts(expected));
  EXPECT_EQ(expected.size(), 3u);
  for (const auto& [op, messages] : expected) {
    testing::ExpectSameMessages(messages, stored[op], "csv " + op);
  }
  auto errors = ListFilesRecursive(store + "/csv/_errors");
  ASSERT_TRUE(errors.ok());
  std::string all;
  for (const auto& f : *errors) all += *ReadFile(store + "/csv/_errors/" + f);
  EXPECT_EQ(Split(all, '\n', true).size(), 2u) << all;
  EXPECT_NE(all.find("first CSV column holds no date"), std::string::npos) << all;
}

TEST(PartitionGroupTopicsTest, PerTopicParserTimeSettingsAndFormat) {
  ASSERT_EQ(RunCommand({kNodeDir + "/install.sh"}).exit_code, 0);
  TempDir dir;
  TestBroker broker(dir.path(), {"events:2", "logs:1"});
  ASSERT_FALSE(broker.bootstrap().empty());
  // events: JSON over two days, written as Parquet under dt=/hr=.
  testing::Produce(broker.bootstrap(), "events", 2000,
                   {"--type", "json", "--start-time", "1772841600", "--time-spread", "172800"});
  // logs: access lines with the time in seconds as the third word, written
  // as SequenceFiles under day= in Asia/Kolkata (UTC+05:30, no DST).
  std::string lines;
  for (int i = 0; i < 240; ++i) {
    lines += fmt::format("GET /p{} {} 200\n", i, 1772841600 + int64_t{i} * 720);
  }
  auto sent = RunCommand({"kcat", "-P", "-b", broker.bootstrap(), "-t", "logs", "-p", "0"}, lines);
  ASSERT_EQ(sent.exit_code, 0) << sent.err;

  std::string store = dir.Join("store");
  // The global parser (offset) and format (SequenceFile) are the fallbacks;
  // each topic overrides what it needs.
  auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "topics", dir.Join("staging"), store);
  kv["secor.message.parser.class.events"] = "JsonMessageParser";
  kv["message.timestamp.name.events"] = "timestamp";
  kv["partitioner.granularity.hour.events"] = "true";
  kv["secor.file.reader.writer.factory.events"] = "parquet";
  kv["secor.parquet.columns.events"] = "timestamp:int64!,id:int64!";
  kv["secor.message.parser.class.logs"] = "RegexMessageParser";
  kv["message.timestamp.input.pattern.logs"] = "^[^ ]+ [^ ]+ ([0-9]+) .*$";
  kv["secor.parser.timezone.logs"] = "Asia/Kolkata";
  kv["partitioner.granularity.date.prefix.logs"] = "day=";
  kv["secor.max.file.age.seconds.logs"] = "1";
  std::string config = testing::WriteProperties(dir.Join("topics.properties"), kv);

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consumer"));
  auto ve = testing::WaitForVerify(config, "events", 2000, 90s);
  EXPECT_EQ(ve.exit_code, 0) << ve.out << ve.err;
  EXPECT_NE(ve.out.find("2000 messages (0 in the error output)"), std::string::npos) << ve.out;
  auto vl = testing::WaitForVerify(config, "logs", 240, 60s);
  EXPECT_EQ(vl.exit_code, 0) << vl.out << vl.err;
  EXPECT_NE(vl.out.find("240 messages (0 in the error output)"), std::string::npos) << vl.out;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "events", 2000);
  testing::ExpectVerifyStillPasses(config, "logs", 240);

  // logs: every line once, in its Kolkata day, in SequenceFiles.
  std::map<std::string, int64_t> expected_logs;
  auto kafka_logs = testing::ReadTopicWithKcat(broker.bootstrap(), "logs");
  for (const auto& [where, payload] : kafka_logs) {
    auto words = Split(payload, ' ', true);
    ASSERT_EQ(words.size(), 4u) << payload;
    ++expected_logs[FormatUtc(*ParseInt64(words[2]), "day=%Y-%m-%d", 19800)];
  }
  auto stored_logs = testing::ReadStoredTopicByOutputPartition(store, "logs");
  EXPECT_EQ(Counts(stored_logs), expected_logs);
  EXPECT_EQ(expected_logs.size(), 3u);  // 2026-03-07 05:30 to 2026-03-09 05:18 in Kolkata
  auto log_files = ListFilesRecursive(store + "/logs");
  ASSERT_TRUE(log_files.ok());
  for (const auto& f : *log_files) {
    EXPECT_TRUE(StartsWith(f, "day=") && !EndsWith(f, ".parquet")) << f;
  }
  testing::StoredMessages all_logs;
  for (auto& [op, messages] : stored_logs) all_logs.merge(messages);
  testing::ExpectSameMessages(kafka_logs, all_logs, "logs");

  // events: what Kafka holds per hour, against the library's reader and
  // against DuckDB reading the Parquet files with Hive partitioning.
  std::map<std::string, int64_t> expected_events;
  auto kafka_events = testing::ReadTopicWithKcat(broker.bootstrap(), "events");
  for (const auto& [where, payload] : kafka_events) {
    size_t at = payload.find("\"timestamp\":");
    ASSERT_NE(at, std::string::npos) << payload;
    int64_t ms = *ParseInt64(payload.substr(at + 12, payload.find_first_of(",}", at) - at - 12));
    ++expected_events[FormatUtc(ms / 1000, "dt=%Y-%m-%d/hr=%H")];
  }
  EXPECT_EQ(expected_events.size(), 48u);
  EXPECT_EQ(Counts(testing::ReadStoredTopicByOutputPartition(store, "events")), expected_events);
  auto q = RunCommand(
      {"node", kNodeDir + "/duckdb_query.mjs",
       "SELECT CAST(dt AS VARCHAR) AS dt, CAST(hr AS VARCHAR) AS hr, count(*)::INTEGER AS n, "
       "count(DISTINCT regexp_extract(filename, '_([0-9]+)_[0-9]+[.]parquet$', 1) || ':' || "
       "CAST(__offset AS VARCHAR))::INTEGER AS ids FROM read_parquet('" +
           store +
           "/events/dt=*/hr=*/*.parquet', hive_partitioning=true, filename=true) GROUP BY ALL"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::map<std::string, int64_t> duck;
  for (const auto& line : Split(q.out, '\n', true)) {
    // {"dt":"2026-03-07","hr":"00","n":41,"ids":41}; ids: distinct (partition, offset)
    auto field = [&](const std::string& name) {
      size_t p = line.find("\"" + name + "\":");
      std::string rest = line.substr(p + name.size() + 3);
      if (rest[0] == '"') return rest.substr(1, rest.find('"', 1) - 1);
      return rest.substr(0, rest.find_first_of(",}"));
    };
    std::string hr = field("hr");
    duck["dt=" + field("dt") + "/hr=" + (hr.size() == 1 ? "0" + hr : hr)] = *ParseInt64(field("n"));
    EXPECT_EQ(field("n"), field("ids")) << "a message stored twice in " << line;
  }
  EXPECT_EQ(duck, expected_events);
}

}  // namespace
}  // namespace secor
