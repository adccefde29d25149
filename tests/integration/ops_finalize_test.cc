// secor finalize end to end, the original's scenario: messages stamped
// now-25h, now-2h and now are consumed into hourly partitions; the finalizer
// (lookback 30) writes exactly the closed partitions' _SUCCESS, registering
// each first with a loopback fake of the Qubole API whose requests are checked
// one by one. A failed registration leaves its _SUCCESS (and later ones)
// unwritten until a later run succeeds. Further scenarios: minute partitions
// (minutes, then their hour, then their day), a Kafka partition that never had
// a committed offset, message times from the parser rather than the Kafka
// record, and a day never closed before its hours.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "support/cluster.h"
#include "support/fake_http_server.h"
#include "tools/group_offsets.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WriteProperties;

std::string Fmt(int64_t s, const char* f) {
  time_t t = static_cast<time_t>(s);
  tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, f, &tm);
  return buf;
}
std::string Hour(int64_t s) { return Fmt(s, "dt=%Y-%m-%d/hr=%H"); }
std::string Minute(int64_t s) { return Fmt(s, "dt=%Y-%m-%d/hr=%H/min=%M"); }
std::string Day(int64_t s) { return Fmt(s, "dt=%Y-%m-%d"); }

std::set<std::string> Successes(const std::string& root) {
  std::set<std::string> out;
  auto files = ListFilesRecursive(root);
  if (!files.ok()) return out;
  for (const auto& f : *files) {
    if (BaseName(f) == "_SUCCESS") out.insert(f);
  }
  return out;
}

// The `_SUCCESS` files a finalize run reports writing, in its order, relative
// to the store root ("<topic>/dt=.../_SUCCESS").
std::vector<std::string> WrittenInOrder(const std::string& log, const std::string& topic) {
  std::vector<std::string> out;
  for (const auto& line : Split(log, '\n', true)) {
    if (line.find("finalize " + topic + ": wrote ") == std::string::npos) continue;
    size_t at = line.rfind("/" + topic + "/dt=");
    if (at != std::string::npos) out.push_back(line.substr(at + 1));
  }
  return out;
}

// Runs `secor consume` until the group has committed `want` (partition ->
// next offset) on topic, then stops it cleanly.
void ConsumeUntilCommitted(const std::string& config, const std::string& bootstrap,
                           const std::string& group, const std::string& topic,
                           const std::map<int32_t, int64_t>& want, const std::string& log_dir) {
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, log_dir);
  auto kafka =
      GroupOffsets::Create(Config::FromMap({{"kafka.bootstrap.servers", bootstrap}}), group);
  ASSERT_TRUE(kafka.ok());
  std::map<int32_t, int64_t> committed;
  for (int i = 0; i < 120; ++i) {
    std::this_thread::sleep_for(500ms);
    auto parts = (*kafka)->Partitions(topic);
    if (!parts.ok()) continue;
    committed.clear();
    for (const auto& p : *parts) {
      if (want.count(p.partition)) committed[p.partition] = p.committed;
    }
    if (committed == want) break;
  }
  ASSERT_EQ(committed, want) << consumer.Stderr();
  consumer.Signal(SIGTERM);
  ASSERT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
}

// The fake Qubole: each POST creates command n (answered "waiting"); a GET of
// it answers "done", or "error" when its query contains `fail`.
class FakeQubole {
 public:
  FakeQubole()
      : http_([this](const FakeRequest& r) {
          std::lock_guard lock(mu_);
          if (r.method == "POST") {
            queries_.push_back(r.body);
            return FakeResponse::Json(
                200, "{\"id\":" + std::to_string(queries_.size()) + ",\"status\":\"waiting\"}");
          }
          size_t id = std::stoul(r.target.substr(r.target.rfind('/') + 1));
          bool bad = !fail_.empty() && id <= queries_.size() &&
                     queries_[id - 1].find(fail_) != std::string::npos;
          return FakeResponse::Json(200, "{\"id\":" + std::to_string(id) + ",\"status\":\"" +
                                             (bad ? "error" : "done") + "\"}");
        }) {}
  void FailQueriesWith(const std::string& s) {
    std::lock_guard lock(mu_);
    fail_ = s;
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(http_.port()) + "/api/v1.2/commands";
  }
  std::vector<FakeRequest> Requests() { return http_.received(); }

 private:
  std::mutex mu_;
  std::vector<std::string> queries_;
  std::string fail_;
  FakeHttpServer http_;
};

