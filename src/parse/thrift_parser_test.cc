#include "parse/thrift_parser.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "config/config.h"
#include "timestamped_types.h"

namespace secor {
namespace {

using apache::thrift::transport::TMemoryBuffer;

// An Event with every field set, serialized by the Thrift library itself.
secor_test::Event SampleEvent() {
  secor_test::Event e;
  e.__set_first("first");
  e.__set_name("click");
  e.__set_tags({{{"a", 1}, {"bb", -2}}, {}, {{"c", 300000}}});
  secor_test::Inner inner;
  inner.__set_note("note");
  inner.__set_micros(1700000000123456);
  secor_test::Inner child;
  child.__set_note("child");
  child.__set_micros(-5);
  inner.__set_children({child, child});
  e.__set_inner(inner);
  e.__set_seconds(1700000000);
  e.__set_flag(true);
  e.__set_ratio(0.25);
  e.__set_small({1, -1, 300});
  e.__set_blob(std::string("\x00\x01\xff", 3));
  e.__set_flags({{1, {true, false, true}}, {-7, {}}});
  e.__set_tiny(-3);
  e.__set_timestamp(1700000000123);
  e.__set_far(1700000000123456789);
  return e;
}

template <typename Protocol>
std::string Serialize(const secor_test::Event& e) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  Protocol protocol(buffer);
  e.write(&protocol);
  return buffer->getBufferAsString();
}

std::string Binary(const secor_test::Event& e) {
  return Serialize<apache::thrift::protocol::TBinaryProtocol>(e);
}
std::string Compact(const secor_test::Event& e) {
  return Serialize<apache::thrift::protocol::TCompactProtocol>(e);
}

struct Case {
  std::vector<int16_t> path;
  bool i64;
  int64_t expected;
};

const Case kCases[] = {
    {{12}, true, 1700000000123},
    {{40}, true, 1700000000123456789},
    {{5}, false, 1700000000},
    {{4, 2}, true, 1700000000123456},
};

TEST(ThriftParserTest, BinaryProtocolFindsFieldsAfterEveryOtherType) {
  std::string payload = Binary(SampleEvent());
  for (const Case& c : kCases) {
    Result<int64_t> v = ReadThriftInteger(payload, ThriftProtocol::kBinary, c.path, c.i64);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, c.expected);
  }
}

TEST(ThriftParserTest, CompactProtocolFindsFieldsAfterEveryOtherType) {
  std::string payload = Compact(SampleEvent());
  for (const Case& c : kCases) {
    Result<int64_t> v = ReadThriftInteger(payload, ThriftProtocol::kCompact, c.path, c.i64);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, c.expected);
  }
}

TEST(ThriftParserTest, NegativeValuesKeepTheirSign) {
  secor_test::Event e = SampleEvent();
  e.__set_seconds(-12345);
  e.__set_timestamp(-1);
  for (auto protocol : {ThriftProtocol::kBinary, ThriftProtocol::kCompact}) {
    std::string payload = protocol == ThriftProtocol::kBinary ? Binary(e) : Compact(e);
    EXPECT_EQ(*ReadThriftInteger(payload, protocol, {5}, false), -12345);
    EXPECT_EQ(*ReadThriftInteger(payload, protocol, {12}, true), -1);
  }
}

TEST(ThriftParserTest, ErrorsNameTheField) {
  std::string payload = Binary(SampleEvent());
  Result<int64_t> absent = ReadThriftInteger(payload, ThriftProtocol::kBinary, {13}, true);
  EXPECT_TRUE(absent.status().IsNotFound());
  EXPECT_EQ(absent.status().message(), "thrift: field 13 not found");
  EXPECT_EQ(ReadThriftInteger(payload, ThriftProtocol::kBinary, {2}, true).status().message(),
            "thrift: field 2 is string, not i64");
  EXPECT_EQ(ReadThriftInteger(payload, ThriftProtocol::kBinary, {5, 1}, true).status().message(),
            "thrift: field 5 is i32, not struct");
  EXPECT_EQ(ReadThriftInteger(payload, ThriftProtocol::kBinary, {4, 9}, true).status().message(),
            "thrift: field 4.9 not found");
}

TEST(ThriftParserTest, TruncatedPayloadIsCorruption) {
  std::string payload = Binary(SampleEvent());
  // Cut inside field 3 (the list of maps): fields 1 and 2 take 24 bytes, the
  // list's header 3 and its element type 1, so its 4-byte size at 28 is cut.
  std::string cut = payload.substr(0, 30);
  Result<int64_t> v = ReadThriftInteger(cut, ThriftProtocol::kBinary, {12}, true);
  EXPECT_EQ(v.status().code(), Status::Code::kCorruption);
  EXPECT_EQ(v.status().message(), "thrift: truncated payload at byte 28");
  EXPECT_EQ(ReadThriftInteger("", ThriftProtocol::kCompact, {1}, true).status().message(),
            "thrift: truncated payload at byte 0");
}

