// ConsumerSettings: every setting of `secor consume` that is not per topic,
// read and checked once at start-up (a bad value stops start-up naming its
// key), so that the consume loop never looks a key up.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include <re2/re2.h>

#include "common/status.h"
#include "upload/upload_policy.h"

namespace secor {

class Config;

// Which topics the consumer subscribes to: kafka.new.consumer.topic.list
// (exact names) or else secor.kafka.topic_filter, minus
// secor.kafka.topic_blacklist. Internal topics ("__...") never match.
class TopicSelection {
 public:
  static Result<TopicSelection> FromConfig(const Config& config);
  bool Matches(const std::string& topic) const;

 private:
  std::set<std::string> list_;
  std::shared_ptr<const RE2> filter_;
  std::shared_ptr<const RE2> blacklist_;
};

enum class Delivery { kExactlyOnce, kAtLeastOnce };

struct ConsumerSettings {
  std::string group;       // secor.kafka.group
  int64_t generation = 1;  // secor.generation
  Delivery delivery = Delivery::kExactlyOnce;
  bool upload_on_shutdown = false;  // secor.upload.on.shutdown
  std::chrono::seconds shutdown_timeout{60};
  std::chrono::seconds progress_interval{60};  // secor.log.progress.seconds; 0: no progress line
  int64_t messages_per_second = 0;             // 0: no limit
  int64_t max_bad_messages = 0;                // secor.consumer.max_bad_messages, -1: no limit
  // Sealed rounds of a partition waiting for upload before it stops fetching.
  int max_pending_rounds = 3;
  int64_t parse_max_backoff_ms = 30000;  // secor.schema.registry.retry.max.backoff.ms
  int compression_threads = 0;           // secor.compression.threads
  int64_t parquet_memory_budget = 0;     // secor.parquet.memory.budget.bytes
  int upload_threads = 4;                // secor.upload.threads
  int64_t upload_max_backoff_ms = 30000;
  std::string writer_name;  // secor.writer.id ("" for the host name)
  std::string local_path;   // secor.local.path
  std::string state_path;   // secor.round.state.path
  std::string output_uri;
  UploadPolicySettings policy;
  std::shared_ptr<const RE2> minute_mark_filter;  // null: no topic uploads at the mark
  TopicSelection topics;

  static Result<ConsumerSettings> FromConfig(const Config& config);
};

}  // namespace secor
