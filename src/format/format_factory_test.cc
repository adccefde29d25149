// The formats resolve their settings when they are built (file_format.h):
// a bad setting fails there, naming its key, and files opened later read no
// configuration and no schema file.
#include <gtest/gtest.h>

#include <cstdio>

#include "common/file_util.h"
#include "config/config.h"
#include "format/file_format.h"
#include "format/format_test_util.h"
#include "format/parquet_format.h"
#include "support/test_util.h"

namespace secor {
namespace {

using testing::ReadAll;
using testing::TempDir;

constexpr char kSchema[] =
    R"({"type":"record","name":"Ev","fields":[{"name":"id","type":"long"}]})";

bool Contains(const Status& st, const std::string& part) {
  return st.message().find(part) != std::string::npos;
}

TEST(FormatFactory, AMissingSchemaFileFailsWhenTheFormatIsBuiltNamingTheKey) {
  TempDir dir;
  const std::string missing = dir.Join("missing.avsc");
  for (const auto& [format, key] : std::vector<std::pair<std::string, std::string>>{
           {"parquet", "secor.parquet.avro.schema.file"},
           {"avro", "secor.avro.output.schema.file"},
           {"avro", "secor.parquet.avro.schema.file"},
       }) {
    Config c = Config::FromMap({{key, missing}});
    auto f = NewFileFormat(format, {"", "events"}, &c);
    ASSERT_FALSE(f.ok()) << format << " " << key;
    EXPECT_TRUE(Contains(f.status(), key)) << f.status().message();
  }
  // The Avro payloads' schema (the parser's key) likewise, per topic too.
  Config c = Config::FromMap(
      {{"secor.payload.encoding", "avro"}, {"secor.avro.schema.file.events", missing}});
  for (const std::string format : {"parquet", "avro"}) {
    auto f = NewFileFormat(format, {"", "events"}, &c);
    ASSERT_FALSE(f.ok()) << format;
    EXPECT_TRUE(Contains(f.status(), "secor.avro.schema.file.events")) << f.status().message();
  }
}

TEST(FormatFactory, WritersOfOneFormatShareTheSchemaReadWhenItWasBuilt) {
  TempDir dir;
  const std::string schema = dir.Join("ev.avsc");
  ASSERT_TRUE(WriteFileAtomic(schema, kSchema).ok());
  Config avro = Config::FromMap({{"secor.avro.output.schema.file", schema}});
  Config parquet = Config::FromMap({{"secor.parquet.avro.schema.file", schema}});
  auto a = NewFileFormat("avro", {"snappy", "events"}, &avro);
  auto p = NewFileFormat("parquet", {"zstd", "events"}, &parquet);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  // Gone before any file is opened: the writers cannot read it again.
  ASSERT_EQ(std::remove(schema.c_str()), 0);
  for (const FileFormat* f : {a->get(), p->get()}) {
    std::vector<std::unique_ptr<FileWriter>> writers;
    for (int i = 0; i < 2; ++i) {
      auto w = f->NewWriter(dir.Join(f->name() + std::to_string(i)));
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      writers.push_back(std::move(w).value());
    }
    for (int i = 0; i < 2; ++i) {
      Message m;
      m.offset = 10 + i;
      std::string payload = "{\"id\":" + std::to_string(i) + "}";
      m.payload = payload;
      ASSERT_TRUE(writers[i]->Append(m).ok());
      // A field of the schema is checked: the schema is there.
      m.offset = 20;
      std::string wrong = R"({"id":"x"})";
      m.payload = wrong;
      EXPECT_EQ(writers[i]->Append(m).code(), Status::Code::kInvalidArgument);
      ASSERT_TRUE(writers[i]->Close().ok());
    }
    for (int i = 0; i < 2; ++i) {
      auto recs = ReadAll(*f, dir.Join(f->name() + std::to_string(i)));
      ASSERT_EQ(recs.size(), 1u) << f->name();
      EXPECT_EQ(recs[0].offset, 10 + i);
      EXPECT_EQ(recs[0].payload, "{\"id\":" + std::to_string(i) + "}");
    }
  }
}

TEST(FormatFactory, ABadDelimiterFailsWhenTheFormatIsBuilt) {
  Config bad = Config::FromMap({{"secor.text.delimiter.events", "\\x4"}});
  auto f = NewFileFormat("text", {"", "events"}, &bad);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "delimiter '\\x4': \\x needs 2 hex digits");
  // Another topic keeps the default.
  EXPECT_TRUE(NewFileFormat("text", {"", "other"}, &bad).ok());
}

TEST(FormatFactory, TheTopicsFormatAndCodecComeFromTheirKeys) {
  TempDir dir;
  Config c =
      Config::FromMap({{"secor.file.reader.writer.factory", "DelimitedTextFileReaderWriterFactory"},
                       {"secor.compression.codec.events", "GzipCodec"},
                       {"secor.text.delimiter.events", "|"}});
  auto f = NewTopicFileFormat(c, "events");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->name(), "text");
  EXPECT_EQ((*f)->DefaultExtension(), ".gz");
  auto w = (*f)->NewWriter(dir.Join("t.gz"));
  ASSERT_TRUE(w.ok());
  for (const char* p : {"a", "b"}) {
    Message m;
    std::string payload = p;
    m.payload = payload;
    ASSERT_TRUE((*w)->Append(m).ok());
  }
  ASSERT_TRUE((*w)->Close().ok());
  auto recs = ReadAll(**f, dir.Join("t.gz"));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].payload, "b");

  c.Set("secor.compression.codec.events", "brotli", "test");
  auto bad_codec = NewTopicFileFormat(c, "events");
  ASSERT_FALSE(bad_codec.ok());
  EXPECT_TRUE(Contains(bad_codec.status(), "secor.compression.codec"))
      << bad_codec.status().message();
  c.Set("secor.file.reader.writer.factory", "OrcFileReaderWriterFactory", "test");
  auto bad_format = NewTopicFileFormat(c, "events");
  ASSERT_FALSE(bad_format.ok());
  EXPECT_TRUE(Contains(bad_format.status(), "secor.file.reader.writer.factory"))
      << bad_format.status().message();
}