TEST(ThriftParserTest, HostileHeadersAreRefused) {
  // A list claiming 2^31-1 i64 elements in a 10-byte payload.
  std::string huge_list("\x0f\x00\x03\x0a\x7f\xff\xff\xff\x00\x00", 10);
  EXPECT_EQ(ReadThriftInteger(huge_list, ThriftProtocol::kBinary, {1}, true).status().message(),
            "thrift: container of 2147483647 elements exceeds payload at byte 8");
  // A string with a negative length.
  std::string negative("\x0b\x00\x02\xff\xff\xff\xfe", 7);
  EXPECT_EQ(ReadThriftInteger(negative, ThriftProtocol::kBinary, {1}, true).status().message(),
            "thrift: negative length at byte 7");
  // Type 99 is no Thrift type.
  std::string bad_type("\x63\x00\x02", 3);
  EXPECT_EQ(ReadThriftInteger(bad_type, ThriftProtocol::kBinary, {1}, true).status().message(),
            "thrift: unknown field type 99 at byte 3");
  // Structs nested 100 deep (compact: field 1, type struct = 0x1c each).
  std::string deep(100, '\x1c');
  EXPECT_EQ(ReadThriftInteger(deep, ThriftProtocol::kCompact, {2}, true).status().message(),
            "thrift: nesting deeper than 64 at byte 65");
  // An endless varint.
  std::string varint("\x16\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
  EXPECT_EQ(ReadThriftInteger(varint, ThriftProtocol::kCompact, {1}, true).status().message(),
            "thrift: varint longer than 10 bytes at byte 11");
}

TEST(ThriftParserTest, ProtocolNames) {
  EXPECT_EQ(*ParseThriftProtocol(""), ThriftProtocol::kBinary);
  EXPECT_EQ(*ParseThriftProtocol("compact"), ThriftProtocol::kCompact);
  EXPECT_EQ(*ParseThriftProtocol("org.apache.thrift.protocol.TCompactProtocol"),
            ThriftProtocol::kCompact);
  EXPECT_EQ(*ParseThriftProtocol("org.apache.thrift.protocol.TBinaryProtocol"),
            ThriftProtocol::kBinary);
  EXPECT_EQ(ParseThriftProtocol("json").status().message(),
            "unknown thrift protocol 'json' (known: binary, compact)");
}

TEST(ThriftParserTest, ExtractorFromConfigNormalisesUnits) {
  Config config = Config::FromMap(
      {{"secor.thrift.protocol.class.events", "org.apache.thrift.protocol.TCompactProtocol"},
       {"message.timestamp.id", "4.2"},
       {"message.timestamp.type", "i64"}});
  auto extractor = NewThriftTimestampExtractor(config, "events");
  ASSERT_TRUE(extractor.ok()) << extractor.status().ToString();
  std::string payload = Compact(SampleEvent());
  Message m;
  m.payload = payload;
  EXPECT_EQ(*(*extractor)->ExtractMillis(m), 1700000000123);  // from microseconds

  config.Set("message.timestamp.id", "5", "test");
  config.Set("message.timestamp.type", "i32", "test");
  extractor = NewThriftTimestampExtractor(config, "events");
  ASSERT_TRUE(extractor.ok());
  EXPECT_EQ(*(*extractor)->ExtractMillis(m), 1700000000000);  // from seconds

  config.Set("message.timestamp.id", "40", "test");
  config.Set("message.timestamp.type", "i64", "test");
  extractor = NewThriftTimestampExtractor(config, "events");
  EXPECT_EQ(*(*extractor)->ExtractMillis(m), 1700000000123);  // from nanoseconds
}

TEST(ThriftParserTest, ParserPartitionsByTheField) {
  Config config =
      Config::FromMap({{"message.timestamp.id", "12"}, {"partitioner.granularity.hour", "true"}});
  std::string payload = Binary(SampleEvent());
  Message m;
  m.payload = payload;
  auto parser = NewThriftParser(config, "t");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  std::string path;
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2023-11-14/hr=22");  // 1700000000123 ms
}

TEST(ThriftParserTest, MissingTimestampFollowsRequired) {
  Config config = Config::FromMap({{"message.timestamp.id", "13"}});
  std::string payload = Binary(SampleEvent());
  Message m;
  m.payload = payload;
  auto parser = NewThriftParser(config, "t");
  ASSERT_TRUE(parser.ok());
  std::string path;
  EXPECT_EQ((*parser)->Partition(m, &path).message(), "thrift: field 13 not found");
  config.Set("message.timestamp.required", "false", "test");
  parser = NewThriftParser(config, "t");
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=1970-01-01");
}

TEST(ThriftParserTest, BadSettingsNameTheKey) {
  Config config = Config::FromMap({{"message.timestamp.type", "i16"}});
  EXPECT_EQ(NewThriftTimestampExtractor(config, "t").status().message(),
            "message.timestamp.type=i16 (test): expected i32 or i64");
  config = Config::FromMap({{"message.timestamp.id", "x"}});
  EXPECT_EQ(NewThriftTimestampExtractor(config, "t").status().message(),
            "message.timestamp.id=x (test): expected a Thrift field id or a dotted path of ids");
  config = Config::FromMap({{"secor.thrift.protocol.class", "TJSONProtocol"}});
  EXPECT_EQ(NewThriftTimestampExtractor(config, "t").status().message(),
            "secor.thrift.protocol.class=TJSONProtocol (test): expected binary or compact");
}

}  // namespace
}  // namespace secor
