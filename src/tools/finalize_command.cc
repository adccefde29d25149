// secor finalize: the original's PartitionFinalizerMain. Marks output
// partitions complete with `_SUCCESS` once no more data can arrive for them,
// registering each with Hive (Qubole API and/or a hook command) first.
//
// Per topic: every Kafka partition's last committed message gives a time (now
// when the partition is idle: everything committed and older than the delay);
// partitions without a committed message are left out, as the original did.
// The minimum minus partitioner.finalizer.delay.seconds bounds the closed
// periods. The message time comes from the topic's parser (after its
// transformer), as the consumer saw it; the Kafka record time only with
// kafka.useTimestamp. Walking back up to secor.finalizer.lookback.periods
// periods of the finest granularity, missing directories are skipped and the
// walk stops at one that has `_SUCCESS`; the rest are finalized oldest first,
// minutes before their hour and hours before their day. A failed registration
// stops the topic there (that `_SUCCESS` and every newer one stay unwritten)
// so the next run retries it.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "config/config.h"
#include "metrics/status.h"
#include "net/http_client.h"
#include "parse/message_parser.h"
#include "parse/time_partitioner.h"
#include "storage/object_store.h"
#include "tools/command.h"
#include "tools/group_offsets.h"

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
  // Time of the partition's last committed message, as the consumer's parser saw it.
  Result<int64_t> CommittedTime(const std::string& topic, const PartitionOffsets& p,
                                MessageParser* parser, MessageTransformer* transformer);
  struct Candidate {
    std::string path;
    bool registered;  // a Hive partition: the finest granularity
  };
  // Closed, unfinalized partition directories before bound_ms, oldest first.
  Result<std::vector<Candidate>> Pending(const std::string& topic, int64_t bound_ms);
  Status Register(const std::string& topic, const std::string& path);
  Status Qubole(const std::string& table, const std::string& spec);
  Status Hook(const std::string& topic, const std::string& table, const std::string& spec,
              const std::string& location);

  const Config& config_;
  ObjectStore* store_;
  GroupOffsets* kafka_;
};

Result<std::vector<Finalizer::Candidate>> Finalizer::Pending(const std::string& topic,
                                                             int64_t bound_ms) {
  ASSIGN_OR_RETURN(int64_t lookback, config_.Int("secor.finalizer.lookback.periods"));
  ASSIGN_OR_RETURN(bool minutely, config_.BoolForTopic("partitioner.granularity.minute", topic));
  ASSIGN_OR_RETURN(bool hourly, config_.BoolForTopic("partitioner.granularity.hour", topic));
  hourly = hourly || minutely;
  // One partitioner per level, coarsest first: day, hour, minute.
  ASSIGN_OR_RETURN(PartitionerOptions all, LoadPartitionerOptions(config_, topic));
  std::vector<std::unique_ptr<TimePartitioner>> levels;
  for (size_t level = 0; level < all.levels.size(); ++level) {
    PartitionerOptions options;
    options.zone = all.zone;
    options.levels.assign(all.levels.begin(),
                          all.levels.begin() + static_cast<std::ptrdiff_t>(level) + 1);
    levels.push_back(TimePartitioner::New(std::move(options)));
  }
  const int64_t period_ms = minutely ? 60000 : hourly ? 3600000 : 86400000;
  // The bound's own partitions are open at every level.
  std::set<std::string> seen;
  std::string path;
  for (const auto& p : levels) {
    p->PathFor(bound_ms, &path);
    seen.insert(path);
  }
  // Stepping whole periods back from the bound keeps only closed periods,
  // whatever the zone's offset or DST. Entering a partition of a coarser level
  // means it is closed too; newest first it comes before its last finer one,
  // so oldest first a day follows its last hour and an hour its last minute.
  struct Found {
    Candidate candidate;
    std::set<std::string> open_children;  // finer partitions in it without _SUCCESS
  };
  std::vector<Found> newest_first;
  std::set<std::string> candidates;
  for (int64_t k = 1; k <= lookback; ++k) {
    bool stop = false;
    for (size_t level = 0; level < levels.size() && !stop; ++level) {
      levels[level]->PathFor(bound_ms - k * period_ms, &path);
      if (!seen.insert(path).second) continue;
      std::string prefix = topic;
      prefix.append("/").append(path).append("/");
      std::vector<ObjectInfo> objects;
      RETURN_IF_ERROR(store_->List(prefix, &objects));
      if (objects.empty()) continue;
      Found found{{path, level + 1 == levels.size()}, {}};
      std::set<std::string> done;
      for (const auto& o : objects) {
        std::string_view rest = std::string_view(o.key).substr(prefix.size());
        stop = stop || rest == "_SUCCESS";
        size_t slash = rest.find('/');
        if (slash == std::string_view::npos || found.candidate.registered) continue;
        std::string child = path + "/" + std::string(rest.substr(0, slash));
        found.open_children.insert(child);
        if (rest.substr(slash + 1) == "_SUCCESS") done.insert(child);
      }
      for (const auto& d : done) found.open_children.erase(d);
      if (stop) break;
      candidates.insert(path);
      newest_first.push_back(std::move(found));
    }
    if (stop) break;
  }
  std::vector<Candidate> out;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    // A day (or hour) is complete only with all of its hours (or minutes);
    // one that the lookback did not reach keeps it open.
    std::vector<std::string> open;
    for (const auto& child : it->open_children) {
      if (!candidates.count(child)) open.push_back(child);
    }
    if (!open.empty()) {
      spdlog::warn(
          "finalize {}: {} stays open: {} not finalized and beyond "
          "secor.finalizer.lookback.periods",
          topic, it->candidate.path, Join(open, ", "));
      continue;
    }
    out.push_back(it->candidate);
  }
  return out;
}