std::string Post(const std::string& spec) {
  return "{\"command_type\":\"HiveCommand\",\"query\":\"ALTER TABLE ftable ADD IF NOT EXISTS "
         "PARTITION (" +
         spec + ")\"}";
}
std::string HourSpec(int64_t s) { return Fmt(s, "dt='%Y-%m-%d', hr='%H'"); }

std::string MinuteSpec(int64_t s) { return Fmt(s, "dt='%Y-%m-%d', hr='%H', min='%M'"); }

// secor finalize on root, registering with qubole (table ftable for every topic used).
testing::CommandResult Finalize(const std::string& config, const std::string& root,
                                FakeQubole& qubole, std::vector<std::string> extra) {
  std::vector<std::string> argv{BinaryPath("secor"),
                                "finalize",
                                "-c",
                                config,
                                "--set",
                                "secor.output.uri=" + root,
                                "--set",
                                "secor.enable.qubole=true",
                                "--set",
                                "secor.qubole.api.url=" + qubole.Url(),
                                "--set",
                                "secor.qubole.poll.interval.ms=20",
                                "--set",
                                "secor.hive.prefix=ftable",
                                "--set",
                                "secor.hive.table.name.f=ftable"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunCommand(argv);
}

TEST(OpsFinalizeTest, HourlyThenDailyWithQuboleRegistration) {
  TempDir dir;
  TestBroker broker(dir.path(), {"f:1"});
  int64_t now = std::time(nullptr);
  for (int64_t shift : {-25 * 3600, -2 * 3600, 0}) {
    testing::Produce(broker.bootstrap(), "f", 1,
                     {"--type", "json", "--start-time", std::to_string(now), "--timeshift",
                      std::to_string(shift)});
  }
  std::string store = dir.Join("store");
  auto settings = BaseConsumerSettings(broker.bootstrap(), "fing", dir.Join("staging"), store);
  settings["secor.message.parser.class"] = "com.pinterest.secor.parser.JsonMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  settings["partitioner.granularity.hour"] = "true";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  {
    Process consumer;
    consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
    auto kafka = GroupOffsets::Create(
        Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}}), "fing");
    ASSERT_TRUE(kafka.ok());
    int64_t committed = -1;
    for (int i = 0; i < 120 && committed != 3; ++i) {
      std::this_thread::sleep_for(500ms);
      auto parts = (*kafka)->Partitions("f");
      if (parts.ok()) committed = (*parts)[0].committed;
    }
    ASSERT_EQ(committed, 3) << consumer.Stderr();
    consumer.Signal(SIGTERM);
    ASSERT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
  }
  // The data directories the consumer wrote: the three hours.
  std::set<std::string> hours;
  auto data_files = ListFilesRecursive(JoinPath(store, "f"));
  ASSERT_TRUE(data_files.ok());
  for (const auto& f : *data_files) hours.insert(DirName(f));
  EXPECT_EQ(hours, (std::set<std::string>{Hour(now - 25 * 3600), Hour(now - 2 * 3600), Hour(now)}));
  ASSERT_EQ(RunCommand({"cp", "-a", store, dir.Join("store-fail")}).exit_code, 0);
  ASSERT_EQ(RunCommand({"cp", "-a", store, dir.Join("store-daily")}).exit_code, 0);

  FakeQubole qubole;
  auto finalize = [&](const std::string& root, std::vector<std::string> extra) {
    std::vector<std::string> argv{BinaryPath("secor"),
                                  "finalize",
                                  "-c",
                                  config,
                                  "--set",
                                  "secor.output.uri=" + root,
                                  "--set",
                                  "secor.finalizer.lookback.periods=30",
                                  "--set",
                                  "secor.enable.qubole=true",
                                  "--set",
                                  "secor.qubole.api.url=" + qubole.Url(),
                                  "--set",
                                  "secor.qubole.api.token=tok-123",
                                  "--set",
                                  "secor.qubole.poll.interval.ms=20",
                                  "--set",
                                  "secor.hive.table.name.f=ftable"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  };

  // Delay 3600 s: the bound is now-1h, so the hours of now-25h and now-2h are
  // closed and the current hour is not; the day of now-25h is closed, the day
  // of now-2h only when now-1h is already on the next day.
  std::set<std::string> expected{"f/" + Hour(now - 25 * 3600) + "/_SUCCESS",
                                 "f/" + Hour(now - 2 * 3600) + "/_SUCCESS",
                                 "f/" + Day(now - 25 * 3600) + "/_SUCCESS"};
  if (Day(now - 2 * 3600) != Day(now - 3600))
    expected.insert("f/" + Day(now - 2 * 3600) + "/_SUCCESS");
  auto r = finalize(store, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Successes(store), expected) << r.err;
  auto reqs = qubole.Requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/api/v1.2/commands");
  EXPECT_NE(reqs[0].head.find("\r\nX-AUTH-TOKEN: tok-123"), std::string::npos) << reqs[0].head;
  EXPECT_EQ(reqs[0].body, Post(HourSpec(now - 25 * 3600)));
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].target, "/api/v1.2/commands/1");
  EXPECT_NE(reqs[1].head.find("\r\nX-AUTH-TOKEN: tok-123"), std::string::npos);
  EXPECT_EQ(reqs[2].method, "POST");
  EXPECT_EQ(reqs[2].body, Post(HourSpec(now - 2 * 3600)));
  EXPECT_EQ(reqs[3].target, "/api/v1.2/commands/2");

  // A second run finds everything finalized: no new request, no new marker.
  r = finalize(store, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(qubole.Requests().size(), 4u);
  EXPECT_EQ(Successes(store), expected);
  EXPECT_NE(r.err.find("finalize f: nothing new to finalize (every partition complete before the "
                       "committed messages has its _SUCCESS)"),
            std::string::npos)
      << r.err;

  // The older hour's registration fails: nothing is finalized (the newer hour
  // would otherwise hide it from the next run's walk back).
  qubole.FailQueriesWith(Fmt(now - 25 * 3600, "hr='%H'"));
  std::string failing = dir.Join("store-fail");
  r = finalize(failing, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Successes(failing), std::set<std::string>{});
  EXPECT_NE(r.err.find("command 3 ended 'error'"), std::string::npos) << r.err;
  EXPECT_EQ(qubole.Requests().size(), 6u);
  // Once Qubole accepts it, the next run catches up.
  qubole.FailQueriesWith("");
  r = finalize(failing, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Successes(failing), expected);

  // Daily partitioning: exactly the closed days, each registered as a day.
  std::string daily = dir.Join("store-daily");
  size_t before = qubole.Requests().size();
  r = finalize(daily, {"--set", "partitioner.granularity.hour=false"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> days{"f/" + Day(now - 25 * 3600) + "/_SUCCESS"};
  if (Day(now - 2 * 3600) != Day(now - 3600)) days.insert("f/" + Day(now - 2 * 3600) + "/_SUCCESS");
  EXPECT_EQ(Successes(daily), days);
  auto all = qubole.Requests();
  ASSERT_EQ(all.size(), before + 2 * days.size());
  EXPECT_EQ(all[before].body, Post(Fmt(now - 25 * 3600, "dt='%Y-%m-%d'")));
}

TEST(OpsFinalizeTest, HookCommandGetsTablePartitionAndLocation) {
  TempDir dir;
  TestBroker broker(dir.path(), {"h:1"});
  int64_t now = std::time(nullptr);
  for (int64_t shift : {-3 * 3600, 0}) {
    testing::Produce(broker.bootstrap(), "h", 1,
                     {"--type", "json", "--start-time", std::to_string(now), "--timeshift",
                      std::to_string(shift)});
  }
  std::string store = dir.Join("store");
  auto settings = BaseConsumerSettings(broker.bootstrap(), "hookg", dir.Join("staging"), store);
  settings["secor.message.parser.class"] = "JsonMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  settings["partitioner.granularity.hour"] = "true";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  {
    Process consumer;
    consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
    auto kafka = GroupOffsets::Create(
        Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}}), "hookg");
    int64_t committed = -1;
    for (int i = 0; i < 120 && committed != 2; ++i) {
      std::this_thread::sleep_for(500ms);
      auto parts = (*kafka)->Partitions("h");
      if (parts.ok()) committed = (*parts)[0].committed;
    }
    ASSERT_EQ(committed, 2) << consumer.Stderr();
    consumer.Signal(SIGTERM);
    ASSERT_EQ(consumer.Wait(30s), 0);
  }
  // A failing hook leaves the marker unwritten.
  auto failed = RunCommand({BinaryPath("secor"), "finalize", "-c", config, "--set",
                            "secor.finalizer.hook.command=exit 3"});
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  EXPECT_NE(failed.err.find("failed with status 3"), std::string::npos) << failed.err;
  EXPECT_EQ(Successes(store), std::set<std::string>{});
  std::string log = dir.Join("hook.log");
  std::string hook = dir.Join("hook.sh");
  ASSERT_TRUE(
      WriteFileAtomic(hook, "#!/bin/sh\necho \"$SECOR_HIVE_TABLE|$1|$2|$3\" >> " + log + "\n")
          .ok());
  ASSERT_EQ(RunCommand({"chmod", "+x", hook}).exit_code, 0);
  auto r = RunCommand({BinaryPath("secor"), "finalize", "-c", config, "--set",
                       "secor.hive.prefix=pre_", "--set", "secor.finalizer.hook.command=" + hook});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto text = ReadFile(log);
  ASSERT_TRUE(text.ok());
  std::string h = Hour(now - 3 * 3600);
  EXPECT_EQ(*text,
            "pre_h|pre_h|" + HourSpec(now - 3 * 3600) + "|" + JoinPath(store, "h/" + h) + "\n");
  std::set<std::string> expected{"h/" + h + "/_SUCCESS"};
  if (Day(now - 3 * 3600) != Day(now - 3600))
    expected.insert("h/" + Day(now - 3 * 3600) + "/_SUCCESS");
  EXPECT_EQ(Successes(store), expected);
}

