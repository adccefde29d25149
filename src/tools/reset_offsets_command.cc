// secor reset-offsets: moves a group's committed offsets in the way the round
// protocol allows (docs/reset-offsets.md). Moving the
// committed offset starts a new chain of rounds at the new offset T, so the
// decisions of the old chain at or after T must go: every round marker whose
// round ends at or after T is removed. The data files those markers name
// still hold messages that the new chain stores again, so the operator must
// choose: --delete-files removes them, or --new-generation keeps them and
// the consumers are restarted with secor.generation+1 (new file names).
//
// A committed round is never split: T inside a committed round moves down to
// the round's start, so its messages are neither lost nor stored twice.
//
// The group's consumers must be stopped: the tool joins the group to commit,
// and refuses when it is not given every partition it resets.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "common/strings.h"
#include "config/config.h"
#include "kafka/client_config.h"
#include "kafka/group_consumer.h"
#include "kafka/kafka_admin.h"
#include "storage/object_store.h"
#include "tools/command.h"
#include "tools/progress_bar.h"
#include "upload/round_ledger.h"

namespace secor {
namespace {

struct ResetArgs {
  ConfigFlags flags;
  std::string topic;
  int32_t partition = -1;
  bool to_earliest = false;
  bool to_latest = false;
  std::string to_time;
  int64_t to_offset = -1;
  bool dry_run = false;
  bool delete_files = false;
  bool new_generation = false;
  int wait_seconds = 30;
};

// Records what the group gives the tool; it reads nothing.
class AssignmentRecorder : public RebalanceListener {
 public:
  AssignPlan OnAssigned(const std::vector<TopicPartition>& parts) override {
    assigned.insert(parts.begin(), parts.end());
    return {};
  }
  void OnRevoked(const std::vector<TopicPartition>& parts, bool) override {
    for (const auto& tp : parts) assigned.erase(tp);
  }
  std::set<TopicPartition> assigned;
};

// Epoch milliseconds, or ISO-8601 "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)".
Result<int64_t> ParseTime(const std::string& text) {
  bool digits = !text.empty();
  for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) return static_cast<int64_t>(std::stoll(text));
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return Status::InvalidArgument("--to-time {}: expected epoch ms or ISO-8601", text);
  int64_t ms = 0;
  if (*rest == '.') {
    int64_t scale = 100;
    for (++rest; std::isdigit(static_cast<unsigned char>(*rest)); ++rest, scale /= 10) {
      ms += (*rest - '0') * scale;
    }
  }
  int64_t offset_s = 0;
  if (*rest == 'Z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) {
      return Status::InvalidArgument("--to-time {}: bad zone offset", text);
    }
    offset_s = (hh * 3600 + mm * 60) * (*rest == '-' ? -1 : 1);
    rest += 6;
  } else {
    return Status::InvalidArgument("--to-time {}: needs a zone (Z or +HH:MM)", text);
  }
  if (*rest) return Status::InvalidArgument("--to-time {}: unexpected '{}'", text, rest);
  return (static_cast<int64_t>(timegm(&tm)) - offset_s) * 1000 + ms;
}

