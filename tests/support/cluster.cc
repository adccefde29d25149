#include "support/cluster.h"

#include <gtest/gtest.h>

#include "common/file_util.h"
#include "format/file_format.h"
#include "upload/object_names.h"

#include <fstream>
#include <sstream>
#include <thread>

namespace secor::testing {

TestBroker::TestBroker(const std::string& log_dir, const std::vector<std::string>& topics,
                       int brokers) {
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
  proc_.Signal(SIGTERM);
  if (proc_.Wait(std::chrono::seconds(10)) < 0) proc_.Signal(SIGKILL);
}

std::string TestBroker::Command(const std::string& line) {
  proc_.WriteLine(line);
  auto lines = proc_.WaitForLines(answers_ + 1, std::chrono::seconds(20));
  ++answers_;
  return lines.size() >= answers_ ? lines[answers_ - 1] : "";
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

}  // namespace secor::testing
