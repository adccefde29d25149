// A Kafka producer for tools and tests (secor produce, the integration tests,
// the benchmarks): a thin owner of a librdkafka producer that batches for
// throughput and turns failed deliveries into a Status at Flush time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

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

  // Whether the cluster answers a metadata request within timeout; a refused
  // login or TLS handshake fails at once (PermissionDenied).
  Status CheckReachable(std::chrono::milliseconds timeout);

  // Number of partitions of topic, from the cluster's metadata.
  Result<int> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);

  uint64_t delivered() const;
  uint64_t failed() const;

 private:
  // The librdkafka handles and the delivery counts their callback updates
  // (producer.cc), so that users of this header see no librdkafka type.
  struct State;
  explicit Producer(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace secor
