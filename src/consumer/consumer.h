// Consumer: the `secor consume` service. One member of a Kafka consumer group:
// it reads messages, parses each to find its output partition, appends it to a
// local file of the current round of its source partition, and hands sealed
// rounds to the Uploader when the upload policy fires. See docs/design.md for
// the round protocol that makes the output exactly-once, and for the parts
// this class wires together.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "kafka/group_consumer.h"

namespace secor {

class Config;
class MetricsRegistry;
class StatusBoard;

struct ConsumerOptions {
  // Stop after this many messages were written (0: run until stopped); tests and the demo.
  int64_t max_messages = 0;
  // Set (non-zero) by a signal handler before Run: start-up stops waiting
  // for an unreachable store. May be null.
  const std::atomic<int>* stop_signals = nullptr;
};

// What the consumer reports to and reads from outside its configuration.
// Left empty, the process's own: its metrics registry and status board, and
// librdkafka configured from the config. Unit tests give their own.
struct ConsumerEnvironment {
  MetricsRegistry* metrics = nullptr;
  StatusBoard* status = nullptr;
  std::function<Result<std::unique_ptr<GroupConsumer>>(RebalanceListener* listener)> open_kafka;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  static Result<std::unique_ptr<Consumer>> Create(const Config& config, ConsumerOptions options,
                                                  ConsumerEnvironment environment = {});
  // Runs until RequestStop() or a fatal error; returns why it stopped.
  virtual Status Run() = 0;
  // Async-signal-safe: asks Run() to finish gracefully.
  virtual void RequestStop() = 0;
};

}  // namespace secor
