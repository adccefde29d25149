// secor finalize: the original's PartitionFinalizerMain. Marks output
// partitions complete with `_SUCCESS` once no more data can arrive for them,
// registering each with Hive (Qubole API and/or a hook command) first.
//
// Per topic: every Kafka partition's last committed message gives a time (now
// when the partition is idle: everything committed and older than the delay);
// the minimum minus partitioner.finalizer.delay.seconds bounds the closed
// periods. Walking back up to secor.finalizer.lookback.periods periods, missing
// directories are skipped and the walk stops at one that has `_SUCCESS`; the
// rest are finalized oldest first, hours before days. A failed registration
// stops the topic there (that `_SUCCESS` and every newer one stay unwritten)
// so the next run retries it. Message times are Kafka record timestamps.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "config/config.h"
#include "metrics/status.h"
#include "parse/time_partitioner.h"
#include "storage/object_store.h"
#include "tools/command.h"
#include "tools/group_offsets.h"
#include "tools/ops_http.h"

namespace secor {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

struct FinalizeArgs {
  ConfigFlags flags;
  std::string group;
};

// "dt=2026-11-24/hr=13" -> "dt='2026-11-24', hr='13'"
std::string PartitionSpec(const std::string& path) {
  std::vector<std::string> parts;
  for (const auto& d : Split(path, '/', true)) {
    size_t eq = d.find('=');
    if (eq == std::string::npos) continue;
    parts.push_back(d.substr(0, eq) + "='" + d.substr(eq + 1) + "'");
  }
  return Join(parts, ", ");
}

class Finalizer {
 public:
  Finalizer(const Config& config, ObjectStore* store, GroupOffsets* kafka)
      : config_(config), store_(store), kafka_(kafka) {}

  Status RunOnce();

 private:
  Status FinalizeTopic(const std::string& topic);
  // Closed period directories of partitioner p, newest first, before bound_ms.
  Result<std::vector<std::string>> Pending(const std::string& topic, const TimePartitioner& p,
                                           int64_t bound_ms, int64_t period_ms);
  Status Register(const std::string& topic, const std::string& path);
  Status Qubole(const std::string& table, const std::string& spec);
  Status Hook(const std::string& topic, const std::string& table, const std::string& spec,
              const std::string& location);

