#include "support/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/file_util.h"
#include "format/file_format.h"
#include "upload/object_names.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace secor::testing {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// An admin client on the run's real Kafka: topics are created and deleted
// with admin requests, which take milliseconds where a JVM tool takes seconds.
class KafkaAdmin {
 public:
  explicit KafkaAdmin(const std::string& bootstrap) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk_) {
      ADD_FAILURE() << "admin client: " << err;
      rd_kafka_conf_destroy(conf);
      return;
    }
    queue_ = rd_kafka_queue_new(rk_);
  }
  ~KafkaAdmin() {
    if (queue_) rd_kafka_queue_destroy(queue_);
    if (rk_) rd_kafka_destroy(rk_);
  }
  KafkaAdmin(const KafkaAdmin&) = delete;
  KafkaAdmin& operator=(const KafkaAdmin&) = delete;

  // Deletes topic; a topic that does not exist is fine.
  rd_kafka_resp_err_t DeleteTopic(const std::string& topic, std::string* message) {
    rd_kafka_DeleteTopic_t* t = rd_kafka_DeleteTopic_new(topic.c_str());
    rd_kafka_AdminOptions_t* opts = Options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(rk_, &t, 1, opts, queue_);
    rd_kafka_DeleteTopic_destroy(t);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_event_t* ev = WaitFor(RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    if (!ev) return RD_KAFKA_RESP_ERR__TIMED_OUT;
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    return TopicResult(ev, results, n, message);
  }

  rd_kafka_resp_err_t CreateTopic(const std::string& topic, int partitions, int replication,
                                  const std::map<std::string, std::string>& config,
                                  std::string* message) {
    char err[512];
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, err, sizeof err);
    if (!t) {
      *message = err;
      return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    for (const auto& [k, v] : config) rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
    rd_kafka_AdminOptions_t* opts = Options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(rk_, &t, 1, opts, queue_);
    rd_kafka_NewTopic_destroy(t);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_event_t* ev = WaitFor(RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    if (!ev) return RD_KAFKA_RESP_ERR__TIMED_OUT;
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    return TopicResult(ev, results, n, message);
  }

  // Every topic but Kafka's internal ones.
  std::vector<std::string> Topics() {
    std::vector<std::string> out;
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 1, nullptr, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ADD_FAILURE() << "cannot list the topics of the run's Kafka";
      return out;
    }
    for (int i = 0; i < md->topic_cnt; ++i) {
      std::string name = md->topics[i].topic;
      if (name.rfind("__", 0) != 0) out.push_back(name);
    }
    rd_kafka_metadata_destroy(md);
    return out;
  }

  // True once the topic has partitions partitions, each with a leader.
  bool Ready(const std::string& topic, int partitions) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    bool ready = false;
    if (rd_kafka_metadata(rk_, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& tm = md->topics[i];
        if (topic != tm.topic || tm.err || tm.partition_cnt != partitions) continue;
        ready = true;
        for (int p = 0; p < tm.partition_cnt; ++p) {
          if (tm.partitions[p].err || tm.partitions[p].leader < 0) ready = false;
        }
      }
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    return ready;
  }

 private:
  rd_kafka_AdminOptions_t* Options(rd_kafka_admin_op_t op) {
    char err[512];
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, op);
    rd_kafka_AdminOptions_set_request_timeout(opts, 30000, err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, err, sizeof err);
    return opts;
  }

  rd_kafka_event_t* WaitFor(rd_kafka_event_type_t type) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      rd_kafka_event_t* ev = rd_kafka_queue_poll(queue_, 1000);
      if (!ev) continue;
      if (rd_kafka_event_type(ev) == type) return ev;
      rd_kafka_event_destroy(ev);
    }
    return nullptr;
  }

  static rd_kafka_resp_err_t TopicResult(rd_kafka_event_t* ev,
                                         const rd_kafka_topic_result_t** results, size_t n,
                                         std::string* message) {
    rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
    if (err) {
      *message = rd_kafka_event_error_string(ev);
    } else if (n == 1) {
      err = rd_kafka_topic_result_error(results[0]);
      const char* s = rd_kafka_topic_result_error_string(results[0]);
      *message = s ? s : rd_kafka_err2str(err);
    }
    rd_kafka_event_destroy(ev);
    return err;
  }

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
};

}  // namespace

const RealKafka* RunRealKafka() {
  static const RealKafka* kafka = []() -> const RealKafka* {
    std::string bootstrap = Env("SECOR_TEST_KAFKA_BOOTSTRAP");
    if (bootstrap.empty()) return nullptr;
    auto* k = new RealKafka;
    k->bootstrap = bootstrap;
    k->version = Env("SECOR_TEST_KAFKA_VERSION");
    k->dir = Env("SECOR_TEST_KAFKA_DIR");
    k->brokers = std::max(1, std::atoi(Env("SECOR_TEST_KAFKA_BROKERS").c_str()));
    std::cout << "[kafka] Apache Kafka " << k->version << ", " << k->brokers << " node(s) at "
              << k->bootstrap << std::endl;
    return k;
  }();
  return kafka;
}

