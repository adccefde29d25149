// Offsets that are not in the log. Real Kafka leaves holes in a partition's
// offsets: a committed or aborted transaction ends with a control record, an
// aborted transaction's records are hidden from read_committed readers, and
// the log cleaner removes superseded keys from compacted topics. The consumer
// seeks back a few times when a fetch skips offsets and then accepts the gap
// as real; these tests make each kind of gap on Apache Kafka, with round
// boundaries and a killed consumer's replay right at a gap, and check that
// the store holds exactly what an independent reader (kcat) sees.
#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/file_format.h"
#include "storage/object_store.h"
#include "support/cluster.h"
#include "support/test_producer.h"
#include "upload/object_names.h"
#include "upload/round_ledger.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::CommandResult;
using testing::Process;
using testing::StoredMessages;
using testing::TempDir;
using testing::TestBroker;
using testing::TestProducer;
using testing::TestRecord;

// One record as kcat reads it; nullopt is Kafka's null.
struct KcatRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
};
using KcatTopic = std::map<std::pair<int32_t, int64_t>, KcatRecord>;

// Every record of topic, read by kcat with extra arguments (-X settings);
// -Z gives null keys and values a length of -1.
KcatTopic ReadWithKcat(const std::string& bootstrap, const std::string& topic,
                       const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{
      "kcat", "-C", "-b", bootstrap,          "-t", topic, "-o", "beginning", "-e",
      "-q",   "-Z", "-f", "%p %o %K %S\n%k%s"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto r = testing::RunCommand(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  KcatTopic out;
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) break;
    std::istringstream head(r.out.substr(pos, nl - pos));
    int32_t partition = 0;
    int64_t offset = 0, key_size = 0, value_size = 0;
    head >> partition >> offset >> key_size >> value_size;
    pos = nl + 1;
    KcatRecord rec;
    // -Z prints a null as the four letters NULL.
    if (key_size >= 0) rec.key = r.out.substr(pos, static_cast<size_t>(key_size));
    pos += key_size >= 0 ? static_cast<size_t>(key_size) : 4;
    if (value_size >= 0) rec.value = r.out.substr(pos, static_cast<size_t>(value_size));
    pos += value_size >= 0 ? static_cast<size_t>(value_size) : 4;
    out[{partition, offset}] = rec;
  }
  return out;
}

// The payloads of a kcat read, as ReadStoredTopic returns a store's (a null
// value reads back as an empty payload).
StoredMessages Payloads(const KcatTopic& topic) {
  StoredMessages out;
  for (const auto& [where, rec] : topic) out[where] = rec.value.value_or("");
  return out;
}

const std::vector<std::string> kReadCommitted = {"-X", "isolation.level=read_committed"};
// librdkafka, so kcat, reads committed records only unless told otherwise.
const std::vector<std::string> kReadUncommitted = {"-X", "isolation.level=read_uncommitted"};

// The offsets missing between the first and the last offset of partition 0.
std::vector<std::pair<int64_t, int64_t>> Holes(const StoredMessages& messages) {
  std::vector<std::pair<int64_t, int64_t>> out;
  int64_t prev = -1;
  for (const auto& [where, payload] : messages) {
    if (prev >= 0 && where.second != prev + 1) out.emplace_back(prev + 1, where.second - 1);
    prev = where.second;
  }
  return out;
}

CommandResult RunVerify(const std::string& config, const std::string& topic, int64_t expected,
                        bool allow_gaps) {
  std::vector<std::string> argv{BinaryPath("secor"),     "verify", "-c", config, "-t", topic, "-m",
                                std::to_string(expected)};
  if (allow_gaps) argv.push_back("--allow-gaps");
  return testing::RunCommand(argv);
}

// Polls `secor verify --allow-gaps` until the store holds expected messages.
CommandResult WaitForVerifyAllowingGaps(const std::string& config, const std::string& topic,
                                        int64_t expected, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto r = RunVerify(config, topic, expected, true);
    if (r.exit_code == 0 || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(500ms);
  }
}

// Partition 0's committed offset and end offset, by Kafka's own tools.
int64_t Committed(const std::string& group, const std::string& topic) {
  return testing::KafkaToolCommittedOffsets(group)[std::make_pair(topic, 0)];
}
int64_t EndOffset(const std::string& topic) {
  return testing::KafkaToolEndOffsets(topic)[std::make_pair(topic, 0)];
}

class OffsetGapsTest : public ::testing::Test {
 protected:
  std::string Store() const { return dir_.Join("store"); }

