// Integration-test harness: the Kafka a test runs against, `secor` child
// processes and helpers to produce, configure and check output. Everything
// runs as real processes on loopback, as an operator would run them.
//
// Kafka is the real Apache Kafka cluster that scripts/kafka.sh started for
// the run (SECOR_TEST_KAFKA_* in the environment, set by scripts/test.sh),
// or, where a test needs request-level fault injection that only it can do,
// a secor-testbroker child (librdkafka's mock cluster) of the test's own.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace secor::testing {

// Which Kafka a test runs against.
enum class KafkaKind {
  // The run's real Apache Kafka; the mock cluster when none was started (a
  // developer running one test by hand). Under CI, a missing real Kafka
  // fails the test instead.
  kReal,
  // A secor-testbroker child: only for request-level fault injection.
  kMock,
};

// The run's real Kafka cluster, from the environment scripts/kafka.sh wrote;
// nullptr when none was started.
struct RealKafka {
  std::string bootstrap;
  std::string version;  // e.g. "3.9.2"
  std::string dir;      // the cluster's folder (scripts/kafka.sh DIR)
  int brokers = 1;
};
const RealKafka* RunRealKafka();

class TestBroker {
 public:
  // topics: "name:partitions". On real Kafka, deletes every other topic,
  // recreates each of these empty (their committed offsets go too) and
  // waits for their leaders; on the mock, starts a test broker with brokers
  // nodes and those topics.
  TestBroker(const std::string& log_dir, const std::vector<std::string>& topics, int brokers = 1,
             KafkaKind kind = KafkaKind::kReal);
  ~TestBroker();
  const std::string& bootstrap() const { return bootstrap_; }
  bool real() const { return real_; }
  // Sends a command line to the mock and returns its one-line answer.
  std::string Command(const std::string& line);

 private:
  bool real_ = false;
  Process proc_;
  std::string bootstrap_;
  size_t answers_ = 0;
};

// Runs one of Kafka's own command-line tools on the run's real Kafka
// (scripts/kafka.sh tool: topics, consumer-groups, get-offsets, ...).
CommandResult KafkaTool(const std::string& tool, const std::vector<std::string>& args);

// Stops, kills or starts one node of the run's real Kafka
// (scripts/kafka.sh stop-node|kill-node|start-node); start waits until it answers.
CommandResult KafkaNode(const std::string& action, int node);

// (topic, partition) -> offset.
using TopicOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// A group's committed offsets, read by Kafka's consumer-groups tool.
TopicOffsets KafkaToolCommittedOffsets(const std::string& group);

// The end offsets (high watermarks) of a topic, read by Kafka's get-offsets tool.
TopicOffsets KafkaToolEndOffsets(const std::string& topic);

// Creates (or recreates empty) a topic on the run's real Kafka with an
// admin request, and waits until every partition has a leader.
void CreateRealTopic(const std::string& topic, int partitions,
                     const std::map<std::string, std::string>& topic_config = {});

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

// Runs `secor verify` once and expects it to pass: called after a consumer
// exited, it proves that shutdown neither added nor doubled anything.
void ExpectVerifyStillPasses(const std::string& config, const std::string& topic, int64_t expected);

// Runs `secor verify --expect-payloads` with what Kafka holds (as
// ReadTopicWithKcat returns it), written to expect_path: every message must
// be stored once with its payload.
CommandResult VerifyPayloads(const std::string& config, const std::string& topic,
                             const std::map<std::pair<int32_t, int64_t>, std::string>& kafka,
                             const std::string& expect_path);

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

// Polls Kafka's own tools until the group's committed offset on every
// partition of topic equals its end offset; false after timeout.
bool WaitForKafkaCommittedToEnd(const std::string& group, const std::string& topic,
                                std::chrono::seconds timeout);

// Fails the calling test unless Kafka's own tools report, for every
// partition of topic, the group's committed offset equal to the partition's
// end offset and to one past the last offset stored.
void ExpectKafkaCommittedWhatIsStored(const std::string& group, const std::string& topic,
                                      const StoredMessages& stored);

// A TCP port on 127.0.0.1 that was free a moment ago (for a child process's
// secor.http.port).
int FreeLocalPort();

// The value of one sample of http://127.0.0.1:port/metrics, named as the
// exposition writes it ("secor_consumer_messages_total{topic=\"t\"}"); -1
// when the server does not answer or has no such sample.
double ScrapeMetric(int port, const std::string& sample);

}  // namespace secor::testing
