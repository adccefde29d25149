// FakeSchemaRegistry: a stand-in for Confluent's schema registry in tests.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace secor::testing {

// A stand-in for Confluent's schema registry (which cannot run here): a
// loopback HTTP/1.1 server answering GET /schemas/ids/<id> from a table, and
// counting the requests per path.
class FakeSchemaRegistry {
 public:
  FakeSchemaRegistry() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeSchemaRegistry() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void SetSchema(int id, const std::string& schema_json) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_["/schemas/ids/" + std::to_string(id)] = {200,
                                                        "{\"schema\":" + Quote(schema_json) + "}"};
  }
  void SetResponse(int id, int status, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_["/schemas/ids/" + std::to_string(id)] = {status, body};
  }
  int Requests(int id) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_["/schemas/ids/" + std::to_string(id)];
  }

 private:
  static std::string Quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
        out += esc;
        continue;
      }
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }

  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, n);
      }
      std::string path;
      if (request.starts_with("GET ")) path = request.substr(4, request.find(' ', 4) - 4);
      int status = 404;
      std::string body = R"({"error_code":40403,"message":"Schema not found"})";
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++counts_[path];
        if (auto it = responses_.find(path); it != responses_.end()) {
          status = it->second.first;
          body = it->second.second;
        }
      }
      std::string response =
          "HTTP/1.1 " + std::to_string(status) +
          " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body;
      (void)!write(c, response.data(), response.size());
      close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> responses_;
  std::map<std::string, int> counts_;
};

}  // namespace secor::testing
