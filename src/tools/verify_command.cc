// secor verify: checks a topic's output in the store. Every stored file is read
// back (offsets come from the files themselves), and the report says whether
// any offset is stored twice, whether offsets are missing inside the covered
// ranges, and whether the total matches the expected count.
#include <map>
#include <set>

#include <simdjson.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "format/file_format.h"
#include "storage/object_store.h"
#include "tools/command.h"
#include "upload/object_names.h"

namespace secor {
namespace {

struct VerifyArgs {
  ConfigFlags flags;
  std::string topic;
  std::string output;
  int64_t expected = -1;
  bool quiet = false;
  bool allow_gaps = false;
  int max_report = 20;
};

struct PartitionReport {
  std::map<int64_t, std::string> where;  // offset -> file key
  std::vector<std::string> duplicates;
  int64_t messages = 0;
  int64_t errors = 0;
};

Status ReadErrorFile(const std::string& body, const std::string& key,
                     std::vector<int64_t>* offsets) {
  simdjson::dom::parser parser;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + pos, end - pos);
    pos = end + 1;
    if (Trim(line).empty()) continue;
    simdjson::dom::element doc;
    int64_t offset = 0;
    if (parser.parse(line.data(), line.size()).get(doc) || doc["offset"].get_int64().get(offset)) {
      return Status::Corruption("{}: unreadable error record", key);
    }
    offsets->push_back(offset);
  }
  return Status::OK();
}

int RunVerify(const VerifyArgs& args) {
  auto config = LoadConfig(args.flags);
  if (!config.ok()) return Fail("verify", config.status(), 2);
  std::string uri = args.output;
  if (uri.empty()) {
    auto u = OutputUri(*config);
    if (!u.ok()) return Fail("verify", u.status(), 2);
    uri = *u;
  }
  auto store = OpenObjectStore(uri, *config);
  if (!store.ok()) return Fail("verify", store.status(), 2);
  std::vector<ObjectInfo> objects;
  Status st = (*store)->List(args.topic + "/", &objects);
  if (!st.ok()) return Fail("verify", st, 2);

  char tmpl[] = "/tmp/secor-verify-XXXXXX";
  std::string tmpdir = mkdtemp(tmpl) ? tmpl : "/tmp";
  std::map<int32_t, PartitionReport> parts;
  int64_t files = 0, total = 0, error_records = 0;
  bool offsetless = false;
  std::vector<std::string> problems;
  for (const auto& o : objects) {
    std::string name = BaseName(o.key);
    auto id = ParseDataFileName(name);
    if (!id) continue;  // _SUCCESS and other non-data objects
    ++files;
    bool is_error = o.key.find("/" + std::string(kErrorPartition) + "/") != std::string::npos;
    std::vector<int64_t> offsets;
    if (is_error) {
      auto body = (*store)->Get(o.key);
      if (!body.ok()) return Fail("verify", body.status(), 2);
      st = ReadErrorFile(*body, o.key, &offsets);
      if (!st.ok()) return Fail("verify", st, 1);
      error_records += static_cast<int64_t>(offsets.size());
    } else {
      std::string local = tmpdir + "/file";
      st = (*store)->GetToFile(o.key, local);
      if (!st.ok()) return Fail("verify", st, 2);
      auto reader = OpenReaderAuto(local);
      if (!reader.ok()) return Fail("verify", reader.status().WithContext((*store)->Uri(o.key)), 1);
      Record r;
      while (true) {
        auto more = (*reader)->Next(&r);
        if (!more.ok()) return Fail("verify", more.status().WithContext((*store)->Uri(o.key)), 1);
        if (!*more) break;
        offsets.push_back(r.offset);
      }
      RemoveAll(local);
    }
    PartitionReport& p = parts[id->kafka_partition];
    for (int64_t off : offsets) {
      ++total;
      ++p.messages;
      if (is_error) ++p.errors;
      if (off < 0) {
        offsetless = true;
        continue;
      }
      if (off < id->start_offset) {
        problems.push_back(fmt::format("{}: offset {} is below the file's start offset {}", o.key,
                                       off, id->start_offset));
      }
      auto [it, inserted] = p.where.emplace(off, o.key);
      if (!inserted) {
        p.duplicates.push_back(fmt::format("partition {} offset {} in {} and {}",
                                           id->kafka_partition, off, it->second, o.key));
      }
    }
  }
  RemoveAll(tmpdir);

  int64_t duplicates = 0, gaps = 0;
  for (auto& [partition, p] : parts) {
    duplicates += static_cast<int64_t>(p.duplicates.size());
    for (const auto& d : p.duplicates) problems.push_back("duplicate: " + d);
    int64_t prev = -1;
    for (const auto& [off, key] : p.where) {
      if (prev >= 0 && off != prev + 1) {
        ++gaps;
        if (!args.allow_gaps) {
          problems.push_back(fmt::format("gap: partition {} has no offsets {}..{} (before {})",
                                         partition, prev + 1, off - 1, key));
        }
      }
      prev = off;
    }
  }
  if (args.expected >= 0 && total != args.expected) {
    problems.push_back(fmt::format("count: {} messages stored, {} expected", total, args.expected));
  }
  if (files == 0) problems.push_back("no data files under " + (*store)->Uri(args.topic + "/"));
  if (!args.quiet || !problems.empty()) {
    std::printf(
        "topic %s: %lld messages (%lld in the error output) in %lld files over %zu "
        "partitions; %lld duplicate offsets, %lld gaps\n",
        args.topic.c_str(), static_cast<long long>(total), static_cast<long long>(error_records),
        static_cast<long long>(files), parts.size(), static_cast<long long>(duplicates),
        static_cast<long long>(gaps));
    if (!args.quiet) {
      for (const auto& [partition, p] : parts) {
        std::printf("  partition %d: %lld messages, offsets %lld..%lld\n", partition,
                    static_cast<long long>(p.messages),
                    static_cast<long long>(p.where.empty() ? -1 : p.where.begin()->first),
                    static_cast<long long>(p.where.empty() ? -1 : p.where.rbegin()->first));
      }
    }
    if (offsetless) {
      std::printf(
          "note: some files store no offsets (delimited text): only counts were checked for "
          "them\n");
    }
  }
  for (size_t i = 0; i < problems.size() && i < static_cast<size_t>(args.max_report); ++i) {
    std::printf("FAIL %s\n", problems[i].c_str());
  }
  if (problems.size() > static_cast<size_t>(args.max_report)) {
    std::printf("FAIL ... and %zu more\n", problems.size() - static_cast<size_t>(args.max_report));
  }
  if (!problems.empty()) return 1;
  if (!args.quiet) std::printf("OK\n");
  return 0;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand(
      "verify", "check a topic's output: no duplicate offsets, no gaps, the expected count");
  auto args = std::make_shared<VerifyArgs>();
  args->flags.AddTo(sub, false);
  sub->add_option("-t,--topic", args->topic, "topic to check")->required();
  sub->add_option("--output", args->output, "output root URI (default: from the configuration)");
  sub->add_option("-m,--messages", args->expected, "expected number of messages");
  sub->add_flag("-q,--quiet", args->quiet, "print only problems");
  sub->add_flag("--allow-gaps", args->allow_gaps,
                "do not fail on missing offsets (compacted topics, transactions, filters)");
  sub->callback([run, args] { *run = [args] { return RunVerify(*args); }; });
}

}  // namespace secor
