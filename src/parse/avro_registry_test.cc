// The schema registry as the Avro parsers use it (the client itself is tested
// in src/payload/schema_registry_test.cc).
#include "payload/schema_registry.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "common/strings.h"
#include "config/config.h"
#include "parse/avro_parser.h"
#include "support/fake_schema_registry.h"

namespace secor {
namespace {

using secor::testing::FakeSchemaRegistry;

const char kSchemaV1[] = R"({"type": "record", "name": "E", "fields": [
    {"name": "kind", "type": "string"}, {"name": "ts", "type": "long"}]})";
// Version 2 put a field before the timestamp.
const char kSchemaV2[] = R"({"type": "record", "name": "E", "fields": [
    {"name": "kind", "type": "string"}, {"name": "extra", "type": ["null", "string"]},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}}]})";

std::string WireFormat(int32_t id, const std::string& datum) {
  std::string out(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((id >> shift) & 0xff);
  return out + datum;
}

// Hand-encoded datums: zigzag varints and length-prefixed strings.
std::string Varint(int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  std::string out;
  while (z >= 0x80) {
    out += static_cast<char>((z & 0x7f) | 0x80);
    z >>= 7;
  }
  return out + static_cast<char>(z);
}
std::string Str(const std::string& s) { return Varint(static_cast<int64_t>(s.size())) + s; }

TEST(SchemaRegistryTest, FetchesEachIdOnceAndDecodesBySchemaVersion) {
  FakeSchemaRegistry registry;
  registry.SetSchema(1, kSchemaV1);
  registry.SetSchema(2, kSchemaV2);
  Config config = Config::FromMap({{"schema.registry.url", registry.url() + "/"},
                                   {"message.timestamp.name", "ts"},
                                   {"message.split.field.name", "kind"}});
  auto parser = NewAvroSplitByFieldParser(config, "events");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  const std::string v1 = WireFormat(1, Str("click") + Varint(1700000000123));
  const std::string v2 =
      WireFormat(2, Str("view") + Varint(1) + Str("x") + Varint(1800000000000000));
  std::string path;
  for (int i = 0; i < 3; ++i) {
    Message m;
    m.payload = v1;
    ASSERT_TRUE((*parser)->Partition(m, &path).ok());
    EXPECT_EQ(path, "kind=click/dt=2023-11-14");
    m.payload = v2;
    ASSERT_TRUE((*parser)->Partition(m, &path).ok());
    EXPECT_EQ(path, "kind=view/dt=2027-01-15");
  }
  EXPECT_EQ(registry.Requests(1), 1);
  EXPECT_EQ(registry.Requests(2), 1);

  // A second parser of the same registry shares the cache.
  auto other = NewAvroParser(config, "other");
  ASSERT_TRUE(other.ok());
  Message m;
  m.payload = v1;
  ASSERT_TRUE((*other)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2023-11-14");
  EXPECT_EQ(registry.Requests(1), 1);
}

// The consumer holds a partition on a retryable status and sends the message
// to the error output on any other, so the code must match the HTTP answer.
TEST(SchemaRegistryTest, OnlyOutagesAreRetryable) {
  FakeSchemaRegistry registry;
  registry.SetResponse(11, 503, "down");
  registry.SetResponse(12, 429, "slow down");
  registry.SetResponse(13, 400, "bad request");
  registry.SetResponse(14, 403, "forbidden");
  registry.SetResponse(15, 200, R"({"id": 15})");
  SchemaRegistryClient client(registry.url(), 1, 5000);
  EXPECT_TRUE(client.Get(11).status().IsRetryable());
  EXPECT_TRUE(client.Get(12).status().IsRetryable());
  Status bad = client.Get(13).status();
  EXPECT_FALSE(bad.IsRetryable());
  EXPECT_EQ(bad.message(), "schema registry: GET " + registry.url() + "/schemas/ids/13: HTTP 400");
  EXPECT_EQ(client.Get(14).status().code(), Status::Code::kPermissionDenied);
  EXPECT_FALSE(client.Get(15).status().IsRetryable());
  EXPECT_FALSE(client.Get(99).status().IsRetryable());  // 404
  EXPECT_EQ(registry.Requests(13), 1);

  // Through the parser, as the consumer sees it: an outage is retryable, a
  // malformed payload is not.
  Config config = Config::FromMap({{"schema.registry.url", registry.url()},
                                   {"secor.schema.registry.retries", "1"},
                                   {"message.timestamp.name", "ts"}});
  auto parser = NewAvroParser(config, "t");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  std::string path;
  Message m;
  const std::string down = WireFormat(11, Str("click") + Varint(1700000000123));
  m.payload = down;
  EXPECT_TRUE((*parser)->Partition(m, &path).IsRetryable());
  m.payload =
      "\x01"
      "abcdef";
  Status malformed = (*parser)->Partition(m, &path);
  EXPECT_FALSE(malformed.ok());
  EXPECT_FALSE(malformed.IsRetryable()) << malformed.ToString();
}

}  // namespace
}  // namespace secor
