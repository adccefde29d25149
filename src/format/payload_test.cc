// Parquet and Avro output from binary payloads: Avro datums written by Avro C
// (schema file and schema registry wire format) and Protobuf messages
// serialized by protoc-generated code, read back with our Parquet and Avro
// readers.
#include <avro.h>
#include <gtest/gtest.h>

#include <functional>

#include "common/file_util.h"
#include "config/config.h"
#include "event.pb.h"
#include "format/avro_format.h"
#include "format/format_test_util.h"
#include "format/parquet/corpus_test_util.h"
#include "format/parquet/reader.h"
#include "format/parquet_format.h"
#include "payload/payload_decoder.h"
#include "support/fake_schema_registry.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::FakeSchemaRegistry;
using secor::testing::ReadAll;
using secor::testing::TempDir;

const std::string kAvroSchemaFile = SECOR_FORMAT_TESTDATA_SRC "/event.avsc";
const std::string kDescriptorSet = SECOR_FORMAT_TESTDATA_GEN "/event.desc";

// A datum of schema_json written by Avro C; fill sets the record's fields.
std::string AvroDatum(const std::string& schema_json,
                      const std::function<void(avro_value_t*)>& fill) {
  avro_schema_t schema;
  EXPECT_EQ(avro_schema_from_json_length(schema_json.data(), schema_json.size(), &schema), 0)
      << avro_strerror();
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t rec;
  avro_generic_value_new(iface, &rec);
  fill(&rec);
  std::string buf(1 << 16, '\0');
  avro_writer_t writer = avro_writer_memory(buf.data(), static_cast<int64_t>(buf.size()));
  EXPECT_EQ(avro_value_write(writer, &rec), 0) << avro_strerror();
  buf.resize(avro_writer_tell(writer));
  avro_writer_free(writer);
  avro_value_decref(&rec);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  return buf;
}

avro_value_t Field(avro_value_t* rec, const char* name) {
  avro_value_t f;
  EXPECT_EQ(avro_value_get_by_name(rec, name, &f, nullptr), 0) << name;
  return f;
}

// Sets a ["null", T] union to null, or to T and returns the branch.
avro_value_t Branch(avro_value_t* u, bool null) {
  avro_value_t b;
  avro_value_set_branch(u, null ? 0 : 1, &b);
  if (null) avro_value_set_null(&b);
  return b;
}

struct EventValues {
  int64_t id = 0;
  std::string name;
  const char* nick = nullptr;  // null when absent
  int32_t n = 0;
  double score = 0;
  float ratio = 0;
  bool ok = false;
  std::string blob;
  int kind = 0;
  int64_t ts_ms = 0;
  int64_t ts_us = 0;
  int32_t day = 0;
  std::vector<std::string> tags;
  std::vector<std::optional<int64_t>> scores;
  int64_t uid = 0;
  const char* email = nullptr;
  std::optional<int64_t> rid;
};

std::string EventDatum(const EventValues& v) {
  return AvroDatum(*ReadFile(kAvroSchemaFile), [&](avro_value_t* rec) {
    avro_value_t f = Field(rec, "id");
    avro_value_set_long(&f, v.id);
    f = Field(rec, "name");
    avro_value_set_string_len(&f, v.name.c_str(), v.name.size() + 1);
    f = Field(rec, "nick");
    avro_value_t b = Branch(&f, v.nick == nullptr);
    if (v.nick) avro_value_set_string(&b, v.nick);
    f = Field(rec, "n");
    avro_value_set_int(&f, v.n);
    f = Field(rec, "score");
    avro_value_set_double(&f, v.score);
    f = Field(rec, "ratio");
    avro_value_set_float(&f, v.ratio);
    f = Field(rec, "ok");
    avro_value_set_boolean(&f, v.ok);
    f = Field(rec, "blob");
    avro_value_set_bytes(&f, const_cast<char*>(v.blob.data()), v.blob.size());
    f = Field(rec, "digest");
    char digest[2] = {'\x00', '\xff'};
    avro_value_set_fixed(&f, digest, 2);
    f = Field(rec, "kind");
    avro_value_set_enum(&f, v.kind);
    f = Field(rec, "ts_ms");
    avro_value_set_long(&f, v.ts_ms);
    f = Field(rec, "ts_us");
    avro_value_set_long(&f, v.ts_us);
    f = Field(rec, "day");
    avro_value_set_int(&f, v.day);
    f = Field(rec, "tags");
    for (const std::string& t : v.tags) {
      avro_value_t e;
      avro_value_append(&f, &e, nullptr);
      avro_value_set_string(&e, t.c_str());
    }
    f = Field(rec, "scores");
    for (const auto& s : v.scores) {
      avro_value_t e;
      avro_value_append(&f, &e, nullptr);
      avro_value_t eb = Branch(&e, !s.has_value());
      if (s) avro_value_set_long(&eb, *s);
    }
    f = Field(rec, "user");
    avro_value_t uid = Field(&f, "uid");
    avro_value_set_long(&uid, v.uid);
    avro_value_t email = Field(&f, "email");
    b = Branch(&email, v.email == nullptr);
    if (v.email) avro_value_set_string(&b, v.email);
    f = Field(rec, "ref");
    b = Branch(&f, !v.rid.has_value());
    if (v.rid) {
      avro_value_t rid = Field(&b, "rid");
      avro_value_set_long(&rid, *v.rid);
    }
  });
}

EventValues FullEvent() {
  EventValues v;
  v.id = 9007199254740993;  // 2^53 + 1: not representable as a double
  v.name = "ann \xc3\xa9";
  v.nick = "a";
  v.n = -7;
  v.score = 0.1;
  v.ratio = 1.5f;
  v.ok = true;
  v.blob = std::string("\x00\x01\xfe\"", 4);
  v.kind = 1;
  v.ts_ms = 1700000000123;
  v.ts_us = 1700000000123456;
  v.day = 19782;  // 2024-02-29
  v.tags = {"x", "", "z"};
  v.scores = {5, std::nullopt, -6};
  v.uid = -1;
  v.email = "e@x";
  v.rid = 42;
  return v;
}

