// A schema registry outage on real broker traffic: Avro messages in the
// registry's wire format wait in Kafka while the registry answers 503, the
// consumer holds their partitions (nothing in the error output, nothing
// committed past them) while another topic keeps flowing, and once the
// registry answers every message lands in its dt= directory exactly once.
// A schema id the registry does not know still goes to the error output. A
// round decided by another writer and replayed during the outage is held the
// same way and still gives exactly the files its marker names.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "kafka/producer.h"
#include "storage/object_store.h"
#include "support/cluster.h"
#include "support/fake_http_server.h"
#include "upload/object_names.h"
#include "upload/round_ledger.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::Process;
using testing::TempDir;
using testing::TestBroker;

// Schema 7 is cached before the outage; schema 8 is first needed during it.
constexpr int32_t kCachedId = 7;
constexpr int32_t kOutageId = 8;
const char* const kClickSchema =
    R"({"type":"record","name":"Click","fields":[{"name":"timestamp","type":"long"},)"
    R"({"name":"page","type":"string"}]})";

std::string ZigZagVarint(int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  std::string out;
  do {
    uint8_t b = z & 0x7f;
    z >>= 7;
    out.push_back(static_cast<char>(z ? b | 0x80 : b));
  } while (z);
  return out;
}

// Magic byte 0, the schema id big-endian, then the Click datum.
std::string WireFormatClick(int32_t schema_id, int64_t timestamp_ms, const std::string& page) {
  std::string out(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((schema_id >> shift) & 0xff));
  }
  return out + ZigZagVarint(timestamp_ms) + ZigZagVarint(static_cast<int64_t>(page.size())) + page;
}

// The timestamp field of a wire-format Click (the datum's first long).
int64_t ClickTimestamp(const std::string& payload) {
  uint64_t z = 0;
  for (size_t i = 5, shift = 0; i < payload.size(); ++i, shift += 7) {
    z |= static_cast<uint64_t>(payload[i] & 0x7f) << shift;
    if (!(payload[i] & 0x80)) break;
  }
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

std::string DayPartition(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "dt=%Y-%m-%d", &tm);
  return buf;
}

