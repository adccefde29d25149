#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "consumer/consumer.h"
#include "metrics/http_server.h"
#include "tools/command.h"
#include "tools/config_check.h"

namespace secor {
namespace {

std::atomic<Consumer*> g_consumer{nullptr};
std::atomic<int> g_signals{0};

void OnSignal(int) {
  // The first signal stops gracefully; a second one exits at once (nothing
  // uncommitted is lost: the next owner reads it again from Kafka).
  if (++g_signals > 1) _exit(130);
  if (Consumer* c = g_consumer.load()) c->RequestStop();
}

// secor.http.port (or the original's ostrich.port): /metrics, /healthz,
// /status and the status page; nullptr when neither is set.
Result<std::unique_ptr<StatusServer>> StartStatusServer(const Config& config) {
  ASSIGN_OR_RETURN(auto port, config.Lookup("secor.http.port"));
  if (!port || port->empty()) {
    ASSIGN_OR_RETURN(port, config.Lookup("ostrich.port"));
  }
  if (!port || port->empty() || *port == "0") return std::unique_ptr<StatusServer>();
  StatusServerOptions options;
  auto key = config.Has("secor.http.port") ? "secor.http.port" : "ostrich.port";
  ASSIGN_OR_RETURN(int64_t p, config.Int(key));
  if (p < 0 || p > 65535) return config.BadValue(key, "must be a TCP port");
  options.port = static_cast<int>(p);
  ASSIGN_OR_RETURN(options.bind_address, config.String("secor.http.bind.address"));
  ASSIGN_OR_RETURN(int64_t max_age, config.Int("secor.http.healthz.max.silence.seconds"));
  options.healthz_max_age_ms = max_age * 1000;
  spdlog::default_logger()->sinks().push_back(NewStatusLogSink());
  ASSIGN_OR_RETURN(auto server, StatusServer::Start(options));
  spdlog::info("status server on {}:{} (/metrics /healthz /readyz /status /)", options.bind_address,
               server->port());
  return server;
}

// Every open output file holds a descriptor (a Parquet file two: its spill
// file too), and an hourly partitioner over hundreds of partitions opens
// thousands; the usual soft limit of 1,024 would fail such a process, while
// the hard limit is there to be asked for.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::info("open file limit raised from {} to {}", before, limit.rlim_max);
  } else {
    spdlog::warn("open file limit stays at {}: {}", before, std::strerror(errno));
  }
}

}  // namespace

void AddConsumeCommand(CLI::App& app, CommandRun* run) {
  auto* sub =
      app.add_subcommand("consume", "run a consumer-group member that uploads topics to the store");
  auto flags = std::make_shared<ConfigFlags>();
  flags->AddTo(sub, false);  // --set alone may carry every setting
  auto max_messages = std::make_shared<int64_t>(0);
  sub->add_option("--max-messages", *max_messages, "stop after this many messages (tests, demos)");
  sub->callback([run, flags, max_messages] {
    *run = [flags, max_messages] {
      if (flags->config_path.empty() && flags->overrides.empty()) {
        return Fail("consume",
                    Status::InvalidArgument("no configuration file: give --config FILE "
                                            "(e.g. examples/local.properties), or every "
                                            "setting with --set key=value"),
                    2);
      }
      auto config = LoadConfig(*flags, /*stop_on_unsupported=*/false);
      if (!config.ok()) return Fail("consume", config.status(), 2);
      RaiseOpenFileLimit();
      // Every problem of the file at once, and before joining the group: a
      // member that then stops would leave the group waiting for it to
      // time out.
      std::vector<std::string> problems = ValidateConsumeConfig(*config);
      for (const std::string& p : problems) Fail("consume", Status::InvalidArgument("{}", p));
      if (!problems.empty()) {
        return Fail(
            "consume",
            Status::InvalidArgument("{} configuration {}; not started (secor check -c "
                                    "FILE checks a file without starting)",
                                    problems.size(), problems.size() == 1 ? "problem" : "problems"),
            2);
      }
      ConsumerOptions options;
      options.max_messages = *max_messages;
      options.stop_signals = &g_signals;
      // Installed before start-up, which may wait on a store or broker: a
      // SIGTERM then ends the process cleanly once start-up is over, rather
      // than killing it with nothing to show for why.
      std::signal(SIGTERM, OnSignal);
      std::signal(SIGINT, OnSignal);
      auto consumer = Consumer::Create(*config, options);
      if (!consumer.ok() && g_signals.load() > 0) {
        spdlog::info("stopping: asked to stop during start-up ({})", consumer.status().message());
        return 0;
      }
      if (!consumer.ok()) return Fail("consume", consumer.status(), 2);
      if (g_signals.load() > 0) {
        spdlog::info("stopping: asked to stop during start-up; nothing was consumed");
        return 0;
      }
      auto server = StartStatusServer(*config);
      if (!server.ok()) return Fail("consume", server.status(), 2);
      g_consumer = consumer->get();
      if (g_signals.load() > 0) (*consumer)->RequestStop();  // arrived just now
      Status st = (*consumer)->Run();
      g_consumer = nullptr;
      if (!st.ok()) return Fail("consume", st, 1);
      return 0;
    };
  });
}

}  // namespace secor
