// secor progress: the original's ProgressMonitorMain. For every topic of the
// group: lag in offsets (high watermark - committed) and in seconds (record
// timestamp of the newest message - that of the last committed one), printed
// as a table and exported to Prometheus (own /metrics or a textfile), OpenTSDB
// and StatsD. Runs once, or every monitoring.interval.seconds.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "metrics/http_server.h"
#include "metrics/metrics.h"
#include "net/http_client.h"
#include "tools/command.h"
#include "tools/group_offsets.h"

namespace secor {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

struct ProgressArgs {
  ConfigFlags flags;
  std::string group;
  int port = -1;
  std::string textfile;
  bool dogstatsd = false;
};

struct Lag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  int64_t high = 0;
  int64_t offsets = 0;
  int64_t seconds = 0;
};

Result<std::vector<Lag>> Measure(GroupOffsets& kafka, const Config& config) {
  ASSIGN_OR_RETURN(std::string black, config.String("monitoring.blacklist.topics"));
  std::vector<std::string> skip;
  for (auto& t : Split(black, ',', true)) skip.emplace_back(Trim(t));
  ASSIGN_OR_RETURN(auto topics, kafka.Topics(config, skip));
  std::vector<Lag> out;
  for (const auto& topic : topics) {
    ASSIGN_OR_RETURN(auto parts, kafka.Partitions(topic));
    for (const auto& p : parts) {
      Lag l;
      l.topic = topic;
      l.partition = p.partition;
      l.committed = p.committed;
      l.high = p.high;
      // As the original: a partition the group never committed is not reported.
      if (p.committed <= 0) {
        out.push_back(l);
        continue;
      }
      l.offsets = std::max<int64_t>(0, p.high - p.committed);
      if (l.offsets > 0) {
        ASSIGN_OR_RETURN(int64_t committed_ts,
                         kafka.TimestampAt(topic, p.partition, p.committed - 1));
        ASSIGN_OR_RETURN(int64_t newest_ts, kafka.TimestampAt(topic, p.partition, p.high - 1));
        l.seconds = std::max<int64_t>(0, (newest_ts - committed_ts) / 1000);
      }
      out.push_back(l);
    }
  }
  return out;
}

Status SendStatsd(const std::string& hostport, const std::vector<std::string>& lines) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("statsd.hostport '{}': expected host:port", hostport);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(hostport.substr(0, colon).c_str(), hostport.substr(colon + 1).c_str(),
                       &hints, &res);
  if (rc != 0) return Status::Unavailable("statsd.hostport {}: {}", hostport, gai_strerror(rc));
  int fd = ::socket(res->ai_family, SOCK_DGRAM, 0);
  Status st;
  // One datagram per gauge: no packet can exceed the MTU whatever the names.
  for (const auto& line : lines) {
    if (::sendto(fd, line.data(), line.size(), 0, res->ai_addr, res->ai_addrlen) < 0) {
      st = Status::FromErrno("statsd send to " + hostport, errno);
      break;
    }
  }
  ::close(fd);
  freeaddrinfo(res);
  return st;
}