TEST(SchemaRegistryOutageTest, HeldPartitionsResumeAtTheHeldOffsetAndLoseNothing) {
  // A stand-in for Confluent's schema registry (none can run here): it
  // answers for schema 8 with 503 while `down`, then with the schema.
  std::atomic<bool> down{true};
  std::atomic<int> outage_answers{0};
  testing::FakeHttpServer registry([&](const testing::FakeRequest& r) {
    const std::string prefix = "/schemas/ids/";
    if (r.target != prefix + std::to_string(kCachedId) &&
        r.target != prefix + std::to_string(kOutageId)) {
      return testing::FakeResponse::Json(404,
                                         R"({"error_code":40403,"message":"Schema not found"})");
    }
    if (down.load() && r.target == prefix + std::to_string(kOutageId)) {
      ++outage_answers;
      return testing::FakeResponse::Json(503, R"({"error_code":50301,"message":"unavailable"})");
    }
    return testing::FakeResponse::Json(200, "{\"schema\":" + JsonQuote(kClickSchema) + "}");
  });
  const std::string registry_url = "http://127.0.0.1:" + std::to_string(registry.port());

  TempDir dir;
  TestBroker broker(dir.path(), {"clicks:2", "pages:1"});
  ASSERT_FALSE(broker.bootstrap().empty());
  // 600 clicks over three days starting 2026-03-07, alternating partitions;
  // offsets 150 and later of each partition name the schema the outage hides.
  constexpr int kClicks = 600;
  constexpr int64_t kStartMs = 1772841600000;
  auto producer = Producer::Create(broker.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  for (int i = 0; i < kClicks; ++i) {
    int64_t ts = kStartMs + int64_t{i} * 259200000 / kClicks;
    int32_t id = i < kClicks / 2 ? kCachedId : kOutageId;
    ASSERT_TRUE((*producer)
                    ->Produce("clicks", i % 2, "", WireFormatClick(id, ts, fmt::format("p{}", i)))
                    .ok());
  }
  // After them, on partition 0 (offset 300), a schema the registry does not
  // know: its 404 says something about the message, so it is an error.
  ASSERT_TRUE((*producer)->Produce("clicks", 0, "", WireFormatClick(9, kStartMs, "lost")).ok());
  ASSERT_TRUE((*producer)->Flush(30s).ok());
  testing::Produce(broker.bootstrap(), "pages", 300,
                   {"--type", "json", "--start-time", "1772841600", "--time-spread", "86400"});

  std::string store = dir.Join("store");
  auto kv =
      testing::BaseConsumerSettings(broker.bootstrap(), "registry", dir.Join("staging"), store);
  kv["secor.message.parser.class"] = "JsonMessageParser";
  kv["secor.message.parser.class.clicks"] = "AvroMessageParser";
  kv["message.timestamp.name"] = "timestamp";
  kv["schema.registry.url"] = registry_url;
  kv["secor.schema.registry.retries"] = "1";
  kv["secor.schema.registry.retry.max.backoff.ms"] = "1000";
  std::string config = testing::WriteProperties(dir.Join("registry.properties"), kv);

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consumer"));
  // The other topic flows while the registry is down...
  auto pages = testing::WaitForVerify(config, "pages", 300, 90s);
  EXPECT_EQ(pages.exit_code, 0) << pages.out << pages.err;
  // ...and the held partitions keep asking (backoff 0.5 s, then 1 s).
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       outage_answers.load() < 6 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(outage_answers.load(), 6);
  // Each clicks partition is stored up to the held offset, and no further;
  // nothing went to the error output.
  auto before = testing::WaitForVerify(config, "clicks", kClicks / 2, 30s);
  EXPECT_EQ(before.exit_code, 0) << before.out << before.err;
  EXPECT_NE(before.out.find(fmt::format("{} messages (0 in the error output)", kClicks / 2)),
            std::string::npos)
      << before.out;
  auto held = testing::ReadStoredTopic(store, "clicks");
  EXPECT_EQ(held.size(), static_cast<size_t>(kClicks / 2));
  for (const auto& [where, payload] : held) EXPECT_LT(where.second, 150) << where.first;

  down.store(false);
  auto v = testing::WaitForVerify(config, "clicks", kClicks + 1, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find(fmt::format("{} messages (1 in the error output)", kClicks + 1)),
            std::string::npos)
      << v.out;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "clicks", kClicks + 1);
  testing::ExpectVerifyStillPasses(config, "pages", 300);

  // Every click exactly once, byte for byte, in the day of its timestamp.
  auto by_partition = testing::ReadStoredTopicByOutputPartition(store, "clicks");
  std::map<std::string, int> expected_days, stored_days;
  auto kafka = testing::ReadTopicWithKcat(broker.bootstrap(), "clicks");
  ASSERT_EQ(kafka.size(), static_cast<size_t>(kClicks + 1));
  ASSERT_EQ(kafka.erase({0, 300}), 1u);  // the unknown schema, checked below
  for (const auto& [where, payload] : kafka) ++expected_days[DayPartition(ClickTimestamp(payload))];
  testing::StoredMessages stored;
  for (const auto& [op, messages] : by_partition) {
    for (const auto& [where, payload] : messages) {
      EXPECT_EQ(op, DayPartition(ClickTimestamp(payload))) << "offset " << where.second;
      ++stored_days[op];
      stored.emplace(where, payload);
    }
  }
  testing::ExpectSameMessages(kafka, stored, "clicks");
  EXPECT_EQ(stored_days, expected_days);
  EXPECT_EQ(expected_days.size(), 3u);
  auto errors = ListFilesRecursive(store + "/clicks/_errors");
  ASSERT_TRUE(errors.ok());
  std::string error_lines;
  for (const auto& f : *errors) error_lines += *ReadFile(store + "/clicks/_errors/" + f);
  EXPECT_EQ(Split(error_lines, '\n', true).size(), 1u) << error_lines;
  EXPECT_NE(error_lines.find("{\"offset\":300,\"partition\":0,"), std::string::npos) << error_lines;
  EXPECT_NE(error_lines.find("schema registry: schema 9 not found"), std::string::npos)
      << error_lines;

  // Each held attempt is logged with the partition, the offset and the URL.
  std::string err = consumer.Stderr();
  for (int partition : {0, 1}) {
    EXPECT_NE(err.find(fmt::format("clicks/{} offset 150: parser failed, holding the partition",
                                   partition)),
              std::string::npos)
        << err;
  }
  EXPECT_NE(err.find("GET " + registry_url + "/schemas/ids/8: HTTP 503"), std::string::npos) << err;
}

