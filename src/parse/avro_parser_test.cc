#include "parse/avro_parser.h"

#include <avro.h>
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "config/config.h"
#include "payload/avro_schema.h"

namespace secor {
namespace {

const std::string kSchemaFile = SECOR_PARSE_TESTDATA_SRC "/timestamped.avsc";

struct EventValues {
  const char* name = "click";
  int kind = 1;  // VIEW
  bool maybe_null = false;
  bool other_null = true;
  int64_t ts_millis = 1700000000123;
  int64_t ts_micros = 1700000000456789;
  int64_t epoch = 1700000001;  // seconds
  double fraction = 1700000002.5;
  const char* text = "1700000003000";
  bool optional_null = true;
  int32_t seconds = 1700000004;
};

// A datum written by Avro C itself, from the schema file the parser reads.
std::string WriteEvent(const EventValues& v) {
  std::string json = *ReadFile(kSchemaFile);
  avro_schema_t schema;
  EXPECT_EQ(avro_schema_from_json_length(json.data(), json.size(), &schema), 0) << avro_strerror();
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t rec, f, e, branch;
  avro_generic_value_new(iface, &rec);
  avro_value_get_by_name(&rec, "name", &f, nullptr);
  avro_value_set_string(&f, v.name);
  avro_value_get_by_name(&rec, "tags", &f, nullptr);
  for (const char* tag : {"a", "bb", "ccc"}) {
    avro_value_append(&f, &e, nullptr);
    avro_value_set_string(&e, tag);
  }
  avro_value_get_by_name(&rec, "attrs", &f, nullptr);
  avro_value_add(&f, "x", &e, nullptr, nullptr);
  avro_value_set_long(&e, -5);
  avro_value_add(&f, "y", &e, nullptr, nullptr);
  avro_value_set_long(&e, 1LL << 40);
  avro_value_get_by_name(&rec, "kind", &f, nullptr);
  avro_value_set_enum(&f, v.kind);
  avro_value_get_by_name(&rec, "digest", &f, nullptr);
  char digest[4] = {1, 2, 3, 4};
  avro_value_set_fixed(&f, digest, 4);
  avro_value_get_by_name(&rec, "maybe", &f, nullptr);
  if (v.maybe_null) {
    avro_value_set_branch(&f, 0, &branch);
    avro_value_set_null(&branch);
  } else {
    avro_value_set_branch(&f, 1, &branch);
    avro_value_set_double(&branch, 0.125);
  }
  auto fill_inner = [&](avro_value_t* inner) {
    avro_value_t x;
    avro_value_get_by_name(inner, "flag", &x, nullptr);
    avro_value_set_boolean(&x, 1);
    avro_value_get_by_name(inner, "ratio", &x, nullptr);
    avro_value_set_float(&x, 1.5f);
    avro_value_get_by_name(inner, "seconds", &x, nullptr);
    avro_value_set_int(&x, v.seconds);
    avro_value_get_by_name(inner, "blob", &x, nullptr);
    avro_value_set_bytes(&x, const_cast<char*>("\x00\xff"), 2);
  };
  avro_value_get_by_name(&rec, "inner", &f, nullptr);
  fill_inner(&f);
  avro_value_get_by_name(&rec, "other", &f, nullptr);
  if (v.other_null) {
    avro_value_set_branch(&f, 0, &branch);
    avro_value_set_null(&branch);
  } else {
    avro_value_set_branch(&f, 1, &branch);
    fill_inner(&branch);
  }
  avro_value_get_by_name(&rec, "ts_millis", &f, nullptr);
  avro_value_set_long(&f, v.ts_millis);
  avro_value_get_by_name(&rec, "ts_micros", &f, nullptr);
  avro_value_set_long(&f, v.ts_micros);
  avro_value_get_by_name(&rec, "epoch", &f, nullptr);
  avro_value_set_long(&f, v.epoch);
  avro_value_get_by_name(&rec, "fraction", &f, nullptr);
  avro_value_set_double(&f, v.fraction);
  avro_value_get_by_name(&rec, "text", &f, nullptr);
  avro_value_set_string(&f, v.text);
  avro_value_get_by_name(&rec, "optional_ts", &f, nullptr);
  if (v.optional_null) {
    avro_value_set_branch(&f, 0, &branch);
    avro_value_set_null(&branch);
  } else {
    avro_value_set_branch(&f, 1, &branch);
    avro_value_set_long(&branch, 1700000005000000000);
  }
  char buf[4096];
  avro_writer_t writer = avro_writer_memory(buf, sizeof buf);
  EXPECT_EQ(avro_value_write(writer, &rec), 0) << avro_strerror();
  std::string out(buf, avro_writer_tell(writer));
  avro_writer_free(writer);
  avro_value_decref(&rec);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  return out;
}

Config FileConfig(const std::string& field) {
  return Config::FromMap(
      {{"secor.avro.schema.file", kSchemaFile}, {"message.timestamp.name", field}});
}

Result<int64_t> Extract(const Config& config, std::string_view payload) {
  auto extractor = NewAvroTimestampExtractor(config, "events");
  if (!extractor.ok()) return extractor.status();
  Message m;
  m.payload = payload;
  return (*extractor)->ExtractMillis(m);
}

TEST(AvroParserTest, EveryTimestampKindAfterEveryOtherType) {
  EventValues v;
  v.other_null = false;
  v.optional_null = false;
  const std::string datum = WriteEvent(v);
  const std::pair<std::string, int64_t> cases[] = {
      {"ts_millis", 1700000000123},    // timestamp-millis
      {"ts_micros", 1700000000456},    // timestamp-micros
      {"epoch", 1700000001000},        // long seconds, by magnitude
      {"fraction", 1700000002500},     // double seconds
      {"text", 1700000003000},         // string of milliseconds
      {"optional_ts", 1700000005000},  // union branch long, nanoseconds
      {"inner.seconds", 1700000004000},
      {"other.seconds", 1700000004000},  // through a union with a record
  };
  for (const auto& [field, expected] : cases) {
    Result<int64_t> ms = Extract(FileConfig(field), datum);
    ASSERT_TRUE(ms.ok()) << field << ": " << ms.status().ToString();
    EXPECT_EQ(*ms, expected) << field;
  }
}

TEST(AvroParserTest, NullAndMissing) {
  const std::string datum = WriteEvent(EventValues{});
  Result<int64_t> ms = Extract(FileConfig("optional_ts"), datum);
  EXPECT_TRUE(ms.status().IsNotFound());
  EXPECT_EQ(ms.status().message(), "avro: field optional_ts is null");
  EXPECT_EQ(Extract(FileConfig("other.seconds"), datum).status().message(),
            "avro: field other is null");
  EXPECT_EQ(Extract(FileConfig("nope"), datum).status().message(), "avro: field nope not found");
  EXPECT_EQ(Extract(FileConfig("inner.nope"), datum).status().message(),
            "avro: field inner.nope not found");
  EXPECT_EQ(Extract(FileConfig("tags"), datum).status().message(),
            "avro: field tags is array, not a scalar");
  EXPECT_EQ(Extract(FileConfig("name"), datum).status().message(),
            "avro: field name value 'click' is not a number");
  EXPECT_EQ(Extract(FileConfig("inner.flag"), datum).status().message(),
            "avro: field inner.flag is boolean, not a timestamp");
}

TEST(AvroParserTest, DatePatternForStrings) {
  EventValues v;
  v.text = "14/11/2023 22:13";
  Config config = FileConfig("text");
  config.Set("message.timestamp.input.pattern", "dd/MM/yyyy HH:mm", "test");
  EXPECT_EQ(*Extract(config, WriteEvent(v)), 1699999980000);
}

TEST(AvroParserTest, MalformedDatums) {
  const std::string datum = WriteEvent(EventValues{});
  Config config = FileConfig("ts_millis");
  // "click" is 1 + 5 bytes; the tags block count at 6 says 3, the cut is in "bb".
  EXPECT_EQ(Extract(config, datum.substr(0, 10)).status().message(),
            "avro: truncated datum at byte 9");
  EXPECT_EQ(Extract(config, "").status().message(), "avro: truncated datum at byte 0");
  // A string claiming a negative length.
  EXPECT_EQ(Extract(config, std::string("\x01", 1)).status().message(),
            "avro: negative length at byte 0");
  // An array block of 2^62 items in a few bytes.
  EXPECT_EQ(Extract(config, std::string("\x00\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 10))
                .status()
                .message(),
            "avro: block of 4575657221408423936 items exceeds datum at byte 1");
  // Union branch 5 of ["null", "double"], after an empty name, tags, attrs,
  // enum index 0 and the 4-byte digest.
  std::string bad_union("\x00\x00\x00\x00\x01\x02\x03\x04\x0a", 9);
  EXPECT_EQ(Extract(config, bad_union).status().message(),
            "avro: union branch 5 out of range at byte 8");
}

// Found by avro_registry_fuzz: days since the epoch times 86,400,000
// overflowed (undefined behaviour) for a corrupt date.
TEST(AvroParserTest, DateOutOfRangeIsAnError) {
  AvroValue date;
  date.logical_type = "date";
  date.long_value = 13281250001472;
  EXPECT_EQ(AvroValueToMillis(date, "day").status().message(),
            "avro: field day date 13281250001472 is out of range");
  date.long_value = -19000;
  EXPECT_EQ(*AvroValueToMillis(date, "day"), int64_t{-19000} * 86'400'000);
}

TEST(AvroParserTest, RecursiveSchemaAndDepthLimit) {
  auto schema = AvroSchema::Parse(R"({"type": "record", "name": "List", "namespace": "t",
      "fields": [{"name": "v", "type": "long"}, {"name": "next", "type": ["null", "t.List"]}]})");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  // v=1, next -> v=2, next -> v=3, next = null
  std::string datum("\x02\x02\x04\x02\x06\x00", 6);
  Result<AvroValue> v = (*schema)->Read(datum, {"next", "next", "v"});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->long_value, 3);
  EXPECT_EQ((*schema)->Read(datum, {"next", "next", "next", "v"}).status().message(),
            "avro: field next.next.next is null");
  // 100 links, looking for a field after them all.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string("\x02\x02", 2);
  std::vector<std::string> path(100, "next");
  EXPECT_EQ((*schema)->Read(deep, path).status().message(),
            "avro: nesting deeper than 64 at byte 128");
}

TEST(AvroParserTest, SchemaErrors) {
  EXPECT_EQ(AvroSchema::Parse(R"({"type": "record", "name": "R",
      "fields": [{"name": "a", "type": "Missing"}]})")
                .status()
                .message(),
            "avro schema: unknown type 'Missing'");
  EXPECT_EQ(AvroSchema::Parse("[]").status().message(), "avro schema: empty union");
  EXPECT_EQ(AvroSchema::Parse(R"({"type": "record", "name": "R"})").status().message(),
            "avro schema: record 'R' without fields");
  EXPECT_EQ(AvroSchema::Parse("{").status().code(), Status::Code::kInvalidArgument);
  Config config = Config::FromMap({{"message.timestamp.name", "ts"}});
  EXPECT_EQ(NewAvroTimestampExtractor(config, "events").status().message(),
            "Avro parser for topic events: set schema.registry.url or secor.avro.schema.file");
  config.Set("secor.avro.message.schema.events", "/nonexistent.avsc", "test");
  Result<std::unique_ptr<TimestampExtractor>> e = NewAvroTimestampExtractor(config, "events");
  EXPECT_TRUE(e.status().message().starts_with(
      "secor.avro.message.schema.events=/nonexistent.avsc (test): "))
      << e.status().message();
}

TEST(AvroParserTest, OriginalSchemaKeyForAllTopics) {
  Config config = Config::FromMap(
      {{"secor.avro.message.schema.*", kSchemaFile}, {"message.timestamp.name", "ts_millis"}});
  EXPECT_EQ(*Extract(config, WriteEvent(EventValues{})), 1700000000123);
}

TEST(AvroParserTest, ParserAndSplitByField) {
  Config config = FileConfig("ts_micros");
  config.Set("partitioner.granularity.hour", "true", "test");
  config.Set("message.split.field.name", "kind", "test");
  std::string datum = WriteEvent(EventValues{}), path;
  Message m;
  m.payload = datum;
  auto parser = NewAvroParser(config, "events");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2023-11-14/hr=22");

  auto split = NewAvroSplitByFieldParser(config, "events");
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_TRUE((*split)->Partition(m, &path).ok());
  EXPECT_EQ(path, "kind=VIEW/dt=2023-11-14/hr=22");

  config.Set("partitioner.granularity.field.prefix", "", "test");
  config.Set("message.split.field.name", "name", "test");
  split = NewAvroSplitByFieldParser(config, "events");
  EventValues v;
  v.name = "a/b";
  datum = WriteEvent(v);
  m.payload = datum;
  ASSERT_TRUE((*split)->Partition(m, &path).ok());
  EXPECT_EQ(path, "a_b/dt=2023-11-14/hr=22");
  v.name = "..";
  datum = WriteEvent(v);
  m.payload = datum;
  EXPECT_EQ((*split)->Partition(m, &path).message(),
            "avro: split field name value '..' cannot name a directory");

  config.Set("message.split.field.name", "inner.seconds", "test");
  split = NewAvroSplitByFieldParser(config, "events");
  m.payload = datum;
  ASSERT_TRUE((*split)->Partition(m, &path).ok());
  EXPECT_EQ(path, "1700000004/dt=2023-11-14/hr=22");

  config.Unset("message.split.field.name");
  EXPECT_EQ(NewAvroSplitByFieldParser(config, "events").status().code(),
            Status::Code::kInvalidArgument);
}

TEST(AvroSchemaDecode, EncodingADecodedDatumGivesItsBytesBack) {
  auto schema = AvroSchema::Parse(*ReadFile(kSchemaFile));
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EventValues other;
  other.maybe_null = true;
  other.other_null = false;
  other.optional_null = false;
  for (const EventValues& v : {EventValues{}, other}) {
    // Every type: map, fixed, enum, nested and nullable records, arrays.
    const std::string datum = WriteEvent(v);
    DatumTree tree;
    ASSERT_TRUE((*schema)->Decode(datum, &tree).ok());
    std::string encoded;
    Status st = (*schema)->Encode(tree, &encoded);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(encoded, datum);
  }
}

}  // namespace
}  // namespace secor