  std::string Config(const std::string& bootstrap, const std::string& name,
                     const std::map<std::string, std::string>& extra) {
    auto kv = testing::BaseConsumerSettings(bootstrap, "g", dir_.Join("staging"), Store());
    for (const auto& [k, v] : extra) kv[k] = v;
    return testing::WriteProperties(dir_.Join(name), kv);
  }

  // Settings of a read_committed consumer whose every message closes a round
  // (secor.max.file.size.bytes=1), so each gap lies between two rounds.
  std::map<std::string, std::string> ReadCommittedOneMessageRounds() {
    return {{"kafka.new.consumer.isolation.level", "read_committed"},
            {"secor.max.file.size.bytes", "1"}};
  }

  // Transactions of three records each on partition 0 of topic, committed or
  // aborted by pattern ('C' or 'A'), the payloads naming transaction and
  // record. Each record is sent alone, so offsets follow: three per
  // transaction, then its control record.
  void ProduceTransactions(const std::string& bootstrap, const std::string& topic,
                           const std::string& pattern, const std::string& tag) {
    TestProducer producer(bootstrap, "gaps-" + tag);
    producer.InitTransactions();
    for (size_t t = 0; t < pattern.size(); ++t) {
      producer.Begin();
      for (int i = 0; i < 3; ++i) {
        std::string value = fmt::format("{}-{}{}-{}", tag, pattern[t], t, i);
        producer.Send(topic, 0, TestRecord{fmt::format("k{}", i), value});
        if (pattern[t] == 'A') aborted_.insert(value);
      }
      if (pattern[t] == 'C') {
        producer.Commit();
      } else {
        producer.Abort();
      }
    }
  }

  // Checks what Kafka holds against the pattern: read_uncommitted sees every
  // record, aborted ones too; read_committed sees only committed ones, with
  // offsets missing (control records and aborted records).
  StoredMessages CheckKafkaHoldsGaps(const std::string& bootstrap, const std::string& topic) {
    StoredMessages all = Payloads(ReadWithKcat(bootstrap, topic, kReadUncommitted));
    StoredMessages committed = Payloads(ReadWithKcat(bootstrap, topic, kReadCommitted));
    size_t aborted_seen = 0;
    for (const auto& [where, payload] : all) aborted_seen += aborted_.count(payload);
    EXPECT_EQ(aborted_seen, aborted_.size()) << "read_uncommitted shows the aborted records";
    for (const auto& [where, payload] : committed) {
      EXPECT_EQ(aborted_.count(payload), 0u) << "read_committed shows " << payload;
    }
    EXPECT_FALSE(Holes(committed).empty());
    return committed;
  }

  TempDir dir_;
  std::set<std::string> aborted_;
};

// The store of a read_committed consumer holds exactly what a read_committed
// reader sees, with every round ending right before a gap or starting in one,
// and secor verify reports the gaps unless told to allow them.
TEST_F(OffsetGapsTest, ReadCommittedStoresExactlyTheCommittedTransactions) {
  TestBroker broker(dir_.path(), {"tx:1"});
  ProduceTransactions(broker.bootstrap(), "tx", "CCACAACAC", "a");
  StoredMessages kafka = CheckKafkaHoldsGaps(broker.bootstrap(), "tx");
  ASSERT_EQ(kafka.size(), 15u);  // five committed transactions of three

  std::string config = Config(broker.bootstrap(), "c.properties", ReadCommittedOneMessageRounds());
  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer"));
  auto v = WaitForVerifyAllowingGaps(config, "tx", 15, 50s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(30s), 0) << p.Stderr();
  StoredMessages stored = testing::ReadStoredTopic(Store(), "tx");
  testing::ExpectSameMessages(kafka, stored, "tx");

  // secor verify: every gap named, or passed with --allow-gaps.
  auto holes = Holes(kafka);
  std::string summary = fmt::format(
      "topic tx: 15 messages (0 in the error output) in 15 files over 1 partitions; 0 duplicate "
      "offsets, {} gaps\n  partition 0: 15 messages, offsets {}..{}\n",
      holes.size(), kafka.begin()->first.second, kafka.rbegin()->first.second);
  std::string fails;
  for (const auto& [from, to] : holes) {
    // A round starts right after the last one, so in the gap: its file carries the gap's
    // first offset.
    fails += fmt::format("FAIL gap: partition 0 has no offsets {}..{} (before {})\n", from, to,
                         DataFileKey("tx", "offset=0", 1, 0, from, ""));
  }
  auto plain = RunVerify(config, "tx", 15, false);
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_EQ(plain.out, summary + fails);
  auto allowing = RunVerify(config, "tx", 15, true);
  EXPECT_EQ(allowing.exit_code, 0);
  EXPECT_EQ(allowing.out, summary + "OK\n");
}

