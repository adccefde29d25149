// Integration-test harness: a secor-testbroker child, `secor` child processes
// and helpers to produce, configure and check output. Everything runs as real
// processes on loopback, as an operator would run them.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace secor::testing {

class TestBroker {
 public:
  // topics: "name:partitions". Starts the broker and reads its bootstrap line.
  TestBroker(const std::string& log_dir, const std::vector<std::string>& topics, int brokers = 1);
  ~TestBroker();
  const std::string& bootstrap() const { return bootstrap_; }
  // Sends a command line and returns its one-line answer.
  std::string Command(const std::string& line);

 private:
  Process proc_;
  std::string bootstrap_;
  size_t answers_ = 0;
};

// Runs `secor produce` and checks it succeeded.
void Produce(const std::string& bootstrap, const std::string& topic, int64_t messages,
             const std::vector<std::string>& extra_args = {});

// (partition, offset) -> payload of every message in a topic, read by kcat.
std::map<std::pair<int32_t, int64_t>, std::string> ReadTopicWithKcat(const std::string& bootstrap,
                                                                     const std::string& topic);

// Writes a .properties file from key/value pairs.
std::string WriteProperties(const std::string& path, const std::map<std::string, std::string>& kv);

// Settings every consumer test needs: fast group timeouts of the test broker.
std::map<std::string, std::string> BaseConsumerSettings(const std::string& bootstrap,
                                                        const std::string& group,
                                                        const std::string& staging,
                                                        const std::string& output_uri);

// Runs `secor verify` and returns its result.
CommandResult Verify(const std::string& config, const std::string& topic, int64_t expected);

// Polls `secor verify` until it passes or the timeout expires; returns the last result.
CommandResult WaitForVerify(const std::string& config, const std::string& topic, int64_t expected,
                            std::chrono::seconds timeout);

// (partition, offset) -> payload.
using StoredMessages = std::map<std::pair<int32_t, int64_t>, std::string>;

// Every record of every data file of topic under a local root, read with the
// library's readers; an offset stored twice fails the calling test.
StoredMessages ReadStoredTopic(const std::string& root, const std::string& topic);

// The same, grouped by output partition (the file's directory under the
// topic, e.g. "dt=2026-03-07"); an offset stored twice, in one directory or
// two, fails the calling test.
std::map<std::string, StoredMessages> ReadStoredTopicByOutputPartition(const std::string& root,
                                                                       const std::string& topic);

// Fails the calling test unless stored holds exactly kafka's messages, byte for byte.
void ExpectSameMessages(const StoredMessages& kafka, const StoredMessages& stored,
                        const std::string& topic);

}  // namespace secor::testing