  const Config& config_;
  ObjectStore* store_;
  GroupOffsets* kafka_;
};

Result<std::vector<std::string>> Finalizer::Pending(const std::string& topic,
                                                    const TimePartitioner& p, int64_t bound_ms,
                                                    int64_t period_ms) {
  ASSIGN_OR_RETURN(int64_t lookback, config_.Int("secor.finalizer.lookback.periods"));
  std::string current, path, previous;
  p.PathFor(bound_ms, &current);
  std::vector<std::string> out;
  for (int64_t k = 1; k <= lookback; ++k) {
    // Stepping whole periods back from the bound and skipping the bound's own
    // period keeps only closed periods, whatever the zone's offset or DST.
    p.PathFor(bound_ms - k * period_ms, &path);
    if (path == current || path == previous) continue;
    previous = path;
    std::vector<ObjectInfo> objects;
    RETURN_IF_ERROR(store_->List(topic + "/" + path + "/", &objects));
    if (objects.empty()) continue;
    bool done = false;
    for (const auto& o : objects) done = done || o.key == topic + "/" + path + "/_SUCCESS";
    if (done) break;
    out.push_back(path);
  }
  return out;
}

Status Finalizer::Qubole(const std::string& table, const std::string& spec) {
  ASSIGN_OR_RETURN(std::string url, config_.String("secor.qubole.api.url"));
  ASSIGN_OR_RETURN(std::string token, config_.String("secor.qubole.api.token"));
  ASSIGN_OR_RETURN(int64_t timeout_ms, config_.Int("secor.qubole.timeout.ms"));
  ASSIGN_OR_RETURN(int64_t poll_ms, config_.Int("secor.qubole.poll.interval.ms"));
  std::string query = "ALTER TABLE " + table + " ADD IF NOT EXISTS PARTITION (" + spec + ")";
  std::vector<std::string> headers{"X-AUTH-TOKEN: " + token, "Content-Type: application/json",
                                   "Accept: application/json"};
  std::string body = "{\"command_type\":\"HiveCommand\",\"query\":" + JsonQuote(query) + "}";
  ASSIGN_OR_RETURN(auto r, OpsHttp("POST", url, body, headers));
  int64_t deadline = NowMillis() + timeout_ms;
  simdjson::dom::parser parser;
  while (true) {
    if (r.code / 100 != 2)
      return Status::Unavailable("Qubole {}: HTTP {}: {}", query, r.code, Trim(r.body));
    simdjson::dom::element doc;
    int64_t id = 0;
    std::string_view status;
    if (parser.parse(r.body).get(doc) || doc["id"].get_int64().get(id) ||
        doc["status"].get_string().get(status)) {
      return Status::Corruption("Qubole {}: unreadable answer: {}", query, Trim(r.body));
    }
    if (status == "done") return Status::OK();
    if (status == "error" || status == "cancelled") {
      return Status::Unavailable("Qubole {}: command {} ended '{}'", query, id, status);
    }
    if (NowMillis() >= deadline) {
      return Status::Unavailable(
          "Qubole {}: command {} not done after {} ms (secor.qubole.timeout.ms)", query, id,
          timeout_ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    ASSIGN_OR_RETURN(r, OpsHttp("GET", url + "/" + std::to_string(id), "", headers));
  }
}

Status Finalizer::Hook(const std::string& topic, const std::string& table, const std::string& spec,
                       const std::string& location) {
  ASSIGN_OR_RETURN(std::string command, config_.String("secor.finalizer.hook.command"));
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork for secor.finalizer.hook.command", errno);
  if (pid == 0) {
    setenv("SECOR_TOPIC", topic.c_str(), 1);
    setenv("SECOR_HIVE_TABLE", table.c_str(), 1);
    setenv("SECOR_HIVE_PARTITION", spec.c_str(), 1);
    setenv("SECOR_PARTITION_LOCATION", location.c_str(), 1);
    std::string script = command + " \"$@\"";
    execl("/bin/sh", "sh", "-c", script.c_str(), "secor-finalize-hook", table.c_str(), spec.c_str(),
          location.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::OK();
  return Status::Unavailable("secor.finalizer.hook.command for {} ({}) failed with status {}",
                             table, spec,
                             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

Status Finalizer::Register(const std::string& topic, const std::string& path) {
  ASSIGN_OR_RETURN(bool qubole, config_.Bool("secor.enable.qubole"));
  ASSIGN_OR_RETURN(std::string hook, config_.String("secor.finalizer.hook.command"));
  if (!qubole && hook.empty()) return Status::OK();
  ASSIGN_OR_RETURN(auto named, config_.Lookup("secor.hive.table.name." + topic));
  std::string table;
  if (named && !named->empty()) {
    table = *named;
  } else {
    ASSIGN_OR_RETURN(std::string prefix, config_.String("secor.hive.prefix"));
    table = prefix + topic;
  }
  std::string spec = PartitionSpec(path);
  if (qubole) RETURN_IF_ERROR(Qubole(table, spec));
  if (!hook.empty()) RETURN_IF_ERROR(Hook(topic, table, spec, store_->Uri(topic + "/" + path)));
  return Status::OK();
}

Status Finalizer::FinalizeTopic(const std::string& topic) {
  ASSIGN_OR_RETURN(int64_t delay_s, config_.Int("partitioner.finalizer.delay.seconds"));
  ASSIGN_OR_RETURN(auto parts, kafka_->Partitions(topic));
  int64_t now = NowMillis();
  int64_t min_ms = INT64_MAX;
  for (const auto& p : parts) {
    if (p.committed <= 0) {
      spdlog::info("finalize {}: partition {} has no committed message yet; nothing to finalize",
                   topic, p.partition);
      return Status::OK();
    }
    ASSIGN_OR_RETURN(int64_t ts, kafka_->TimestampAt(topic, p.partition, p.committed - 1));
    bool idle = p.committed >= p.high && now - ts > delay_s * 1000;
    min_ms = std::min(min_ms, idle ? now : ts);
  }
  int64_t bound = min_ms - delay_s * 1000;
  ASSIGN_OR_RETURN(bool hourly, config_.BoolForTopic("partitioner.granularity.hour", topic));
  Config daily_config = config_;
  daily_config.Set("partitioner.granularity.hour", "false", "finalize");
  daily_config.Set("partitioner.granularity.minute", "false", "finalize");
  daily_config.Unset("partitioner.granularity.hour." + topic);
  daily_config.Unset("partitioner.granularity.minute." + topic);
  ASSIGN_OR_RETURN(auto daily, TimePartitioner::FromConfig(daily_config, topic));
  int64_t day_bound = bound;
  if (hourly) {
    Config hour_config = config_;
    hour_config.Set("partitioner.granularity.minute", "false", "finalize");
    hour_config.Unset("partitioner.granularity.minute." + topic);
    ASSIGN_OR_RETURN(auto hours, TimePartitioner::FromConfig(hour_config, topic));
    ASSIGN_OR_RETURN(auto pending, Pending(topic, *hours, bound, 3600000));
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
      Status st = Register(topic, *it);
      if (st.ok()) st = store_->PutBytes(topic + "/" + *it + "/_SUCCESS", "", {});
      if (!st.ok()) {
        spdlog::error("finalize {}: {}: {}; it and later partitions wait for the next run", topic,
                      *it, st.message());
        // The day of a failed hour must not close either: bound the days by it.
        for (int64_t k = 1; k <= 24 * 400; ++k) {
          std::string p;
          hours->PathFor(bound - k * 3600000, &p);
          if (p == *it) {
            day_bound = bound - k * 3600000;
            break;
          }
        }
        break;
      }
      spdlog::info("finalize {}: wrote {}", topic, store_->Uri(topic + "/" + *it + "/_SUCCESS"));
    }
  }
  ASSIGN_OR_RETURN(auto days, Pending(topic, *daily, day_bound, 86400000));
  for (auto it = days.rbegin(); it != days.rend(); ++it) {
    // With hourly partitions the Hive partitions are the hours; the day only gets its marker.
    Status st = hourly ? Status::OK() : Register(topic, *it);
    if (st.ok()) st = store_->PutBytes(topic + "/" + *it + "/_SUCCESS", "", {});
    if (!st.ok()) {
      spdlog::error("finalize {}: {}: {}; it and later partitions wait for the next run", topic,
                    *it, st.message());
      return Status::OK();
    }
    spdlog::info("finalize {}: wrote {}", topic, store_->Uri(topic + "/" + *it + "/_SUCCESS"));
  }
  return Status::OK();
}

Status Finalizer::RunOnce() {
  ASSIGN_OR_RETURN(auto topics, kafka_->Topics(config_, {}));
  Status first;
  for (const auto& t : topics) {
    Status st = FinalizeTopic(t);
    if (!st.ok()) {
      spdlog::error("finalize {}: {}", t, st.message());
      if (first.ok()) first = st;
    }
  }
  return first;
}

int RunFinalize(const FinalizeArgs& args) {
  auto config = LoadConfig(args.flags);
  if (!config.ok()) return Fail("finalize", config.status(), 2);
  std::string group = args.group;
  if (group.empty()) {
    auto g = config->Required("secor.kafka.group");
    if (!g.ok()) return Fail("finalize", g.status(), 2);
    group = *g;
  }
  auto uri = OutputUri(*config);
  if (!uri.ok()) return Fail("finalize", uri.status(), 2);
  auto store = OpenObjectStore(*uri, *config);
  if (!store.ok()) return Fail("finalize", store.status(), 2);
  auto kafka = GroupOffsets::Create(*config, group);
  if (!kafka.ok()) return Fail("finalize", kafka.status(), 2);
  auto interval_s = config->Int("secor.finalizer.interval.seconds");
  if (!interval_s.ok()) return Fail("finalize", interval_s.status(), 2);
  int64_t interval = *interval_s;
  Finalizer finalizer(*config, store->get(), kafka->get());
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  while (true) {
    Status st = finalizer.RunOnce();
    if (interval <= 0) return st.ok() ? 0 : Fail("finalize", st, 1);
    for (int64_t w = 0; w < interval * 10 && !g_stop.load(); ++w) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_stop.load()) return 0;
  }
}

}  // namespace

void AddFinalizeCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand("finalize", "write _SUCCESS markers and register Hive partitions");
  auto args = std::make_shared<FinalizeArgs>();
  args->flags.AddTo(sub, true);
  sub->add_option("-g,--group", args->group, "consumer group (default: secor.kafka.group)");
  sub->callback([run, args] { *run = [args] { return RunFinalize(*args); }; });
}

}  // namespace secor