TEST(SchemaRegistryOutageTest, AReplayedRoundHeldByTheOutageGivesTheFilesItsMarkerNames) {
  std::atomic<bool> down{true};
  std::atomic<int> outage_answers{0};
  testing::FakeHttpServer registry([&](const testing::FakeRequest& r) {
    if (r.target != "/schemas/ids/" + std::to_string(kOutageId)) {
      return testing::FakeResponse::Json(404,
                                         R"({"error_code":40403,"message":"Schema not found"})");
    }
    if (down.load()) {
      ++outage_answers;
      return testing::FakeResponse::Json(503, R"({"error_code":50301,"message":"unavailable"})");
    }
    return testing::FakeResponse::Json(200, "{\"schema\":" + JsonQuote(kClickSchema) + "}");
  });

  TempDir dir;
  TestBroker broker(dir.path(), {"clicks:1"});
  ASSERT_FALSE(broker.bootstrap().empty());
  constexpr int kClicks = 300;
  constexpr int64_t kStartMs = 1772841600000;
  auto producer = Producer::Create(broker.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  // Another writer decided round [0, 149] and stopped before uploading: its
  // marker names one file per day, with the offsets each holds.
  std::map<std::string, MarkerFile> decided;
  for (int i = 0; i < kClicks; ++i) {
    int64_t ts = kStartMs + int64_t{i} * 259200000 / kClicks;
    ASSERT_TRUE(
        (*producer)
            ->Produce("clicks", 0, "", WireFormatClick(kOutageId, ts, fmt::format("p{}", i)))
            .ok());
    if (i >= 150) continue;
    std::string day = DayPartition(ts);
    MarkerFile& f = decided[day];
    if (f.key.empty()) f = {DataFileKey("clicks", day, 1, 0, 0, ""), 0, kOffsetsHashSeed};
    ++f.messages;
    f.offsets_hash = OffsetsHashAdd(f.offsets_hash, i);
  }
  ASSERT_TRUE((*producer)->Flush(30s).ok());
  ASSERT_EQ(decided.size(), 2u);  // 150 of 300 clicks over three days
  std::string store = dir.Join("store");
  {
    auto os = OpenObjectStore(store, secor::Config());
    ASSERT_TRUE(os.ok()) << os.status().ToString();
    RoundLedger ledger(os->get(), "_secor_rounds", "replay");
    RoundMarker marker;
    marker.start = 0;
    marker.end = 149;
    for (const auto& [day, f] : decided) marker.files.push_back(f);
    marker.writer = "another-host:1:1:dead";
    ASSERT_TRUE(ledger.CreateMarker("clicks", 0, marker).ok());
  }

  auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "replay", dir.Join("staging"), store);
  kv["secor.message.parser.class"] = "AvroMessageParser";
  kv["message.timestamp.name"] = "timestamp";
  kv["schema.registry.url"] = "http://127.0.0.1:" + std::to_string(registry.port());
  kv["secor.schema.registry.retries"] = "1";
  kv["secor.schema.registry.retry.max.backoff.ms"] = "1000";
  std::string config = testing::WriteProperties(dir.Join("replay.properties"), kv);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consumer"));
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       outage_answers.load() < 3 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(outage_answers.load(), 3);
  EXPECT_FALSE(PathExists(store + "/clicks")) << "clicks stored during the outage";

  // Back: the replay writes the marker's files (a different split would stop
  // the consumer with an error), then normal rounds follow.
  down.store(false);
  auto v = testing::WaitForVerify(config, "clicks", kClicks, 90s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find(fmt::format("{} messages (0 in the error output)", kClicks)),
            std::string::npos)
      << v.out;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "clicks", kClicks);
  for (const auto& [day, f] : decided) EXPECT_TRUE(PathExists(store + "/" + f.key)) << f.key;
  std::string err = consumer.Stderr();
  EXPECT_NE(err.find("replaying 1 decided round(s) from 0"), std::string::npos) << err;
  EXPECT_NE(err.find("clicks/0 offset 0: parser failed, holding the partition"), std::string::npos)
      << err;
  testing::StoredMessages stored;
  for (auto& [op, messages] : testing::ReadStoredTopicByOutputPartition(store, "clicks")) {
    for (const auto& [where, payload] : messages) {
      EXPECT_EQ(op, DayPartition(ClickTimestamp(payload))) << "offset " << where.second;
    }
    stored.merge(messages);
  }
  testing::ExpectSameMessages(testing::ReadTopicWithKcat(broker.bootstrap(), "clicks"), stored,
                              "clicks");
}

}  // namespace
}  // namespace secor
