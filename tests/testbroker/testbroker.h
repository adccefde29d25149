// The test broker: a librdkafka mock cluster on loopback, held open for other
// processes (the integration tests, the demo, the benchmarks) and steered by
// one-line text commands (broker down/up, delays, injected errors, leaders).
// testbroker_main.cc wires it to standard input; docs/testbroker.md lists
// the commands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace secor {

class TestBroker {
 public:
  TestBroker() = default;
  ~TestBroker();
  TestBroker(const TestBroker&) = delete;
  TestBroker& operator=(const TestBroker&) = delete;

  // Starts a cluster of `brokers` brokers (ids 1..brokers).
  Status Start(int brokers);

  // "host:port,host:port" of every broker.
  std::string Bootstraps() const;

  // Creates a topic with the given partition count.
  Status CreateTopic(const std::string& topic, int partitions);

  // Runs one command line and returns the one-line answer: "ok ..." or
  // "error: why". *quit becomes true on the quit command.
  std::string Execute(const std::string& line, bool* quit);

  int brokers() const { return brokers_; }

 private:
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_ = 0;
};

// "TOPIC:PARTITIONS" from the command line.
struct TopicSpec {
  std::string name;
  int partitions = 0;
};
Result<TopicSpec> ParseTopicSpec(const std::string& text);

// Kafka protocol API key by number or by name (Fetch, OffsetCommit, ...;
// case-insensitive, an optional "Request" suffix ignored).
Result<int16_t> ParseApiKey(const std::string& text);

// librdkafka error code by number or name (NOT_COORDINATOR,
// RD_KAFKA_RESP_ERR_NOT_COORDINATOR, _TRANSPORT; case-insensitive).
Result<int> ParseErrorCode(const std::string& text);

}  // namespace secor
