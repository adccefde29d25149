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
#include "support/fake_schema_registry.h"

namespace secor {
namespace {

using secor::testing::FakeSchemaRegistry;

const char kSchemaV1[] = R"({"type": "record", "name": "E", "fields": [
    {"name": "kind", "type": "string"}, {"name": "ts", "type": "long"}]})";

std::string WireFormat(int32_t id, const std::string& datum) {
  std::string out(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((id >> shift) & 0xff);
  return out + datum;
}

TEST(SchemaRegistryTest, SplitWireFormat) {
  int32_t id = 0;
  std::string_view datum;
  std::string payload = WireFormat(0x01020304, "xyz");
  ASSERT_TRUE(SchemaRegistryClient::SplitWireFormat(payload, &id, &datum).ok());
  EXPECT_EQ(id, 0x01020304);
  EXPECT_EQ(datum, "xyz");
  EXPECT_EQ(
      SchemaRegistryClient::SplitWireFormat(std::string("\x01\x00\x00\x00\x01", 5), &id, &datum)
          .message(),
      "avro: unknown magic byte 1 (schema registry wire format has 0)");
  EXPECT_EQ(SchemaRegistryClient::SplitWireFormat(std::string(3, '\0'), &id, &datum).message(),
            "avro: payload of 3 bytes is too short for the schema registry wire format");
}

TEST(SchemaRegistryTest, UnknownIdIsNotRetried) {
  FakeSchemaRegistry registry;
  SchemaRegistryClient client(registry.url(), 3, 5000);
  Result<std::shared_ptr<const AvroSchema>> s = client.Get(9);
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_EQ(s.status().message(), "schema registry: schema 9 not found at " + registry.url());
  EXPECT_EQ(registry.Requests(9), 1);
}

TEST(SchemaRegistryTest, ServerErrorsAreRetriedThenFail) {
  FakeSchemaRegistry registry;
  registry.SetResponse(7, 500, "oops");
  SchemaRegistryClient client(registry.url(), 3, 5000);
  Result<std::shared_ptr<const AvroSchema>> s = client.Get(7);
  EXPECT_EQ(s.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.status().message(), "schema registry: GET " + registry.url() +
                                      "/schemas/ids/7: HTTP 500 (after 3 attempts)");
  EXPECT_EQ(registry.Requests(7), 3);
  EXPECT_EQ(client.requests(), 3);

  // Recovers once the registry answers; the failure was not cached.
  registry.SetSchema(7, kSchemaV1);
  EXPECT_TRUE(client.Get(7).ok());
  EXPECT_EQ(registry.Requests(7), 4);
}

TEST(SchemaRegistryTest, BadResponsesAreErrors) {
  FakeSchemaRegistry registry;
  registry.SetResponse(3, 200, R"({"id": 3})");
  registry.SetResponse(4, 200, R"({"schema": "{\"type\": \"Nope\"}"})");
  SchemaRegistryClient client(registry.url(), 2, 5000);
  EXPECT_EQ(client.Get(3).status().message(),
            "schema registry: GET " + registry.url() +
                "/schemas/ids/3: no \"schema\" string in the response");
  EXPECT_EQ(client.Get(4).status().message(),
            "schema registry: schema 4: avro schema: unknown type 'Nope'");
  EXPECT_EQ(registry.Requests(3), 1);
  EXPECT_EQ(registry.Requests(4), 1);
}

TEST(SchemaRegistryTest, UnreachableRegistry) {
  int port;
  {
    FakeSchemaRegistry gone;  // a port that was just free
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  SchemaRegistryClient client("http://127.0.0.1:" + std::to_string(port), 2, 2000);
  Result<std::shared_ptr<const AvroSchema>> s = client.Get(1);
  EXPECT_EQ(s.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(s.status().message().ends_with("(after 2 attempts)")) << s.status().message();
}

}  // namespace
}  // namespace secor
