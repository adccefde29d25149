// Round trips through the Parquet and Avro formats: writer, then our reader.
#include <gtest/gtest.h>

#include <dirent.h>

#include <map>

#include "common/file_util.h"
#include "config/config.h"
#include "format/avro_format.h"
#include "format/format_test_util.h"
#include "format/parquet/corpus_test_util.h"
#include "format/parquet/reader.h"
#include "format/parquet_format.h"
#include "format/schema.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::ReadAll;
using secor::testing::TempDir;

struct In {
  int64_t offset;
  std::string payload;
  std::string key = "";
  bool has_key = false;
  int64_t ts = -1;
};

// What a test builds its format for.
struct WriteOptions {
  std::string codec;
  std::string topic;
  const Config* config = nullptr;
};

Status WriteAll(const FileFormat& f, const std::string& path, const WriteOptions& o,
                const std::vector<In>& in) {
  ASSIGN_OR_RETURN(auto w, testing::OpenWriter(f.name(), path, {o.codec, o.topic}, o.config));
  for (const In& m : in) {
    Message msg;
    msg.topic = "t";
    msg.partition = 3;
    msg.offset = m.offset;
    msg.payload = m.payload;
    msg.key = m.key;
    msg.has_key = m.has_key;
    msg.timestamp_ms = m.ts;
    RETURN_IF_ERROR(w->Append(msg));
  }
  return w->Close();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

TEST(ParquetFormat, RawRoundTripKeepsOffsetsKeysAndBytes) {
  TempDir dir;
  Config c = Config::FromMap({{"secor.parquet.kafka.columns", "topic,partition,timestamp,key"}});
  WriteOptions o{"snappy", "t", &c};
  auto f = NewParquetFormat();
  std::string binary("\0\xff\x01 bin", 7);
  std::vector<In> in = {{10, "hello", "k1", true, 1700000000000}, {12, binary}, {15, ""}};
  ASSERT_TRUE(WriteAll(*f, dir.Join("a.parquet"), o, in).ok());
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"a.parquet"});  // no spill file left
  auto recs = ReadAll(*f, dir.Join("a.parquet"));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].offset, 10);
  EXPECT_EQ(recs[0].payload, "hello");
  EXPECT_TRUE(recs[0].has_key);
  EXPECT_EQ(recs[0].key, "k1");
  EXPECT_EQ(recs[0].timestamp_ms, 1700000000000);
  EXPECT_EQ(recs[1].offset, 12);
  EXPECT_EQ(recs[1].payload, binary);
  EXPECT_FALSE(recs[1].has_key);
  EXPECT_EQ(recs[1].timestamp_ms, -1);
  EXPECT_EQ(recs[2].offset, 15);
  EXPECT_EQ(recs[2].payload, "");
  testing::KeepForReaders(dir.Join("a.parquet"), {"SNAPPY", 1, {}});
}

TEST(ParquetFormat, JsonColumnsRoundTrip) {
  TempDir dir;
  Config c =
      Config::FromMap({{"secor.parquet.columns",
                        "ts:timestamp_millis=timestamp, user.id:int64!, user.name:string, "
                        "tags:list<string>, score:double, "
                        "ok:bool, day:date, n:int32, f:float, raw:binary, us:timestamp_micros"}});
  WriteOptions o{"zstd", "t", &c};
  auto f = NewParquetFormat();
  std::vector<In> in = {
      {1,
       R"({"timestamp":1700000000123,"user":{"id":7,"name":"ann"},"tags":["a","b"],"score":1.5,"ok":true,)"
       R"("day":"2024-02-29","n":-5,"f":0.25,"raw":"xyz","us":"2024-01-01T00:00:00.000001Z"})"},
      {2, R"({"user":{"id":-8},"tags":[],"day":19000})"},
      {3, R"({"user":{"id":9,"name":"\u00e9\u4e2d"},"tags":["c",null],"extra":"ignored"})"},
  };
  ASSERT_TRUE(WriteAll(*f, dir.Join("j.parquet"), o, in).ok());
  auto recs = ReadAll(*f, dir.Join("j.parquet"));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].offset, 1);
  EXPECT_EQ(
      recs[0].payload,
      R"({"ts":1700000000123,"user":{"id":7,"name":"ann"},"tags":["a","b"],"score":1.5,"ok":true,)"
      R"("day":"2024-02-29","n":-5,"f":0.25,"raw":"xyz","us":1704067200000001})");
  EXPECT_EQ(
      recs[1].payload,
      R"({"ts":null,"user":{"id":-8,"name":null},"tags":[],"score":null,"ok":null,"day":"2022-01-08",)"
      R"("n":null,"f":null,"raw":null,"us":null})");
  EXPECT_EQ(recs[2].payload,
            "{\"ts\":null,\"user\":{\"id\":9,\"name\":\"\xc3\xa9\xe4\xb8\xad\"},\"tags\":[\"c\","
            "null],\"score\":null,"
            "\"ok\":null,\"day\":null,\"n\":null,\"f\":null,\"raw\":null,\"us\":null}");
  testing::KeepForReaders(dir.Join("j.parquet"), {"ZSTD", 1, {}});
}

