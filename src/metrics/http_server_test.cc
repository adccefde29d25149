#include "metrics/http_server.h"

#include <gtest/gtest.h>

#include <thread>

#include "metrics/metrics.h"
#include "metrics/status.h"
#include "support/test_util.h"

namespace secor {
namespace {

TEST(StatusServerTest, HealthzFollowsTheConsumeLoop) {
  StatusServerOptions options;
  options.bind_address = "127.0.0.1";
  options.healthz_max_age_ms = 300;
  auto server = StatusServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto& board = StatusBoard::Global();
  board.SetRunning(false);
  EXPECT_EQ((*server)->Handle("/healthz").code, 503);
  EXPECT_EQ((*server)->Handle("/healthz").body, "not running\n");

  ConsumerSnapshot snap;
  snap.group = "g1";
  board.Publish(snap);
  board.SetRunning(true);
  HttpResponse ok = (*server)->Handle("/healthz");
  EXPECT_EQ(ok.code, 200);
  EXPECT_EQ(ok.body, "ok\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  HttpResponse stale = (*server)->Handle("/healthz");
  EXPECT_EQ(stale.code, 503);
  EXPECT_EQ(stale.body.rfind("consume loop silent for ", 0), 0u) << stale.body;
  board.SetRunning(false);
  EXPECT_EQ((*server)->Handle("/nope").code, 404);
}

TEST(StatusServerTest, ServesOverTcp) {
  MetricsRegistry::Global().GetCounter("secor_test_server_total", "test", {{"k", "v"}}).Add(7);
  StatusServerOptions options;
  options.bind_address = "127.0.0.1";
  auto server = StatusServer::Start(options);
  ASSERT_TRUE(server.ok());
  std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto r = testing::RunCommand({"curl", "-sS", "-i", url + "/metrics"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nsecor_test_server_total{k=\"v\"} 7\n"), std::string::npos) << r.out;
  auto post = testing::RunCommand(
      {"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", url + "/metrics"});
  EXPECT_EQ(post.out, "405");
  // A client that connects and says nothing costs the server its I/O timeout, not forever.
  auto silent =
      testing::RunCommand({"bash", "-c",
                           "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string((*server)->port()) +
                               "; sleep 3; head -c 12 <&3"});
  EXPECT_EQ(silent.out, "HTTP/1.1 400");
}

TEST(StatusServerTest, StatusJsonAndPage) {
  StatusBoard::View v;
  v.running = true;
  v.published_ms = 1000;
  v.consumer.group = "g\"1";
  v.consumer.writer_id = "h:1";
  AssignmentStatus a;
  a.topic = "t";
  a.partition = 3;
  a.round_start = 10;
  a.last_offset = 19;
  a.replay = true;
  a.high_watermark = 25;
  v.consumer.assignments.push_back(a);
  v.uploads.push_back({5000, "t", 3, 0, 9, 2, false, ""});
  v.errors.push_back({6000, "error", "store <down>"});
  EXPECT_EQ(
      StatusJson(v, 1500),
      "{\"group\":\"g\\\"1\",\"writer_id\":\"h:1\",\"output\":\"\",\"staging_dir\":\"\","
      "\"running\":true,\"snapshot_age_ms\":500,\"open_files\":0,\"rounds_in_flight\":0,"
      "\"assignments\":[{\"topic\":\"t\",\"partition\":3,\"round_start\":10,\"last_offset\":19,"
      "\"mode\":\"replay\",\"open_files\":0,\"pending_rounds\":0,\"paused\":false,"
      "\"high_watermark\":25,\"lag\":5}],\"last_uploads\":[{\"time_ms\":5000,\"topic\":\"t\","
      "\"partition\":3,\"start\":0,\"end\":9,\"files\":2,\"replay\":false,\"ok\":true,"
      "\"error\":\"\"}],\"recent_errors\":[{\"time_ms\":6000,\"level\":\"error\","
      "\"message\":\"store <down>\"}]}");
  std::deque<StatusSample> samples{{0, 0, 4, 0}, {10000, 500, 2, 0}};
  std::string page = RenderStatusPage(v, samples, 20000);
  EXPECT_NE(page.find("store &lt;down&gt;"), std::string::npos);
  EXPECT_NE(page.find("<td>t</td><td>3</td><td>replay</td>"), std::string::npos);
  EXPECT_NE(page.find("throughput &mdash; now 50.0 messages/s"), std::string::npos);
  EXPECT_NE(page.find("lag &mdash; now 2.0 messages"), std::string::npos);
}

}  // namespace
}  // namespace secor
