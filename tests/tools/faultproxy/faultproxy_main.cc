// secor-faultproxy: an HTTP proxy for tests that sits between secor and an S3
// endpoint and makes a chosen fraction of requests fail the ways S3 fails:
// 500 InternalError, 503 SlowDown, a connection reset before the request
// reaches the store, and a reset after the store has carried it out (the
// client sees an error for a write that did happen, the case the round
// protocol's writer identity exists for). Requests are forwarded unchanged,
// Host header included, so SigV4 signatures stay valid.
//
// With --ignore-create-only (or the command "create-only ignored") it plays a
// store that ignores If-None-Match: an answer 412 Precondition Failed reaches
// the client as 200 OK, as if the write had overwritten the object.
//
// One request per connection: each answer carries "Connection: close" and
// the upstream connection is closed after it, so no response framing has to
// be parsed. The first line of standard output is the listen address
// (http://127.0.0.1:PORT); then one command per line on standard input, each
// answered with one line: "error-rate R", "mode 500|503|reset|reset-after|mixed",
// "create-only honoured|ignored", "target all|data", "stall TEXT", "release",
// "stats", "quit". "target data" limits the faults to writes of data (a PUT
// or POST whose path has no component that starts with "_"): the round
// markers get through, and the faults meet the uploads of data files.
//
// "stats" also counts what the faults hit and what kinds of request passed,
// so a test can show that the faults it scheduled fired: faults by kind,
// faults on writes of data (a PUT or POST whose path has no component that
// starts with "_", where the round markers live), multipart uploads begun,
// completed and aborted, and uploads begun on the store whose answer a
// reset-after fault dropped (the client never learns their id: they stay in
// progress until a lifecycle rule removes them).
//
// "stall TEXT" aims a fault at an upload in flight: the next PUT whose
// request target contains TEXT is forwarded without its last body byte and
// held there until the store's end of the connection closes (the store went
// away under it: counted as "stall-cut", and the client's connection is
// reset) or "release" lets it finish. "stalled" in the stats counts held
// requests, for a test to wait on before it takes the store down.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "common/status.h"
#include "common/strings.h"

namespace secor {
namespace {

struct ProxyArgs {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  double error_rate = 0;
  std::string mode = "mixed";
  uint64_t seed = 1;
  bool ignore_create_only = false;
};

struct ProxyState {
  std::mutex mu;
  std::mt19937_64 rng;
  double rate = 0;
  std::string mode;
  std::atomic<bool> ignore_create_only{false};
  bool data_only = false;  // "target data"
  std::atomic<int64_t> requests{0}, faults{0};
  // Faults by kind: 500, 503, reset, reset-after.
  std::atomic<int64_t> fault_500{0}, fault_503{0}, fault_reset{0}, fault_reset_after{0};
  std::atomic<int64_t> data_write_faults{0};
  std::atomic<int64_t> mp_created{0}, mp_completed{0}, mp_aborted{0}, mp_create_lost{0};
  // "stall TEXT": the target of the next PUT to hold ("" none); held now; cut.
  std::string stall_text;
  std::atomic<int64_t> stalled{0}, stall_cut{0};
  std::atomic<bool> release{false};
  std::string upstream_host;
  int upstream_port = 0;

