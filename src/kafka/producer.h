// A Kafka producer for tools and tests (secor produce, the integration tests,
// the benchmarks): a thin owner of a librdkafka producer that batches for
// throughput and turns failed deliveries into a Status at Flush time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace secor {

using KafkaHeaders = std::vector<std::pair<std::string, std::string>>;

class Producer {
 public:
  // settings are librdkafka properties (e.g. PlainClientSettings()); the
  // producer adds acks=all and batching defaults unless they are given.
  static Result<std::unique_ptr<Producer>> Create(std::map<std::string, std::string> settings);
  static Result<std::unique_ptr<Producer>> Create(const std::string& bootstrap_servers);

  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one message; partition -1 lets the partitioner choose (by key).
  // timestamp_ms 0 means now. Waits while the local queue is full. Delivery
  // failures surface later, from Flush. Safe to call from several threads.
  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view payload, int64_t timestamp_ms = 0,
                 const KafkaHeaders& headers = {});

  // Waits until every queued message is delivered or failed. Fails when the
  // timeout passes first or when any message failed since the last Flush
  // (naming the first failure and the count).
  Status Flush(std::chrono::milliseconds timeout);

  // Number of partitions of topic, from the cluster's metadata.
  Result<int> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed() const { return failed_.load(); }

 private:
  Producer() = default;
  Result<rd_kafka_topic_s*> Topic(const std::string& name);
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);

  rd_kafka_s* rk_ = nullptr;
  std::mutex mu_;  // guards topics_ and first_error_
  std::map<std::string, rd_kafka_topic_s*, std::less<>> topics_;
  std::string first_error_;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> failed_reported_{0};
  std::atomic<uint64_t> produced_{0};
};

}  // namespace secor