int RunProgress(const ProgressArgs& args) {
  auto config = LoadConfig(args.flags);
  if (!config.ok()) return Fail("progress", config.status(), 2);
  std::string group = args.group;
  if (group.empty()) {
    auto g = config->Required("secor.kafka.group");
    if (!g.ok()) return Fail("progress", g.status(), 2);
    group = *g;
  }
  std::string prefix, tsdb, statsd;
  bool with_group = true, dogstatsd = args.dogstatsd;
  int64_t interval = 0;
  Status read = [&]() -> Status {
    ASSIGN_OR_RETURN(prefix, config->String("monitoring.prefix"));
    ASSIGN_OR_RETURN(tsdb, config->String("tsdb.hostport"));
    ASSIGN_OR_RETURN(statsd, config->String("statsd.hostport"));
    ASSIGN_OR_RETURN(with_group, config->Bool("statsd.prefixWithConsumerGroup"));
    ASSIGN_OR_RETURN(bool dog, config->Bool("statsd.dogstatsd"));
    dogstatsd = dogstatsd || dog;
    ASSIGN_OR_RETURN(interval, config->Int("monitoring.interval.seconds"));
    return Status::OK();
  }();
  if (!read.ok()) return Fail("progress", read, 2);
  auto kafka = GroupOffsets::Create(*config, group);
  if (!kafka.ok()) return Fail("progress", kafka.status(), 2);

  std::unique_ptr<StatusServer> server;
  if (args.port >= 0) {
    StatusServerOptions o;
    o.port = args.port;
    auto s = StatusServer::Start(o);
    if (!s.ok()) return Fail("progress", s.status(), 2);
    server = std::move(s).value();
    spdlog::info("progress: /metrics on port {}", server->port());
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::string prom = prefix;
  for (char& c : prom) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  int failures = 0;
  while (true) {
    auto lags = Measure(**kafka, *config);
    if (!lags.ok()) {
      ++failures;
      spdlog::error("progress: {}", lags.status().message());
      if (interval <= 0) return Fail("progress", lags.status(), 1);
    } else {
      std::printf("%-20s %-30s %9s %12s %12s %11s %11s\n", "group", "topic", "partition",
                  "committed", "end", "lag_offsets", "lag_seconds");
      int64_t now_s = NowMillis() / 1000;
      std::string tsdb_body = "[";
      std::vector<std::string> statsd_lines;
      for (const auto& l : *lags) {
        if (l.committed <= 0) {
          std::printf("%-20s %-30s %9d %12s %12lld %11s %11s\n", group.c_str(), l.topic.c_str(),
                      l.partition, "-", static_cast<long long>(l.high), "-", "-");
          continue;
        }
        std::printf("%-20s %-30s %9d %12lld %12lld %11lld %11lld\n", group.c_str(), l.topic.c_str(),
                    l.partition, static_cast<long long>(l.committed),
                    static_cast<long long>(l.high), static_cast<long long>(l.offsets),
                    static_cast<long long>(l.seconds));
        Labels labels{
            {"topic", l.topic}, {"partition", std::to_string(l.partition)}, {"group", group}};
        auto& m = MetricsRegistry::Global();
        m.GetGauge(prom + "_lag_offsets", "Messages the group is behind the end of the partition",
                   labels)
            .Set(static_cast<double>(l.offsets));
        m.GetGauge(prom + "_lag_seconds",
                   "Record time between the last committed and the newest message", labels)
            .Set(static_cast<double>(l.seconds));
        for (auto [name, value] : {std::pair<std::string, int64_t>{"lag.offsets", l.offsets},
                                   std::pair<std::string, int64_t>{"lag.seconds", l.seconds}}) {
          std::string metric = prefix;
          metric.append(".").append(name);
          if (tsdb_body.size() > 1) tsdb_body += ",";
          tsdb_body += fmt::format(
              "{{\"metric\":{},\"timestamp\":{},\"value\":{},\"tags\":{{\"topic\":{},\"partition\":"
              "\"{}\","
              "\"group\":{}}}}}",
              JsonQuote(metric), now_s, value, JsonQuote(l.topic), l.partition, JsonQuote(group));
          if (dogstatsd) {
            statsd_lines.push_back(fmt::format("{}:{}|g|#topic:{},partition:{},group:{}", metric,
                                               value, l.topic, l.partition, group));
          } else {
            statsd_lines.push_back(fmt::format("{}{}.{}.{}:{}|g", with_group ? group + "." : "",
                                               metric, l.topic, l.partition, value));
          }
        }
      }
      std::fflush(stdout);
      tsdb_body += "]";
      if (!tsdb.empty() && tsdb_body.size() > 2) {
        auto r = net::SendServiceHttp("POST", "http://" + tsdb + "/api/put", tsdb_body,
                                      {{"Content-Type", "application/json"}});
        if (!r.ok()) {
          spdlog::error("progress: OpenTSDB: {}", r.status().message());
          ++failures;
        } else if (r->status / 100 != 2) {
          spdlog::error("progress: OpenTSDB answered {}: {}", r->status, r->body);
          ++failures;
        }
      }
      if (!statsd.empty() && !statsd_lines.empty()) {
        Status st = SendStatsd(statsd, statsd_lines);
        if (!st.ok()) {
          spdlog::error("progress: {}", st.message());
          ++failures;
        }
      }
      if (!args.textfile.empty()) {
        Status st = WriteFileAtomic(args.textfile, MetricsRegistry::Global().RenderPrometheus());
        if (!st.ok()) {
          spdlog::error("progress: textfile: {}", st.message());
          ++failures;
        }
      }
    }
    if (interval <= 0) break;
    for (int64_t waited = 0; waited < interval * 10 && !g_stop.load(); ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_stop.load()) break;
  }
  return interval <= 0 && failures > 0 ? 1 : 0;
}

}  // namespace

void AddProgressCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand("progress", "print and export consumer lag per topic partition");
  auto args = std::make_shared<ProgressArgs>();
  args->flags.AddTo(sub, true);
  sub->add_option("-g,--group", args->group, "consumer group (default: secor.kafka.group)");
  sub->add_option("--port", args->port,
                  "serve the lag gauges on /metrics at this port (0: any free port)");
  sub->add_option(
      "--prometheus-textfile", args->textfile,
      "write the lag gauges in Prometheus text format to this file (node_exporter textfile)");
  sub->add_flag("--dogstatsd", args->dogstatsd, "StatsD gauges with DogStatsD tags");
  sub->callback([run, args] { *run = [args] { return RunProgress(*args); }; });
}

}  // namespace secor