// A consumer killed at a gap, and a round decided but not committed whose
// range starts in one gap and ends in another (on a control record, which no
// reader sees), as a writer killed between its marker and its upload leaves
// it: the restarted consumer replays the round into exactly the file its
// marker names, sealing it at the first offset past the hidden end, and the
// store holds every committed message once.
TEST_F(OffsetGapsTest, ReplayOfARoundDecidedAtAGapAfterSigkill) {
  TestBroker broker(dir_.path(), {"tx:1"});
  ProduceTransactions(broker.bootstrap(), "tx", "CACCAC", "a");
  StoredMessages first = CheckKafkaHoldsGaps(broker.bootstrap(), "tx");
  ASSERT_EQ(first.size(), 12u);
  std::string config = Config(broker.bootstrap(), "c.properties", ReadCommittedOneMessageRounds());
  {
    Process p;
    p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer1"));
    auto v = WaitForVerifyAllowingGaps(config, "tx", 12, 40s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
    p.Signal(SIGKILL);
    p.Wait(10s);
  }
  // The killed consumer committed one past its last message: the offset of
  // the last transaction's control record, a gap.
  const int64_t chain = first.rbegin()->first.second + 1;
  EXPECT_EQ(Committed("g", "tx"), chain);

  ProduceTransactions(broker.bootstrap(), "tx", "ACAC", "b");
  StoredMessages kafka = CheckKafkaHoldsGaps(broker.bootstrap(), "tx");
  ASSERT_EQ(kafka.size(), 18u);
  StoredMessages everything = Payloads(ReadWithKcat(broker.bootstrap(), "tx", kReadUncommitted));
  // The round [chain, end]: chain is a control record, then an aborted
  // transaction, then a committed one whose control record is end.
  std::vector<int64_t> inside;
  for (auto it = kafka.upper_bound({0, chain}); it != kafka.end() && inside.size() < 3; ++it) {
    inside.push_back(it->first.second);
  }
  ASSERT_EQ(inside.size(), 3u);
  const int64_t end = inside.back() + 1;
  EXPECT_EQ(everything.count({0, chain}), 0u) << "offset " << chain << " is a control record";
  EXPECT_EQ(everything.count({0, end}), 0u) << "offset " << end << " is a control record";
  EXPECT_GT(inside.front(), chain + 1) << "an aborted transaction lies inside the round";
  {
    auto store = OpenObjectStore(Store(), secor::Config());
    ASSERT_TRUE(store.ok());
    RoundLedger ledger(store->get(), "_secor_rounds", "g");
    RoundMarker m;
    m.start = chain;
    m.end = end;
    uint64_t hash = kOffsetsHashSeed;
    for (int64_t o : inside) hash = OffsetsHashAdd(hash, o);
    m.files.push_back({DataFileKey("tx", "offset=0", 1, 0, chain, ""), 3, hash});
    m.writer = "killed-host:1:1:dead";
    ASSERT_TRUE(ledger.CreateMarker("tx", 0, m).ok());
  }

  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer2"));
  auto v = WaitForVerifyAllowingGaps(config, "tx", 18, 50s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
  EXPECT_TRUE(p.WaitForOutput(fmt::format("replaying 1 decided round(s) from {}", chain), 1s))
      << p.Stderr();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(30s), 0) << p.Stderr();
  testing::ExpectSameMessages(kafka, testing::ReadStoredTopic(Store(), "tx"), "tx");
  // The replayed round's file holds exactly the round's committed messages.
  auto printed =
      testing::RunCommand({BinaryPath("secor"), "print", "-o",
                           JoinPath(Store(), DataFileKey("tx", "offset=0", 1, 0, chain, ""))});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(printed.out, fmt::format("{}\n{}\n{}\n", inside[0], inside[1], inside[2]));
  // Committed: one past the last stored message (the last control record
  // stays behind it, so Kafka's end offset is one more).
  int64_t last = kafka.rbegin()->first.second;
  EXPECT_EQ(Committed("g", "tx"), last + 1);
  EXPECT_EQ(EndOffset("tx"), last + 2);
}

// A compacted topic once the log cleaner has removed superseded records:
// the consumer stores exactly what kcat reads, offsets with holes and all.
TEST_F(OffsetGapsTest, CompactedTopicStoresWhatTheCleanerLeft) {
  TestBroker broker(dir_.path(), {});
  // A segment rolls for every record (each is sent 120 ms after the last,
  // past segment.ms; Kafka 4 refuses a segment.bytes below 1 MiB), and a
  // cleaner pass (every second on the test cluster) compacts every segment
  // but the active one.
  testing::CreateRealTopic("compacted", 1,
                           {{"cleanup.policy", "compact"},
                            {"segment.ms", "100"},
                            {"min.cleanable.dirty.ratio", "0.01"},
                            {"min.compaction.lag.ms", "0"},
                            {"delete.retention.ms", "100"}});
  // Three groups: eight values of one key, of which compaction keeps the
  // last, then four unique keys; then a tail of unique keys, so the groups
  // lie in segments the cleaner may compact.
  int64_t produced = 0;
  {
    TestProducer producer(broker.bootstrap());
    auto send = [&](const std::string& key, const std::string& value) {
      std::this_thread::sleep_for(120ms);
      producer.Send("compacted", 0, TestRecord{key, value});
      ++produced;
    };
    for (int g = 0; g < 3; ++g) {
      for (int j = 0; j < 8; ++j) send(fmt::format("hot-{}", g), fmt::format("v-{}-{}", g, j));
      for (int k = 0; k < 4; ++k) send(fmt::format("u-{}-{}", g, k), fmt::format("u-{}-{}", g, k));
    }
    for (int k = 0; k < 12; ++k) send(fmt::format("tail-{}", k), "tail");
  }
  const size_t survivors = static_cast<size_t>(produced) - 3 * 7;
  StoredMessages kafka;
  auto deadline = std::chrono::steady_clock::now() + 40s;
  while (true) {
    kafka = Payloads(ReadWithKcat(broker.bootstrap(), "compacted"));
    if (kafka.size() == survivors || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_EQ(kafka.size(), survivors) << "the log cleaner did not compact the topic in 40 s";
  // The first group's hole opens the log: the consumer starts at 0 and
  // first gets offset 7.
  EXPECT_EQ(kafka.begin()->first.second, 7);
  auto holes = Holes(kafka);
  ASSERT_EQ(holes.size(), 2u);
  EXPECT_EQ(holes[0], std::make_pair(int64_t{12}, int64_t{18}));
  EXPECT_EQ(holes[1], std::make_pair(int64_t{24}, int64_t{30}));

  std::string config =
      Config(broker.bootstrap(), "c.properties", {{"secor.max.file.size.bytes", "1"}});
  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer"));
  auto v = WaitForVerifyAllowingGaps(config, "compacted", static_cast<int64_t>(survivors), 50s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(30s), 0) << p.Stderr();
  testing::ExpectSameMessages(kafka, testing::ReadStoredTopic(Store(), "compacted"), "compacted");
  EXPECT_EQ(Committed("g", "compacted"), produced);
  EXPECT_EQ(EndOffset("compacted"), produced);
  auto plain = RunVerify(config, "compacted", static_cast<int64_t>(survivors), false);
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.out.find("0 duplicate offsets, 2 gaps\n"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("FAIL gap: partition 0 has no offsets 12..18 (before "
                           "compacted/offset=0/1_0_00000000000000000012)\n"),
            std::string::npos)
      << plain.out;
}

// What a store holds for each record of a topic, one line per record: the
// offset, the key ("-" for none) and the payload, in file order; records of
// the error output as "error OFFSET".
std::string Describe(const std::string& root, const std::string& topic) {
  std::string out;
  auto files = ListFilesRecursive(JoinPath(root, topic));
  EXPECT_TRUE(files.ok());
  if (!files.ok()) return out;
  for (const auto& rel : *files) {
    if (!ParseDataFileName(BaseName(rel))) continue;
    std::string path = JoinPath(JoinPath(root, topic), rel);
    if (rel.find("_errors/") != std::string::npos) {
      auto body = ReadFile(path);
      for (const auto& line : Split(body.ok() ? *body : "", '\n', true)) {
        size_t colon = line.find("\"offset\":");
        out +=
            "error " + line.substr(colon + 9, line.find_first_of(",}", colon) - colon - 9) + "\n";
      }
      continue;
    }
    auto reader = OpenReaderAuto(path);
    EXPECT_TRUE(reader.ok()) << path;
    if (!reader.ok()) continue;
    Record r;
    while (true) {
      auto more = (*reader)->Next(&r);
      EXPECT_TRUE(more.ok()) << path << ": " << more.status().ToString();
      if (!more.ok() || !*more) break;
      out += fmt::format("{} key={} value={}\n", r.offset, r.has_key ? r.key : "-", r.payload);
    }
  }
  return out;
}

// Null values (tombstones) and null keys through every output format and
// back: each format stores all five records (keys where it stores keys), and
// a null value reads back as an empty payload, as the empty value at offset
// 4 does (the consumer's Message has no null payload: no format can tell
// them apart). None goes to the error output, none is dropped.
TEST_F(OffsetGapsTest, NullKeysAndValuesInEveryFormat) {
  TestBroker broker(dir_.path(), {"nulls:1"});
  {
    TestProducer producer(broker.bootstrap());
    producer.Send("nulls", 0, TestRecord{"k0", "v0"});
    producer.Send("nulls", 0, TestRecord{"k1", std::nullopt});
    producer.Send("nulls", 0, TestRecord{std::nullopt, "v2"});
    producer.Send("nulls", 0, TestRecord{std::nullopt, std::nullopt});
    producer.Send("nulls", 0, TestRecord{"k4", ""});
  }
  KcatTopic kafka = ReadWithKcat(broker.bootstrap(), "nulls");
  ASSERT_EQ(kafka.size(), 5u);
  auto at = [&](int64_t offset) { return kafka[std::make_pair(0, offset)]; };
  EXPECT_FALSE(at(1).value.has_value());
  EXPECT_FALSE(at(2).key.has_value());
  EXPECT_FALSE(at(3).key.has_value() || at(3).value.has_value());
  EXPECT_EQ(at(4).value, std::optional<std::string>(""));

  const std::vector<std::string> formats = {
      "sequencefile", "sequencefile-msgpack", "text", "jsonl", "parquet", "avro"};
  std::map<std::string, std::string> configs;
  std::map<std::string, std::unique_ptr<Process>> consumers;
  for (const auto& f : formats) {
    auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "g-" + f, dir_.Join("staging-" + f),
                                            dir_.Join("store-" + f));
    kv["secor.file.reader.writer.factory"] = f;
    if (f == "parquet" || f == "avro") {
      kv["secor.payload.encoding"] = "json";  // no schema: the raw value column
      kv["secor.parquet.kafka.columns"] = "key";
    }
    configs[f] = testing::WriteProperties(dir_.Join(f + ".properties"), kv);
    consumers[f] = std::make_unique<Process>();
    consumers[f]->Start({BinaryPath("secor"), "consume", "-c", configs[f]}, dir_.Join(f));
  }
  for (const auto& f : formats) {
    auto v = testing::WaitForVerify(configs[f], "nulls", 5, 40s);
    EXPECT_EQ(v.exit_code, 0) << f << ": " << v.out << v.err << consumers[f]->Stderr();
    consumers[f]->Signal(SIGTERM);
  }
  for (const auto& f : formats) EXPECT_EQ(consumers[f]->Wait(30s), 0) << f;
  for (const auto& f : formats) testing::ExpectVerifyStillPasses(configs[f], "nulls", 5);

  const std::string keyed =
      "0 key=k0 value=v0\n1 key=k1 value=\n2 key=- value=v2\n3 key=- value=\n4 key=k4 value=\n";
  const std::string unkeyed =
      "0 key=- value=v0\n1 key=- value=\n2 key=- value=v2\n3 key=- value=\n4 key=- value=\n";
  std::map<std::string, std::string> expected = {
      // The original's layout: the SequenceFile key is the offset, Kafka keys are not stored.
      {"sequencefile", unkeyed},
      {"sequencefile-msgpack", keyed},
      // Text stores payloads only, one a line: a null is an empty line.
      {"text",
       "-1 key=- value=v0\n-1 key=- value=\n-1 key=- value=v2\n-1 key=- value=\n-1 key=- "
       "value=\n"},
      {"jsonl", keyed},
      {"parquet", keyed},
      // secor.parquet.kafka.columns is Parquet's: Avro output stores no Kafka key.
      {"avro", unkeyed},
  };
  for (const auto& f : formats) {
    EXPECT_EQ(Describe(dir_.Join("store-" + f), "nulls"), expected[f]) << f;
  }
}

}  // namespace
}  // namespace secor