void CreateRealTopic(const std::string& topic, int partitions,
                     const std::map<std::string, std::string>& topic_config) {
  const RealKafka* kafka = RunRealKafka();
  ASSERT_NE(kafka, nullptr) << "no real Kafka: SECOR_TEST_KAFKA_BOOTSTRAP is not set";
  KafkaAdmin admin(kafka->bootstrap);
  std::string message;
  rd_kafka_resp_err_t err = admin.DeleteTopic(topic, &message);
  ASSERT_TRUE(err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      << "delete topic " << topic << ": " << rd_kafka_err2name(err) << " " << message;
  // A deleted topic's name may stay taken for a moment.
  const int replication = std::min(kafka->brokers, 3);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    err = admin.CreateTopic(topic, partitions, replication, topic_config, &message);
    if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ||
        std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR)
      << "create topic " << topic << ": " << rd_kafka_err2name(err) << " " << message;
  while (!admin.Ready(topic, partitions)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "topic " << topic << " has no leader for every partition after 60 s";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TestBroker::TestBroker(const std::string& log_dir, const std::vector<std::string>& topics,
                       int brokers, KafkaKind kind) {
  if (kind == KafkaKind::kReal) {
    if (const RealKafka* kafka = RunRealKafka()) {
      real_ = true;
      bootstrap_ = kafka->bootstrap;
      // The cluster holds this test's topics and no other, as a test broker
      // of its own would: a consumer subscribing to every topic, or a tool
      // listing them, sees what the test made. Integration tests on the
      // run's Kafka therefore run one at a time.
      std::set<std::string> mine;
      for (const auto& spec : topics) mine.insert(spec.substr(0, spec.rfind(':')));
      {
        KafkaAdmin admin(bootstrap_);
        for (const auto& other : admin.Topics()) {
          if (mine.count(other)) continue;
          std::string message;
          rd_kafka_resp_err_t err = admin.DeleteTopic(other, &message);
          EXPECT_TRUE(err == RD_KAFKA_RESP_ERR_NO_ERROR ||
                      err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
              << "delete topic " << other << ": " << rd_kafka_err2name(err) << " " << message;
        }
      }
      for (const auto& spec : topics) {
        size_t colon = spec.rfind(':');
        std::string name = spec.substr(0, colon);
        int partitions = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
        CreateRealTopic(name, partitions);
      }
      return;
    }
    // CI runs every consumer-facing test on real Kafka; only a developer
    // running a test by hand may fall back to the mock.
    EXPECT_NE(Env("CI"), "true") << "no real Kafka for this test: SECOR_TEST_KAFKA_BOOTSTRAP is "
                                    "not set (scripts/test.sh starts one with scripts/kafka.sh)";
    std::cout << "[kafka] librdkafka mock cluster: SECOR_TEST_KAFKA_BOOTSTRAP is not set "
                 "(scripts/kafka.sh start DIR && source DIR/env for the real one)"
              << std::endl;
  } else {
    std::cout << "[kafka] librdkafka mock cluster (request-level fault injection)" << std::endl;
  }
  std::vector<std::string> argv{BinaryPath("secor-testbroker"), "--brokers",
                                std::to_string(brokers)};
  argv.insert(argv.end(), topics.begin(), topics.end());
  proc_.Start(argv, log_dir + "/broker");
  auto lines = proc_.WaitForLines(1, std::chrono::seconds(20));
  if (!lines.empty()) bootstrap_ = lines[0];
  answers_ = 1;
  EXPECT_FALSE(bootstrap_.empty()) << "test broker did not start: " << proc_.Stderr();
}

TestBroker::~TestBroker() {
  if (real_) return;
  proc_.Signal(SIGTERM);
  if (proc_.Wait(std::chrono::seconds(10)) < 0) proc_.Signal(SIGKILL);
}

std::string TestBroker::Command(const std::string& line) {
  EXPECT_FALSE(real_) << "fault injection command on real Kafka: " << line;
  if (real_) return "";
  proc_.WriteLine(line);
  auto lines = proc_.WaitForLines(answers_ + 1, std::chrono::seconds(20));
  ++answers_;
  return lines.size() >= answers_ ? lines[answers_ - 1] : "";
}

CommandResult KafkaTool(const std::string& tool, const std::vector<std::string>& args) {
  const RealKafka* kafka = RunRealKafka();
  EXPECT_NE(kafka, nullptr) << "Kafka's tools need the run's real Kafka";
  if (!kafka) return {};
  std::vector<std::string> argv{std::string(SECOR_SOURCE_DIR) + "/scripts/kafka.sh", "tool",
                                kafka->dir, tool};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

CommandResult KafkaNode(const std::string& action, int node) {
  const RealKafka* kafka = RunRealKafka();
  EXPECT_NE(kafka, nullptr) << "a node of the run's real Kafka: none was started";
  if (!kafka) return {};
  return RunCommand({std::string(SECOR_SOURCE_DIR) + "/scripts/kafka.sh", action, kafka->dir,
                     std::to_string(node)});
}

TopicOffsets KafkaToolCommittedOffsets(const std::string& group) {
  TopicOffsets out;
  const RealKafka* kafka = RunRealKafka();
  if (!kafka) return out;
  auto r = KafkaTool("consumer-groups",
                     {"--bootstrap-server", kafka->bootstrap, "--describe", "--group", group});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string g, topic, partition, current;
    if (!(fields >> g >> topic >> partition >> current) || g != group) continue;
    if (current == "-") continue;  // no committed offset
    out[{topic, std::stoi(partition)}] = std::stoll(current);
  }
  return out;
}

TopicOffsets KafkaToolEndOffsets(const std::string& topic) {
  TopicOffsets out;
  const RealKafka* kafka = RunRealKafka();
  if (!kafka) return out;
  auto r = KafkaTool("get-offsets", {"--bootstrap-server", kafka->bootstrap, "--topic", topic});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // topic:partition:offset
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t b = line.rfind(':');
    if (b == std::string::npos || b == 0) continue;
    size_t a = line.rfind(':', b - 1);
    if (a == std::string::npos || line.substr(0, a) != topic) continue;
    out[{topic, std::stoi(line.substr(a + 1, b - a - 1))}] = std::stoll(line.substr(b + 1));
  }
  return out;
}

void Produce(const std::string& bootstrap, const std::string& topic, int64_t messages,
             const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{
      BinaryPath("secor"), "produce", "-b", bootstrap, "-t", topic, "-m", std::to_string(messages)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto r = RunCommand(argv);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

std::map<std::pair<int32_t, int64_t>, std::string> ReadTopicWithKcat(const std::string& bootstrap,
                                                                     const std::string& topic) {
  // Offsets and payload lengths first, so payloads may hold any byte.
  auto r = RunCommand({"kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                       "-f", "%p %o %S\n%s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::pair<int32_t, int64_t>, std::string> out;
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) break;
    std::istringstream head(r.out.substr(pos, nl - pos));
    int32_t partition = 0;
    int64_t offset = 0;
    size_t size = 0;
    head >> partition >> offset >> size;
    out[{partition, offset}] = r.out.substr(nl + 1, size);
    pos = nl + 1 + size;
  }
  return out;
}

std::string WriteProperties(const std::string& path, const std::map<std::string, std::string>& kv) {
  std::ofstream f(path);
  for (const auto& [k, v] : kv) f << k << "=" << v << "\n";
  return path;
}

std::map<std::string, std::string> BaseConsumerSettings(const std::string& bootstrap,
                                                        const std::string& group,
                                                        const std::string& staging,
                                                        const std::string& output_uri) {
  return {
      {"kafka.bootstrap.servers", bootstrap},
      {"secor.kafka.group", group},
      {"secor.local.path", staging},
      {"secor.output.uri", output_uri},
      {"secor.message.parser.class", "com.pinterest.secor.parser.OffsetMessageParser"},
      {"secor.messages.per.second", "0"},
      {"secor.max.file.age.seconds", "2"},
      {"kafka.new.consumer.session.timeout.ms", "6000"},
      {"kafka.new.consumer.heartbeat.interval.ms", "500"},
  };
}

CommandResult Verify(const std::string& config, const std::string& topic, int64_t expected) {
  return RunCommand(
      {BinaryPath("secor"), "verify", "-c", config, "-t", topic, "-m", std::to_string(expected)});
}

CommandResult WaitForVerify(const std::string& config, const std::string& topic, int64_t expected,
                            std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  CommandResult r;
  while (true) {
    r = Verify(config, topic, expected);
    if (r.exit_code == 0 || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void ExpectVerifyStillPasses(const std::string& config, const std::string& topic,
                             int64_t expected) {
  auto r = Verify(config, topic, expected);
  EXPECT_EQ(r.exit_code, 0) << "after the consumer exited:\n" << r.out << r.err;
}

CommandResult VerifyPayloads(const std::string& config, const std::string& topic,
                             const std::map<std::pair<int32_t, int64_t>, std::string>& kafka,
                             const std::string& expect_path) {
  std::string lines;
  for (const auto& [where, payload] : kafka) {
    lines += fmt::format("{} {} {}\n", where.first, where.second, Base64Encode(payload));
  }
  EXPECT_TRUE(WriteFileAtomic(expect_path, lines).ok()) << expect_path;
  return RunCommand({BinaryPath("secor"), "verify", "-c", config, "-t", topic, "-m",
                     std::to_string(kafka.size()), "--expect-payloads", expect_path});
}

std::map<std::string, StoredMessages> ReadStoredTopicByOutputPartition(const std::string& root,
                                                                       const std::string& topic) {
  std::map<std::string, StoredMessages> out;
  std::map<std::pair<int32_t, int64_t>, std::string> seen;  // where each offset was stored
  auto files = ListFilesRecursive(JoinPath(root, topic));
  EXPECT_TRUE(files.ok());
  if (!files.ok()) return out;
  for (const auto& rel : *files) {
    auto id = ParseDataFileName(BaseName(rel));
    if (!id || rel.find("_errors/") != std::string::npos) continue;
    std::string path = JoinPath(JoinPath(root, topic), rel);
    size_t slash = rel.rfind('/');
    std::string output_partition = slash == std::string::npos ? "" : rel.substr(0, slash);
    auto reader = OpenReaderAuto(path);
    EXPECT_TRUE(reader.ok()) << path << ": " << reader.status().ToString();
    if (!reader.ok()) continue;
    Record r;
    while (true) {
      auto more = (*reader)->Next(&r);
      EXPECT_TRUE(more.ok()) << path << ": " << more.status().ToString();
      if (!more.ok() || !*more) break;
      auto where = std::make_pair(id->kafka_partition, r.offset);
      auto [it, inserted] = seen.emplace(where, path);
      EXPECT_TRUE(inserted) << "offset " << r.offset << " of partition " << id->kafka_partition
                            << " stored twice (in " << it->second << " and " << path << ")";
      if (inserted) out[output_partition].emplace(where, r.payload);
    }
  }
  return out;
}

StoredMessages ReadStoredTopic(const std::string& root, const std::string& topic) {
  StoredMessages out;
  for (auto& [op, messages] : ReadStoredTopicByOutputPartition(root, topic)) {
    out.merge(messages);
  }
  return out;
}

void ExpectSameMessages(const StoredMessages& kafka, const StoredMessages& stored,
                        const std::string& topic) {
  EXPECT_EQ(stored.size(), kafka.size()) << topic;
  size_t mismatches = 0;
  for (const auto& [where, payload] : kafka) {
    auto it = stored.find(where);
    if (it == stored.end() || it->second != payload) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << topic << " partition " << where.first << " offset " << where.second
                      << (it == stored.end() ? " missing" : " differs");
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << topic;
}

bool WaitForKafkaCommittedToEnd(const std::string& group, const std::string& topic,
                                std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    TopicOffsets committed = KafkaToolCommittedOffsets(group);
    TopicOffsets end = KafkaToolEndOffsets(topic);
    bool done = !end.empty();
    for (const auto& [tp, end_offset] : end) {
      auto c = committed.find(tp);
      if (end_offset > 0 && (c == committed.end() || c->second != end_offset)) done = false;
    }
    if (done) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

void ExpectKafkaCommittedWhatIsStored(const std::string& group, const std::string& topic,
                                      const StoredMessages& stored) {
  std::map<int32_t, int64_t> next_stored;
  for (const auto& [where, payload] : stored) {
    next_stored[where.first] = std::max(next_stored[where.first], where.second + 1);
  }
  TopicOffsets committed = KafkaToolCommittedOffsets(group);
  TopicOffsets end = KafkaToolEndOffsets(topic);
  EXPECT_FALSE(end.empty()) << "Kafka's get-offsets tool listed no partition of " << topic;
  for (const auto& [tp, end_offset] : end) {
    auto c = committed.find(tp);
    int64_t committed_offset = c == committed.end() ? 0 : c->second;
    EXPECT_EQ(committed_offset, end_offset)
        << "group " << group << ", " << topic << " partition " << tp.second
        << ": committed offset (Kafka's consumer-groups tool) against end offset (get-offsets)";
    EXPECT_EQ(next_stored[tp.second], end_offset)
        << topic << " partition " << tp.second << ": one past the last stored offset";
  }
}

int FreeLocalPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

double ScrapeMetric(int port, const std::string& sample) {
  auto r = RunCommand(
      {"curl", "-sS", "-m", "5", "http://127.0.0.1:" + std::to_string(port) + "/metrics"});
  if (r.exit_code != 0) return -1;
  std::string needle = "\n" + sample + " ";
  std::string body = "\n" + r.out;
  size_t pos = body.find(needle);
  if (pos == std::string::npos) return -1;
  return std::strtod(body.c_str() + pos + needle.size(), nullptr);
}

}  // namespace secor::testing