EventValues SparseEvent() {
  EventValues v;
  v.id = -9223372036854775807 - 1;
  v.name = "";
  v.day = -1;  // 1969-12-31
  v.ts_ms = -1;
  return v;
}

struct Appended {
  int64_t offset;
  std::string payload;
};

// Appends every message; the statuses in order.
std::vector<Status> Write(const FileFormat& format, const std::string& path, const Config& c,
                          const std::string& codec, const std::vector<Appended>& in) {
  std::vector<Status> out;
  auto w = testing::OpenWriter(format.name(), path, {codec, "events"}, &c);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return out;
  for (const Appended& a : in) {
    Message m;
    m.topic = "events";
    m.partition = 2;
    m.offset = a.offset;
    m.payload = a.payload;
    out.push_back((*w)->Append(m));
  }
  Status closed = (*w)->Close();
  EXPECT_TRUE(closed.ok()) << closed.ToString();
  return out;
}

// The file's schema, one line per element: name, repetition, physical type,
// logical annotation, children.
std::string SchemaText(const std::string& path) {
  auto r = parquet::Reader::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return "";
  std::string out;
  const auto& schema = (*r)->meta().schema;
  for (size_t i = 1; i < schema.size(); ++i) {
    const parquet::SchemaElement& e = schema[i];
    out += e.name;
    out += e.repetition == parquet::Repetition::kRequired   ? " required"
           : e.repetition == parquet::Repetition::kOptional ? " optional"
                                                            : " repeated";
    if (e.type) out += " t" + std::to_string(static_cast<int>(*e.type));
    if (e.logical != parquet::LogicalKind::kNone) {
      out += " l" + std::to_string(static_cast<int>(e.logical));
      if (e.logical == parquet::LogicalKind::kInteger) out += "/" + std::to_string(e.int_bits);
    }
    if (e.num_children) out += " {" + std::to_string(e.num_children) + "}";
    out += "\n";
  }
  return out;
}

std::string ElementLine(const std::string& name, parquet::Repetition rep,
                        std::optional<parquet::PhysicalType> type,
                        parquet::LogicalKind logical = parquet::LogicalKind::kNone, int bits = 0,
                        int children = 0) {
  std::string out = name;
  out += rep == parquet::Repetition::kRequired   ? " required"
         : rep == parquet::Repetition::kOptional ? " optional"
                                                 : " repeated";
  if (type) out += " t" + std::to_string(static_cast<int>(*type));
  if (logical != parquet::LogicalKind::kNone) {
    out += " l" + std::to_string(static_cast<int>(logical));
    if (logical == parquet::LogicalKind::kInteger) out += "/" + std::to_string(bits);
  }
  if (children) out += " {" + std::to_string(children) + "}";
  return out + "\n";
}

using parquet::LogicalKind;
using parquet::PhysicalType;
using parquet::Repetition;
constexpr auto kReq = Repetition::kRequired;
constexpr auto kOpt = Repetition::kOptional;
constexpr auto kRep = Repetition::kRepeated;

std::string ListLines(const std::string& name, Repetition rep, PhysicalType type,
                      LogicalKind logical = LogicalKind::kNone, int bits = 0) {
  return ElementLine(name, rep, std::nullopt, LogicalKind::kList, 0, 1) +
         ElementLine("list", kRep, std::nullopt, LogicalKind::kNone, 0, 1) +
         ElementLine("element", kOpt, type, logical, bits);
}

Config AvroFileConfig() {
  return Config::FromMap(
      {{"secor.payload.encoding", "avro"}, {"secor.avro.schema.file", kAvroSchemaFile}});
}