// Minute partitions: each closed minute is registered (dt, hr, min) and
// marked, then its hour once its last minute is done, then its day once its
// last hour is; the open hour and minute of the bound stay unmarked.
TEST(OpsFinalizeTest, MinutePartitionsThenHoursThenDays) {
  TempDir dir;
  TestBroker broker(dir.path(), {"m:1"});
  int64_t now = std::time(nullptr);
  int64_t t1 = now - 150 * 60, t2 = now - 90 * 60;
  for (int64_t t : {t1, t2, now}) {
    testing::Produce(broker.bootstrap(), "m", 1,
                     {"--type", "json", "--start-time", std::to_string(t)});
  }
  std::string store = dir.Join("store");
  auto settings = BaseConsumerSettings(broker.bootstrap(), "ming", dir.Join("staging"), store);
  settings["secor.message.parser.class"] = "JsonMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  settings["partitioner.granularity.minute"] = "true";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  ASSERT_NO_FATAL_FAILURE(
      ConsumeUntilCommitted(config, broker.bootstrap(), "ming", "m", {{0, 3}}, dir.Join("log")));
  std::set<std::string> data_dirs;
  auto data_files = ListFilesRecursive(JoinPath(store, "m"));
  ASSERT_TRUE(data_files.ok());
  for (const auto& f : *data_files) data_dirs.insert(DirName(f));
  ASSERT_EQ(data_dirs, (std::set<std::string>{Minute(t1), Minute(t2), Minute(now)}));

  // The bound is now-1h (delay 3600 s): t1 and t2 are 90 and 30 minutes
  // before it (t2's hour may still be open); 200 minutes of lookback reach both.
  FakeQubole qubole;
  auto r = Finalize(config, store, qubole, {"--set", "secor.finalizer.lookback.periods=200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> expected{"m/" + Minute(t1) + "/_SUCCESS", "m/" + Hour(t1) + "/_SUCCESS"};
  if (Day(t1) != Day(t2)) expected.push_back("m/" + Day(t1) + "/_SUCCESS");
  expected.push_back("m/" + Minute(t2) + "/_SUCCESS");
  if (Hour(t2) != Hour(now - 3600)) expected.push_back("m/" + Hour(t2) + "/_SUCCESS");
  if (Day(t2) != Day(now - 3600)) expected.push_back("m/" + Day(t2) + "/_SUCCESS");
  EXPECT_EQ(WrittenInOrder(r.err, "m"), expected) << r.err;
  EXPECT_EQ(Successes(store), std::set<std::string>(expected.begin(), expected.end()));
  // Only the minutes are Hive partitions.
  auto reqs = qubole.Requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].body,
            "{\"command_type\":\"HiveCommand\",\"query\":\"ALTER TABLE ftablem ADD "
            "IF NOT EXISTS PARTITION (" +
                MinuteSpec(t1) + ")\"}");
  EXPECT_EQ(reqs[2].body,
            "{\"command_type\":\"HiveCommand\",\"query\":\"ALTER TABLE ftablem ADD "
            "IF NOT EXISTS PARTITION (" +
                MinuteSpec(t2) + ")\"}");
  // Nothing is left to do on a second run.
  r = Finalize(config, store, qubole, {"--set", "secor.finalizer.lookback.periods=200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(WrittenInOrder(r.err, "m"), std::vector<std::string>{});
  EXPECT_EQ(qubole.Requests().size(), 4u);
}

// A Kafka partition that never had a committed offset (here: never had a
// message) is left out, as in the original, instead of holding back the
// topic's other partitions for ever.
TEST(OpsFinalizeTest, PartitionWithoutCommittedOffsetDoesNotBlock) {
  TempDir dir;
  TestBroker broker(dir.path(), {"f:2"});
  int64_t now = std::time(nullptr);
  for (int64_t shift : {-25 * 3600, -2 * 3600, 0}) {
    testing::Produce(
        broker.bootstrap(), "f", 1,
        {"--type", "json", "--partition", "0", "--start-time", std::to_string(now + shift)});
  }
  std::string store = dir.Join("store");
  auto settings = BaseConsumerSettings(broker.bootstrap(), "emptyg", dir.Join("staging"), store);
  settings["secor.message.parser.class"] = "JsonMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  settings["partitioner.granularity.hour"] = "true";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  ASSERT_NO_FATAL_FAILURE(
      ConsumeUntilCommitted(config, broker.bootstrap(), "emptyg", "f", {{0, 3}}, dir.Join("log")));
  auto kafka = GroupOffsets::Create(
      Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}}), "emptyg");
  ASSERT_TRUE(kafka.ok());
  auto parts = (*kafka)->Partitions("f");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_LE((*parts)[1].committed, 0);
  EXPECT_EQ((*parts)[1].high, 0);

  FakeQubole qubole;
  auto r = Finalize(config, store, qubole, {"--set", "secor.finalizer.lookback.periods=30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> expected{"f/" + Hour(now - 25 * 3600) + "/_SUCCESS",
                                 "f/" + Hour(now - 2 * 3600) + "/_SUCCESS",
                                 "f/" + Day(now - 25 * 3600) + "/_SUCCESS"};
  if (Day(now - 2 * 3600) != Day(now - 3600))
    expected.insert("f/" + Day(now - 2 * 3600) + "/_SUCCESS");
  EXPECT_EQ(Successes(store), expected) << r.err;
  EXPECT_NE(r.err.find("partition 1 has no committed message; left out"), std::string::npos)
      << r.err;
  EXPECT_EQ(qubole.Requests().size(), 4u);
}

