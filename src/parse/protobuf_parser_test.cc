#include "parse/protobuf_parser.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "timestamped.pb.h"

namespace secor {
namespace {

// Built by binary_testdata.cmake with protoc --descriptor_set_out --include_imports.
const std::string kDescriptorSet = SECOR_PARSE_TESTDATA_GEN "/timestamped.desc";

Config ConfigFor(const std::string& field) {
  return Config::FromMap({{"secor.protobuf.descriptor.set.file", kDescriptorSet},
                          {"secor.protobuf.message.class", "secor.test.Event"},
                          {"message.timestamp.name", field}});
}

// Serialized by the protoc-generated class.
std::string SampleEvent() {
  secor::test::Event e;
  e.set_name("click");
  for (int i = 0; i < 3; ++i) {
    secor::test::Inner* h = e.add_history();
    h->set_note("old");
    h->set_millis(-1);
  }
  e.mutable_inner()->set_note("inner");
  e.mutable_inner()->set_millis(1700000000456);
  e.mutable_inner()->mutable_when()->set_seconds(1600000000);
  e.mutable_inner()->mutable_when()->set_nanos(999999999);
  e.set_timestamp(1700000000123);
  e.set_seconds(1700000001);
  e.set_nanos(1700000000789000000ULL);
  e.set_fractional(1700000000.5);
  e.set_text_time("1700000002");
  e.mutable_created()->set_seconds(1700000003);
  e.mutable_created()->set_nanos(250000000);
  e.set_zigzag(-1700000004000);
  (*e.mutable_labels())["a"] = 1;
  e.set_ratio(0.5f);
  return e.SerializeAsString();
}

Result<int64_t> Extract(const Config& config, std::string_view payload) {
  auto extractor = NewProtobufTimestampExtractor(config, "events");
  if (!extractor.ok()) return extractor.status();
  Message m;
  m.payload = payload;
  return (*extractor)->ExtractMillis(m);
}

TEST(ProtobufParserTest, EveryFieldKindInEveryUnit) {
  const std::string payload = SampleEvent();
  const std::pair<std::string, int64_t> cases[] = {
      {"timestamp", 1700000000123},     // uint64 milliseconds
      {"seconds", 1700000001000},       // int32 seconds
      {"nanos", 1700000000789},         // fixed64 nanoseconds
      {"fractional", 1700000000500},    // double seconds
      {"text_time", 1700000002000},     // numeric string
      {"created", 1700000003250},       // google.protobuf.Timestamp
      {"zigzag", -1700000004000},       // sint64, negative milliseconds
      {"inner.millis", 1700000000456},  // nested
      {"inner.when", 1600000000999},    // nested Timestamp
  };
  for (const auto& [field, expected] : cases) {
    Result<int64_t> ms = Extract(ConfigFor(field), payload);
    ASSERT_TRUE(ms.ok()) << field << ": " << ms.status().ToString();
    EXPECT_EQ(*ms, expected) << field;
  }
}

TEST(ProtobufParserTest, SeparatorAndDatePattern) {
  Config config = ConfigFor("inner/millis");
  config.Set("message.timestamp.name.separator", "/", "test");
  EXPECT_EQ(*Extract(config, SampleEvent()), 1700000000456);

  secor::test::Event e;
  e.set_text_time("2023-11-14 23:13:20");
  config = ConfigFor("text_time");
  config.Set("message.timestamp.input.pattern", "yyyy-MM-dd HH:mm:ss", "test");
  config.Set("secor.parser.timezone", "Europe/Berlin", "test");
  EXPECT_EQ(*Extract(config, e.SerializeAsString()), 1700000000000);
  e.set_text_time("yesterday");
  EXPECT_EQ(Extract(config, e.SerializeAsString()).status().message(),
            "protobuf: field text_time value 'yesterday' does not match 'yyyy-MM-dd HH:mm:ss'");
  config.Unset("message.timestamp.input.pattern");
  EXPECT_EQ(Extract(config, e.SerializeAsString()).status().message(),
            "protobuf: field text_time value 'yesterday' is not a number");
}

TEST(ProtobufParserTest, LastOccurrenceWinsAsInAMerge) {
  secor::test::Event later;
  later.set_timestamp(1800000000000);
  later.mutable_inner()->set_note("only the note");
  // Concatenated messages parse as their merge.
  std::string payload = SampleEvent() + later.SerializeAsString();
  EXPECT_EQ(*Extract(ConfigFor("timestamp"), payload), 1800000000000);
  EXPECT_EQ(*Extract(ConfigFor("inner.millis"), payload), 1700000000456);
}

TEST(ProtobufParserTest, AbsentFieldIsNotFound) {
  secor::test::Event e;
  e.set_name("no time");
  Result<int64_t> ms = Extract(ConfigFor("inner.when"), e.SerializeAsString());
  EXPECT_TRUE(ms.status().IsNotFound());
  EXPECT_EQ(ms.status().message(), "protobuf: field inner.when not found");
}

TEST(ProtobufParserTest, JavaClassNamesResolve) {
  Config config = ConfigFor("timestamp");
  config.Unset("secor.protobuf.message.class");
  config.Set("secor.protobuf.message.class.events", "com.example.Timestamped$Event", "test");
  EXPECT_EQ(*Extract(config, SampleEvent()), 1700000000123);
  config.Unset("secor.protobuf.message.class.events");
  config.Set("secor.protobuf.message.class.*", "secor.test.Event", "test");
  EXPECT_EQ(*Extract(config, SampleEvent()), 1700000000123);
}

TEST(ProtobufParserTest, FirstFieldFallbackWithoutMessageClass) {
  secor::test::Event e;
  e.set_timestamp(1700000000123);
  Config config = Config::FromMap({});
  EXPECT_EQ(*Extract(config, e.SerializeAsString()), 1700000000123);
  e.set_name("first");
  EXPECT_EQ(Extract(config, e.SerializeAsString()).status().message(),
            "protobuf: first field has wire type 2, expected 0 (a varint timestamp)");
}

TEST(ProtobufParserTest, MalformedPayloads) {
  const std::string payload = SampleEvent();
  Config config = ConfigFor("timestamp");
  // Cut inside field 2 (the first history entry, its tag at byte 7): its
  // length at byte 8 claims more than is left.
  EXPECT_EQ(Extract(config, payload.substr(0, 10)).status().message(),
            "protobuf: truncated payload at byte 8");
  // Field 4 (timestamp) sent as a length-delimited field.
  EXPECT_EQ(Extract(config, std::string("\x22\x01\x00", 3)).status().message(),
            "protobuf: field timestamp has wire type 2, expected 0 at byte 0");
  EXPECT_EQ(Extract(config, std::string("\x0f\x00", 2)).status().message(),
            "protobuf: invalid wire type 7 at byte 1");
  EXPECT_EQ(Extract(config, std::string(100, '\x0b')).status().message(),
            "protobuf: nesting deeper than 64 at byte 65");
  EXPECT_EQ(Extract(config, std::string("\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11))
                .status()
                .message(),
            "protobuf: varint longer than 10 bytes at byte 1");
  // A Timestamp with negative nanos.
  EXPECT_EQ(
      Extract(ConfigFor("created"), std::string("\x4a\x08\x08\x01\x10\xff\xff\xff\xff\x0f", 10))
          .status()
          .message(),
      "protobuf: field created is no valid Timestamp (1s -1ns)");
}

TEST(ProtobufParserTest, BadSettingsNameTheKey) {
  EXPECT_EQ(NewProtobufTimestampExtractor(ConfigFor("missing"), "t").status().message(),
            "message.timestamp.name=missing (test): no field missing in secor.test.Event");
  EXPECT_EQ(NewProtobufTimestampExtractor(ConfigFor("history.millis"), "t").status().message(),
            "message.timestamp.name=history.millis (test): field history is repeated");
  EXPECT_EQ(NewProtobufTimestampExtractor(ConfigFor("inner"), "t").status().message(),
            "message.timestamp.name=inner (test): field inner is a message, not a timestamp");
  EXPECT_EQ(NewProtobufTimestampExtractor(ConfigFor("name.x"), "t").status().message(),
            "message.timestamp.name=name.x (test): field name is no message");
  Config config = ConfigFor("timestamp");
  config.Set("secor.protobuf.message.class", "Nope", "test");
  EXPECT_EQ(NewProtobufTimestampExtractor(config, "t").status().message(),
            "secor.protobuf.message.class=Nope (test): no such message type in the descriptor set");
  config.Set("secor.protobuf.descriptor.set.file", SECOR_PARSE_TESTDATA_SRC "/timestamped.proto",
             "test");
  EXPECT_EQ(NewProtobufTimestampExtractor(config, "t").status().message(),
            "secor.protobuf.descriptor.set.file=" SECOR_PARSE_TESTDATA_SRC
            "/timestamped.proto (test): not a protobuf FileDescriptorSet");
}

TEST(ProtobufParserTest, ParserPartitionsByTheField) {
  Config config = ConfigFor("created");
  config.Set("partitioner.granularity.hour", "true", "test");
  auto parser = NewProtobufParser(config, "events");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  std::string payload = SampleEvent(), path;
  Message m;
  m.payload = payload;
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2023-11-14/hr=22");
}

}  // namespace
}  // namespace secor
