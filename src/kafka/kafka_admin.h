// KafkaAdmin: a Kafka client that never joins its group, for the operator
// tools (progress, finalize, import-offsets, reset-offsets). It lists topics
// and partitions, reads watermarks, a group's committed offsets and single
// records, and commits on behalf of a group that has no members. The tools
// see no librdkafka type; the implementation lives in rdkafka_admin.cc.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace secor {

// One Kafka record, owning its bytes.
struct StoredRecord {
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  bool has_key = false;
  std::string key;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> headers;
};

class KafkaAdmin {
 public:
  // settings: librdkafka configuration (kafka/client_config.h); group.id
  // names the group whose offsets Committed and Commit read and write.
  static Result<std::unique_ptr<KafkaAdmin>> Create(
      const std::map<std::string, std::string>& settings);
  virtual ~KafkaAdmin() = default;

  // Every topic name the cluster reports, internal ones and those with a
  // metadata error (no leader yet, say) included, in the cluster's order.
  virtual Result<std::vector<std::string>> ListTopics(int timeout_ms) = 0;
  // The topic's partition ids, sorted. NotFound when the cluster reports an
  // error for the topic (it does not exist); the ids it did report, if any,
  // are lost then, as callers treat the topic as absent.
  virtual Result<std::vector<int32_t>> Partitions(const std::string& topic, int timeout_ms) = 0;
  // The group's committed next offsets of these partitions (-1 when none).
  virtual Result<std::map<int32_t, int64_t>> Committed(const std::string& topic,
                                                       const std::vector<int32_t>& partitions,
                                                       int timeout_ms) = 0;
  // Low and high watermarks, asked of the partition's leader.
  virtual Status QueryWatermarks(const std::string& topic, int32_t partition, int64_t* low,
                                 int64_t* high, int timeout_ms) = 0;
  // The first offset whose record timestamp is at or after ms; -1 when no
  // record is that late.
  virtual Result<int64_t> OffsetForTime(const std::string& topic, int32_t partition, int64_t ms,
                                        int timeout_ms) = 0;
  // The record at offset, or the first after it when it is gone
  // (compaction, transaction markers, retention).
  virtual Result<StoredRecord> RecordAt(const std::string& topic, int32_t partition, int64_t offset,
                                        int timeout_ms) = 0;
  // Commits next-offset values for the group, which must have no members:
  // Kafka refuses a commit from outside a group that has some.
  virtual Status Commit(const std::map<std::pair<std::string, int32_t>, int64_t>& offsets) = 0;
};

}  // namespace secor
