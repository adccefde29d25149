#include "upload/round_ledger.h"

#include <chrono>
#include <cstdlib>
#include <set>

#include <simdjson.h>

#include "common/strings.h"

namespace secor {

std::string EncodeMarker(const RoundMarker& m) {
  std::string files;
  for (size_t i = 0; i < m.files.size(); ++i) {
    if (i) files += ",";
    files += fmt::format(R"({{"key":{},"messages":{},"offsets_hash":"{:016x}"}})",
                         JsonQuote(m.files[i].key), m.files[i].messages, m.files[i].offsets_hash);
  }
  return fmt::format(
             R"({{"version":1,"start":{},"end":{},"files":[{}],"writer":{},"created_ms":{}}})",
             m.start, m.end, files, JsonQuote(m.writer), m.created_ms) +
         "\n";
}

Result<RoundMarker> DecodeMarker(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc)) {
    return Status::Corruption("round marker is not JSON: {}", simdjson::error_message(err));
  }
  RoundMarker m;
  int64_t created = 0;
  std::string_view writer;
  simdjson::dom::array files;
  if (doc["start"].get_int64().get(m.start) || doc["end"].get_int64().get(m.end) ||
      doc["files"].get_array().get(files) || doc["writer"].get_string().get(writer)) {
    return Status::Corruption("round marker lacks start, end, files or writer");
  }
  if (!doc["created_ms"].get_int64().get(created)) m.created_ms = created;
  m.writer = std::string(writer);
  for (auto f : files) {
    std::string_view key, hash;
    MarkerFile mf;
    if (f["key"].get_string().get(key) || f["messages"].get_int64().get(mf.messages) ||
        f["offsets_hash"].get_string().get(hash)) {
      return Status::Corruption("round marker file entry lacks key, messages or offsets_hash");
    }
    mf.key = std::string(key);
    auto parsed = std::strtoull(std::string(hash).c_str(), nullptr, 16);
    mf.offsets_hash = parsed;
    m.files.push_back(std::move(mf));
  }
  if (m.end < m.start)
    return Status::Corruption("round marker ends ({}) before it starts ({})", m.end, m.start);
  return m;
}

RoundLedger::RoundLedger(ObjectStore* store, std::string state_path, std::string group)
    : store_(store), state_path_(std::move(state_path)), group_(std::move(group)) {
  while (!state_path_.empty() && state_path_.back() == '/') state_path_.pop_back();
}

std::string RoundLedger::PartitionPrefix(const std::string& topic, int32_t partition) const {
  return fmt::format("{}/{}/{}/{}/", state_path_, group_, topic, partition);
}

std::string RoundLedger::MarkerKey(const std::string& topic, int32_t partition,
                                   int64_t start) const {
  return PartitionPrefix(topic, partition) + PadOffset(start);
}

std::string RoundLedger::RootKey(const std::string& topic, int32_t partition) const {
  return PartitionPrefix(topic, partition) + "root";
}

Status RoundLedger::CreateMarker(const std::string& topic, int32_t partition,
                                 const RoundMarker& marker) {
  PutOptions opts;
  opts.create_only = true;
  opts.content_type = "application/json";
  return store_->PutBytes(MarkerKey(topic, partition, marker.start), EncodeMarker(marker), opts);
}

Result<RoundMarker> RoundLedger::ReadMarker(const std::string& topic, int32_t partition,
                                            int64_t start) {
  std::string key = MarkerKey(topic, partition, start);
  ASSIGN_OR_RETURN(std::string body, store_->Get(key));
  auto m = DecodeMarker(body);
  if (!m.ok()) return m.status().WithContext(store_->Uri(key));
  return m;
}