Status Finalizer::Qubole(const std::string& table, const std::string& spec) {
  ASSIGN_OR_RETURN(std::string url, config_.String("secor.qubole.api.url"));
  ASSIGN_OR_RETURN(std::string token, config_.String("secor.qubole.api.token"));
  ASSIGN_OR_RETURN(int64_t timeout_ms, config_.Int("secor.qubole.timeout.ms"));
  ASSIGN_OR_RETURN(int64_t poll_ms, config_.Int("secor.qubole.poll.interval.ms"));
  std::string query = "ALTER TABLE " + table + " ADD IF NOT EXISTS PARTITION (" + spec + ")";
  net::HttpHeaders headers{{"X-AUTH-TOKEN", token},
                           {"Content-Type", "application/json"},
                           {"Accept", "application/json"}};
  std::string body = "{\"command_type\":\"HiveCommand\",\"query\":" + JsonQuote(query) + "}";
  ASSIGN_OR_RETURN(auto r, net::SendServiceHttp("POST", url, body, headers));
  int64_t deadline = NowMillis() + timeout_ms;
  simdjson::dom::parser parser;
  while (true) {
    if (r.status / 100 != 2)
      return Status::Unavailable("Qubole {}: HTTP {}: {}", query, r.status, Trim(r.body));
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
    ASSIGN_OR_RETURN(r, net::SendServiceHttp("GET", url + "/" + std::to_string(id), "", headers));
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

Result<int64_t> Finalizer::CommittedTime(const std::string& topic, const PartitionOffsets& p,
                                         MessageParser* parser, MessageTransformer* transformer) {
  // A committed message the parser rejected (it went to the error output) or
  // the transformer dropped has no time: the one before it stands in, which
  // can only make the bound earlier.
  constexpr int kTries = 10;
  Status last;
  for (int64_t offset = p.committed - 1; offset >= std::max(p.low, p.committed - kTries);
       --offset) {
    ASSIGN_OR_RETURN(StoredRecord r, kafka_->RecordAt(topic, p.partition, offset));
    Message m;
    m.topic = topic;
    m.partition = p.partition;
    m.offset = r.offset;
    m.has_key = r.has_key;
    m.key = r.key;
    m.payload = r.payload;
    m.timestamp_ms = r.timestamp_ms;
    for (const auto& [name, value] : r.headers) m.headers.push_back({name, value});
    std::string transformed;
    if (transformer) {
      auto keep = transformer->Transform(m, &transformed);
      if (!keep.ok()) {
        last = keep.status();
        continue;
      }
      if (!*keep) {
        last = Status::NotFound("dropped by the transformer");
        continue;
      }
      m.payload = transformed;
    }
    auto ms = parser->MessageTime(m);
    if (ms.ok()) return *ms;
    last = ms.status();
  }
  return Status::InvalidArgument(
      "no message time in the last committed messages of partition {} before offset {} "
      "(secor.message.parser.class; kafka.useTimestamp=true uses the Kafka record time): {}",
      p.partition, p.committed, last.message());
}

Status Finalizer::FinalizeTopic(const std::string& topic) {
  ASSIGN_OR_RETURN(int64_t delay_s, config_.Int("partitioner.finalizer.delay.seconds"));
  ASSIGN_OR_RETURN(bool use_kafka_time, config_.BoolForTopic("kafka.useTimestamp", topic));
  std::unique_ptr<MessageParser> parser;
  std::unique_ptr<MessageTransformer> transformer;
  ASSIGN_OR_RETURN(parser, NewMessageParser(config_, topic));
  if (!parser->PartitionsByTime()) {
    spdlog::info("finalize {}: its parser does not partition by time; nothing to finalize", topic);
    return Status::OK();
  }
  if (!use_kafka_time) {
    ASSIGN_OR_RETURN(transformer, NewMessageTransformer(config_, topic));
  }
  ASSIGN_OR_RETURN(auto parts, kafka_->Partitions(topic));
  int64_t now = NowMillis();
  int64_t min_ms = INT64_MAX;
  for (const auto& p : parts) {
    if (p.committed <= p.low) {
      // Nothing of it was ever committed (or all of it expired): it has
      // nothing in the store to wait for, so it does not hold the topic back.
      spdlog::info("finalize {}: partition {} has no committed message; left out", topic,
                   p.partition);
      continue;
    }
    int64_t ts = 0;
    if (use_kafka_time) {
      ASSIGN_OR_RETURN(ts, kafka_->TimestampAt(topic, p.partition, p.committed - 1));
    } else {
      ASSIGN_OR_RETURN(ts, CommittedTime(topic, p, parser.get(), transformer.get()));
    }
    bool idle = p.committed >= p.high && now - ts > delay_s * 1000;
    spdlog::debug("finalize {}: partition {} committed {} of {}, message time {}{}", topic,
                  p.partition, p.committed, p.high, ts, idle ? " (idle)" : "");
    min_ms = std::min(min_ms, idle ? now : ts);
  }
  if (min_ms == INT64_MAX) {
    spdlog::info("finalize {}: no partition has a committed message; nothing to finalize", topic);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(auto pending, Pending(topic, min_ms - delay_s * 1000));
  if (pending.empty()) {
    // Said, so that a run that did nothing is told from one that did not run.
    spdlog::info(
        "finalize {}: nothing new to finalize (every partition complete before the "
        "committed messages has its _SUCCESS)",
        topic);
  }
  for (const auto& c : pending) {
    // Only the finest partitions are Hive partitions; coarser ones get the marker alone.
    Status st = c.registered ? Register(topic, c.path) : Status::OK();
    if (st.ok()) st = store_->PutBytes(topic + "/" + c.path + "/_SUCCESS", "", {});
    if (!st.ok()) {
      spdlog::error("finalize {}: {}: {}; it and later partitions wait for the next run", topic,
                    c.path, st.message());
      return Status::OK();
    }
    spdlog::info("finalize {}: wrote {}", topic, store_->Uri(topic + "/" + c.path + "/_SUCCESS"));
  }
  return Status::OK();
}

Status Finalizer::RunOnce() {
  ASSIGN_OR_RETURN(auto topics, kafka_->Topics(config_, {}));
  if (topics.empty()) spdlog::info("finalize: no topic matches secor.kafka.topic_filter");
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
