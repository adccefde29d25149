#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "metrics/metrics.h"

namespace secor {
namespace {

// libmicrohttpd's own diagnostics (a refused connection, a request head over
// the memory limit) are about clients, not about secor: debug level.
void LogFromMhd(void* /*cls*/, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string_view text(line);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::debug("status server: {}", text);
}

MHD_Result Answer(MHD_Connection* connection, const HttpResponse& r, bool allow_header) {
  // MUST_COPY: the response outlives this call while a slow client reads it.
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  if (allow_header) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned>(r.code), response);
  MHD_destroy_response(response);
  return ret;
}

// The access handler: called once the request head is complete (and again
// for each chunk of a body, which no endpoint reads: those requests are
// answered 405 on the first call).
MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url, const char* method,
                     const char* /*version*/, const char* /*upload_data*/, size_t* upload_data_size,
                     void** /*req_cls*/) {
  auto* server = static_cast<StatusServer*>(cls);
  HttpResponse r = server->HandleRequest(method ? method : "", url ? url : "");
  // Drop any body bytes that came with the head: nothing reads them.
  *upload_data_size = 0;
  return Answer(connection, r, r.code == 405);
}

// sockaddr for bind_address: IPv4 or IPv6 literal.
bool ParseBindAddress(const std::string& address, int port, sockaddr_storage* out, bool* v6) {
  std::memset(out, 0, sizeof *out);
  auto* in4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, address.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(port));
    *v6 = false;
    return true;
  }
  std::string host = address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    *v6 = true;
    return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<StatusServer> StatusServer::Unstarted(const StatusServerOptions& options) {
  return std::unique_ptr<StatusServer>(new StatusServer(options));
}

Result<std::unique_ptr<StatusServer>> StatusServer::Start(const StatusServerOptions& options) {
  std::unique_ptr<StatusServer> s(new StatusServer(options));
  sockaddr_storage addr;
  bool v6 = false;
  if (options.port < 0 || options.port > 65535 ||
      !ParseBindAddress(options.bind_address, options.port, &addr, &v6)) {
    return Status::InvalidArgument("status server: bad bind address '{}'", options.bind_address);
  }
  unsigned timeout_s = static_cast<unsigned>((std::max(options.io_timeout_ms, 1) + 999) / 1000);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  if (v6) flags |= MHD_USE_IPv6;
  // MHD_start_daemon reports why it failed only through the logger and errno.
  errno = 0;
  MHD_Daemon* d = MHD_start_daemon(
      flags, static_cast<uint16_t>(options.port), nullptr, nullptr, &OnRequest, s.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_CONNECTION_LIMIT,
      options.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_connections_per_ip,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, options.request_memory_bytes,
      MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 16u,
      MHD_OPTION_EXTERNAL_LOGGER, &LogFromMhd, nullptr, MHD_OPTION_END);
  if (d == nullptr) {
    int err = errno;
    return Status::IOError("status server: cannot listen on {}:{}: {}", options.bind_address,
                           options.port, err ? std::strerror(err) : "libmicrohttpd failed");
  }
  s->daemon_ = d;
  const MHD_DaemonInfo* info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (info != nullptr &&
      getsockname(info->listen_fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    s->port_ =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  s->Sample();
  s->sampler_ = std::thread([raw = s.get()] { raw->SampleLoop(); });
  return s;
}

StatusServer::~StatusServer() { Stop(); }

void StatusServer::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  if (daemon_ != nullptr) MHD_stop_daemon(static_cast<MHD_Daemon*>(daemon_));
  daemon_ = nullptr;
}

void StatusServer::SampleLoop() {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(stop_mu_);
  while (true) {
    next += std::chrono::milliseconds(options_.sample_interval_ms);
    if (stop_cv_.wait_until(lock, next, [this] { return stop_; })) return;
    lock.unlock();
    Sample();
    lock.lock();
  }
}

HttpResponse StatusServer::HandleRequest(std::string_view method, std::string_view target) {
  HttpResponse r;
  if (method != "GET" && method != "HEAD") {
    r.code = 405;
    r.body = "only GET\n";
    return r;
  }
  std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path.front() != '/') {
    r.code = 400;
    r.body = "bad request\n";
    return r;
  }
  return Handle(std::string(path));
}

double StatusServer::StagingBytes(const std::string& dir) {
  if (dir.empty()) return 0;
  std::error_code ec;
  double total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      auto size = it->file_size(fec);
      if (!fec) total += static_cast<double>(size);
    }
  }
  static Gauge& gauge = MetricsRegistry::Global().GetGauge(
      "secor_staging_disk_bytes", "Bytes of local files in this process's staging directory");
  gauge.Set(total);
  return total;
}

void StatusServer::Sample() {
  auto view = StatusBoard::Global().Get();
  StatusSample s;
  s.time_ms = NowMillis();
  s.messages_total = MetricsRegistry::Global().Total("secor_consumer_messages_total");
  for (const auto& a : view.consumer.assignments) s.lag += a.Lag();
  s.staging_bytes = StagingBytes(view.consumer.staging_dir);
  std::lock_guard lock(mu_);
  samples_.push_back(s);
  while (samples_.size() > options_.history_samples) samples_.pop_front();
}

HttpResponse StatusServer::Handle(const std::string& path) {
  HttpResponse r;
  int64_t now = NowMillis();
  if (path == "/metrics") {
    StagingBytes(StatusBoard::Global().Get().consumer.staging_dir);
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = MetricsRegistry::Global().RenderPrometheus();
  } else if (path == "/healthz") {
    auto view = StatusBoard::Global().Get();
    if (!view.running) {
      r.code = 503;
      r.body = "not running\n";
    } else if (view.published_ms == 0 || now - view.published_ms > options_.healthz_max_age_ms) {
      r.code = 503;
      r.body = fmt::format("consume loop silent for {} ms\n",
                           view.published_ms ? now - view.published_ms : -1);
    } else {
      r.body = "ok\n";
    }
  } else if (path == "/readyz") {
    // Ready: alive (as /healthz), a member of the group, and the store takes
    // writes. A load balancer or an operator's check waits for this one.
    auto view = StatusBoard::Global().Get();
    std::string why;
    if (!view.running) {
      why = "not running";
    } else if (view.published_ms == 0 || now - view.published_ms > options_.healthz_max_age_ms) {
      why = fmt::format("consume loop silent for {} ms",
                        view.published_ms ? now - view.published_ms : -1);
    } else if (!view.consumer.joined_group) {
      why = "not a member of group " + view.consumer.group + " yet (no assignment from Kafka)";
    } else if (!view.consumer.store_problem.empty()) {
      why = "the store refuses writes: " + view.consumer.store_problem;
    }
    r.code = why.empty() ? 200 : 503;
    r.body = RedactSecrets(why.empty() ? "ready" : why) + "\n";
  } else if (path == "/status") {
    r.content_type = "application/json";
    // The board holds no secret (its messages are redacted when logged);
    // redacting the whole answer also covers an output URI with a password.
    r.body = RedactSecrets(StatusJson(StatusBoard::Global().Get(), now)) + "\n";
  } else if (path == "/") {
    std::deque<StatusSample> samples;
    {
      std::lock_guard lock(mu_);
      samples = samples_;
    }
    r.content_type = "text/html; charset=utf-8";
    r.body = RedactSecrets(RenderStatusPage(StatusBoard::Global().Get(), samples, now));
  } else {
    r.code = 404;
    r.body = "not found: /metrics /healthz /readyz /status /\n";
  }
  return r;
}

}  // namespace secor
