// The status server of a real `secor consume`: exact /metrics lines, /status
// fields, /healthz, a real Prometheus scraping it and answering a query, and
// the status page rendered by headless Chromium.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <thread>

#include <simdjson.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "support/cluster.h"
#include "tools/group_offsets.h"

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

std::string Get(const std::string& url, int* code = nullptr) {
  auto r = RunCommand({"curl", "-sS", "-m", "10", "-w", "\n%{http_code}", url});
  size_t nl = r.out.rfind('\n');
  if (code) *code = nl == std::string::npos ? 0 : std::atoi(r.out.c_str() + nl + 1);
  return nl == std::string::npos ? r.out : r.out.substr(0, nl);
}

// Polls url until its body contains needle; returns the last body.
std::string WaitFor(const std::string& url, const std::string& needle,
                    std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    body = Get(url);
    if (body.find(needle) != std::string::npos) break;
    std::this_thread::sleep_for(300ms);
  }
  return body;
}

TEST(OpsStatusTest, MetricsStatusPrometheusAndPage) {
  TempDir dir;
  TestBroker broker(dir.path(), {"t:2"});
  testing::Produce(broker.bootstrap(), "t", 1000);
  int port = testing::FreeLocalPort();
  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "opsg", dir.Join("staging"), dir.Join("store"));
  settings["secor.http.port"] = std::to_string(port);
  settings["secor.http.bind.address"] = "127.0.0.1";
  settings["secor.max.file.age.seconds"] = "1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  std::string base = "http://127.0.0.1:" + std::to_string(port);

  std::string metrics =
      WaitFor(base + "/metrics", "secor_consumer_messages_total{topic=\"t\"} 1000\n", 60s);
  EXPECT_NE(metrics.find("\nsecor_consumer_messages_total{topic=\"t\"} 1000\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\nsecor_consumer_assigned_partitions 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE secor_staging_disk_bytes gauge\n"), std::string::npos) << metrics;
  int code = 0;
  EXPECT_EQ(Get(base + "/healthz", &code), "ok\n");
  EXPECT_EQ(code, 200);
  // Messages were read, so the group assigned the partitions; the local
  // store takes writes.
  EXPECT_EQ(Get(base + "/readyz", &code), "ready\n");
  EXPECT_EQ(code, 200);

  // Every round is uploaded and committed once its files age out; /status
  // then shows both partitions waiting at offset 1000 in total.
  std::string status;
  int64_t uploaded = 0;
  for (int i = 0; i < 60; ++i) {
    status = Get(base + "/status");
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(status).get(doc), simdjson::SUCCESS) << status;
    uploaded = 0;
    for (auto u : simdjson::dom::array(doc["last_uploads"])) {
      uploaded += int64_t(u["end"]) - int64_t(u["start"]) + 1;
    }
    if (uploaded == 1000 && int64_t(doc["rounds_in_flight"]) == 0) break;
    std::this_thread::sleep_for(500ms);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(status).get(doc), simdjson::SUCCESS) << status;
  EXPECT_EQ(uploaded, 1000) << status;
  EXPECT_EQ(std::string_view(doc["group"]), "opsg");
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(std::string_view(doc["writer_id"]).rfind(std::string(host) + ":", 0), 0u) << status;
  EXPECT_EQ(std::string(std::string_view(doc["output"])).rfind(dir.Join("store"), 0), 0u) << status;
  EXPECT_TRUE(bool(doc["running"]));
  EXPECT_EQ(int64_t(doc["open_files"]), 0);
  EXPECT_EQ(int64_t(doc["rounds_in_flight"]), 0);
  simdjson::dom::array assignments = doc["assignments"];
  ASSERT_EQ(assignments.size(), 2u) << status;
  int32_t p = 0;
  int64_t next_total = 0;
  for (auto a : assignments) {
    EXPECT_EQ(std::string_view(a["topic"]), "t");
    EXPECT_EQ(int64_t(a["partition"]), p++);
    EXPECT_EQ(std::string_view(a["mode"]), "normal");
    EXPECT_EQ(int64_t(a["last_offset"]), -1) << status;
    EXPECT_EQ(int64_t(a["lag"]), 0);
    EXPECT_EQ(int64_t(a["high_watermark"]), int64_t(a["round_start"]));
    next_total += int64_t(a["round_start"]);
  }
  EXPECT_EQ(next_total, 1000);
  for (auto u : simdjson::dom::array(doc["last_uploads"])) {
    EXPECT_TRUE(bool(u["ok"]));
    EXPECT_EQ(std::string_view(u["topic"]), "t");
  }

  // A real Prometheus scrapes /metrics; its query API answers the count.
  int prom_port = testing::FreeLocalPort();
  std::string prom_config = dir.Join("prometheus.yml");
  ASSERT_TRUE(WriteFileAtomic(prom_config,
                              "global:\n  scrape_interval: 1s\nscrape_configs:\n"
                              "  - job_name: secor\n    static_configs:\n"
                              "      - targets: ['127.0.0.1:" +
                                  std::to_string(port) + "']\n")
                  .ok());
  Process prometheus;
  prometheus.Start(
      {"prometheus", "--config.file=" + prom_config, "--storage.tsdb.path=" + dir.Join("prom-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
      dir.Join("prometheus"));
  std::string query = "http://127.0.0.1:" + std::to_string(prom_port) +
                      "/api/v1/query?query=secor_consumer_messages_total%7Btopic%3D%22t%22%7D";
  std::string answer = WaitFor(query, "\"result\":[{", 60s);
  ASSERT_EQ(parser.parse(answer).get(doc), simdjson::SUCCESS) << answer;
  EXPECT_EQ(std::string_view(doc["status"]), "success");
  simdjson::dom::array result = doc["data"]["result"];
  ASSERT_EQ(result.size(), 1u) << answer;
  EXPECT_EQ(std::string_view(result.at(0)["metric"]["topic"]), "t");
  EXPECT_EQ(std::string_view(result.at(0)["metric"]["job"]), "secor");
  EXPECT_EQ(std::string_view(result.at(0)["value"].at(1)), "1000") << answer;
  // The consumer's own lag, per partition: everything read.
  query = "http://127.0.0.1:" + std::to_string(prom_port) +
          "/api/v1/query?query=secor_consumer_lag_messages%7Btopic%3D%22t%22%7D";
  answer = WaitFor(query, "\"result\":[{", 30s);
  ASSERT_EQ(parser.parse(answer).get(doc), simdjson::SUCCESS) << answer;
  result = doc["data"]["result"];
  ASSERT_EQ(result.size(), 2u) << answer;
  std::set<std::string> lag_partitions;
  for (auto series : result) {
    lag_partitions.insert(std::string(std::string_view(series["metric"]["partition"])));
    EXPECT_EQ(std::string_view(series["value"].at(1)), "0") << answer;
  }
  EXPECT_EQ(lag_partitions, (std::set<std::string>{"0", "1"})) << answer;
  prometheus.Signal(SIGTERM);
  prometheus.Wait(20s);

  // The status page as a browser renders it.
  auto page = RunCommand({"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-quic", "--no-first-run", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync",
                          "--user-data-dir=" + dir.Join("chromium"), "--dump-dom", base + "/"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_NE(page.out.find("<h1>secor consume — group opsg</h1>"), std::string::npos) << page.out;
  EXPECT_NE(page.out.find("<p id=\"health\" class=\"ok\">healthy: consume loop running</p>"),
            std::string::npos);
  EXPECT_NE(page.out.find("<tr><th>messages consumed</th><td>1000</td></tr>"), std::string::npos);
  EXPECT_NE(page.out.find("<td>t</td><td>0</td><td>normal</td>"), std::string::npos);
  EXPECT_NE(page.out.find("<td>t</td><td>1</td><td>normal</td>"), std::string::npos);
  EXPECT_NE(page.out.find("<svg class=\"chart\" role=\"img\" aria-label=\"throughput\""),
            std::string::npos);
  EXPECT_NE(page.out.find("<svg class=\"chart\" role=\"img\" aria-label=\"lag\""),
            std::string::npos);

  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
}

// secor_consumer_lag_messages is the consumer's read position against the
// partition's end: 0 once it has read everything even though nothing is
// uploaded or committed yet; a partition handed to another consumer leaves
// this one's /metrics.
TEST(OpsStatusTest, LagPerOwnedPartition) {
  TempDir dir;
  TestBroker broker(dir.path(), {"l:2"});
  testing::Produce(broker.bootstrap(), "l", 300);
  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "lagg", dir.Join("staging"), dir.Join("store"));
  settings["secor.http.bind.address"] = "127.0.0.1";
  settings["secor.max.file.age.seconds"] = "3600";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  int port = testing::FreeLocalPort();
  Process first;
  first.Start({BinaryPath("secor"), "consume", "-c", config, "--set",
               "secor.http.port=" + std::to_string(port)},
              dir.Join("first"));
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string metrics =
      WaitFor(base + "/metrics", "secor_consumer_messages_total{topic=\"l\"} 300\n", 60s);
  ASSERT_NE(metrics.find("secor_consumer_messages_total{topic=\"l\"} 300\n"), std::string::npos)
      << metrics;
  // The gauges follow within a policy check (100 ms).
  metrics = WaitFor(base + "/metrics",
                    "secor_consumer_lag_messages{topic=\"l\",partition=\"1\"} 0\n", 10s);
  EXPECT_NE(metrics.find("# TYPE secor_consumer_lag_messages gauge\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nsecor_consumer_lag_messages{topic=\"l\",partition=\"0\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\nsecor_consumer_lag_messages{topic=\"l\",partition=\"1\"} 0\n"),
            std::string::npos)
      << metrics;
  // Nothing committed: the group's lag (secor progress) is still all 300.
  auto kafka = GroupOffsets::Create(
      Config::FromMap({{"kafka.bootstrap.servers", broker.bootstrap()}}), "lagg");
  ASSERT_TRUE(kafka.ok());
  auto parts = (*kafka)->Partitions("l");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[0].committed, -1);
  EXPECT_EQ((*parts)[0].high + (*parts)[1].high, 300);
  // Kafka's own tools agree: no committed offset on l, the same end offsets.
  for (const auto& [tp, offset] : testing::KafkaToolCommittedOffsets("lagg")) {
    EXPECT_NE(tp.first, "l") << "partition " << tp.second << " committed at " << offset;
  }
  EXPECT_EQ(testing::KafkaToolEndOffsets("l"),
            (testing::TopicOffsets{{{"l", 0}, (*parts)[0].high}, {{"l", 1}, (*parts)[1].high}}));

  // A second member takes one partition: each reports exactly the one it owns.
  int port2 = testing::FreeLocalPort();
  Process second;
  second.Start({BinaryPath("secor"), "consume", "-c", config, "--set",
                "secor.http.port=" + std::to_string(port2)},
               dir.Join("second"));
  std::string base2 = "http://127.0.0.1:" + std::to_string(port2);
  std::string m1, m2;
  auto series = [](const std::string& text) {
    std::set<std::string> out;
    for (const auto& line : Split(text, '\n', true)) {
      if (StartsWith(line, "secor_consumer_lag_messages{")) out.insert(line);
    }
    return out;
  };
  for (int i = 0; i < 120; ++i) {
    m1 = Get(base + "/metrics");
    m2 = Get(base2 + "/metrics");
    // The newcomer reports its partition's full lag until it has read it.
    auto s1 = series(m1), s2 = series(m2);
    if (s1.size() == 1 && s2.size() == 1 && EndsWith(*s1.begin(), "} 0") &&
        EndsWith(*s2.begin(), "} 0"))
      break;
    std::this_thread::sleep_for(250ms);
  }
  auto s1 = series(m1), s2 = series(m2);
  ASSERT_EQ(s1.size(), 1u) << m1;
  ASSERT_EQ(s2.size(), 1u) << m2;
  std::set<std::string> both{*s1.begin(), *s2.begin()};
  EXPECT_EQ(both,
            (std::set<std::string>{"secor_consumer_lag_messages{topic=\"l\",partition=\"0\"} 0",
                                   "secor_consumer_lag_messages{topic=\"l\",partition=\"1\"} 0"}))
      << m1 << m2 << first.Stderr() << second.Stderr();
  second.Signal(SIGTERM);
  first.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(30s), 0) << second.Stderr();
  EXPECT_EQ(first.Wait(30s), 0) << first.Stderr();
}