TEST(ParquetFormat, MismatchIsInvalidArgumentNamingFieldAndWriterGoesOn) {
  TempDir dir;
  Config c =
      Config::FromMap({{"secor.parquet.columns", "user.id:int64!, n:int32, tags:list<int64>"}});
  WriteOptions o{"", "t", &c};
  auto f = NewParquetFormat();
  auto w = testing::OpenWriter("parquet", dir.Join("e.parquet"), {o.codec, o.topic}, o.config);
  ASSERT_TRUE(w.ok());
  auto append = [&](int64_t off, std::string_view p) {
    Message m;
    m.offset = off;
    m.payload = p;
    return (*w)->Append(m);
  };
  Status st = append(1, R"({"user":{"id":"x"}})");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "field 'user.id': expected int64, got string");
  st = append(2, R"({"n":1})");
  EXPECT_EQ(st.message(), "field 'user.id' is required but missing or null");
  st = append(3, R"({"user":{"id":1},"n":3000000000})");
  EXPECT_EQ(st.message(), "field 'n': 3000000000 is out of int32 range");
  st = append(4, R"({"user":{"id":1},"tags":[1,"a"]})");
  EXPECT_EQ(st.message(), "field 'tags[]': expected int64, got string");
  st = append(5, "not json");
  EXPECT_EQ(st.message(),
            "message at offset 5 is not JSON: Problem while parsing an atom starting with the "
            "letter 'n'");
  st = append(5, "[1]");
  EXPECT_EQ(st.message(), "message at offset 5 is not a JSON object");
  ASSERT_TRUE(append(6, R"({"user":{"id":1},"tags":[1,2]})").ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto recs = ReadAll(*f, dir.Join("e.parquet"));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].offset, 6);
  EXPECT_EQ(recs[0].payload, R"({"user":{"id":1},"n":null,"tags":[1,2]})");
  testing::KeepForReaders(dir.Join("e.parquet"), {"UNCOMPRESSED", 1, {}});
}

TEST(ParquetFormat, ManyRowGroupsPagesAndDictionaryFallback) {
  TempDir dir;
  Config c = Config::FromMap({{"secor.parquet.columns", "s:string, k:int64"},
                              {"parquet.block.size", "16384"},
                              {"parquet.page.size", "4096"},
                              {"parquet.dictionary.page.size", "20000"}});
  auto f = NewParquetFormat();
  for (std::string codec : {"", "snappy", "zstd", "gzip", "lz4"}) {
    WriteOptions o{codec, "t", &c};
    std::vector<In> in;
    for (int i = 0; i < 10000; ++i) {
      in.push_back({1000 + i, fmt::format(R"({{"s":"value-{}","k":{}}})", i, i % 7)});
    }
    std::string path = dir.Join("m" + codec + ".parquet");
    ASSERT_TRUE(WriteAll(*f, path, o, in).ok()) << codec;
    auto reader = parquet::Reader::Open(path);
    ASSERT_TRUE(reader.ok());
    EXPECT_GT((*reader)->meta().row_groups.size(), 2u) << codec;
    EXPECT_EQ((*reader)->meta().num_rows, 10000);
    // The string column outgrew its dictionary: both encodings appear.
    const auto& enc = (*reader)->meta().row_groups[0].columns[1].encodings;
    EXPECT_NE(std::find(enc.begin(), enc.end(), parquet::kRleDictionary), enc.end());
    auto recs = ReadAll(*f, path);
    ASSERT_EQ(recs.size(), 10000u) << codec;
    for (int i = 0; i < 10000; ++i) {
      ASSERT_EQ(recs[i].offset, 1000 + i);
      ASSERT_EQ(recs[i].payload, fmt::format(R"({{"s":"value-{}","k":{}}})", i, i % 7));
    }
    const std::map<std::string, std::string> names = {{"", "UNCOMPRESSED"},
                                                      {"snappy", "SNAPPY"},
                                                      {"zstd", "ZSTD"},
                                                      {"gzip", "GZIP"},
                                                      {"lz4", "LZ4_RAW"}};
    testing::KeepForReaders(path, {names.at(codec), 3, {"k"}});
  }
}

