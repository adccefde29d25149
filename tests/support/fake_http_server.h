// FakeHttpServer: the tests' one HTTP/1.1 server, on 127.0.0.1. It stands in
// for the endpoints that cannot run here: AWS STS, the EC2 instance metadata
// service, the ECS container credentials endpoint, an S3 that fails on
// purpose, a Confluent schema registry, OpenTSDB and the Qubole API. Each
// request is recorded and goes to a handler the test supplies; connections
// are kept alive so tests can check that clients reuse them.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace secor::testing {

struct FakeRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string head;  // request line and header lines as received, for exact checks
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  // Close the connection without answering (a reset as the client sees it).
  bool drop = false;

  // A JSON answer, as the schema registry, OpenTSDB and Qubole give.
  static FakeResponse Json(int status, std::string body) {
    return {status, {{"Content-Type", "application/json"}}, std::move(body)};
  }
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~FakeHttpServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    for (int fd : conn_fds_) ::close(fd);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  std::vector<FakeRequest> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      conn_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  static bool ReadMore(int fd, std::string* buf) {
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf->append(tmp, static_cast<size_t>(n));
    return true;
  }

  static bool SendAll(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  void Serve(int fd) {
    std::string buf;
    while (!stopping_) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadMore(fd, &buf)) return Close(fd);
      }
      FakeRequest req;
      std::vector<std::string> lines;
      size_t pos = 0;
      while (pos < end) {
        size_t e = buf.find("\r\n", pos);
        lines.push_back(buf.substr(pos, e - pos));
        pos = e + 2;
      }
      req.head = buf.substr(0, end);
      buf.erase(0, end + 4);
      std::vector<std::string> parts = Split(lines[0], ' ');
      req.method = parts.size() > 0 ? parts[0] : "";
      req.target = parts.size() > 1 ? parts[1] : "";
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        req.headers[ToLower(lines[i].substr(0, colon))] =
            std::string(Trim(lines[i].substr(colon + 1)));
      }
      if (req.headers["expect"] == "100-continue") {
        if (!SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return Close(fd);
      }
      size_t length = 0;
      if (req.headers.count("content-length")) {
        length = static_cast<size_t>(std::stoull(req.headers["content-length"]));
      }
      while (buf.size() < length) {
        if (!ReadMore(fd, &buf)) return Close(fd);
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      ++requests_;
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(req);
      }
      FakeResponse resp = handler_(req);
      if (resp.drop) return Close(fd);
      std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n";
      for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
      out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n";
      if (req.method != "HEAD") out += resp.body;
      if (!SendAll(fd, out)) return Close(fd);
    }
    Close(fd);
  }

  void Close(int fd) { ::shutdown(fd, SHUT_RDWR); }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> workers_;
  std::vector<FakeRequest> received_;
};

}  // namespace secor::testing
