#include "metrics/http_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string_view>
#include <thread>
#include <vector>

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
  auto before_publish = std::chrono::steady_clock::now();
  board.Publish(snap);
  board.SetRunning(true);
  HttpResponse ok = (*server)->Handle("/healthz");
  EXPECT_EQ(ok.code, 200);
  EXPECT_EQ(ok.body, "ok\n");
  // Silent past healthz_max_age_ms: unhealthy, and not before that age.
  HttpResponse stale;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        stale = (*server)->Handle("/healthz");
        return stale.code != 200;
      },
      std::chrono::seconds(10)));
  EXPECT_GE(std::chrono::steady_clock::now() - before_publish, std::chrono::milliseconds(300));
  EXPECT_EQ(stale.code, 503);
  EXPECT_EQ(stale.body.rfind("consume loop silent for ", 0), 0u) << stale.body;
  board.SetRunning(false);
  EXPECT_EQ((*server)->Handle("/nope").code, 404);
}

// Ready means alive, in the group, and the store taking writes; each reason
// it is not is said.
TEST(StatusServerTest, ReadyzNeedsTheGroupAndTheStore) {
  StatusServerOptions options;
  options.bind_address = "127.0.0.1";
  auto server = StatusServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto& board = StatusBoard::Global();
  board.SetRunning(false);
  EXPECT_EQ((*server)->Handle("/readyz").code, 503);
  EXPECT_EQ((*server)->Handle("/readyz").body, "not running\n");

  ConsumerSnapshot snap;
  snap.group = "g1";
  board.Publish(snap);
  board.SetRunning(true);
  EXPECT_EQ((*server)->Handle("/healthz").code, 200);  // alive, but not ready
  EXPECT_EQ((*server)->Handle("/readyz").code, 503);
  EXPECT_EQ((*server)->Handle("/readyz").body,
            "not a member of group g1 yet (no assignment from Kafka)\n");

  snap.joined_group = true;
  snap.store_problem = "upload s3://b/k: 503 SlowDown";
  board.Publish(snap);
  EXPECT_EQ((*server)->Handle("/readyz").code, 503);
  EXPECT_EQ((*server)->Handle("/readyz").body,
            "the store refuses writes: upload s3://b/k: 503 SlowDown\n");

  snap.store_problem.clear();
  board.Publish(snap);
  EXPECT_EQ((*server)->Handle("/readyz").code, 200);
  EXPECT_EQ((*server)->Handle("/readyz").body, "ready\n");
  board.SetRunning(false);
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
  // A client that connects and says nothing holds a connection for the I/O
  // timeout, then the server closes it without an answer.
  auto silent =
      testing::RunCommand({"bash", "-c",
                           "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string((*server)->port()) +
                               "; sleep 3; head -c 12 <&3"});
  EXPECT_EQ(silent.exit_code, 0) << silent.err;
  EXPECT_EQ(silent.out, "");
}