TEST(ParquetFormat, OutputIsDeterministic) {
  TempDir dir;
  auto f = NewParquetFormat();
  std::vector<In> in;
  for (int i = 0; i < 500; ++i) in.push_back({i, "payload " + std::to_string(i % 13)});
  ASSERT_TRUE(WriteAll(*f, dir.Join("1.parquet"), {"snappy", "t", nullptr}, in).ok());
  ASSERT_TRUE(WriteAll(*f, dir.Join("2.parquet"), {"snappy", "t", nullptr}, in).ok());
  auto a = ReadFile(dir.Join("1.parquet"));
  auto b = ReadFile(dir.Join("2.parquet"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->substr(0, 4), "PAR1");
  EXPECT_EQ(a->substr(a->size() - 4), "PAR1");
}

TEST(ParquetFormat, EmptyFileIsValid) {
  TempDir dir;
  auto f = NewParquetFormat();
  ASSERT_TRUE(WriteAll(*f, dir.Join("e.parquet"), {"", "t", nullptr}, {}).ok());
  EXPECT_TRUE(ReadAll(*f, dir.Join("e.parquet")).empty());
  testing::KeepForReaders(dir.Join("e.parquet"));
}

TEST(ParquetFormat, BadCodecAndSchemaAreRejected) {
  auto w = NewParquetFormat({"brotli", "t"}, nullptr);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(),
            "parquet: unsupported codec 'brotli' (none, snappy, zstd, gzip, lz4)");
  Config c = Config::FromMap({{"secor.parquet.columns", "a:decimal"}});
  w = NewParquetFormat({"", "t"}, &c);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("unknown type 'decimal' in 'a:decimal'"), std::string::npos)
      << w.status().message();
}

TEST(Schema, ColumnListSyntax) {
  auto s = ParseColumnList(
      "ts:timestamp_millis=timestamp, user.id:int64!, user.name:string, tags:list<string>");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 3u);
  EXPECT_EQ(s->fields[0].name, "ts");
  EXPECT_EQ(s->fields[0].source, std::vector<std::string>{"timestamp"});
  EXPECT_EQ(s->fields[1].kind, FieldKind::kGroup);
  EXPECT_TRUE(s->fields[1].source.empty());
  ASSERT_EQ(s->fields[1].children.size(), 2u);
  EXPECT_TRUE(s->fields[1].children[0].required);
  EXPECT_EQ(s->fields[1].children[0].source, (std::vector<std::string>{"user", "id"}));
  EXPECT_EQ(s->fields[2].kind, FieldKind::kList);
  ASSERT_EQ(s->fields[2].children.size(), 1u);
  EXPECT_EQ(s->fields[2].children[0].type, ColumnType::kString);
  EXPECT_EQ(ParseColumnList("a:int, a:string").status().message(),
            "parquet columns: duplicate column in 'a:string'");
  EXPECT_EQ(ParseColumnList("__offset:int").status().message(),
            "parquet columns: names starting with __ are reserved ('__offset:int')");
  // Lists and maps nest; a map's comma does not end the entry.
  s = ParseColumnList("m:map<string, list<int64>>!, n:int32");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 2u);
  EXPECT_EQ(s->fields[0].kind, FieldKind::kMap);
  EXPECT_TRUE(s->fields[0].required);
  ASSERT_EQ(s->fields[0].children.size(), 1u);
  EXPECT_EQ(s->fields[0].children[0].name, "value");
  EXPECT_EQ(s->fields[0].children[0].kind, FieldKind::kList);
  EXPECT_EQ(s->fields[0].children[0].children[0].type, ColumnType::kInt64);
  EXPECT_EQ(ParseColumnList("m:map<int64,string>").status().message(),
            "parquet columns: a map needs string keys, map<string,T> ('m:map<int64,string>')");
  EXPECT_EQ(ParseColumnList("l:list<list<uuid>>").status().message(),
            "parquet columns: unknown type 'uuid' in 'l:list<list<uuid>>'");
}

