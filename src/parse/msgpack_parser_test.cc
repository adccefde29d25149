#include "parse/msgpack_parser.h"

#include <gtest/gtest.h>

#define MSGPACK_NO_BOOST
#include <msgpack.hpp>

#include "config/config.h"

namespace secor {
namespace {

// A map packed by msgpack-cxx, the timestamp fields after others of every kind.
std::string SamplePayload() {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(&buffer);
  pk.pack_map(10);
  pk.pack(std::string("name"));
  pk.pack(std::string("click"));
  pk.pack(std::string("list"));
  pk.pack(std::vector<int>{1, -2, 300000});
  pk.pack(std::string("meta"));
  pk.pack_map(2);
  pk.pack(std::string("flag"));
  pk.pack(true);
  pk.pack(std::string("ts"));
  pk.pack(1700000000.5);  // float64 seconds
  pk.pack(std::string("timestamp"));
  pk.pack(int64_t{1700000000123});  // milliseconds
  pk.pack(std::string("micros"));
  pk.pack(uint64_t{1700000000123456});
  pk.pack(std::string("nanos"));
  pk.pack(int64_t{1700000000123456789});
  pk.pack(std::string("seconds"));
  pk.pack(uint32_t{1700000000});
  pk.pack(std::string("before"));
  pk.pack(int64_t{-86400});  // negative: seconds before the epoch
  pk.pack(std::string("text"));
  pk.pack(std::string("1700000001"));
  pk.pack(std::string("none"));
  pk.pack_nil();
  return std::string(buffer.data(), buffer.size());
}

Result<int64_t> Extract(const Config& config, std::string_view payload) {
  auto extractor = NewMsgpackTimestampExtractor(config, "events");
  if (!extractor.ok()) return extractor.status();
  Message m;
  m.payload = payload;
  return (*extractor)->ExtractMillis(m);
}

Config ConfigFor(const std::string& field) {
  return Config::FromMap({{"message.timestamp.name", field}});
}

TEST(MsgpackParserTest, EveryValueKindAndUnit) {
  const std::string payload = SamplePayload();
  const std::pair<std::string, int64_t> cases[] = {
      {"timestamp", 1700000000123}, {"micros", 1700000000123}, {"nanos", 1700000000123},
      {"seconds", 1700000000000},   {"before", -86400000},     {"text", 1700000001000},
      {"meta.ts", 1700000000500},
  };
  for (const auto& [field, expected] : cases) {
    Result<int64_t> ms = Extract(ConfigFor(field), payload);
    ASSERT_TRUE(ms.ok()) << field << ": " << ms.status().ToString();
    EXPECT_EQ(*ms, expected) << field;
  }
}

TEST(MsgpackParserTest, StringDatesWithPattern) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(&buffer);
  pk.pack(std::map<std::string, std::string>{{"when", "2023-11-14T22:13:20"}});
  Config config = ConfigFor("when");
  config.Set("message.timestamp.input.pattern", "yyyy-MM-dd'T'HH:mm:ss", "test");
  EXPECT_EQ(*Extract(config, std::string_view(buffer.data(), buffer.size())), 1700000000000);
  config.Unset("message.timestamp.input.pattern");
  EXPECT_EQ(Extract(config, std::string_view(buffer.data(), buffer.size())).status().message(),
            "msgpack: field when value '2023-11-14T22:13:20' is not a number");
}

TEST(MsgpackParserTest, MissingAndWrongTypes) {
  const std::string payload = SamplePayload();
  Result<int64_t> ms = Extract(ConfigFor("absent"), payload);
  EXPECT_TRUE(ms.status().IsNotFound());
  EXPECT_EQ(ms.status().message(), "msgpack: field absent not found");
  EXPECT_TRUE(Extract(ConfigFor("none"), payload).status().IsNotFound());
  EXPECT_EQ(Extract(ConfigFor("list"), payload).status().message(),
            "msgpack: field list is not a number or string");
  EXPECT_EQ(Extract(ConfigFor("name.x"), payload).status().message(), "msgpack: name is not a map");
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, std::vector<int>{1});
  EXPECT_EQ(Extract(ConfigFor("timestamp"), std::string_view(buffer.data(), buffer.size()))
                .status()
                .message(),
            "msgpack: payload is not a map");
}

TEST(MsgpackParserTest, MalformedPayloads) {
  const std::string payload = SamplePayload();
  EXPECT_EQ(
      Extract(ConfigFor("timestamp"), payload.substr(0, payload.size() - 3)).status().message(),
      "msgpack: truncated payload");
  // map32 header claiming 2^32-1 entries.
  EXPECT_EQ(
      Extract(ConfigFor("timestamp"), std::string("\xdf\xff\xff\xff\xff", 5)).status().message(),
      "msgpack: container larger than the payload");
  // 100 nested one-element arrays.
  EXPECT_EQ(Extract(ConfigFor("timestamp"), std::string(100, '\x91')).status().message(),
            "msgpack: nesting deeper than 64");
  // 0xc1 is never used.
  EXPECT_EQ(Extract(ConfigFor("timestamp"), std::string("\xc1", 1)).status().message(),
            "msgpack: parse error");
}

TEST(MsgpackParserTest, ParserPartitionsByTheField) {
  Config config = ConfigFor("meta/ts");
  config.Set("message.timestamp.name.separator", "/", "test");
  config.Set("partitioner.granularity.minute", "true", "test");
  auto parser = NewMsgpackParser(config, "events");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  std::string payload = SamplePayload(), path;
  Message m;
  m.payload = payload;
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2023-11-14/hr=22/min=13");
}

TEST(BinaryParserRegistrationTest, OriginalClassNamesResolve) {
  Config config = ConfigFor("timestamp");
  config.Set("secor.message.parser.class", "com.pinterest.secor.parser.MessagePackParser", "test");
  auto parser = NewMessageParser(config, "events");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  std::string payload = SamplePayload(), path;
  Message m;
  m.payload = payload;
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2023-11-14");
  const auto& registry = MessageParserRegistry();
  EXPECT_EQ(registry.CanonicalName("com.pinterest.secor.parser.ThriftMessageParser"), "thrift");
  EXPECT_EQ(registry.CanonicalName("com.pinterest.secor.parser.ProtobufMessageParser"), "protobuf");
  EXPECT_EQ(registry.CanonicalName("com.pinterest.secor.parser.AvroMessageParser"), "avro");
  EXPECT_EQ(registry.CanonicalName("com.pinterest.secor.parser.AvroSplitByFieldMessageParser"),
            "avro_split_by_field");
}

}  // namespace
}  // namespace secor