int RunReset(const ResetArgs& args) {
  int targets = int{args.to_earliest} + int{args.to_latest} + int{!args.to_time.empty()} +
                int{args.to_offset >= 0};
  if (targets != 1) {
    return Fail("reset-offsets",
                Status::InvalidArgument(
                    "give exactly one of --to-earliest, --to-latest, --to-time, --to-offset"),
                2);
  }
  if (args.delete_files && args.new_generation) {
    return Fail("reset-offsets",
                Status::InvalidArgument("--delete-files and --new-generation exclude each other"),
                2);
  }
  int64_t target_ms = -1;
  if (!args.to_time.empty()) {
    auto ms = ParseTime(args.to_time);
    if (!ms.ok()) return Fail("reset-offsets", ms.status(), 2);
    target_ms = *ms;
  }
  auto config = LoadConfig(args.flags);
  if (!config.ok()) return Fail("reset-offsets", config.status(), 2);
  auto group = config->Required("secor.kafka.group");
  if (!group.ok()) return Fail("reset-offsets", group.status(), 2);
  auto generation = config->Int("secor.generation");
  if (!generation.ok()) return Fail("reset-offsets", generation.status(), 2);
  auto state_path = config->String("secor.round.state.path");
  if (!state_path.ok()) return Fail("reset-offsets", state_path.status(), 2);
  auto uri = OutputUri(*config);
  if (!uri.ok()) return Fail("reset-offsets", uri.status(), 2);
  auto store = OpenObjectStore(*uri, *config);
  if (!store.ok()) return Fail("reset-offsets", store.status(), 2);
  RoundLedger ledger(store->get(), *state_path, *group);

  auto settings = ConsumerClientSettings(*config, *group);
  if (!settings.ok()) return Fail("reset-offsets", settings.status(), 2);
  (*settings)["client.id"] = "secor-reset-offsets";
  AssignmentRecorder listener;
  auto kafka = GroupConsumer::Create(*settings, &listener);
  if (!kafka.ok()) return Fail("reset-offsets", kafka.status(), 2);
  // Metadata and offsets for times come from a plain client beside the member.
  auto admin_settings = PlainClientSettings(*config);
  if (!admin_settings.ok()) return Fail("reset-offsets", admin_settings.status(), 2);
  (*admin_settings)["client.id"] = "secor-reset-offsets";
  auto admin = KafkaAdmin::Create(*admin_settings);
  if (!admin.ok()) return Fail("reset-offsets", admin.status(), 2);

  auto all = (*admin)->Partitions(args.topic, 10000);
  if (!all.ok()) return Fail("reset-offsets", all.status(), 2);
  std::vector<int32_t> partitions = *all;
  if (args.partition >= 0) {
    if (std::find(all->begin(), all->end(), args.partition) == all->end()) {
      return Fail(
          "reset-offsets",
          Status::InvalidArgument("topic {} has no partition {}", args.topic, args.partition), 2);
    }
    partitions = {args.partition};
  }
  std::vector<TopicPartition> tps;
  tps.reserve(partitions.size());
  for (int32_t p : partitions) tps.push_back({args.topic, p});
  auto committed = (*kafka)->Committed(tps, 30000);
  if (!committed.ok()) return Fail("reset-offsets", committed.status(), 2);

  std::printf("group %s, topic %s, output %s, generation %lld%s\n", group->c_str(),
              args.topic.c_str(), (*store)->Uri("").c_str(), static_cast<long long>(*generation),
              args.dry_run ? " (dry run: nothing is changed)" : "");
  struct Plan {
    int32_t partition;
    int64_t committed, target;
    bool write_root;
    std::map<int64_t, RoundMarker> remove;
  };
  std::vector<Plan> plans;
  size_t affected_files = 0;
  for (int32_t p : partitions) {
    TopicPartition tp{args.topic, p};
    int64_t low = 0, high = 0;
    Status st = (*kafka)->QueryWatermarks(tp, &low, &high, 30000);
    if (!st.ok()) return Fail("reset-offsets", st, 2);
    Plan plan{p, (*committed)[tp], 0, false, {}};
    std::string why;
    if (args.to_earliest) {
      plan.target = low;
    } else if (args.to_latest) {
      plan.target = high;
    } else if (target_ms >= 0) {
      auto off = (*admin)->OffsetForTime(args.topic, p, target_ms, 10000);
      if (!off.ok()) return Fail("reset-offsets", off.status(), 2);
      plan.target = *off < 0 ? high : *off;  // no message at or after the time: the end
    } else {
      plan.target = args.to_offset;
    }
    if (plan.target < low || plan.target > high) {
      return Fail("reset-offsets",
                  Status::InvalidArgument("{}/{}: offset {} is outside the log ({}..{})",
                                          args.topic, p, plan.target, low, high),
                  2);
    }
    auto markers = ledger.ListMarkers(args.topic, p, 0);
    if (!markers.ok()) return Fail("reset-offsets", markers.status(), 2);
    // A committed round is atomic: resetting into one resets to its start.
    for (const auto& [s, m] : *markers) {
      if (s < plan.target && plan.target <= m.end && m.end < plan.committed) {
        why = fmt::format(" (offset {} lies inside committed round {}..{}: its start is used)",
                          plan.target, s, m.end);
        plan.target = s;
      }
    }
    for (const auto& [s, m] : *markers) {
      if (m.end >= plan.target) plan.remove.emplace(s, m);
    }
    plan.write_root = plan.committed < 0;
    std::printf("%s/%d: committed %s -> %lld%s\n", args.topic.c_str(), p,
                plan.committed < 0 ? "none" : std::to_string(plan.committed).c_str(),
                static_cast<long long>(plan.target), why.c_str());
    for (const auto& [s, m] : plan.remove) {
      std::printf("  marker %s (round %lld..%lld)\n", ledger.MarkerKey(args.topic, p, s).c_str(),
                  static_cast<long long>(m.start), static_cast<long long>(m.end));
      for (const auto& f : m.files) {
        std::printf("    file %s\n", f.key.c_str());
        ++affected_files;
      }
    }
    if (plan.write_root) {
      std::printf("  root %s = %lld (the group had no committed offset)\n",
                  ledger.RootKey(args.topic, p).c_str(), static_cast<long long>(plan.target));
    }
    plans.push_back(std::move(plan));
  }

  size_t markers_total = 0;
  for (const auto& plan : plans) markers_total += plan.remove.size();
  std::string file_fate;
  if (affected_files == 0) {
    file_fate = "no data file is affected";
  } else if (args.delete_files) {
    file_fate = fmt::format("the {} data file(s) listed are deleted", affected_files);
  } else if (args.new_generation) {
    file_fate = fmt::format(
        "the {} data file(s) listed stay (generation {}); start the consumers with "
        "secor.generation={}, so that the new chain writes new files; replace the old ones "
        "downstream",
        affected_files, *generation, *generation + 1);
  } else {
    std::printf(
        "%s: the %zu data file(s) listed hold messages that the new chain stores again. "
        "Add --delete-files to delete them, or --new-generation to keep them and restart the "
        "consumers with secor.generation=%lld\n",
        args.dry_run ? "note" : "refused", affected_files, static_cast<long long>(*generation) + 1);
    return args.dry_run ? 0 : 2;
  }
  std::printf("%s %zu marker(s); %s\n", args.dry_run ? "would remove" : "removing", markers_total,
              file_fate.c_str());
  if (args.dry_run) return 0;

  // The tool commits as a member of the group (Kafka refuses commits from
  // outside a group that exists). Alone in the group it gets every
  // partition; a partition given to someone else means consumers still run.
  Status st = (*kafka)->Subscribe({args.topic});
  if (!st.ok()) return Fail("reset-offsets", st, 1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.wait_seconds);
  auto has_all = [&] {
    for (int32_t p : *all) {
      if (!listener.assigned.count({args.topic, p})) return false;
    }
    return true;
  };
  while (!has_all() && std::chrono::steady_clock::now() < deadline) (void)(*kafka)->Poll(200);
  if (!has_all()) {
    (void)(*kafka)->Close();
    return Fail("reset-offsets",
                Status::Unavailable("joined group {} but was not given every partition of {} "
                                    "within {} s: stop the group's consumers and run it again "
                                    "(nothing was changed)",
                                    *group, args.topic, args.wait_seconds),
                1);
  }
  // Files first, then the markers that list them, then the commit: an
  // interrupted run leaves markers that a second run finds again.
  int64_t deletions = 0, deleted = 0;
  for (const auto& plan : plans) {
    for (const auto& [s, m] : plan.remove) {
      deletions += 1 + (args.delete_files ? static_cast<int64_t>(m.files.size()) : 0);
    }
  }
  ProgressBar bar("reset-offsets " + args.topic, "objects deleted");
  for (const auto& plan : plans) {
    if (args.delete_files) {
      for (const auto& [s, m] : plan.remove) {
        for (const auto& f : m.files) {
          st = (*store)->Delete(f.key);
          if (!st.ok()) return Fail("reset-offsets", st.WithContext("delete " + f.key), 1);
          bar.Update(++deleted, deletions);
          (void)(*kafka)->Poll(0);  // stay in the group during long deletions
        }
      }
    }
    for (auto it = plan.remove.rbegin(); it != plan.remove.rend(); ++it) {
      std::string key = ledger.MarkerKey(args.topic, plan.partition, it->first);
      st = (*store)->Delete(key);
      if (!st.ok()) return Fail("reset-offsets", st.WithContext("delete marker " + key), 1);
      bar.Update(++deleted, deletions);
    }
    if (plan.write_root) {
      // The root is create-only for consumers; the stopped group's operator
      // replaces it so that a lost commit cannot bring back the old chain.
      std::string key = ledger.RootKey(args.topic, plan.partition);
      st = (*store)->Delete(key);
      if (!st.ok()) return Fail("reset-offsets", st.WithContext("delete root " + key), 1);
      auto root =
          ledger.CreateOrAdoptRoot(args.topic, plan.partition, plan.target, "secor-reset-offsets");
      if (!root.ok()) return Fail("reset-offsets", root.status(), 1);
    }
  }
  std::map<TopicPartition, int64_t> offsets;
  for (const auto& plan : plans) offsets[{args.topic, plan.partition}] = plan.target;
  st = (*kafka)->Commit(offsets);
  if (!st.ok()) {
    return Fail("reset-offsets",
                st.WithContext("commit (markers and files above are removed; run it again)"), 1);
  }
  (void)(*kafka)->Close();
  std::printf("committed %zu partition(s)\n", offsets.size());
  return 0;
}

}  // namespace

void AddResetOffsetsCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand(
      "reset-offsets",
      "move the group's committed offsets, removing the round markers of the old chain "
      "(stop the group's consumers first)");
  auto args = std::make_shared<ResetArgs>();
  args->flags.AddTo(sub, true);
  sub->add_option("-t,--topic", args->topic, "topic")->required();
  sub->add_option("--partition", args->partition, "only this partition (default: all)");
  sub->add_flag("--to-earliest", args->to_earliest, "the log start");
  sub->add_flag("--to-latest", args->to_latest, "the log end (skip everything unread)");
  sub->add_option("--to-time", args->to_time,
                  "the first message at or after a time: epoch ms or ISO-8601 with a zone");
  sub->add_option("--to-offset", args->to_offset, "this offset");
  sub->add_flag("--dry-run", args->dry_run, "print what would change, change nothing");
  sub->add_flag("--delete-files", args->delete_files,
                "delete the data files of the removed rounds (same generation)");
  sub->add_flag("--new-generation", args->new_generation,
                "keep those files; the consumers must then run with secor.generation+1");
  sub->add_option("--wait-seconds", args->wait_seconds,
                  "how long to wait for the group to give the tool every partition (a "
                  "consumer that was just stopped leaves the group after its session timeout)")
      ->check(CLI::Range(1, 3600));
  sub->callback([run, args] { *run = [args] { return RunReset(*args); }; });
}

}  // namespace secor
