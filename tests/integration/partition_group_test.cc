// The partition group end to end: JSON traffic spread over three days lands in
// dt=/hr= directories, exactly once, checked by DuckDB reading the directories
// with Hive partitioning and comparing counts per partition with what Kafka
// holds (read by kcat). Malformed messages land in the error output.
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

// "dt=YYYY-MM-DD/hr=HH" of a UTC instant in milliseconds.
std::string HourPartition(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d/%H", &tm);
  return buf;
}

int64_t TimestampOf(const std::string& json) {
  size_t pos = json.find("\"timestamp\":");
  if (pos == std::string::npos) return -1;
  auto v = ParseInt64(json.substr(pos + 12, json.find_first_of(",}", pos) - pos - 12));
  return v ? *v : -1;
}

TEST(PartitionGroupTest, ThreeDaysOfJsonLandInTheirHourDirectoriesExactlyOnce) {
  ASSERT_EQ(RunCommand({kNodeDir + "/install.sh"}).exit_code, 0);
  TempDir dir;
  TestBroker broker(dir.path(), {"events:8"});
  ASSERT_FALSE(broker.bootstrap().empty());
  // 24,000 events over three days starting 2026-03-07 (a US DST change
  // follows on the 8th: UTC partitions must not care).
  testing::Produce(broker.bootstrap(), "events", 24000,
                   {"--type", "json", "--start-time", "1772841600", "--time-spread", "259200"});
  // Three malformed messages, sent with kcat.
  auto bad = RunCommand({"kcat", "-P", "-b", broker.bootstrap(), "-t", "events", "-p", "0"},
                        "not json\n{\"id\": 1}\n{\"timestamp\": \"yesterday\"}\n");
  ASSERT_EQ(bad.exit_code, 0) << bad.err;

  std::string store = dir.Join("store");
  auto kv =
      testing::BaseConsumerSettings(broker.bootstrap(), "partition", dir.Join("staging"), store);
  kv["secor.message.parser.class"] = "com.pinterest.secor.parser.JsonMessageParser";
  kv["message.timestamp.name"] = "timestamp";
  kv["partitioner.granularity.hour"] = "true";
  kv["secor.file.reader.writer.factory"] = "jsonl";
  std::string config = testing::WriteProperties(dir.Join("partition.properties"), kv);

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consumer"));
  auto v = testing::WaitForVerify(config, "events", 24003, 180s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("24003 messages (3 in the error output)"), std::string::npos) << v.out;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "events", 24003);

  // What Kafka holds, counted per hour directory.
  std::map<std::string, int64_t> expected;
  for (const auto& [where, payload] : testing::ReadTopicWithKcat(broker.bootstrap(), "events")) {
    int64_t ts = TimestampOf(payload);
    if (ts > 0) ++expected[HourPartition(ts)];
  }
  ASSERT_EQ(expected.size(), 72u);  // three days of hours

  // What DuckDB reads from the directories, by Hive partition.
  auto q = RunCommand(
      {"node", kNodeDir + "/duckdb_query.mjs",
       "SELECT CAST(dt AS VARCHAR) AS dt, CAST(hr AS INTEGER) AS hr, count(*)::INTEGER AS n, "
       "count(DISTINCT \"offset\" * 100 + \"partition\")::INTEGER AS distinct_n FROM "
       "read_json_auto('" +
           store +
           "/events/dt=*/hr=*/*.jsonl', hive_partitioning=true) GROUP BY ALL ORDER BY ALL"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::map<std::string, int64_t> got;
  int64_t total = 0;
  for (const auto& line : Split(q.out, '\n', true)) {
    // {"dt":"2026-03-07","hr":0,"n":333,"distinct_n":333}
    auto field = [&](const std::string& name) {
      size_t p = line.find("\"" + name + "\":");
      std::string rest = line.substr(p + name.size() + 3);
      if (rest[0] == '"') return rest.substr(1, rest.find('"', 1) - 1);
      return rest.substr(0, rest.find_first_of(",}"));
    };
    std::string hr = field("hr");
    std::string key = field("dt") + "/" + (hr.size() == 1 ? "0" + hr : hr);
    got[key] = *ParseInt64(field("n"));
    EXPECT_EQ(field("n"), field("distinct_n")) << "duplicate offsets in " << key;
    total += got[key];
  }
  EXPECT_EQ(total, 24000);
  EXPECT_EQ(got, expected);

  // The error output holds the three bad messages with their reasons.
  auto errors = ListFilesRecursive(store + "/events/_errors");
  ASSERT_TRUE(errors.ok());
  std::string all;
  for (const auto& f : *errors) all += *ReadFile(store + "/events/_errors/" + f);
  EXPECT_EQ(Split(all, '\n', true).size(), 3u) << all;
  EXPECT_NE(all.find("\"payload_text\":\"not json\""), std::string::npos) << all;  // "not json"
  // Each with its place in Kafka: after partition 0's 3000 good messages.
  for (int64_t offset : {3000, 3001, 3002}) {
    EXPECT_NE(all.find(fmt::format("{{\"offset\":{},\"partition\":0,", offset)), std::string::npos)
        << all;
  }
}

TEST(PartitionGroupTest, TooManyBadMessagesStopTheConsumerWithoutCommittingThem) {
  TempDir dir;
  TestBroker broker(dir.path(), {"junk:1"});
  ASSERT_FALSE(broker.bootstrap().empty());
  std::string lines;
  for (int i = 0; i < 30; ++i) lines += "garbage " + std::to_string(i) + "\n";
  auto sent = RunCommand({"kcat", "-P", "-b", broker.bootstrap(), "-t", "junk", "-p", "0"}, lines);
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  std::string store = dir.Join("store");
  auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "strict", dir.Join("staging"), store);
  kv["secor.message.parser.class"] = "JsonMessageParser";
  kv["secor.consumer.max_bad_messages"] = "5";
  std::string strict = testing::WriteProperties(dir.Join("strict.properties"), kv);

  // A burst of unparseable messages trips the limit at the sixth, offset 5.
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", strict}, dir.Join("strict"));
  EXPECT_EQ(consumer.Wait(60s), 1) << consumer.Stderr();
  std::string err = consumer.Stderr();
  EXPECT_NE(err.find("too many messages could not be parsed"), std::string::npos) << err;
  EXPECT_NE(err.find("secor.consumer.max_bad_messages=5"), std::string::npos) << err;
  EXPECT_NE(err.find("junk/0 offset 5"), std::string::npos) << err;
  // The round was never decided: nothing stored, nothing committed.
  EXPECT_FALSE(PathExists(store + "/junk")) << "nothing is stored before the round is decided";

  // With room for them, every one of the 30 lands in the error output.
  kv["secor.consumer.max_bad_messages"] = "1000";
  std::string lenient = testing::WriteProperties(dir.Join("lenient.properties"), kv);
  Process again;
  again.Start({BinaryPath("secor"), "consume", "-c", lenient}, dir.Join("lenient"));
  auto v = testing::WaitForVerify(lenient, "junk", 30, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("30 messages (30 in the error output)"), std::string::npos) << v.out;
  again.Signal(SIGTERM);
  EXPECT_EQ(again.Wait(60s), 0) << again.Stderr();
  testing::ExpectVerifyStillPasses(lenient, "junk", 30);
}

}  // namespace
}  // namespace secor
