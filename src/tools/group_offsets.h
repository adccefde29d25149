// GroupOffsets: a plain (non-member) Kafka client over one consumer group, for
// the operator tools: topic listing, committed offsets, watermarks, the record
// timestamp at an offset, and commits on behalf of a group with no members
// (progress, finalize, import-offsets). Never joins the group.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

struct rd_kafka_s;

namespace secor {

class Config;

struct PartitionOffsets {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;  // next offset the group reads, -1 when none
  int64_t low = 0;
  int64_t high = 0;  // offset the next produced message gets
};

// One Kafka record, owning its bytes.
struct StoredRecord {
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  bool has_key = false;
  std::string key;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> headers;
};

class GroupOffsets {
 public:
  static Result<std::unique_ptr<GroupOffsets>> Create(const Config& config,
                                                      const std::string& group);
  ~GroupOffsets();

  // Topics of the cluster matching secor.kafka.topic_filter, without internal
  // topics and those in `skip`, sorted.
  Result<std::vector<std::string>> Topics(const Config& config,
                                          const std::vector<std::string>& skip);
  Result<std::vector<PartitionOffsets>> Partitions(const std::string& topic);
  // Kafka record timestamp (ms) of the message at offset.
  Result<int64_t> TimestampAt(const std::string& topic, int32_t partition, int64_t offset);
  // The record at offset (or the first after it when it is gone).
  Result<StoredRecord> RecordAt(const std::string& topic, int32_t partition, int64_t offset);
  // Commits next-offset values for the group (which must have no members).
  Status Commit(const std::map<std::pair<std::string, int32_t>, int64_t>& offsets);

 private:
  GroupOffsets() = default;
  rd_kafka_s* rk_ = nullptr;
  std::string group_;
  int timeout_ms_ = 10000;
};

}  // namespace secor