TEST(ParquetFromAvro, ColumnsTypesAndValuesFollowTheAvroSchema) {
  TempDir dir;
  Config c = AvroFileConfig();
  auto f = NewParquetFormat();
  const std::string path = dir.Join("a.parquet");
  auto st = Write(*f, path, c, "snappy",
                  {{10, EventDatum(FullEvent())}, {11, EventDatum(SparseEvent())}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();

  const std::string expected_schema =
      ElementLine("__offset", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
      ElementLine("id", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
      ElementLine("name", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
      ElementLine("nick", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
      ElementLine("n", kReq, PhysicalType::kInt32, LogicalKind::kInteger, 32) +
      ElementLine("score", kReq, PhysicalType::kDouble) +
      ElementLine("ratio", kReq, PhysicalType::kFloat) +
      ElementLine("ok", kReq, PhysicalType::kBoolean) +
      ElementLine("blob", kReq, PhysicalType::kByteArray) +
      ElementLine("digest", kReq, PhysicalType::kByteArray) +
      ElementLine("kind", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
      ElementLine("ts_ms", kReq, PhysicalType::kInt64, LogicalKind::kTimestampMillis) +
      ElementLine("ts_us", kReq, PhysicalType::kInt64, LogicalKind::kTimestampMicros) +
      ElementLine("day", kReq, PhysicalType::kInt32, LogicalKind::kDate) +
      ListLines("tags", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
      ListLines("scores", kOpt, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
      ElementLine("user", kReq, std::nullopt, LogicalKind::kNone, 0, 2) +
      ElementLine("uid", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
      ElementLine("email", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
      ElementLine("ref", kOpt, std::nullopt, LogicalKind::kNone, 0, 1) +
      ElementLine("rid", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64);
  EXPECT_EQ(SchemaText(path), expected_schema);

  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 10);
  EXPECT_EQ(recs[0].payload,
            "{\"id\":9007199254740993,\"name\":\"ann \xc3\xa9\",\"nick\":\"a\",\"n\":-7,"
            "\"score\":0.1,\"ratio\":1.5,\"ok\":true,\"blob\":\"\\u0000\\u0001\xfe\\\"\","
            "\"digest\":\"\\u0000\xff\",\"kind\":\"VIEW\",\"ts_ms\":1700000000123,"
            "\"ts_us\":1700000000123456,\"day\":\"2024-02-29\",\"tags\":[\"x\",\"\",\"z\"],"
            "\"scores\":[5,null,-6],\"user\":{\"uid\":-1,\"email\":\"e@x\"},\"ref\":{\"rid\":42}}");
  EXPECT_EQ(recs[1].offset, 11);
  EXPECT_EQ(recs[1].payload,
            "{\"id\":-9223372036854775808,\"name\":\"\",\"nick\":null,\"n\":0,\"score\":0,"
            "\"ratio\":0,\"ok\":false,\"blob\":\"\",\"digest\":\"\\u0000\xff\","
            "\"kind\":\"CLICK\",\"ts_ms\":-1,\"ts_us\":0,\"day\":\"1969-12-31\",\"tags\":[],"
            "\"scores\":[],\"user\":{\"uid\":0,\"email\":null},\"ref\":null}");
}

TEST(ParquetFromAvro, MalformedDatumIsAnErrorOfThatMessageOnly) {
  TempDir dir;
  Config c = AvroFileConfig();
  auto f = NewParquetFormat();
  const std::string good = EventDatum(FullEvent());
  const std::string path = dir.Join("m.parquet");
  auto st = Write(*f, path, c, "",
                  {{1, good.substr(0, good.size() - 3)}, {2, good + "x"}, {3, ""}, {4, good}});
  ASSERT_EQ(st.size(), 4u);
  EXPECT_EQ(st[0].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[0].message().rfind("message at offset 1: avro: truncated datum at byte ", 0), 0u)
      << st[0].message();
  EXPECT_EQ(st[1].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[1].message(), fmt::format("message at offset 2: avro: 1 bytes after the end of the "
                                         "datum at byte {}",
                                         good.size()));
  EXPECT_EQ(st[2].code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(st[3].ok()) << st[3].ToString();
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].offset, 4);
}

TEST(ParquetFromAvro, KafkaColumnsAndTheFactoryNameSelectAvro) {
  TempDir dir;
  // The original's factory class says the payloads are Avro.
  Config c = Config::FromMap({{"secor.file.reader.writer.factory",
                               "com.pinterest.secor.io.impl.AvroParquetFileReaderWriterFactory"},
                              {"secor.avro.schema.file", kAvroSchemaFile},
                              {"secor.parquet.kafka.columns", "partition"}});
  auto f = NewParquetFormat();
  const std::string path = dir.Join("k.parquet");
  auto st = Write(*f, path, c, "zstd", {{7, EventDatum(SparseEvent())}});
  ASSERT_TRUE(st.at(0).ok()) << st[0].ToString();
  auto r = parquet::Reader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->field_names()[1], "__partition");
  EXPECT_EQ((*r)->field_names()[2], "id");
  std::vector<parquet::Cell> row;
  ASSERT_TRUE(*(*r)->Next(&row));
  EXPECT_EQ(row[1].i, 2);
  EXPECT_EQ(row[2].i, INT64_MIN);
}

TEST(ParquetFromAvro, ConfiguredColumnsReadThePayloadsByName) {
  TempDir dir;
  const std::string payload_schema = R"({"type":"record","name":"P","fields":[
    {"name":"x","type":"double"},{"name":"n","type":"int"},{"name":"extra","type":"string"}]})";
  ASSERT_TRUE(WriteFileAtomic(dir.Join("p.avsc"), payload_schema).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.Join("q.avsc"), R"({"type":"record","name":"Q","fields":[
    {"name":"x","type":"float"},{"name":"n","type":"long"},{"name":"opt","type":["null","string"]}]})")
                  .ok());
  auto datum = [&](double x) {
    return AvroDatum(payload_schema, [&](avro_value_t* rec) {
      avro_value_t f = Field(rec, "x");
      avro_value_set_double(&f, x);
      f = Field(rec, "n");
      avro_value_set_int(&f, 3);
      f = Field(rec, "extra");
      avro_value_set_string(&f, "dropped");
    });
  };
  auto f = NewParquetFormat();
  Config c = Config::FromMap({{"secor.payload.encoding", "avro"},
                              {"secor.avro.schema.file", dir.Join("p.avsc")},
                              {"secor.parquet.avro.schema.file", dir.Join("q.avsc")}});
  auto st = Write(*f, dir.Join("q.parquet"), c, "", {{1, datum(0.5)}, {2, datum(1e300)}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_EQ(st[1].message(), "field 'x': 1e+300 is out of float range");
  auto recs = ReadAll(*f, dir.Join("q.parquet"));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].payload, R"({"x":0.5,"n":3,"opt":null})");

  // A column list picks fields by dotted paths of field names.
  Config list = Config::FromMap({{"secor.payload.encoding", "avro"},
                                 {"secor.avro.schema.file", kAvroSchemaFile},
                                 {"secor.parquet.columns",
                                  "who.uid:int64!=user.uid, who.email:string=user.email, "
                                  "rid:int64=ref.rid, tags:list<string>, day:date"}});
  st = Write(*f, dir.Join("l.parquet"), list, "",
             {{1, EventDatum(FullEvent())}, {2, EventDatum(SparseEvent())}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  recs = ReadAll(*f, dir.Join("l.parquet"));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].payload,
            R"({"who":{"uid":-1,"email":"e@x"},"rid":42,"tags":["x","","z"],"day":"2024-02-29"})");
  EXPECT_EQ(recs[1].payload,
            R"({"who":{"uid":0,"email":null},"rid":null,"tags":[],"day":"1969-12-31"})");
}

// The registry's schema versions of one subject: v2 adds an optional field,
// v3 changes a field's type.
const char kRegistryV1[] = R"({"type":"record","name":"E","fields":[
  {"name":"kind","type":"string"},{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]})";
const char kRegistryV2[] = R"({"type":"record","name":"E","fields":[
  {"name":"kind","type":"string"},{"name":"extra","type":["null","string"],"default":null},
  {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}}]})";
const char kRegistryV3[] = R"({"type":"record","name":"E","fields":[
  {"name":"kind","type":"long"},{"name":"ts","type":"long"}]})";

