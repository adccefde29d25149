// Lists of records, nested lists and maps from JSON messages (Avro schema
// file and column list), written and read back by our reader; every file
// goes to the reader corpus (corpus_test_util.h) for DuckDB and hyparquet.
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "config/config.h"
#include "format/avro_format.h"
#include "format/format_test_util.h"
#include "format/parquet/corpus_test_util.h"
#include "format/parquet/reader.h"
#include "format/parquet_format.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::ReadAll;
using secor::testing::TempDir;

// Appends every payload (offsets from 0); the statuses in order.
std::vector<Status> Write(const FileFormat& f, const std::string& path, const Config& c,
                          const std::string& codec, const std::vector<std::string>& payloads) {
  std::vector<Status> out;
  auto w = testing::OpenWriter(f.name(), path, {codec, "t"}, &c);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    Message m;
    m.offset = static_cast<int64_t>(i);
    m.payload = payloads[i];
    out.push_back((*w)->Append(m));
  }
  Status closed = (*w)->Close();
  EXPECT_TRUE(closed.ok()) << closed.ToString();
  return out;
}

std::vector<std::string> Payloads(const FileFormat& f, const std::string& path) {
  std::vector<std::string> out;
  for (const Record& rec : testing::ReadAll(f, path)) out.push_back(rec.payload);
  return out;
}

// The Document of the Dremel paper, plus a map of records with null values.
const char kDocumentSchema[] = R"({"type":"record","name":"Document","fields":[
  {"name":"DocId","type":"long"},
  {"name":"Links","type":["null",{"type":"record","name":"Links","fields":[
    {"name":"Backward","type":{"type":"array","items":"long"}},
    {"name":"Forward","type":{"type":"array","items":"long"}}]}]},
  {"name":"Name","type":{"type":"array","items":{"type":"record","name":"Name","fields":[
    {"name":"Language","type":{"type":"array","items":{"type":"record","name":"Language",
      "fields":[{"name":"Code","type":"string"},{"name":"Country","type":["null","string"]}]}}},
    {"name":"Url","type":["null","string"]}]}}},
  {"name":"Owners","type":{"type":"map","values":["null",{"type":"record","name":"Owner",
    "fields":[{"name":"Since","type":{"type":"int","logicalType":"date"}},
              {"name":"Roles","type":{"type":"array","items":"string"}}]}]}}]})";

TEST(ParquetNested, JsonWithAnAvroSchemaFile) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("doc.avsc"), kDocumentSchema).ok());
  Config c = Config::FromMap({{"secor.parquet.avro.schema.file", dir.Join("doc.avsc")}});
  auto f = NewParquetFormat();
  const std::string path = dir.Join("doc.parquet");
  auto st = Write(
      *f, path, c, "gzip",
      {// r1 and r2 of the paper
       R"({"DocId":10,"Links":{"Forward":[20,40,60]},"Name":[
           {"Language":[{"Code":"en-us","Country":"us"},{"Code":"en"}],"Url":"http://A"},
           {"Url":"http://B"},{"Language":[{"Code":"en-gb","Country":"gb"}]}]})",
       R"({"DocId":20,"Links":{"Backward":[10,30],"Forward":[80]},"Name":[{"Url":"http://C"}]})",
       // A missing required field deep down: nothing of the message is written.
       R"({"DocId":30,"Name":[{"Language":[{"Code":"x"},{"Country":"y"}]}]})",
       // Nulls and empties at every level.
       R"({"DocId":40,"Links":{"Backward":[],"Forward":[1,null]},
           "Name":[null,{"Language":[]},{"Language":[null]}],
           "Owners":{"ann":{"Since":"2024-02-29","Roles":["admin","dev"]},"bob":null,
                     "cy":{"Since":0,"Roles":[]},"\u00e9":{"Since":-1}}})",
       R"({"DocId":50,"Name":[],"Owners":{}})"});
  ASSERT_EQ(st.size(), 5u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_TRUE(st[1].ok()) << st[1].ToString();
  EXPECT_EQ(st[2].message(), "field 'Name[].Language[].Code' is required but missing or null");
  EXPECT_TRUE(st[3].ok()) << st[3].ToString();
  EXPECT_TRUE(st[4].ok()) << st[4].ToString();
  EXPECT_EQ(Payloads(*f, path),
            (std::vector<std::string>{
                R"({"DocId":10,"Links":{"Backward":null,"Forward":[20,40,60]},"Name":[)"
                R"({"Language":[{"Code":"en-us","Country":"us"},{"Code":"en","Country":null}],)"
                R"("Url":"http://A"},{"Language":null,"Url":"http://B"},)"
                R"({"Language":[{"Code":"en-gb","Country":"gb"}],"Url":null}],"Owners":null})",
                R"({"DocId":20,"Links":{"Backward":[10,30],"Forward":[80]},)"
                R"("Name":[{"Language":null,"Url":"http://C"}],"Owners":null})",
                R"({"DocId":40,"Links":{"Backward":[],"Forward":[1,null]},)"
                R"("Name":[null,{"Language":[],"Url":null},{"Language":[null],"Url":null}],)"
                R"("Owners":{"ann":{"Since":"2024-02-29","Roles":["admin","dev"]},"bob":null,)"
                "\"cy\":{\"Since\":\"1970-01-01\",\"Roles\":[]},"
                "\"\xc3\xa9\":{\"Since\":\"1969-12-31\",\"Roles\":null}}}",
                R"({"DocId":50,"Links":{"Backward":null,"Forward":null},"Name":[],"Owners":{}})",
            }));
  testing::KeepForReaders(path, {"GZIP", 1, {}});
}

