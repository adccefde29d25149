// libFuzzer: arbitrary bytes as an HTTP request to the status server. Each
// input goes twice: its first line to StatusServer::HandleRequest (method and
// target as sent), and the whole input over loopback TCP to a running server,
// so libmicrohttpd's request parsing and the handler behind it both see it.
// The server must answer with an HTTP status line or close, never crash or
// hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "metrics/http_server.h"

namespace {

secor::StatusServer& Server() {
  static auto* server = [] {
    secor::StatusServerOptions o;
    o.bind_address = "127.0.0.1";
    o.io_timeout_ms = 1000;
    auto s = secor::StatusServer::Start(o);
    if (!s.ok()) std::abort();
    return std::move(s).value().release();
  }();
  return *server;
}

std::string RoundTrip(int port, std::string_view request) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  size_t done = 0;
  while (done < request.size()) {
    ssize_t n = ::send(fd, request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buf[4096];
  // An answer starts within milliseconds; an input that is no complete
  // request gets none until the server's idle timeout (1 s), which is not
  // worth waiting for on every run.
  int wait_ms = 200;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) <= 0) break;
    wait_ms = 5000;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  secor::StatusServer& server = Server();

  std::string_view line = input.substr(0, input.find("\r\n"));
  size_t sp = line.find(' ');
  std::string_view method = line.substr(0, sp);
  std::string_view target = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  target = target.substr(0, target.find(' '));
  secor::HttpResponse r = server.HandleRequest(method, target);
  if ((method != "GET" && method != "HEAD") != (r.code == 405)) std::abort();

  std::string answer = RoundTrip(server.port(), input);
  if (!answer.empty() && answer.rfind("HTTP/1.", 0) != 0) std::abort();
  return 0;
}
