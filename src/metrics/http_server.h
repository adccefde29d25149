// StatusServer: the small HTTP server of `secor consume` (secor.http.port):
// /metrics (Prometheus text), /healthz (200 while the consume loop is alive
// and recent), /readyz (200 when also in the group and the store takes
// writes), /status (JSON from the StatusBoard) and / (an HTML page for a
// person, with the last hour of throughput and lag drawn from samples the
// server takes every 10 s). HTTP is libmicrohttpd's: one internal thread
// multiplexes every connection on non-blocking sockets, so a slow or hostile
// client holds a connection slot, never the thread; connections are capped
// in total and per client address, a request's head must fit a small memory
// pool, and idle connections are closed after the I/O timeout. Only GET and
// HEAD are served; the answers are rendered whole before sending, so no lock
// of the metrics registry or status board is held while a client reads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"
#include "metrics/status.h"

namespace secor {

struct StatusServerOptions {
  int port = 0;  // 0 picks a free port (tests)
  std::string bind_address = "0.0.0.0";
  // /healthz fails when the consume loop has not published for this long.
  int64_t healthz_max_age_ms = 60000;
  int64_t sample_interval_ms = 10000;
  size_t history_samples = 360;  // one hour of 10 s samples
  // A connection silent (in both directions) this long is closed; whole
  // seconds, rounded up.
  int io_timeout_ms = 2000;
  // Connections open at once, in total and from one client address; more
  // are refused at accept.
  unsigned max_connections = 32;
  unsigned max_connections_per_ip = 8;
  // Memory for one connection's request line and headers (and the response
  // headers): a longer request head is answered 431 and closed.
  size_t request_memory_bytes = 16384;
};

// One point of the status page's charts.
struct StatusSample {
  int64_t time_ms = 0;
  double messages_total = 0;
  int64_t lag = 0;
  double staging_bytes = 0;
};

struct HttpResponse {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class StatusServer {
 public:
  static Result<std::unique_ptr<StatusServer>> Start(const StatusServerOptions& options);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int port() const { return port_; }
  void Stop();

  // The response to a GET of path (exposed for tests).
  HttpResponse Handle(const std::string& path);
  // The response to a request as it arrived, method and target (path and
  // query) as sent: what the HTTP callback answers (exposed for tests and
  // the fuzz target). Never touches the network.
  HttpResponse HandleRequest(std::string_view method, std::string_view target);
  // Takes one chart sample now (the sampler thread does this every sample
  // interval).
  void Sample();

  // A server that answers HandleRequest/Handle but does not listen (fuzzing).
  static std::unique_ptr<StatusServer> Unstarted(const StatusServerOptions& options);

 private:
  explicit StatusServer(const StatusServerOptions& options) : options_(options) {}
  void SampleLoop();
  double StagingBytes(const std::string& dir);

  StatusServerOptions options_;
  void* daemon_ = nullptr;  // MHD_Daemon
  int port_ = 0;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread sampler_;
  std::mutex mu_;
  std::deque<StatusSample> samples_;
};

// The status page (exposed for tests).
std::string RenderStatusPage(const StatusBoard::View& view, const std::deque<StatusSample>& samples,
                             int64_t now_ms);

}  // namespace secor