TEST(FormatFactory, AMissingWriterOnlySettingLeavesTheFormatAbleToRead) {
  // Without a message type no protobuf payload can be written, but the
  // format's files can still be read (secor print uses the same config).
  TempDir dir;
  auto raw = NewParquetFormat()->NewWriter(dir.Join("r.parquet"));
  ASSERT_TRUE(raw.ok());
  Message m;
  m.offset = 3;
  ASSERT_TRUE((*raw)->Append(m).ok());
  ASSERT_TRUE((*raw)->Close().ok());
  Config c = Config::FromMap({{"secor.payload.encoding", "protobuf"}});
  auto f = NewFileFormat("parquet", {"", "events"}, &c);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto w = (*f)->NewWriter(dir.Join("w.parquet"));
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(Contains(w.status(), "needs secor.protobuf.message.class")) << w.status().message();
  auto recs = ReadAll(**f, dir.Join("r.parquet"));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].offset, 3);
}

}  // namespace
}  // namespace secor

namespace secor {
namespace {

// A string length near 2^64 in an Avro block (found by avro_reader_fuzz)
// made Avro C ask for that much memory, and the sanitizer build abort: the
// bounded allocator turns it into an error naming the file.
TEST(AvroReaderTest, AnAbsurdLengthInAFileIsAnErrorNotAnAbort) {
  const std::string path =
      std::string(SECOR_SOURCE_DIR) + "/fuzz/seeds/avro_reader_fuzz/crash-huge-string-length";
  auto reader = OpenReaderAuto(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Record r;
  Result<bool> more = true;
  while (more.ok() && *more) more = (*reader)->Next(&r);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().message(),
            path + ": Cannot read string value: Cannot allocate buffer for string value");
}

}  // namespace
}  // namespace secor
