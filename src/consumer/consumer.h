// Consumer: the `secor consume` service. One member of a Kafka consumer group:
// it reads messages, parses each to find its output partition, appends it to a
// local file of the current round of its source partition, and hands sealed
// rounds to the Uploader when the upload policy fires. See docs/design.md for
// the round protocol that makes the output exactly-once.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"

namespace secor {

class Config;

struct ConsumerOptions {
  // Stop after this many messages were written (0: run until stopped); tests and the demo.
  int64_t max_messages = 0;
  // Set (non-zero) by a signal handler before Run: start-up stops waiting
  // for an unreachable store. May be null.
  const std::atomic<int>* stop_signals = nullptr;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  static Result<std::unique_ptr<Consumer>> Create(const Config& config, ConsumerOptions options);
  // Runs until RequestStop() or a fatal error; returns why it stopped.
  virtual Status Run() = 0;
  // Async-signal-safe: asks Run() to finish gracefully.
  virtual void RequestStop() = 0;
};

}  // namespace secor