// A raw TCP client for the tests below: what curl would not do.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  bool connected() const { return connected_; }
  // Sends all of data unless the server closes or refuses it first; the
  // bytes sent.
  size_t Send(std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }
  // Everything the server sends until it closes, or until timeout_ms.
  std::string ReadAll(int timeout_ms) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(StatusServerTest, OnlyReadOnlyMethods) {
  StatusServerOptions options;
  options.bind_address = "127.0.0.1";
  auto server = StatusServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int port = (*server)->port();
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"}) {
    RawClient c(port);
    ASSERT_TRUE(c.connected());
    c.Send(std::string(method) + " /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    std::string out = c.ReadAll(5000);
    EXPECT_EQ(out.rfind("HTTP/1.1 405 ", 0), 0u) << method << ": " << out;
    EXPECT_NE(out.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << out;
  }
  // HEAD: the headers of GET, no body.
  RawClient head(port);
  head.Send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string out = head.ReadAll(5000);
  EXPECT_EQ(out.rfind("HTTP/1.1 ", 0), 0u) << out;
  EXPECT_EQ(out.substr(out.find("\r\n\r\n") + 4), "") << out;
  // The query string does not change the endpoint.
  EXPECT_EQ((*server)->HandleRequest("GET", "/nope?x=1").code, 404);
  EXPECT_EQ((*server)->HandleRequest("GET", "/healthz?x=1").body,
            (*server)->HandleRequest("GET", "/healthz").body);
  EXPECT_EQ((*server)->HandleRequest("BREW", "/").code, 405);
  EXPECT_EQ((*server)->HandleRequest("GET", "").code, 400);
}

// Slow and oversized clients hold connection slots, never the server's
// thread: a GET /metrics from another client still answers at once, and a
// thread that registers and updates metrics (the consume loop) never waits
// on the server.
TEST(StatusServerTest, SlowClientsStallNeitherOtherClientsNorTheConsumeLoop) {
  auto& registry = MetricsRegistry::Global();
  // A /metrics body far larger than a socket buffer, for the client that
  // asks and never reads.
  for (int i = 0; i < 3000; ++i) {
    registry.GetCounter("secor_test_slow_total", "test", {{"i", std::to_string(i)}}).Add(1);
  }
  StatusServerOptions options;
  options.bind_address = "127.0.0.1";
  options.io_timeout_ms = 3000;
  auto server = StatusServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const int port = (*server)->port();

  std::atomic<bool> done{false};
  std::atomic<int> slow_started{0};  // slow clients connected and sending
  std::vector<std::thread> clients;
  // Slowloris: a request head one byte a second, never finished.
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, port] {
      RawClient c(port);
      const std::string head = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      c.Send(head);
      ++slow_started;
      while (!done.load()) {
        if (c.Send("a") != 1) break;
        for (int t = 0; t < 10 && !done.load(); ++t) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
  }
  // A 10 MB header: refused once it outgrows the request memory limit.
  std::string big_answer;
  size_t big_sent = 0;
  clients.emplace_back([&, port] {
    RawClient c(port);
    ++slow_started;  // connected; its send is cut off later
    std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ";
    request.append(10 << 20, 'b');
    big_sent = c.Send(request);
    big_answer = c.ReadAll(5000);
  });
  // Asks for /metrics and never reads the answer.
  clients.emplace_back([&, port] {
    RawClient c(port);
    c.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    ++slow_started;
    while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  // The consume loop: registers and updates metrics the whole time.
  int64_t slowest_update_us = 0;
  std::atomic<bool> loop_running{false};
  std::thread loop([&] {
    int i = 0;
    while (!done.load()) {
      auto t0 = std::chrono::steady_clock::now();
      registry.GetCounter("secor_test_loop_total", "test", {{"n", std::to_string(i++ % 50)}})
          .Add(1);
      registry.GetGauge("secor_test_loop_gauge", "test").Set(i);
      loop_running = true;  // after the first update: every scrape must find the gauge
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
      slowest_update_us = std::max<int64_t>(slowest_update_us, us);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  // Every slow client is connected and has sent its first bytes, and the
  // loop runs, before the scrapes start.
  ASSERT_TRUE(testing::WaitUntil([&] { return slow_started.load() == 6 && loop_running.load(); },
                                 std::chrono::seconds(30)));
  // Another client's scrapes answer within a bound, again and again, for
  // longer than the slow clients' I/O timeout.
  auto start = std::chrono::steady_clock::now();
  int scrapes = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    auto t0 = std::chrono::steady_clock::now();
    RawClient c(port);
    ASSERT_TRUE(c.connected());
    c.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string out = c.ReadAll(5000);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out.substr(0, 200);
    EXPECT_NE(out.find("secor_test_loop_gauge "), std::string::npos);
    EXPECT_LT(ms, 1000) << "scrape " << scrapes;
    ++scrapes;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  done.store(true);
  loop.join();
  for (auto& t : clients) t.join();
  EXPECT_GE(scrapes, 5);
  EXPECT_LT(slowest_update_us, 250000) << "a metrics update waited on the server";
  // The oversized head was cut off long before 10 MB, with 431 when the
  // answer got through before the connection closed.
  EXPECT_LT(big_sent, size_t{10} << 20);
  if (!big_answer.empty()) {
    EXPECT_EQ(big_answer.rfind("HTTP/1.1 431 ", 0), 0u) << big_answer;
  }
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
      "\"running\":true,\"snapshot_age_ms\":500,\"joined_group\":false,\"store_problem\":\"\","
      "\"open_files\":0,\"rounds_in_flight\":0,\"assignments\":[{\"topic\":\"t\",\"partition\":3,"
      "\"round_start\":10,\"last_offset\":19,"
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
  // The chart ends at the lag shown above it (5), not at the last sample's 2.
  EXPECT_NE(page.find("<tr><th>lag (messages)</th><td>5</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("lag &mdash; now 5.0 messages"), std::string::npos);
  EXPECT_NE(page.find("<td>10</td><td>19</td>"), std::string::npos);  // round start, last offset
  // After a commit the round is empty: no "-1" for an offset.
  v.consumer.assignments[0].round_start = 20;
  v.consumer.assignments[0].last_offset = -1;
  page = RenderStatusPage(v, samples, 20000);
  EXPECT_NE(page.find("<td>20</td><td>none yet</td>"), std::string::npos);
  EXPECT_EQ(page.find("<td>-1</td>"), std::string::npos);
}

}  // namespace
}  // namespace secor
