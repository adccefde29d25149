// secor finalize end to end, the original's scenario: messages stamped
// now-25h, now-2h and now are consumed into hourly partitions; the finalizer
// (lookback 30) writes exactly the closed partitions' _SUCCESS, registering
// each first with a loopback fake of the Qubole API whose requests are checked
// one by one. A failed registration leaves its _SUCCESS (and later ones)
// unwritten until a later run succeeds.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "ops_fake_http.h"
#include "support/cluster.h"
#include "tools/group_offsets.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::FakeHttp;
using testing::FakeRequest;
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

// The fake Qubole: each POST creates command n (answered "waiting"); a GET of
// it answers "done", or "error" when its query contains `fail`.
class FakeQubole {
 public:
  FakeQubole()
      : http_([this](const FakeRequest& r) {
          std::lock_guard lock(mu_);
          if (r.method == "POST") {
            queries_.push_back(r.body);
            return std::make_pair(
                200, "{\"id\":" + std::to_string(queries_.size()) + ",\"status\":\"waiting\"}");
          }
          size_t id = std::stoul(r.path.substr(r.path.rfind('/') + 1));
          bool bad = !fail_.empty() && id <= queries_.size() &&
                     queries_[id - 1].find(fail_) != std::string::npos;
          return std::make_pair(200, "{\"id\":" + std::to_string(id) + ",\"status\":\"" +
                                         (bad ? "error" : "done") + "\"}");
        }) {}
  void FailQueriesWith(const std::string& s) {
    std::lock_guard lock(mu_);
    fail_ = s;
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(http_.port()) + "/api/v1.2/commands";
  }
  std::vector<FakeRequest> Requests() { return http_.Requests(); }

 private:
  std::mutex mu_;
  std::vector<std::string> queries_;
  std::string fail_;
  FakeHttp http_;
};

std::string Post(const std::string& spec) {
  return "{\"command_type\":\"HiveCommand\",\"query\":\"ALTER TABLE ftable ADD IF NOT EXISTS "
         "PARTITION (" +
         spec + ")\"}";
}
std::string HourSpec(int64_t s) { return Fmt(s, "dt='%Y-%m-%d', hr='%H'"); }

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
  EXPECT_EQ(reqs[0].path, "/api/v1.2/commands");
  EXPECT_NE(reqs[0].headers.find("\r\nX-AUTH-TOKEN: tok-123"), std::string::npos)
      << reqs[0].headers;
  EXPECT_EQ(reqs[0].body, Post(HourSpec(now - 25 * 3600)));
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].path, "/api/v1.2/commands/1");
  EXPECT_NE(reqs[1].headers.find("\r\nX-AUTH-TOKEN: tok-123"), std::string::npos);
  EXPECT_EQ(reqs[2].method, "POST");
  EXPECT_EQ(reqs[2].body, Post(HourSpec(now - 2 * 3600)));
  EXPECT_EQ(reqs[3].path, "/api/v1.2/commands/2");

  // A second run finds everything finalized: no new request, no new marker.
  r = finalize(store, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(qubole.Requests().size(), 4u);
  EXPECT_EQ(Successes(store), expected);

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

}  // namespace
}  // namespace secor