// A throttled consumer is behind: its lag is exactly the messages it has not
// read yet (the high watermark is 1500), then 0 once it has read them all.
TEST(OpsStatusTest, LagWhileThrottled) {
  TempDir dir;
  TestBroker broker(dir.path(), {"r:1"});
  testing::Produce(broker.bootstrap(), "r", 1500);
  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "throttled", dir.Join("staging"), dir.Join("store"));
  int port = testing::FreeLocalPort();
  settings["secor.http.port"] = std::to_string(port);
  settings["secor.http.bind.address"] = "127.0.0.1";
  settings["secor.messages.per.second"] = "200";
  settings["secor.max.file.age.seconds"] = "3600";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  auto value = [](const std::string& text, const std::string& series) -> int64_t {
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::atoll(text.c_str() + at + series.size() + 2);
  };
  const std::string lag_series = "secor_consumer_lag_messages{topic=\"r\",partition=\"0\"}";
  const std::string read_series = "secor_consumer_messages_total{topic=\"r\"}";
  // The counter moves with every message, the gauge with each status update
  // (policy checks, and before each throttling pause): wait for a scrape
  // between an update and the next batch.
  bool behind_seen = false;
  std::string metrics;
  for (int i = 0; i < 300 && !behind_seen; ++i) {
    metrics = Get(url);
    int64_t lag = value(metrics, lag_series), read = value(metrics, read_series);
    behind_seen = lag > 0 && read > 0 && lag + read == 1500;
    if (!behind_seen) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(behind_seen) << metrics;
  metrics = WaitFor(url, "\n" + read_series + " 1500\n", 30s);
  metrics = WaitFor(url, "\n" + lag_series + " 0\n", 10s);
  EXPECT_EQ(value(metrics, lag_series), 0) << metrics;
  EXPECT_EQ(value(metrics, read_series), 1500) << metrics;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
}

}  // namespace
}  // namespace secor
