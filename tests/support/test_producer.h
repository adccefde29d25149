// A Kafka producer for tests that need records secor produce cannot make:
// transactions (committed and aborted), null keys and null values
// (tombstones), and keys chosen by the test (compaction). It talks to the
// broker with librdkafka directly, so what Kafka holds is exactly what the
// test asked for; every call waits for delivery and fails the calling test
// on an error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

namespace secor::testing {

// One record; nullopt is Kafka's null (a tombstone for the value).
struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
};

class TestProducer {
 public:
  // With a transactional_id, the producer is transactional: call
  // InitTransactions once, then Begin/Send/Commit or Abort. Without one, Send
  // writes plain (idempotent) records.
  TestProducer(const std::string& bootstrap, const std::string& transactional_id = "");
  ~TestProducer();
  TestProducer(const TestProducer&) = delete;
  TestProducer& operator=(const TestProducer&) = delete;

  void InitTransactions();
  void Begin();
  // Sends to one partition and waits until the broker has it (inside a
  // transaction: written to the log, not yet decided).
  void Send(const std::string& topic, int32_t partition, const TestRecord& record);
  void Commit();
  void Abort();

 private:
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace secor::testing
