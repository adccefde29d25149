// GroupOffsets: what the operator tools (progress, finalize, import-offsets)
// ask of Kafka about one consumer group, over a KafkaAdmin: the topics they
// work on, each partition's committed offset and watermarks, the record at
// an offset, and commits on behalf of a group with no members. Never joins
// the group.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/kafka_admin.h"

namespace secor {

class Config;

struct PartitionOffsets {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;  // next offset the group reads, -1 when none
  int64_t low = 0;
  int64_t high = 0;  // offset the next produced message gets
};

class GroupOffsets {
 public:
  static Result<std::unique_ptr<GroupOffsets>> Create(const Config& config,
                                                      const std::string& group);

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
  explicit GroupOffsets(std::unique_ptr<KafkaAdmin> admin) : admin_(std::move(admin)) {}
  std::unique_ptr<KafkaAdmin> admin_;
  int timeout_ms_ = 10000;
};

}  // namespace secor