  // The fault for the next request, or "" to forward it.
  std::string Pick(bool data_write) {
    std::lock_guard lock(mu);
    if (data_only && !data_write) return "";
    if (std::uniform_real_distribution<double>(0, 1)(rng) >= rate) return "";
    if (mode != "mixed") return mode;
    static const char* kAll[] = {"500", "503", "reset", "reset-after"};
    return kAll[rng() % 4];
  }
};

// A test tool, not a secor subcommand: its errors name the tool itself.
int Fail(const Status& status, int code) {
  std::fprintf(stderr, "secor-faultproxy: %s\n", status.message().c_str());
  return code;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void Reset(int fd) {
  linger l{1, 0};  // close with RST, as a dropped connection looks to the client
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

std::string HeaderValue(const std::string& head, const std::string& name) {
  std::string lower = ToLower(head);
  size_t pos = lower.find("\r\n" + ToLower(name) + ":");
  if (pos == std::string::npos) return "";
  size_t start = pos + name.size() + 3;
  size_t end = head.find("\r\n", start);
  return std::string(Trim(head.substr(start, end - start)));
}

// Removes a header line (case-insensitive name).
void DropHeader(std::string* head, const std::string& name) {
  std::string lower = ToLower(*head);
  size_t pos = lower.find("\r\n" + ToLower(name) + ":");
  if (pos == std::string::npos) return;
  size_t end = head->find("\r\n", pos + 2);
  head->erase(pos, end - pos);
}

// Reads one request: head (through the blank line) and its body.
bool ReadRequest(int fd, std::string* head, std::string* body) {
  std::string buf;
  char tmp[65536];
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
  }
  *head = buf.substr(0, end + 2);  // keeps the last header's CRLF
  *body = buf.substr(end + 4);
  std::string expect = HeaderValue(*head, "Expect");
  if (ToLower(expect) == "100-continue") {
    DropHeader(head, "Expect");
    if (!SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return false;
  }
  std::string te = ToLower(HeaderValue(*head, "Transfer-Encoding"));
  if (te.find("chunked") != std::string::npos) {
    // Keep reading until the terminating chunk; forwarded as is.
    while (body->find("\r\n0\r\n\r\n") == std::string::npos && !StartsWith(*body, "0\r\n\r\n")) {
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      body->append(tmp, static_cast<size_t>(n));
    }
    return true;
  }
  std::string cl = HeaderValue(*head, "Content-Length");
  size_t want = cl.empty() ? 0 : std::stoull(cl);
  while (body->size() < want) {
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    body->append(tmp, static_cast<size_t>(n));
  }
  return true;
}

int ConnectUpstream(const ProxyState& st) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(st.upstream_port));
  ::inet_pton(AF_INET, st.upstream_host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void ErrorReply(int fd, int code, const std::string& reason, const std::string& s3code) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + s3code +
                     "</Code><Message>injected by secor faultproxy</Message></Error>";
  SendAll(fd, fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/xml\r\nContent-Length: "
                          "{}\r\nConnection: close\r\n\r\n{}",
                          code, reason, body.size(), body));
  ::close(fd);
}

// What an S3 request is, from its request line ("PUT /bucket/key?x HTTP/1.1").
struct RequestKind {
  std::string method, target;
  bool data_write = false;  // PUT or POST of a key outside "_..." components
  bool mp_create = false, mp_complete = false, mp_abort = false;
};

RequestKind Classify(const std::string& head) {
  RequestKind k;
  std::string line = head.substr(0, head.find("\r\n"));
  auto words = Split(line, ' ');
  if (words.size() < 2) return k;
  k.method = words[0];
  k.target = words[1];
  std::string path = k.target.substr(0, k.target.find('?'));
  std::string query = k.target.find('?') == std::string::npos
                          ? ""
                          : "&" + k.target.substr(k.target.find('?') + 1) + "&";
  bool upload_id = query.find("&uploadId=") != std::string::npos;
  if (k.method == "POST" && (query.find("&uploads&") != std::string::npos ||
                             query.find("&uploads=") != std::string::npos)) {
    k.mp_create = true;
  }
  if (k.method == "POST" && upload_id) k.mp_complete = true;
  if (k.method == "DELETE" && upload_id) k.mp_abort = true;
  if (k.method == "PUT" || k.method == "POST") {
    k.data_write = path.find("/_") == std::string::npos;
  }
  return k;
}

// Holds a stalled request (sent but its last byte) until the store closes
// its end (true: cut) or "release" (false).
bool HoldStalled(ProxyState* st, int up) {
  ++st->stalled;
  bool cut = false;
  while (!st->release.load()) {
    pollfd p{up, POLLIN | POLLRDHUP, 0};
    int n = ::poll(&p, 1, 50);
    if (n > 0) {
      char c;
      ssize_t got = ::recv(up, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (got <= 0 || (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        cut = true;
        break;
      }
    }
  }
  --st->stalled;
  return cut;
}

void Serve(ProxyState* st, int fd) {
  std::string head, body;
  if (!ReadRequest(fd, &head, &body)) {
    ::close(fd);
    return;
  }
  ++st->requests;
  const RequestKind kind = Classify(head);
  std::string fault = st->Pick(kind.data_write);
  if (!fault.empty()) {
    ++st->faults;
    if (fault == "500") ++st->fault_500;
    if (fault == "503") ++st->fault_503;
    if (fault == "reset") ++st->fault_reset;
    if (fault == "reset-after") ++st->fault_reset_after;
    if (kind.data_write) ++st->data_write_faults;
    if (fault == "reset-after" && kind.mp_create) ++st->mp_create_lost;
  }
  bool stall = false;
  if (fault.empty() && kind.method == "PUT" && !body.empty()) {
    std::lock_guard lock(st->mu);
    if (!st->stall_text.empty() && kind.target.find(st->stall_text) != std::string::npos) {
      stall = true;
      st->stall_text.clear();
      st->release = false;
    }
  }
  if (fault == "500") return ErrorReply(fd, 500, "Internal Server Error", "InternalError");
  if (fault == "503") return ErrorReply(fd, 503, "Slow Down", "SlowDown");
  if (fault == "reset") return Reset(fd);
  int up = ConnectUpstream(*st);
  if (up < 0) return ErrorReply(fd, 502, "Bad Gateway", "ProxyUpstreamDown");
  DropHeader(&head, "Connection");
  head += "Connection: close\r\n\r\n";
  std::string_view rest(body);
  if (stall) {
    // All but the last byte: the store is receiving the upload.
    if (!SendAll(up, head) || !SendAll(up, rest.substr(0, rest.size() - 1))) {
      ::close(up);
      return Reset(fd);
    }
    rest = rest.substr(rest.size() - 1);
    if (HoldStalled(st, up)) {
      ++st->stall_cut;
      ::close(up);
      return Reset(fd);
    }
    head.clear();
  }
  if (!SendAll(up, head) || !SendAll(up, rest)) {
    ::close(up);
    return Reset(fd);
  }
  // Relay the answer; the client must not reuse this connection.
  std::string resp;
  char tmp[65536];
  bool head_done = false;
  while (true) {
    ssize_t n = ::recv(up, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    if (fault == "reset-after") continue;  // the store acted; the client will not know
    if (head_done) {
      if (!SendAll(fd, std::string_view(tmp, static_cast<size_t>(n)))) break;
      continue;
    }
    resp.append(tmp, static_cast<size_t>(n));
    size_t end = resp.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::string rhead = resp.substr(0, end + 2);
    if (st->ignore_create_only && StartsWith(rhead, "HTTP/1.1 412")) {
      // The object exists and the store said so: tell the client it was written.
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      break;
    }
    if (StartsWith(rhead, "HTTP/1.1 2")) {
      if (kind.mp_create) ++st->mp_created;
      if (kind.mp_complete) ++st->mp_completed;
      if (kind.mp_abort) ++st->mp_aborted;
    }
    DropHeader(&rhead, "Connection");
    rhead += "Connection: close\r\n\r\n";
    if (!SendAll(fd, rhead) || !SendAll(fd, std::string_view(resp).substr(end + 4))) break;
    head_done = true;
  }
  ::close(up);
  if (fault == "reset-after") return Reset(fd);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

Status ParseHostPort(const std::string& text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("{}: expected HOST:PORT", text);
  *host = text.substr(0, colon);
  if (*host == "localhost") *host = "127.0.0.1";
  char* end = nullptr;
  long p = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535) return Status::InvalidArgument("{}: bad port", text);
  *port = static_cast<int>(p);
  return Status::OK();
}

int RunProxy(const ProxyArgs& args) {
  auto st = std::make_unique<ProxyState>();
  st->rng.seed(args.seed);
  st->rate = args.error_rate;
  st->mode = args.mode;
  st->ignore_create_only = args.ignore_create_only;
  std::string up = args.upstream;
  if (StartsWith(up, "http://")) up = up.substr(7);
  if (!up.empty() && up.back() == '/') up.pop_back();
  Status s = ParseHostPort(up, &st->upstream_host, &st->upstream_port);
  if (!s.ok()) return Fail(s.WithContext("--upstream (only http:// is supported)"), 2);
  std::string host;
  int port = 0;
  s = ParseHostPort(args.listen, &host, &port);
  if (!s.ok()) return Fail(s.WithContext("--listen"), 2);

  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(lfd, 128) != 0) {
    return Fail(Status::FromErrno("listen on " + args.listen, errno), 2);
  }
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("http://%s:%d\n", host.c_str(), ntohs(addr.sin_port));
  std::fflush(stdout);

  std::thread([lfd, raw = st.get()] {
    while (true) {
      int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::thread(Serve, raw, fd).detach();
    }
  }).detach();

  // Commands until quit; end of input leaves the proxy running until a signal.
  std::string line;
  while (std::getline(std::cin, line)) {
    auto words = Split(std::string(Trim(line)), ' ');
    if (words.empty() || words[0].empty()) continue;
    std::string answer;
    if (words[0] == "error-rate" && words.size() == 2) {
      char* end = nullptr;
      double r = std::strtod(words[1].c_str(), &end);
      if (*end || r < 0 || r > 1) {
        answer = "error: error-rate takes a number from 0 to 1";
      } else {
        std::lock_guard lock(st->mu);
        st->rate = r;
        answer = fmt::format("ok error-rate {}", r);
      }
    } else if (words[0] == "mode" && words.size() == 2 &&
               (words[1] == "500" || words[1] == "503" || words[1] == "reset" ||
                words[1] == "reset-after" || words[1] == "mixed")) {
      std::lock_guard lock(st->mu);
      st->mode = words[1];
      answer = "ok mode " + words[1];
    } else if (words[0] == "create-only" && words.size() == 2 &&
               (words[1] == "honoured" || words[1] == "ignored")) {
      st->ignore_create_only = words[1] == "ignored";
      answer = "ok create-only " + words[1];
    } else if (words[0] == "target" && words.size() == 2 &&
               (words[1] == "all" || words[1] == "data")) {
      std::lock_guard lock(st->mu);
      st->data_only = words[1] == "data";
      answer = "ok target " + words[1];
    } else if (words[0] == "stall" && words.size() == 2) {
      std::lock_guard lock(st->mu);
      st->stall_text = words[1];
      answer = "ok stall " + words[1];
    } else if (words[0] == "release") {
      st->release = true;
      answer = "ok release";
    } else if (words[0] == "stats") {
      answer = fmt::format(
          "ok requests {} faults {} fault-500 {} fault-503 {} fault-reset {} fault-reset-after {} "
          "data-write-faults {} multipart-created {} multipart-completed {} multipart-aborted {} "
          "multipart-create-lost {} stalled {} stall-cut {}",
          st->requests.load(), st->faults.load(), st->fault_500.load(), st->fault_503.load(),
          st->fault_reset.load(), st->fault_reset_after.load(), st->data_write_faults.load(),
          st->mp_created.load(), st->mp_completed.load(), st->mp_aborted.load(),
          st->mp_create_lost.load(), st->stalled.load(), st->stall_cut.load());
    } else if (words[0] == "quit") {
      std::printf("ok bye\n");
      std::fflush(stdout);
      std::_Exit(0);
    } else {
      answer = "error: unknown command " + line +
               " (error-rate R, mode M, create-only honoured|ignored, target all|data, stall TEXT, "
               "release, stats, quit)";
    }
    std::printf("%s\n", answer.c_str());
    std::fflush(stdout);
  }
  while (true) ::pause();
}

}  // namespace
}  // namespace secor

int main(int argc, char** argv) {
  CLI::App app{
      "secor-faultproxy: test tool, an HTTP proxy to an S3 endpoint that injects S3 errors and "
      "resets"};
  secor::ProxyArgs args;
  app.add_option("--listen", args.listen, "HOST:PORT to listen on (port 0: any free port)");
  app.add_option("--upstream", args.upstream, "http://HOST:PORT of the S3 endpoint")->required();
  app.add_option("--error-rate", args.error_rate, "fraction of requests that fail, 0 to 1");
  app.add_option("--mode", args.mode, "500, 503, reset, reset-after or mixed");
  app.add_option("--seed", args.seed, "seed of the fault choices");
  app.add_flag("--ignore-create-only", args.ignore_create_only,
               "answer 412 (key exists) with 200, as a store that ignores If-None-Match");
  CLI11_PARSE(app, argc, argv);
  return secor::RunProxy(args);
}