std::string WireFormat(int32_t id, const std::string& datum) {
  std::string out(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((id >> shift) & 0xff);
  return out + datum;
}

std::string RegistryDatum(const char* schema, const char* kind, int64_t ts) {
  return AvroDatum(schema, [&](avro_value_t* rec) {
    avro_value_t f = Field(rec, "kind");
    if (std::string_view(schema) == kRegistryV3) {
      avro_value_set_long(&f, 5);
    } else {
      avro_value_set_string(&f, kind);
    }
    f = Field(rec, "ts");
    avro_value_set_long(&f, ts);
    if (std::string_view(schema) == kRegistryV2) {
      f = Field(rec, "extra");
      avro_value_t b = Branch(&f, false);
      avro_value_set_string(&b, "more");
    }
  });
}

TEST(ParquetFromAvro, RegistrySchemasResolveByIdAndIncompatibleOnesAreErrors) {
  TempDir dir;
  FakeSchemaRegistry registry;
  registry.SetSchema(1, kRegistryV1);
  registry.SetSchema(2, kRegistryV2);
  registry.SetSchema(3, kRegistryV3);
  Config c = Config::FromMap(
      {{"secor.payload.encoding", "avro"}, {"schema.registry.url", registry.url()}});
  auto f = NewParquetFormat();
  const std::string path = dir.Join("r.parquet");
  auto st = Write(*f, path, c, "",
                  {{1, WireFormat(1, RegistryDatum(kRegistryV1, "a", 1700000000123))},
                   // A later compatible version: same columns, its timestamp converted.
                   {2, WireFormat(2, RegistryDatum(kRegistryV2, "b", 1700000000456789))},
                   {3, WireFormat(3, RegistryDatum(kRegistryV3, "", 1))},
                   {4, WireFormat(9, RegistryDatum(kRegistryV1, "c", 1))},
                   {5, std::string("\x01\x00\x00\x00\x01", 5)},
                   {6, WireFormat(1, RegistryDatum(kRegistryV1, "d", 0))}});
  ASSERT_EQ(st.size(), 6u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  EXPECT_EQ(st[2].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[2].message(),
            "message at offset 3 with schema id 3 does not fit the file's schema id 1: field "
            "'kind': expected string, got integer");
  EXPECT_EQ(st[3].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[3].message().rfind("message at offset 4: schema registry: schema 9 not found", 0),
            0u)
      << st[3].message();
  EXPECT_EQ(st[4].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[4].message(),
            "message at offset 5: avro: unknown magic byte 1 (schema registry wire format has 0)");
  EXPECT_TRUE(st[5].ok()) << st[5].ToString();
  EXPECT_EQ(registry.Requests(1), 1);  // cached

  EXPECT_EQ(SchemaText(path),
            ElementLine("__offset", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("kind", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("ts", kReq, PhysicalType::kInt64, LogicalKind::kTimestampMillis));
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].payload, R"({"kind":"a","ts":1700000000123})");
  EXPECT_EQ(recs[1].offset, 2);
  EXPECT_EQ(recs[1].payload, R"({"kind":"b","ts":1700000000456})");
  EXPECT_EQ(recs[2].offset, 6);
}

TEST(ParquetFromAvro, UnreachableRegistryIsNotTheMessagesFault) {
  TempDir dir;
  std::string url;
  {
    FakeSchemaRegistry gone;  // a port that was just free
    url = gone.url();
  }
  Config c = Config::FromMap({{"secor.payload.encoding", "avro"},
                              {"schema.registry.url", url},
                              {"secor.schema.registry.retries", "1"}});
  auto w = testing::OpenWriter("parquet", dir.Join("u.parquet"), {"", "events"}, &c);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  Message m;
  m.offset = 1;
  std::string payload = WireFormat(1, RegistryDatum(kRegistryV1, "a", 1));
  m.payload = payload;
  Status st = (*w)->Append(m);
  // Not InvalidArgument: the consumer must stop and retry, not send it to the error output.
  EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.ToString();
  // No message gave the file a schema: it is valid and empty, offsets only.
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ(SchemaText(dir.Join("u.parquet")),
            ElementLine("__offset", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64));
  EXPECT_TRUE(ReadAll(*NewParquetFormat(), dir.Join("u.parquet")).empty());
}

secor::test::output::Event FullProto() {
  secor::test::output::Event e;
  e.set_name("n\xc3\xa9");
  e.set_big(-9007199254740993);
  e.set_huge(9223372036854775807ULL);
  e.set_small(-5);
  e.set_count(4294967295U);
  e.set_delta(-3);
  e.set_score(2.25);
  e.set_ratio(0.5f);
  e.set_ok(true);
  e.set_blob(std::string("\x00\xff", 2));
  e.set_color(secor::test::output::GREEN);
  e.mutable_created()->set_seconds(1700000000);
  e.mutable_created()->set_nanos(123456789);
  e.mutable_address()->set_city("Oslo");
  e.mutable_address()->set_zip(150);
  e.add_tags("t1");
  e.add_tags("t2");
  e.add_ids(1LL << 60);
  e.set_nick("nick");
  e.add_colors(secor::test::output::RED);
  e.add_colors(static_cast<secor::test::output::Color>(7));  // unknown to the schema
  return e;
}

Config ProtoConfig(const std::string& type = "secor.test.output.Event") {
  return Config::FromMap({{"secor.payload.encoding", "protobuf"},
                          {"secor.protobuf.descriptor.set.file", kDescriptorSet},
                          {"secor.protobuf.message.class", type}});
}

TEST(ParquetFromProtobuf, ColumnsTypesAndValuesFollowTheDescriptor) {
  TempDir dir;
  Config c = ProtoConfig();
  auto f = NewParquetFormat();
  const std::string path = dir.Join("p.parquet");
  secor::test::output::Event empty;
  auto st = Write(*f, path, c, "gzip",
                  {{20, FullProto().SerializeAsString()}, {21, empty.SerializeAsString()}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  EXPECT_EQ(SchemaText(path),
            ElementLine("__offset", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("name", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("big", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("huge", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("small", kReq, PhysicalType::kInt32, LogicalKind::kInteger, 32) +
                ElementLine("count", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("delta", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("score", kReq, PhysicalType::kDouble) +
                ElementLine("ratio", kReq, PhysicalType::kFloat) +
                ElementLine("ok", kReq, PhysicalType::kBoolean) +
                ElementLine("blob", kReq, PhysicalType::kByteArray) +
                ElementLine("color", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("created", kOpt, PhysicalType::kInt64, LogicalKind::kTimestampMicros) +
                ElementLine("address", kOpt, std::nullopt, LogicalKind::kNone, 0, 3) +
                ElementLine("city", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("zip", kReq, PhysicalType::kInt32, LogicalKind::kInteger, 32) +
                ElementLine("note", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
                ListLines("tags", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
                ListLines("ids", kOpt, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("nick", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
                ListLines("colors", kOpt, PhysicalType::kByteArray, LogicalKind::kString));
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 20);
  EXPECT_EQ(recs[0].payload,
            "{\"name\":\"n\xc3\xa9\",\"big\":-9007199254740993,\"huge\":9223372036854775807,"
            "\"small\":-5,\"count\":4294967295,\"delta\":-3,\"score\":2.25,\"ratio\":0.5,"
            "\"ok\":true,\"blob\":\"\\u0000\xff\",\"color\":\"GREEN\","
            "\"created\":1700000000123456,\"address\":{\"city\":\"Oslo\",\"zip\":150,"
            "\"note\":null},\"tags\":[\"t1\",\"t2\"],\"ids\":[1152921504606846976],"
            "\"nick\":\"nick\",\"colors\":[\"RED\",\"7\"]}");
  // proto3 scalars without presence hold their defaults; messages and
  // `optional` fields are null.
  EXPECT_EQ(recs[1].payload,
            "{\"name\":\"\",\"big\":0,\"huge\":0,\"small\":0,\"count\":0,\"delta\":0,"
            "\"score\":0,\"ratio\":0,\"ok\":false,\"blob\":\"\",\"color\":\"COLOR_UNSET\","
            "\"created\":null,\"address\":null,\"tags\":[],\"ids\":[],\"nick\":null,"
            "\"colors\":[]}");
}

TEST(ParquetFromProtobuf, BadPayloadsAndUnsignedOverflowAreErrorsOfThatMessage) {
  TempDir dir;
  Config c = ProtoConfig();
  auto f = NewParquetFormat();
  const std::string path = dir.Join("e.parquet");
  secor::test::output::Event too_big;
  too_big.set_huge(9223372036854775808ULL);
  std::string good = FullProto().SerializeAsString();
  auto st = Write(*f, path, c, "",
                  {{1, good.substr(0, good.size() - 2)},
                   {2, too_big.SerializeAsString()},
                   {3, "\xff\xff\xff"},
                   {4, good}});
  ASSERT_EQ(st.size(), 4u);
  EXPECT_EQ(st[0].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[0].message(),
            fmt::format("message at offset 1: protobuf: payload of {} bytes is not a valid "
                        "secor.test.output.Event",
                        good.size() - 2));
  EXPECT_EQ(st[1].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[1].message(), "field 'huge': 9223372036854775808 is out of int64 range");
  EXPECT_EQ(st[2].code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(st[3].ok()) << st[3].ToString();
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].offset, 4);
}

TEST(ParquetFromProtobuf, TypesWithoutColumnsAreRefusedAtStart) {
  TempDir dir;
  Config recursive = ProtoConfig("Tree");  // simple names resolve too
  auto w = testing::OpenWriter("parquet", dir.Join("a.parquet"), {"", "events"}, &recursive);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(),
            "protobuf: secor.test.output.Tree nests deeper than 32 (a recursive message?)");
  Config none = Config::FromMap({{"secor.payload.encoding", "protobuf"}});
  w = testing::OpenWriter("parquet", dir.Join("c.parquet"), {"", "events"}, &none);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(),
            "secor.payload.encoding=protobuf for topic 'events' needs "
            "secor.protobuf.message.class");
  Config bad = Config::FromMap({{"secor.payload.encoding", "xml"}});
  w = testing::OpenWriter("parquet", dir.Join("d.parquet"), {"", "events"}, &bad);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("expected json, avro or protobuf"), std::string::npos)
      << w.status().message();
}

secor::test::output::Order FullOrder() {
  secor::test::output::Order o;
  o.set_id("o1");
  auto* a = o.add_items();
  a->set_sku("a");
  a->set_qty(2);
  a->set_note("n");
  a->add_labels("x");
  a->add_labels("y");
  (*a->mutable_prices())["eur"] = 1.5;
  auto* b = o.add_items();
  b->set_sku("b");
  (*o.mutable_counts())["z"] = 3;
  (*o.mutable_counts())["a"] = -1;
  (*o.mutable_counts())[""] = 0;
  auto& by = (*o.mutable_by_sku())["b"];
  by.set_sku("b");
  by.set_qty(1);
  (*by.mutable_prices())["usd"] = -0.5;
  (*by.mutable_prices())["chf"] = 2;
  // A second value with a map of its own: maps inside map values.
  auto& other = (*o.mutable_by_sku())["a"];
  other.set_sku("a");
  other.add_labels("l");
  (*other.mutable_prices())["sek"] = 10;
  (*o.mutable_colors())[2] = secor::test::output::GREEN;
  (*o.mutable_colors())[-1] = secor::test::output::RED;
  auto* t = o.add_times();
  t->set_seconds(1700000000);
  t->set_nanos(123456000);
  o.mutable_address()->set_city("Bergen");
  return o;
}

// Map entries come sorted by key (protobuf's map order is not defined);
// integer keys numerically.
const char kFullOrderJson[] =
    R"({"id":"o1","items":[{"sku":"a","qty":2,"note":"n","labels":["x","y"],"prices":{"eur":1.5}},)"
    R"({"sku":"b","qty":0,"note":null,"labels":[],"prices":{}}],"counts":{"":0,"a":-1,"z":3},)"
    R"("by_sku":{"a":{"sku":"a","qty":0,"note":null,"labels":["l"],"prices":{"sek":10}},)"
    R"("b":{"sku":"b","qty":1,"note":null,"labels":[],"prices":{"chf":2,"usd":-0.5}}},)"
    R"("colors":{"-1":"RED","2":"GREEN"},"times":[1700000000123456],)"
    R"("address":{"city":"Bergen","zip":0,"note":null}})";
const char kEmptyOrderJson[] =
    R"({"id":"","items":[],"counts":{},"by_sku":{},"colors":{},"times":[],"address":null})";

TEST(ParquetFromProtobuf, RepeatedMessagesAndMapsBecomeListsOfGroupsAndMaps) {
  TempDir dir;
  Config c = ProtoConfig("secor.test.output.Order");
  auto f = NewParquetFormat();
  const std::string path = dir.Join("order.parquet");
  auto st = Write(*f, path, c, "snappy",
                  {{1, FullOrder().SerializeAsString()},
                   {2, secor::test::output::Order().SerializeAsString()}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  auto map_lines = [](const std::string& name, const std::string& value_lines, int children = 0) {
    return ElementLine(name, kOpt, std::nullopt, LogicalKind::kMap, 0, 1) +
           ElementLine("key_value", kRep, std::nullopt, LogicalKind::kNone, 0, 2) +
           ElementLine("key", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
           (children ? ElementLine("value", kOpt, std::nullopt, LogicalKind::kNone, 0, children)
                     : "") +
           value_lines;
  };
  const std::string item_fields =
      ElementLine("sku", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
      ElementLine("qty", kReq, PhysicalType::kInt32, LogicalKind::kInteger, 32) +
      ElementLine("note", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
      ListLines("labels", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
      map_lines("prices", ElementLine("value", kOpt, PhysicalType::kDouble));
  EXPECT_EQ(SchemaText(path),
            ElementLine("__offset", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("id", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("items", kOpt, std::nullopt, LogicalKind::kList, 0, 1) +
                ElementLine("list", kRep, std::nullopt, LogicalKind::kNone, 0, 1) +
                ElementLine("element", kOpt, std::nullopt, LogicalKind::kNone, 0, 5) + item_fields +
                map_lines("counts", ElementLine("value", kOpt, PhysicalType::kInt64,
                                                LogicalKind::kInteger, 64)) +
                map_lines("by_sku", item_fields, 5) +
                map_lines("colors", ElementLine("value", kOpt, PhysicalType::kByteArray,
                                                LogicalKind::kString)) +
                ListLines("times", kOpt, PhysicalType::kInt64, LogicalKind::kTimestampMicros) +
                ElementLine("address", kOpt, std::nullopt, LogicalKind::kNone, 0, 3) +
                ElementLine("city", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("zip", kReq, PhysicalType::kInt32, LogicalKind::kInteger, 32) +
                ElementLine("note", kOpt, PhysicalType::kByteArray, LogicalKind::kString));
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 1);
  EXPECT_EQ(recs[0].payload, kFullOrderJson);
  EXPECT_EQ(recs[1].payload, kEmptyOrderJson);
  testing::KeepForReaders(path, {"SNAPPY", 1, {}});
}

TEST(AvroFromProtobuf, RepeatedMessagesAndMapsBecomeArraysOfRecordsAndMaps) {
  TempDir dir;
  Config c = ProtoConfig("secor.test.output.Order");
  auto f = NewAvroFormat();
  const std::string path = dir.Join("order.avro");
  auto st = Write(*f, path, c, "",
                  {{1, FullOrder().SerializeAsString()},
                   {2, secor::test::output::Order().SerializeAsString()}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].payload, kFullOrderJson);
  EXPECT_EQ(recs[1].payload, kEmptyOrderJson);
  // The schema Avro C read the file with: arrays and maps of nullable items,
  // records named by their path.
  avro_file_reader_t reader;
  ASSERT_EQ(OpenAvroFileReader(path, &reader), 0) << avro_strerror();
  avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
  avro_schema_t items = avro_schema_record_field_get(schema, "items");
  ASSERT_TRUE(is_avro_union(items));
  avro_schema_t array = avro_schema_union_branch(items, 1);
  ASSERT_TRUE(is_avro_array(array));
  avro_schema_t item = avro_schema_union_branch(avro_schema_array_items(array), 1);
  ASSERT_TRUE(is_avro_record(item));
  EXPECT_STREQ(avro_schema_name(item), "Order_items");
  avro_schema_t by_sku =
      avro_schema_union_branch(avro_schema_record_field_get(schema, "by_sku"), 1);
  ASSERT_TRUE(is_avro_map(by_sku));
  EXPECT_STREQ(avro_schema_name(avro_schema_union_branch(avro_schema_map_values(by_sku), 1)),
               "Order_by_sku");
  avro_file_reader_close(reader);
}

// Arrays of records, maps with null values, maps of arrays, arrays of arrays
// and a named type used twice, written by Avro C.
const char kCartSchema[] = R"({"type":"record","name":"Cart","namespace":"shop","fields":[
  {"name":"id","type":"long"},
  {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[
    {"name":"sku","type":"string"},
    {"name":"qty","type":["null","int"]},
    {"name":"tags","type":{"type":"array","items":"string"}}]}}},
  {"name":"attrs","type":{"type":"map","values":["null","string"]}},
  {"name":"by_day","type":{"type":"map","values":{"type":"array",
    "items":{"type":"int","logicalType":"date"}}}},
  {"name":"matrix","type":{"type":"array","items":{"type":"array","items":"double"}}},
  {"name":"best","type":["null","shop.Line"]}]})";

void SetLine(avro_value_t* line, const char* sku, std::optional<int32_t> qty,
             const std::vector<const char*>& tags) {
  avro_value_t f = Field(line, "sku");
  avro_value_set_string(&f, sku);
  f = Field(line, "qty");
  avro_value_t b = Branch(&f, !qty.has_value());
  if (qty) avro_value_set_int(&b, *qty);
  f = Field(line, "tags");
  for (const char* t : tags) {
    avro_value_t e;
    avro_value_append(&f, &e, nullptr);
    avro_value_set_string(&e, t);
  }
}

std::string FullCart() {
  return AvroDatum(kCartSchema, [](avro_value_t* rec) {
    avro_value_t f = Field(rec, "id");
    avro_value_set_long(&f, 1);
    f = Field(rec, "lines");
    avro_value_t line;
    avro_value_append(&f, &line, nullptr);
    SetLine(&line, "a", 2, {"t", "u"});
    avro_value_append(&f, &line, nullptr);
    SetLine(&line, "b", std::nullopt, {});
    f = Field(rec, "attrs");
    avro_value_t v;
    avro_value_add(&f, "k", &v, nullptr, nullptr);
    avro_value_t b = Branch(&v, false);
    avro_value_set_string(&b, "v");
    avro_value_add(&f, "n", &v, nullptr, nullptr);
    Branch(&v, true);
    f = Field(rec, "by_day");
    avro_value_add(&f, "d", &v, nullptr, nullptr);
    avro_value_t day;
    avro_value_append(&v, &day, nullptr);
    avro_value_set_int(&day, 19782);
    avro_value_add(&f, "e", &v, nullptr, nullptr);
    f = Field(rec, "matrix");
    avro_value_t row;
    avro_value_append(&f, &row, nullptr);
    avro_value_t x;
    avro_value_append(&row, &x, nullptr);
    avro_value_set_double(&x, 1.5);
    avro_value_append(&row, &x, nullptr);
    avro_value_set_double(&x, -2);
    avro_value_append(&f, &row, nullptr);
    f = Field(rec, "best");
    b = Branch(&f, false);
    SetLine(&b, "c", 1, {"best"});
  });
}

std::string EmptyCart() {
  return AvroDatum(kCartSchema, [](avro_value_t* rec) {
    avro_value_t f = Field(rec, "id");
    avro_value_set_long(&f, 2);
    f = Field(rec, "best");
    Branch(&f, true);
  });
}

TEST(ParquetFromAvro, ArraysOfRecordsMapsAndNestedArrays) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("cart.avsc"), kCartSchema).ok());
  Config c = Config::FromMap(
      {{"secor.payload.encoding", "avro"}, {"secor.avro.schema.file", dir.Join("cart.avsc")}});
  auto f = NewParquetFormat();
  const std::string path = dir.Join("cart.parquet");
  auto st = Write(*f, path, c, "zstd", {{5, FullCart()}, {6, EmptyCart()}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  const std::string line_fields =
      ElementLine("sku", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
      ElementLine("qty", kOpt, PhysicalType::kInt32, LogicalKind::kInteger, 32) +
      ListLines("tags", kOpt, PhysicalType::kByteArray, LogicalKind::kString);
  EXPECT_EQ(SchemaText(path),
            ElementLine("__offset", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("id", kReq, PhysicalType::kInt64, LogicalKind::kInteger, 64) +
                ElementLine("lines", kOpt, std::nullopt, LogicalKind::kList, 0, 1) +
                ElementLine("list", kRep, std::nullopt, LogicalKind::kNone, 0, 1) +
                ElementLine("element", kOpt, std::nullopt, LogicalKind::kNone, 0, 3) + line_fields +
                ElementLine("attrs", kOpt, std::nullopt, LogicalKind::kMap, 0, 1) +
                ElementLine("key_value", kRep, std::nullopt, LogicalKind::kNone, 0, 2) +
                ElementLine("key", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("value", kOpt, PhysicalType::kByteArray, LogicalKind::kString) +
                ElementLine("by_day", kOpt, std::nullopt, LogicalKind::kMap, 0, 1) +
                ElementLine("key_value", kRep, std::nullopt, LogicalKind::kNone, 0, 2) +
                ElementLine("key", kReq, PhysicalType::kByteArray, LogicalKind::kString) +
                ListLines("value", kOpt, PhysicalType::kInt32, LogicalKind::kDate) +
                ElementLine("matrix", kOpt, std::nullopt, LogicalKind::kList, 0, 1) +
                ElementLine("list", kRep, std::nullopt, LogicalKind::kNone, 0, 1) +
                ListLines("element", kOpt, PhysicalType::kDouble) +
                ElementLine("best", kOpt, std::nullopt, LogicalKind::kNone, 0, 3) + line_fields);
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 5);
  EXPECT_EQ(recs[0].payload,
            R"({"id":1,"lines":[{"sku":"a","qty":2,"tags":["t","u"]},{"sku":"b","qty":null,)"
            R"("tags":[]}],"attrs":{"k":"v","n":null},"by_day":{"d":["2024-02-29"],"e":[]},)"
            R"("matrix":[[1.5,-2],[]],"best":{"sku":"c","qty":1,"tags":["best"]}})");
  EXPECT_EQ(recs[1].payload,
            R"({"id":2,"lines":[],"attrs":{},"by_day":{},"matrix":[],"best":null})");
  testing::KeepForReaders(path, {"ZSTD", 1, {}});

  // A column list picks nested fields by path as well.
  Config list = Config::FromMap({{"secor.payload.encoding", "avro"},
                                 {"secor.avro.schema.file", dir.Join("cart.avsc")},
                                 {"secor.parquet.columns",
                                  "attrs:map<string,string>, best_tags:list<string>=best.tags, "
                                  "matrix:list<list<double>>!"}});
  const std::string picked = dir.Join("picked.parquet");
  st = Write(*f, picked, list, "", {{7, FullCart()}, {8, EmptyCart()}});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  recs = ReadAll(*f, picked);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].payload,
            R"({"attrs":{"k":"v","n":null},"best_tags":["best"],"matrix":[[1.5,-2],[]]})");
  EXPECT_EQ(recs[1].payload, R"({"attrs":{},"best_tags":null,"matrix":[]})");
  testing::KeepForReaders(picked, {"UNCOMPRESSED", 1, {}});
}

TEST(AvroFromAvro, DatumsAreWrittenAsTheyAre) {
  TempDir dir;
  Config c = AvroFileConfig();
  auto f = NewAvroFormat();
  for (std::string codec : {"", "snappy"}) {
    const std::string path = dir.Join("a" + codec + ".avro");
    const std::string good = EventDatum(FullEvent());
    auto st = Write(*f, path, c, codec,
                    {{300, good}, {301, good.substr(0, 5)}, {302, EventDatum(SparseEvent())}});
    ASSERT_EQ(st.size(), 3u);
    EXPECT_TRUE(st[0].ok()) << st[0].ToString();
    EXPECT_EQ(st[1].code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(st[1].message().rfind("message at offset 301: avro: truncated datum", 0), 0u)
        << st[1].message();
    EXPECT_TRUE(st[2].ok()) << st[2].ToString();
    auto recs = ReadAll(*f, path);
    ASSERT_EQ(recs.size(), 2u) << codec;
    EXPECT_EQ(recs[0].offset, 300);
    EXPECT_EQ(recs[0].payload,
              "{\"id\":9007199254740993,\"name\":\"ann \xc3\xa9\",\"nick\":\"a\",\"n\":-7,"
              "\"score\":0.1,\"ratio\":1.5,\"ok\":true,\"blob\":\"\\u0000\\u0001\xfe\\\"\","
              "\"digest\":\"\\u0000\xff\",\"kind\":\"VIEW\",\"ts_ms\":1700000000123,"
              "\"ts_us\":1700000000123456,\"day\":19782,\"tags\":[\"x\",\"\",\"z\"],"
              "\"scores\":[5,null,-6],\"user\":{\"uid\":-1,\"email\":\"e@x\"},"
              "\"ref\":{\"rid\":42}}");
    EXPECT_EQ(recs[1].offset, 302);
  }
}

TEST(AvroFromAvro, RegistryHeaderIsStrippedAndOtherSchemasAreReencodedByName) {
  TempDir dir;
  FakeSchemaRegistry registry;
  registry.SetSchema(1, kRegistryV1);
  registry.SetSchema(2, kRegistryV2);
  registry.SetSchema(3, kRegistryV3);
  Config c = Config::FromMap(
      {{"secor.payload.encoding", "avro"}, {"schema.registry.url", registry.url()}});
  auto f = NewAvroFormat();
  const std::string path = dir.Join("r.avro");
  auto st = Write(*f, path, c, "",
                  {{1, WireFormat(1, RegistryDatum(kRegistryV1, "a", 1700000000123))},
                   {2, WireFormat(2, RegistryDatum(kRegistryV2, "b", 1700000000456789))},
                   {3, WireFormat(3, RegistryDatum(kRegistryV3, "", 1))},
                   {4, WireFormat(1, RegistryDatum(kRegistryV1, "c", -1))}});
  ASSERT_EQ(st.size(), 4u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  // Version 2: its extra field dropped, its micros converted to the file's millis.
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  EXPECT_EQ(st[2].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[2].message(),
            "message at offset 3 with schema id 3 does not fit the file's schema: field 'kind': "
            "expected string, got integer");
  EXPECT_TRUE(st[3].ok()) << st[3].ToString();
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].offset, 1);
  EXPECT_EQ(recs[0].payload, R"({"kind":"a","ts":1700000000123})");
  EXPECT_EQ(recs[1].offset, 2);
  EXPECT_EQ(recs[1].payload, R"({"kind":"b","ts":1700000000456})");
  EXPECT_EQ(recs[2].offset, 4);
  EXPECT_EQ(recs[2].payload, R"({"kind":"c","ts":-1})");
}

TEST(AvroFromProtobuf, TheDescriptorGivesTheAvroSchema) {
  TempDir dir;
  Config c = ProtoConfig();
  auto f = NewAvroFormat();
  const std::string path = dir.Join("p.avro");
  secor::test::output::Event too_big;
  too_big.set_huge(9223372036854775808ULL);
  auto st = Write(*f, path, c, "snappy",
                  {{5, FullProto().SerializeAsString()},
                   {6, secor::test::output::Event().SerializeAsString()},
                   {7, "\xff"},
                   {8, too_big.SerializeAsString()}});
  ASSERT_EQ(st.size(), 4u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  EXPECT_EQ(st[2].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[2].message(),
            "message at offset 7: protobuf: payload of 1 bytes is not a valid "
            "secor.test.output.Event");
  EXPECT_EQ(st[3].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st[3].message(), "field 'huge': 9223372036854775808 is out of long range");
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 5);
  EXPECT_EQ(recs[0].payload,
            "{\"name\":\"n\xc3\xa9\",\"big\":-9007199254740993,\"huge\":9223372036854775807,"
            "\"small\":-5,\"count\":4294967295,\"delta\":-3,\"score\":2.25,\"ratio\":0.5,"
            "\"ok\":true,\"blob\":\"\\u0000\xff\",\"color\":\"GREEN\","
            "\"created\":1700000000123456,\"address\":{\"city\":\"Oslo\",\"zip\":150,"
            "\"note\":null},\"tags\":[\"t1\",\"t2\"],\"ids\":[1152921504606846976],"
            "\"nick\":\"nick\",\"colors\":[\"RED\",\"7\"]}");
  EXPECT_EQ(recs[1].payload,
            "{\"name\":\"\",\"big\":0,\"huge\":0,\"small\":0,\"count\":0,\"delta\":0,"
            "\"score\":0,\"ratio\":0,\"ok\":false,\"blob\":\"\",\"color\":\"COLOR_UNSET\","
            "\"created\":null,\"address\":null,\"tags\":[],\"ids\":[],\"nick\":null,"
            "\"colors\":[]}");
}

TEST(AvroFromProtobuf, AnOutputSchemaFileSelectsFieldsByName) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("out.avsc"), R"({"type":"record","name":"Slim","fields":[
    {"name":"name","type":"string"},
    {"name":"created","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
    {"name":"address","type":["null",{"type":"record","name":"A","fields":[
      {"name":"city","type":"string"}]}]},
    {"name":"color","type":{"type":"enum","name":"C","symbols":["COLOR_UNSET","RED","GREEN"]}},
    {"name":"missing","type":["null","string"],"default":null}]})")
                  .ok());
  Config c = Config::FromMap({{"secor.payload.encoding", "protobuf"},
                              {"secor.protobuf.descriptor.set.file", kDescriptorSet},
                              {"secor.protobuf.message.class", "secor.test.output.Event"},
                              {"secor.avro.output.schema.file", dir.Join("out.avsc")}});
  auto f = NewAvroFormat();
  const std::string path = dir.Join("s.avro");
  auto st = Write(*f, path, c, "", {{1, FullProto().SerializeAsString()}});
  ASSERT_TRUE(st.at(0).ok()) << st[0].ToString();
  auto recs = ReadAll(*f, path);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].payload,
            "{\"name\":\"n\xc3\xa9\",\"created\":1700000000123,\"address\":{\"city\":\"Oslo\"},"
            "\"color\":\"GREEN\",\"missing\":null}");
}

}  // namespace
}  // namespace secor
