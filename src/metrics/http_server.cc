#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "metrics/metrics.h"

namespace secor {
namespace {

constexpr size_t kMaxRequestBytes = 8192;

const char* Reason(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void SetTimeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // client gone or too slow
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Result<std::unique_ptr<StatusServer>> StatusServer::Start(const StatusServerOptions& options) {
  std::unique_ptr<StatusServer> s(new StatusServer(options));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError("status server: socket: {}", std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.bind_address.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return Status::InvalidArgument("status server: bad bind address '{}'", options.bind_address);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError("status server: cannot listen on {}:{}: {}", options.bind_address,
                           options.port, std::strerror(err));
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  s->listen_fd_ = fd;
  s->port_ = ntohs(addr.sin_port);
  s->Sample();
  s->thread_ = std::thread([raw = s.get()] { raw->Loop(); });
  return s;
}

StatusServer::~StatusServer() { Stop(); }

void StatusServer::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void StatusServer::Loop() {
  int64_t next_sample = NowMillis() + options_.sample_interval_ms;
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    int n = ::poll(&p, 1, 200);
    if (n > 0 && (p.revents & POLLIN)) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        SetTimeouts(fd, options_.io_timeout_ms);
        Serve(fd);
        ::close(fd);
      }
    }
    if (NowMillis() >= next_sample) {
      Sample();
      next_sample += options_.sample_interval_ms;
    }
  }
}

void StatusServer::Serve(int fd) {
  std::string req;
  char buf[2048];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < kMaxRequestBytes) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  HttpResponse resp;
  size_t line_end = req.find("\r\n");
  std::string method, target;
  if (line_end != std::string::npos) {
    std::string line = req.substr(0, line_end);
    size_t a = line.find(' ');
    size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
    if (b != std::string::npos) {
      method = line.substr(0, a);
      target = line.substr(a + 1, b - a - 1);
    }
  }
  if (target.empty()) {
    resp.code = 400;
    resp.body = "bad request\n";
  } else if (method != "GET" && method != "HEAD") {
    resp.code = 405;
    resp.body = "only GET\n";
  } else {
    resp = Handle(target.substr(0, target.find('?')));
  }
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
      "Connection: close\r\n\r\n",
      resp.code, Reason(resp.code), resp.content_type, resp.body.size());
  WriteAll(fd, method == "HEAD" ? head : head + resp.body);
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
  } else if (path == "/status") {
    r.content_type = "application/json";
    r.body = StatusJson(StatusBoard::Global().Get(), now) + "\n";
  } else if (path == "/") {
    std::deque<StatusSample> samples;
    {
      std::lock_guard lock(mu_);
      samples = samples_;
    }
    r.content_type = "text/html; charset=utf-8";
    r.body = RenderStatusPage(StatusBoard::Global().Get(), samples, now);
  } else {
    r.code = 404;
    r.body = "not found: /metrics /healthz /status /\n";
  }
  return r;
}

}  // namespace secor