TEST(Schema, AvroSchemaMapping) {
  auto s = SchemaFromAvro(R"({"type":"record","name":"r","fields":[
    {"name":"id","type":"long"},
    {"name":"name","type":["null","string"]},
    {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
    {"name":"d","type":{"type":"int","logicalType":"date"}},
    {"name":"u","type":{"type":"record","name":"u","fields":[{"name":"x","type":"double"}]}},
    {"name":"tags","type":{"type":"array","items":"string"}}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 6u);
  EXPECT_TRUE(s->fields[0].required);
  EXPECT_EQ(s->fields[0].type, ColumnType::kInt64);
  EXPECT_FALSE(s->fields[1].required);
  EXPECT_EQ(s->fields[2].type, ColumnType::kTimestampMicros);
  EXPECT_EQ(s->fields[3].type, ColumnType::kDate);
  EXPECT_EQ(s->fields[4].kind, FieldKind::kGroup);
  EXPECT_EQ(s->fields[4].source, std::vector<std::string>{"u"});
  // Inside a group, paths start at the group's value.
  EXPECT_EQ(s->fields[4].children[0].source, std::vector<std::string>{"x"});
  EXPECT_EQ(s->fields[5].kind, FieldKind::kList);
  EXPECT_EQ(
      SchemaFromAvro(
          R"({"type":"record","name":"r","fields":[{"name":"u","type":["null","int","string"]}]})")
          .status()
          .message(),
      "avro schema: field 'u': only unions of null and one type are supported");
  // Arrays of records, maps, named types used again by name or full name.
  s = SchemaFromAvro(R"({"type":"record","name":"r","namespace":"n","fields":[
    {"name":"a","type":{"type":"array","items":{"type":"record","name":"P","fields":[
      {"name":"x","type":{"type":"enum","name":"E","symbols":["A"]}}]}}},
    {"name":"m","type":{"type":"map","values":["null","P"]}},
    {"name":"e","type":"n.E"}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 3u);
  EXPECT_EQ(s->fields[0].kind, FieldKind::kList);
  EXPECT_FALSE(s->fields[0].required);
  EXPECT_EQ(s->fields[0].children[0].kind, FieldKind::kGroup);
  EXPECT_TRUE(s->fields[0].children[0].source.empty());  // the element itself
  EXPECT_EQ(s->fields[1].kind, FieldKind::kMap);
  EXPECT_EQ(s->fields[1].children[0].kind, FieldKind::kGroup);
  EXPECT_EQ(s->fields[1].children[0].children[0].type, ColumnType::kString);
  EXPECT_EQ(s->fields[2].type, ColumnType::kString);
  // A recursive type has no finite columns.
  EXPECT_EQ(SchemaFromAvro(R"({"type":"record","name":"T","fields":[
    {"name":"kids","type":{"type":"array","items":"T"}}]})")
                .status()
                .message(),
            "avro schema: field 'kids[].kids[].kids[].kids[].kids[].kids[].kids[].kids[].kids[]."
            "kids[].kids[].kids[].kids[].kids[].kids[].kids[].kids' nests too deep (a recursive "
            "type?)");
}

TEST(Schema, IsoTimestamps) {
  int64_t us = 0;
  ASSERT_TRUE(ParseIsoMicros("1970-01-01T00:00:01.5Z", &us));
  EXPECT_EQ(us, 1500000);
  ASSERT_TRUE(ParseIsoMicros("2024-03-01T01:00:00+01:00", &us));
  EXPECT_EQ(us, 1709251200000000);
  ASSERT_TRUE(ParseIsoMicros("1969-12-31", &us));
  EXPECT_EQ(us, -86400000000);
  EXPECT_FALSE(ParseIsoMicros("2024-13-01", &us));
  EXPECT_FALSE(ParseIsoMicros("2024-01-01T10", &us));
}