TEST(ParquetNested, ColumnListListsAndMaps) {
  TempDir dir;
  Config c =
      Config::FromMap({{"secor.parquet.columns",
                        "id:int64!, counts:map<string,int64>, tags:map<string, list<string>>, "
                        "grid:list<list<int32>>, g.flags:list<map<string,bool>>=flags"}});
  auto f = NewParquetFormat();
  const std::string path = dir.Join("cols.parquet");
  auto st = Write(*f, path, c, "lz4",
                  {R"({"id":1,"counts":{"a":1,"b":null},"tags":{"x":["p",null],"y":[]},
                       "grid":[[1,2],[],null,[3]],"flags":[{"on":true},{},null]})",
                   R"({"id":2,"counts":{"a":"x"}})", R"({"id":3})",
                   R"({"id":4,"grid":[[2147483648]]})", R"({"id":5,"counts":{},"grid":[]})"});
  ASSERT_EQ(st.size(), 5u);
  EXPECT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_EQ(st[1].message(), "field 'counts{}': expected int64, got string");
  EXPECT_TRUE(st[2].ok()) << st[2].ToString();
  EXPECT_EQ(st[3].message(), "field 'grid[][]': 2147483648 is out of int32 range");
  EXPECT_TRUE(st[4].ok()) << st[4].ToString();
  EXPECT_EQ(Payloads(*f, path),
            (std::vector<std::string>{
                R"({"id":1,"counts":{"a":1,"b":null},"tags":{"x":["p",null],"y":[]},)"
                R"("grid":[[1,2],[],null,[3]],"g":{"flags":[{"on":true},{},null]}})",
                R"({"id":3,"counts":null,"tags":null,"grid":null,"g":{"flags":null}})",
                R"({"id":5,"counts":{},"tags":null,"grid":[],"g":{"flags":null}})",
            }));
  testing::KeepForReaders(path, {"LZ4_RAW", 1, {}});
}

TEST(ParquetNested, ManyRowGroupsAndPagesOfRepeatedRows) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("doc.avsc"), kDocumentSchema).ok());
  Config c = Config::FromMap({{"secor.parquet.avro.schema.file", dir.Join("doc.avsc")},
                              {"parquet.block.size", "8192"},
                              {"parquet.page.size", "1024"}});
  auto f = NewParquetFormat();
  std::vector<std::string> in;
  std::vector<std::string> want;
  // Rows of 0 to 4 names with 0 to 2 languages: pages and row groups end
  // between rows, never inside one.
  for (int i = 0; i < 3000; ++i) {
    std::string names;
    std::string names_out;
    for (int n = 0; n < i % 5; ++n) {
      std::string langs;
      for (int l = 0; l < (i + n) % 3; ++l) {
        langs += fmt::format(R"({}{{"Code":"c{}","Country":{}}})", l ? "," : "", (i + l) % 4,
                             l == 1 ? "null" : "\"x\"");
      }
      names += fmt::format(R"({}{{"Language":[{}],"Url":"u{}"}})", n ? "," : "", langs, n);
    }
    in.push_back(fmt::format(R"({{"DocId":{},"Name":[{}],"Owners":{{"o{}":{{"Since":{}}}}}}})", i,
                             names, i % 2, i % 3));
    // JSON groups are always there, missing lists null.
    want.push_back(fmt::format(R"({{"DocId":{},"Links":{{"Backward":null,"Forward":null}},)"
                               R"("Name":[{}],"Owners":{{"o{}":{{"Since":"1970-01-0{}",)"
                               R"("Roles":null}}}}}})",
                               i, names, i % 2, 1 + i % 3));
  }
  const std::string path = dir.Join("many.parquet");
  auto st = Write(*f, path, c, "snappy", in);
  ASSERT_EQ(st.size(), in.size());
  for (const Status& s : st) ASSERT_TRUE(s.ok()) << s.ToString();
  auto reader = parquet::Reader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_GE((*reader)->meta().row_groups.size(), 3u);
  auto got = Payloads(*f, path);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
  testing::KeepForReaders(path, {"SNAPPY", 3, {"Name.list.element.Language.list.element.Code"}});
}

