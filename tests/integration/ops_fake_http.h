// A loopback HTTP endpoint for the operations tests, standing in for the
// services secor talks to (OpenTSDB, the Qubole API, a Confluent schema
// registry). It records every request and answers through a handler the
// test supplies. Not a general server.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace secor::testing {

struct FakeRequest {
  std::string method;
  std::string path;
  std::string headers;  // raw header block
  std::string body;
};

class FakeHttp {
 public:
  using Handler = std::function<std::pair<int, std::string>(const FakeRequest&)>;
  explicit FakeHttp(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeHttp() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<FakeRequest> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string data;
      char buf[4096];
      size_t head_end;
      while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
      }
      if (head_end == std::string::npos) {
        ::close(c);
        continue;
      }
      FakeRequest r;
      std::string line = data.substr(0, data.find("\r\n"));
      r.method = line.substr(0, line.find(' '));
      r.path = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
      r.headers = data.substr(0, head_end);
      size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        size_t at = r.headers.find(name);
        if (at != std::string::npos) length = std::stoul(r.headers.substr(at + 16));
      }
      r.body = data.substr(head_end + 4);
      while (r.body.size() < length) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        r.body.append(buf, static_cast<size_t>(n));
      }
      auto [code, body] = handler_(r);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
      }
      std::string resp = "HTTP/1.1 " + std::to_string(code) +
                         " X\r\nContent-Type: application/json\r\n"
                         "Content-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      (void)!::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
};

}  // namespace secor::testing