Result<std::map<int64_t, RoundMarker>> RoundLedger::ListMarkers(const std::string& topic,
                                                                int32_t partition, int64_t from) {
  std::vector<ObjectInfo> objects;
  std::string prefix = PartitionPrefix(topic, partition);
  RETURN_IF_ERROR(store_->List(prefix, &objects));
  std::map<int64_t, RoundMarker> out;
  for (const auto& o : objects) {
    std::string name = o.key.substr(prefix.size());
    auto start = ParseInt64(name);
    if (!start || name.size() != 20 || *start < from) continue;
    ASSIGN_OR_RETURN(RoundMarker m, ReadMarker(topic, partition, *start));
    out[*start] = std::move(m);
  }
  return out;
}

Result<int64_t> RoundLedger::CreateOrAdoptRoot(const std::string& topic, int32_t partition,
                                               int64_t start, const std::string& writer) {
  std::string key = RootKey(topic, partition);
  PutOptions opts;
  opts.create_only = true;
  opts.content_type = "application/json";
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string body = fmt::format(R"({{"version":1,"start":{},"writer":{},"created_ms":{}}})", start,
                                 JsonQuote(writer), now) +
                     "\n";
  Status st = store_->PutBytes(key, body, opts);
  if (st.ok()) return start;
  if (!st.IsAlreadyExists()) return st;
  ASSIGN_OR_RETURN(std::string existing, store_->Get(key));
  simdjson::dom::parser parser;
  int64_t root = 0;
  simdjson::dom::element doc;
  if (parser.parse(existing).get(doc) || doc["start"].get_int64().get(root)) {
    return Status::Corruption("{}: unreadable chain root", store_->Uri(key));
  }
  return root;
}

std::deque<RoundMarker> RoundLedger::ChainFrom(const std::map<int64_t, RoundMarker>& markers,
                                               int64_t start) {
  std::deque<RoundMarker> chain;
  for (int64_t s = start;;) {
    auto it = markers.find(s);
    if (it == markers.end()) break;
    chain.push_back(it->second);
    s = it->second.end + 1;
  }
  return chain;
}

Result<ChainPosition> RoundLedger::PositionFrom(const std::string& topic, int32_t partition,
                                                int64_t start,
                                                const std::function<void(int64_t)>& skipped) {
  ASSIGN_OR_RETURN(auto markers, ListMarkers(topic, partition, start));
  while (true) {
    auto it = markers.find(start);
    if (it == markers.end()) break;
    bool all_stored = true;
    for (const auto& file : it->second.files) {
      auto head = store_->Head(file.key);
      if (!head.ok()) {
        if (!head.status().IsNotFound()) return head.status();
        all_stored = false;
        break;
      }
    }
    if (!all_stored) break;
    start = it->second.end + 1;
    skipped(start);
  }
  return ChainPosition{start, ChainFrom(markers, start)};
}

Result<ChainPosition> RoundLedger::ReplayFrom(const std::string& topic, int32_t partition,
                                              int64_t start) {
  ASSIGN_OR_RETURN(auto markers, ListMarkers(topic, partition, start));
  return ChainPosition{start, ChainFrom(markers, start)};
}

Status RoundLedger::CheckReplay(const std::string& topic, int32_t partition,
                                const RoundMarker& marker,
                                const std::vector<MarkerFile>& derived_files) {
  std::set<MarkerFile> derived(derived_files.begin(), derived_files.end());
  std::set<MarkerFile> decided(marker.files.begin(), marker.files.end());
  if (derived == decided) return Status::OK();
  auto describe = [](const std::set<MarkerFile>& files) {
    std::vector<std::string> out;
    out.reserve(files.size());
    for (const auto& f : files) {
      out.push_back(
          fmt::format("{} ({} messages, hash {:016x})", f.key, f.messages, f.offsets_hash));
    }
    return Join(out, ", ");
  };
  return Status::Internal(
      "{}/{}: replaying round {}..{} gave files [{}], but the round marker lists [{}]: the "
      "parser, transformer or format changed between writers (such a change needs a new "
      "secor.generation, see docs/operations.md), or Kafka no longer holds all of the round's "
      "messages",
      topic, partition, marker.start, marker.end, describe(derived), describe(decided));
}

}  // namespace secor
