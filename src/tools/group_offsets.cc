#include "tools/group_offsets.h"

#include <re2/re2.h>

#include <algorithm>

#include "common/strings.h"
#include "config/config.h"
#include "kafka/client_config.h"

namespace secor {

Result<std::unique_ptr<GroupOffsets>> GroupOffsets::Create(const Config& config,
                                                           const std::string& group) {
  ASSIGN_OR_RETURN(auto settings, PlainClientSettings(config));
  settings["group.id"] = group;
  settings["enable.auto.commit"] = "false";
  settings["enable.auto.offset.store"] = "false";
  settings["auto.offset.reset"] = "earliest";
  ASSIGN_OR_RETURN(auto admin, KafkaAdmin::Create(settings));
  return std::unique_ptr<GroupOffsets>(new GroupOffsets(std::move(admin)));
}

Result<std::vector<std::string>> GroupOffsets::Topics(const Config& config,
                                                      const std::vector<std::string>& skip) {
  ASSIGN_OR_RETURN(std::string filter, config.String("secor.kafka.topic_filter"));
  RE2 re(filter.empty() ? ".*" : filter, RE2::Quiet);
  if (!re.ok()) return config.BadValue("secor.kafka.topic_filter", "bad regular expression");
  ASSIGN_OR_RETURN(auto all, admin_->ListTopics(timeout_ms_));
  std::vector<std::string> out;
  for (std::string& t : all) {
    if (StartsWith(t, "__") || !RE2::FullMatch(t, re)) continue;
    if (std::find(skip.begin(), skip.end(), t) != skip.end()) continue;
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<PartitionOffsets>> GroupOffsets::Partitions(const std::string& topic) {
  auto ids = admin_->Partitions(topic, timeout_ms_);
  // A topic the cluster does not know is reported as one without partitions.
  if (!ids.ok() && ids.status().code() != Status::Code::kNotFound) return ids.status();
  if (!ids.ok() || ids->empty()) return Status::NotFound("topic {} has no partitions", topic);
  ASSIGN_OR_RETURN(auto committed, admin_->Committed(topic, *ids, timeout_ms_));
  std::vector<PartitionOffsets> out;
  for (int32_t id : *ids) {
    PartitionOffsets p;
    p.topic = topic;
    p.partition = id;
    auto it = committed.find(id);
    if (it != committed.end()) p.committed = it->second;
    out.push_back(p);
  }
  for (auto& p : out) {
    RETURN_IF_ERROR(admin_->QueryWatermarks(topic, p.partition, &p.low, &p.high, timeout_ms_));
  }
  return out;
}

Result<StoredRecord> GroupOffsets::RecordAt(const std::string& topic, int32_t partition,
                                            int64_t offset) {
  return admin_->RecordAt(topic, partition, offset, timeout_ms_);
}

Result<int64_t> GroupOffsets::TimestampAt(const std::string& topic, int32_t partition,
                                          int64_t offset) {
  ASSIGN_OR_RETURN(auto m, RecordAt(topic, partition, offset));
  return m.timestamp_ms;
}

Status GroupOffsets::Commit(const std::map<std::pair<std::string, int32_t>, int64_t>& offsets) {
  return admin_->Commit(offsets);
}

}  // namespace secor
