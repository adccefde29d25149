// secor-testbroker: holds a librdkafka mock cluster open on loopback for other
// processes and takes control commands on standard input (docs/testbroker.md).
//
//   secor-testbroker [--brokers N] [--port-file PATH] TOPIC:PARTITIONS ...
//
// The first line of standard output is the bootstrap server list. Each command
// line gets exactly one answer line ("ok ..." or "error: ..."). The broker runs
// until quit, SIGTERM or SIGINT; end of input does not stop it, so a test may
// close the pipe and keep the broker.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"
#include "testbroker/testbroker.h"

namespace {

constexpr const char* kUsage =
    "usage: secor-testbroker [--brokers N] [--port-file PATH] TOPIC:PARTITIONS ...\n"
    "Runs a Kafka mock cluster on loopback. Prints the bootstrap servers as the first\n"
    "line of stdout, then answers one line per command read from stdin (try: help).\n"
    "Stops on quit, SIGTERM or SIGINT (not on end of input).\n";

void Answer(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "secor-testbroker: %s\n%s", why.c_str(), kUsage);
  return 2;
}

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  std::string port_file;
  std::vector<secor::TopicSpec> topics;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      if (a == flag) {
        if (i + 1 >= argc) return std::nullopt;
        return std::string(argv[++i]);
      }
      return a.substr(flag.size() + 1);  // --flag=value
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--brokers" || secor::StartsWith(a, "--brokers=")) {
      auto v = value("--brokers");
      auto n = v ? secor::ParseInt64(*v) : std::nullopt;
      if (!n || *n < 1 || *n > 100) return Usage("--brokers: expected a number from 1 to 100");
      brokers = static_cast<int>(*n);
    } else if (a == "--port-file" || secor::StartsWith(a, "--port-file=")) {
      auto v = value("--port-file");
      if (!v || v->empty()) return Usage("--port-file: expected a path");
      port_file = *v;
    } else if (secor::StartsWith(a, "-")) {
      return Usage("unknown option " + a);
    } else {
      auto spec = secor::ParseTopicSpec(a);
      if (!spec.ok()) return Usage(spec.status().message());
      topics.push_back(*spec);
    }
  }

  // Blocked before librdkafka starts its threads, so that every thread
  // inherits the mask and the signals arrive only through the signalfd.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sig_fd < 0) {
    std::fprintf(stderr, "secor-testbroker: signalfd: %s\n", std::strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  secor::TestBroker broker;
  if (auto st = broker.Start(brokers); !st.ok()) {
    std::fprintf(stderr, "secor-testbroker: %s\n", st.message().c_str());
    return 1;
  }
  for (const auto& t : topics) {
    if (auto st = broker.CreateTopic(t.name, t.partitions); !st.ok()) {
      std::fprintf(stderr, "secor-testbroker: %s\n", st.message().c_str());
      return 1;
    }
  }
  const std::string bootstraps = broker.Bootstraps();
  if (!port_file.empty() && !WriteFileAtomically(port_file, bootstraps)) {
    std::fprintf(stderr, "secor-testbroker: writing %s: %s\n", port_file.c_str(),
                 std::strerror(errno));
    return 1;
  }
  Answer(bootstraps);

  std::string pending;
  bool stdin_open = true;
  bool quit = false;
  while (!quit) {
    pollfd fds[2] = {{sig_fd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "secor-testbroker: poll: %s\n", std::strerror(errno));
      return 1;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      if (read(sig_fd, &info, sizeof(info)) == sizeof(info)) break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      ssize_t got = read(0, buf, sizeof(buf));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        stdin_open = false;  // keep serving until quit or a signal
        continue;
      }
      pending.append(buf, static_cast<size_t>(got));
      size_t nl;
      while (!quit && (nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (secor::Trim(line).empty()) continue;
        Answer(broker.Execute(line, &quit));
      }
    }
  }
  return 0;
}
