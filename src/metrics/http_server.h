// StatusServer: the small HTTP server of `secor consume` (secor.http.port):
// /metrics (Prometheus text), /healthz (200 while the consume loop is alive
// and recent), /status (JSON from the StatusBoard) and / (an HTML page for a
// person, with the last hour of throughput and lag drawn from samples the
// server takes every 10 s). One thread serves one connection at a time with
// short socket timeouts and a request size limit, so a slow or hostile client
// costs at most a few seconds and a few kilobytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
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
  int io_timeout_ms = 2000;
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
  // Takes one chart sample now (the thread does this every sample interval).
  void Sample();

 private:
  explicit StatusServer(const StatusServerOptions& options) : options_(options) {}
  void Loop();
  void Serve(int fd);
  double StagingBytes(const std::string& dir);

  StatusServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::deque<StatusSample> samples_;
};

// The status page (exposed for tests).
std::string RenderStatusPage(const StatusBoard::View& view, const std::deque<StatusSample>& samples,
                             int64_t now_ms);

}  // namespace secor