TEST(AvroFormat, JsonWithSchemaRoundTrip) {
  TempDir dir;
  ASSERT_TRUE(
      WriteFileAtomic(dir.Join("s.avsc"), R"({"type":"record","name":"Ev","namespace":"x","fields":[
    {"name":"id","type":"long"},{"name":"name","type":["null","string"],"default":null},
    {"name":"tags","type":{"type":"array","items":"string"}},{"name":"score","type":"double"}]})")
          .ok());
  Config c = Config::FromMap({{"secor.avro.output.schema.file", dir.Join("s.avsc")}});
  auto f = NewAvroFormat();
  for (std::string codec : {"", "gzip", "snappy"}) {
    std::string path = dir.Join("a" + codec + ".avro");
    auto w = testing::OpenWriter("avro", path, {codec, "t"}, &c);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    Message m;
    m.offset = 41;
    m.payload = R"({"id":1,"name":"a\"b","tags":["x"],"score":2.5})";
    ASSERT_TRUE((*w)->Append(m).ok());
    m.offset = 42;
    m.payload = R"({"id":"bad"})";
    Status st = (*w)->Append(m);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(st.message(), "field 'id': expected int64, got string");
    m.offset = 43;
    m.payload = R"({"id":2,"tags":[],"score":0})";
    ASSERT_TRUE((*w)->Append(m).ok());
    m.offset = 44;
    m.payload = R"({"id":2,"tags":[]})";
    EXPECT_EQ((*w)->Append(m).message(), "field 'score' is required but missing or null");
    ASSERT_TRUE((*w)->Close().ok());
    auto recs = ReadAll(*f, path);
    ASSERT_EQ(recs.size(), 2u) << codec;
    EXPECT_EQ(recs[0].offset, 41);
    EXPECT_EQ(recs[0].payload, R"({"id":1,"name":"a\"b","tags":["x"],"score":2.5})");
    EXPECT_EQ(recs[1].offset, 43);
    EXPECT_EQ(recs[1].payload, R"({"id":2,"name":null,"tags":[],"score":0})");
  }
  auto bad = NewAvroFormat({"zstd", "t"}, &c);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "avro: unsupported codec 'zstd' (none, gzip, snappy)");
}

TEST(AvroFormat, RawWithoutSchema) {
  TempDir dir;
  auto f = NewAvroFormat();
  std::string binary("\0\x01\xfe", 3);
  ASSERT_TRUE(
      WriteAll(*f, dir.Join("r.avro"), {"", "t", nullptr}, {{5, binary}, {9, "text"}}).ok());
  auto recs = ReadAll(*f, dir.Join("r.avro"));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 5);
  EXPECT_EQ(recs[0].payload, binary);
  EXPECT_EQ(recs[1].offset, 9);
  EXPECT_EQ(recs[1].payload, "text");
}

TEST(FormatRegistry, OriginalClassNamesResolve) {
  for (const char* name : {"com.pinterest.secor.io.impl.AvroParquetFileReaderWriterFactory",
                           "ProtobufParquetFileReaderWriterFactory",
                           "JsonParquetFileReaderWriterFactory", "parquet"}) {
    auto f = NewFileFormat(name);
    ASSERT_TRUE(f.ok()) << name;
    EXPECT_EQ((*f)->name(), "parquet");
  }
  auto a = NewFileFormat("com.pinterest.secor.io.impl.AvroFileReaderWriterFactory");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->name(), "avro");
}

}  // namespace
}  // namespace secor

namespace secor {
namespace {

TEST(FormatRegistry, OpenReaderAutoFindsParquetAndAvro) {
  secor::testing::TempDir dir;
  ASSERT_TRUE(
      WriteAll(*NewParquetFormat(), dir.Join("x.bin"), {"zstd", "t", nullptr}, {{77, "p"}}).ok());
  ASSERT_TRUE(
      WriteAll(*NewAvroFormat(), dir.Join("y.bin"), {"gzip", "t", nullptr}, {{78, "a"}}).ok());
  for (const auto& [name, off, payload] :
       std::vector<std::tuple<std::string, int64_t, std::string>>{{"x.bin", 77, "p"},
                                                                  {"y.bin", 78, "a"}}) {
    auto r = OpenReaderAuto(dir.Join(name));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Record rec;
    auto more = (*r)->Next(&rec);
    ASSERT_TRUE(more.ok() && *more) << name;
    EXPECT_EQ(rec.offset, off);
    EXPECT_EQ(rec.payload, payload);
    more = (*r)->Next(&rec);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
}

}  // namespace
}  // namespace secor