// Our reader assembles the 3-level LIST and MAP layouts; other repeated
// shapes (the legacy 2-level lists of other writers) are refused by name
// rather than misread.
TEST(ParquetNested, ReaderRefusesLayoutsItDoesNotAssemble) {
  TempDir dir;
  using parquet::Repetition;
  auto group = [](const char* name, Repetition r, int children,
                  parquet::LogicalKind logical = parquet::LogicalKind::kNone) {
    parquet::SchemaElement e;
    e.name = name;
    e.repetition = r;
    e.num_children = children;
    e.logical = logical;
    return e;
  };
  auto leaf = [](const char* name, Repetition r) {
    parquet::SchemaElement e;
    e.name = name;
    e.repetition = r;
    e.type = parquet::PhysicalType::kInt32;
    return e;
  };
  const std::vector<std::pair<std::vector<parquet::SchemaElement>, std::string>> cases = {
      {{group("r", Repetition::kRequired, 1), leaf("x", Repetition::kRepeated)},
       "unsupported repeated field 'x'"},
      {{group("r", Repetition::kRequired, 1), group("g", Repetition::kRepeated, 1),
        leaf("x", Repetition::kOptional)},
       "unsupported repeated field 'g'"},
      {{group("r", Repetition::kRequired, 1),
        group("m", Repetition::kOptional, 1, parquet::LogicalKind::kMap),
        group("key_value", Repetition::kRepeated, 1), leaf("key", Repetition::kRequired)},
       "unsupported MAP layout in 'm'"},
      {{group("r", Repetition::kRequired, 1),
        group("l", Repetition::kOptional, 1, parquet::LogicalKind::kList),
        group("list", Repetition::kOptional, 1), leaf("element", Repetition::kOptional)},
       "unsupported LIST layout in 'l'"},
  };
  for (const auto& [schema, error] : cases) {
    const std::string path = dir.Join("bad.parquet");
    auto w = parquet::Writer::Open(path, schema, {});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Close({}).ok());
    auto r = parquet::Reader::Open(path);
    ASSERT_FALSE(r.ok()) << error;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_EQ(r.status().message(), path + ": " + error);
  }
}

TEST(AvroNested, JsonArraysOfRecordsAndMaps) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("doc.avsc"), kDocumentSchema).ok());
  Config c = Config::FromMap({{"secor.avro.output.schema.file", dir.Join("doc.avsc")}});
  auto f = NewAvroFormat();
  const std::string path = dir.Join("doc.avro");
  auto st = Write(*f, path, c, "snappy",
                  {R"({"DocId":1,"Links":null,"Name":[{"Language":[{"Code":"en"}],"Url":"u"}],
                       "Owners":{"ann":{"Since":3,"Roles":["a"]},"bob":null}})"});
  ASSERT_EQ(st.size(), 1u);
  ASSERT_TRUE(st[0].ok()) << st[0].ToString();
  EXPECT_EQ(Payloads(*f, path),
            std::vector<std::string>{
                R"({"DocId":1,"Links":null,"Name":[{"Language":[{"Code":"en","Country":null}],)"
                R"("Url":"u"}],"Owners":{"ann":{"Since":3,"Roles":["a"]},"bob":null}})"});
}

}  // namespace
}  // namespace secor