// The committed message's time is what the topic's parser reads from it (the
// JSON field), not the Kafka record timestamp, unless kafka.useTimestamp.
TEST(OpsFinalizeTest, CommittedTimeComesFromTheParser) {
  TempDir dir;
  TestBroker broker(dir.path(), {"c:1"});
  int64_t now = std::time(nullptr);
  // kcat stamps the records with the time of sending; the payloads carry older times.
  std::string lines;
  for (int64_t t : {now - 25 * 3600, now - 3 * 3600, now}) {
    lines += "{\"timestamp\": " + std::to_string(t * 1000) + "}\n";
  }
  ASSERT_TRUE(WriteFileAtomic(dir.Join("in.json"), lines).ok());
  auto produced = RunCommand(
      {"kcat", "-P", "-b", broker.bootstrap(), "-t", "c", "-p", "0", "-l", dir.Join("in.json")});
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  std::string store = dir.Join("store");
  auto settings = BaseConsumerSettings(broker.bootstrap(), "parserg", dir.Join("staging"), store);
  settings["secor.message.parser.class"] = "JsonMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  settings["partitioner.granularity.hour"] = "true";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  ASSERT_NO_FATAL_FAILURE(
      ConsumeUntilCommitted(config, broker.bootstrap(), "parserg", "c", {{0, 3}}, dir.Join("log")));
  // A group that has committed up to the message of now-3h, with a newer one
  // after it: the partition is not idle, so its time bounds the topic.
  auto kafka = GroupOffsets::Create(
      Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}}), "behind");
  ASSERT_TRUE(kafka.ok());
  Status committed = (*kafka)->Commit({{{"c", 0}, 2}});
  ASSERT_TRUE(committed.ok()) << committed.message();
  auto record_ms = (*kafka)->TimestampAt("c", 0, 1);
  ASSERT_TRUE(record_ms.ok());
  ASSERT_GE(*record_ms, (now - 60) * 1000);
  ASSERT_EQ(RunCommand({"cp", "-a", store, dir.Join("store-kafka-time")}).exit_code, 0);

  // Parser time now-3h, bound now-4h: only the now-25h hour (and its day) closed.
  FakeQubole qubole;
  auto r = Finalize(config, store, qubole,
                    {"-g", "behind", "--set", "secor.finalizer.lookback.periods=30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> expected{"c/" + Hour(now - 25 * 3600) + "/_SUCCESS"};
  if (Day(now - 25 * 3600) != Day(now - 4 * 3600))
    expected.insert("c/" + Day(now - 25 * 3600) + "/_SUCCESS");
  EXPECT_EQ(Successes(store), expected) << r.err;

  // With kafka.useTimestamp the record time (about now) bounds it at now-1h.
  std::string kafka_time = dir.Join("store-kafka-time");
  r = Finalize(config, kafka_time, qubole,
               {"-g", "behind", "--set", "secor.finalizer.lookback.periods=30", "--set",
                "kafka.useTimestamp=true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expected = {"c/" + Hour(now - 25 * 3600) + "/_SUCCESS", "c/" + Hour(now - 3 * 3600) + "/_SUCCESS",
              "c/" + Day(now - 25 * 3600) + "/_SUCCESS"};
  if (Day(now - 3 * 3600) != Day(now - 3600))
    expected.insert("c/" + Day(now - 3 * 3600) + "/_SUCCESS");
  EXPECT_EQ(Successes(kafka_time), expected) << r.err;
}

// A day's _SUCCESS follows its hours: with a lookback that does not reach
// back to the old day's hours, neither they nor that day are marked; once it
// does, the hour comes first and then its day.
TEST(OpsFinalizeTest, DayIsMarkedOnlyAfterItsHours) {
  TempDir dir;
  TestBroker broker(dir.path(), {"f:1"});
  int64_t now = std::time(nullptr);
  for (int64_t shift : {-25 * 3600, -2 * 3600, 0}) {
    testing::Produce(broker.bootstrap(), "f", 1,
                     {"--type", "json", "--start-time", std::to_string(now + shift)});
  }
  std::string store = dir.Join("store");
  auto settings = BaseConsumerSettings(broker.bootstrap(), "dayg", dir.Join("staging"), store);
  settings["secor.message.parser.class"] = "JsonMessageParser";
  settings["message.timestamp.name"] = "timestamp";
  settings["partitioner.granularity.hour"] = "true";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  ASSERT_NO_FATAL_FAILURE(
      ConsumeUntilCommitted(config, broker.bootstrap(), "dayg", "f", {{0, 3}}, dir.Join("log")));

  ASSERT_EQ(RunCommand({"cp", "-a", store, dir.Join("store-long")}).exit_code, 0);
  FakeQubole qubole;
  auto r = Finalize(config, store, qubole, {"--set", "secor.finalizer.lookback.periods=3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // (When now-25h is on the same day as now-2h, that day has an hour the
  // walk did not reach, so it stays open.)
  std::vector<std::string> expected{"f/" + Hour(now - 2 * 3600) + "/_SUCCESS"};
  if (Day(now - 2 * 3600) != Day(now - 3600) && Day(now - 25 * 3600) != Day(now - 2 * 3600))
    expected.push_back("f/" + Day(now - 2 * 3600) + "/_SUCCESS");
  EXPECT_EQ(WrittenInOrder(r.err, "f"), expected) << r.err;
  EXPECT_EQ(Successes(store), std::set<std::string>(expected.begin(), expected.end()));

  // A longer lookback walks back to the first marker (now-2h's hour) and
  // stops there: the old day's hours are beyond it, so nothing more closes.
  r = Finalize(config, store, qubole, {"--set", "secor.finalizer.lookback.periods=30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(WrittenInOrder(r.err, "f"), std::vector<std::string>{}) << r.err;

  // From scratch with that lookback: each hour, then its day once closed.
  std::string long_store = dir.Join("store-long");
  r = Finalize(config, long_store, qubole, {"--set", "secor.finalizer.lookback.periods=30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expected = {"f/" + Hour(now - 25 * 3600) + "/_SUCCESS"};
  if (Day(now - 25 * 3600) != Day(now - 2 * 3600))
    expected.push_back("f/" + Day(now - 25 * 3600) + "/_SUCCESS");
  expected.push_back("f/" + Hour(now - 2 * 3600) + "/_SUCCESS");
  if (Day(now - 2 * 3600) != Day(now - 3600))
    expected.push_back("f/" + Day(now - 2 * 3600) + "/_SUCCESS");
  EXPECT_EQ(WrittenInOrder(r.err, "f"), expected) << r.err;
}

}  // namespace
}  // namespace secor
