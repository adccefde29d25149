#include <gtest/gtest.h>

#include "common/file_util.h"
#include "config/config.h"
#include "format/codec.h"
#include "format/compression_pool.h"
#include "format/file_format.h"
#include "format/format_internal.h"
#include "format/format_test_util.h"
#include "support/test_util.h"

namespace secor {
namespace {

using format_internal::kMinTextChunk;
using format_internal::kTextChunkBudget;
using format_internal::TextChunkBytes;
using testing::MakeMessages;
using testing::ReadAll;
using testing::TempDir;
using testing::TestMessage;
using testing::WriteAll;

const std::vector<std::string> kCodecs = {"", "gzip", "deflate", "zstd", "snappy", "lz4"};

std::string Write(const std::string& format, const std::string& path,
                  const std::vector<TestMessage>& msgs, const std::string& codec,
                  const Config* config = nullptr) {
  FormatOptions options;
  options.codec = codec;
  options.topic = "topic";
  auto w = testing::OpenWriter(format, path, options, config);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  WriteAll(w->get(), msgs);
  return path;
}

std::vector<Record> Read(const std::string& format, const std::string& path,
                         const std::string& codec, const Config* config = nullptr) {
  FormatOptions options;
  options.codec = codec;
  auto r = testing::OpenReader(format, path, options, config);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  return ReadAll(r->get());
}

std::string ExpectedText(const std::vector<TestMessage>& msgs, const std::string& delimiter) {
  std::string out;
  for (const auto& m : msgs) out += m.payload + delimiter;
  return out;
}

TEST(TextFormatTest, NamesAndExtensions) {
  EXPECT_EQ((*NewFileFormat("DelimitedTextFileReaderWriterFactory"))->name(), "text");
  EXPECT_EQ(
      (*NewFileFormat("com.pinterest.secor.io.impl.DelimitedTextFileReaderWriterFactory"))->name(),
      "text");
  EXPECT_EQ((*NewFileFormat("json"))->name(), "jsonl");
  EXPECT_EQ((*NewFileFormat("MessagePackSequenceFileReaderWriterFactory"))->name(),
            "sequencefile-msgpack");
  EXPECT_EQ((*NewFileFormat("seq"))->name(), "sequencefile");
  EXPECT_EQ((*NewFileFormat("text"))->DefaultExtension(), "");
  EXPECT_EQ((*NewFileFormat("text", {"gzip", ""}))->DefaultExtension(), ".gz");
  EXPECT_EQ((*NewFileFormat("sequencefile", {"SnappyCodec", ""}))->DefaultExtension(), ".snappy");
  EXPECT_EQ((*NewFileFormat("sequencefile"))->DefaultExtension(), "");
  EXPECT_EQ((*NewFileFormat("jsonl"))->DefaultExtension(), ".jsonl");
  EXPECT_EQ((*NewFileFormat("jsonl", {"zstd", ""}))->DefaultExtension(), ".jsonl.zst");
}

TEST(TextFormatTest, RoundTripEveryCodec) {
  TempDir dir;
  auto msgs = MakeMessages(3000, true, '\n');
  for (const auto& codec : kCodecs) {
    std::string path = Write("text", dir.Join("t" + codec), msgs, codec);
    auto recs = Read("text", path, codec);
    ASSERT_EQ(recs.size(), msgs.size()) << codec;
    for (size_t i = 0; i < msgs.size(); ++i) {
      ASSERT_EQ(recs[i].payload, msgs[i].payload) << codec << " #" << i;
      ASSERT_EQ(recs[i].offset, -1);  // text stores no offsets
    }
  }
}

TEST(TextFormatTest, ConfiguredDelimiterWithEscape) {
  TempDir dir;
  Config config = Config::FromMap({{"secor.text.delimiter", "\\u0001"}});
  auto msgs = MakeMessages(500, true, 1);
  std::string path = Write("text", dir.Join("t"), msgs, "", &config);
  EXPECT_EQ(*ReadFile(path), ExpectedText(msgs, "\x01"));
  auto recs = Read("text", path, "", &config);
  ASSERT_EQ(recs.size(), msgs.size());
  EXPECT_EQ(recs[499].payload, msgs[499].payload);

  Config tab = Config::FromMap({{"secor.text.delimiter", "\\t"}});
  path = Write("text", dir.Join("tab"), {msgs[1], msgs[2]}, "", &tab);
  EXPECT_EQ(*ReadFile(path), msgs[1].payload + "\t" + msgs[2].payload + "\t");

  Config bad = Config::FromMap({{"secor.text.delimiter", "\\u00zz"}});
  auto w = NewFileFormat("text", FormatOptions{}, &bad);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(), "delimiter '\\u00zz': bad hex digit");
}

constexpr const char* kSnappyFramingDecoder = R"(
import sys
import snappy.snappy as s
table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    table.append(c)
def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = (c >> 8) ^ table[(c ^ b) & 0xFF]
    return c ^ 0xFFFFFFFF
s._crc32c = crc32c
with open(sys.argv[1], 'rb') as f:
    s.stream_decompress(f, sys.stdout.buffer)
)";

// The command-line tools of each codec open text output as is: one stream
// written on the consuming thread, or (with the compression pool) one member
// per chunk of about a megabyte, which the tools read as one stream.
TEST(TextFormatTest, CompressedTextOpensWithSystemTools) {
  TempDir dir;
  auto msgs = MakeMessages(60000, false, '\n');
  std::string want = ExpectedText(msgs, "\n");
  ASSERT_GT(want.size(), 1u << 20) << "more than one chunk";
  struct Tool {
    std::string codec;
    std::vector<std::string> argv;  // file appended
  } tools[] = {
      {"gzip", {"zcat"}},
      {"zstd", {"zstd", "-dc"}},
      {"lz4", {"lz4", "-dc"}},
      // python3-snappy's framing decoder; its C crc32c helper fails on Python
      // 3.11 (PY_SSIZE_T_CLEAN), even on files it wrote itself, so the check
      // sums are computed in Python here.
      {"snappy", {"/usr/bin/python3", "-c", kSnappyFramingDecoder}},
      {"deflate",
       {"/usr/bin/python3", "-c",
        "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1], "
        "'rb').read()))"}},
  };
  for (const auto& t : tools) {
    std::string bytes[2];
    for (int threads : {0, 2}) {
      SetSharedCompressionThreads(threads);
      std::string path =
          Write("text", dir.Join("out-" + t.codec + std::to_string(threads)), msgs, t.codec);
      SetSharedCompressionThreads(0);
      bytes[threads / 2] = *ReadFile(path);
      auto argv = t.argv;
      argv.push_back(path);
      auto r = testing::RunCommand(argv);
      ASSERT_EQ(r.exit_code, 0) << t.codec << " threads " << threads << ": " << r.err;
      EXPECT_EQ(r.out.size(), want.size()) << t.codec << " threads " << threads;
      EXPECT_TRUE(r.out == want) << t.codec << " threads " << threads;
      auto recs = Read("text", path, t.codec);
      ASSERT_EQ(recs.size(), msgs.size()) << t.codec << " threads " << threads;
      EXPECT_EQ(recs.back().payload, msgs.back().payload) << t.codec << " threads " << threads;
    }
    // Members only where the tools read them as one stream: zlib's deflate
    // stream stays one stream on the writing thread.
    if (t.codec == "deflate") {
      EXPECT_TRUE(bytes[0] == bytes[1]) << t.codec;
    } else {
      EXPECT_FALSE(bytes[0] == bytes[1]) << t.codec << ": the pool was not used";
    }
  }
}

// Chunks in the pool belong to their file: a file dropped before Close waits
// for them, and many open files share one budget of raw chunk bytes (each
// then submits smaller chunks), still giving every line back.
TEST(TextFormatTest, ManyPooledFilesAndADroppedOne) {
  TempDir dir;
  SetSharedCompressionThreads(1);
  auto msgs = MakeMessages(20000, true);
  {
    auto f = std::move(NewFileFormat("jsonl", FormatOptions{"zstd", "topic"})).value();
    auto w = f->NewWriter(dir.Join("dropped"));
    ASSERT_TRUE(w.ok());
    for (const auto& m : msgs) ASSERT_TRUE((*w)->Append(testing::ToMessage(m, "topic")).ok());
  }
  EXPECT_EQ(TextChunkBytes(), 0u) << "a dropped file gives its chunks' budget back";
  std::vector<std::unique_ptr<FileWriter>> writers;
  auto f = std::move(NewFileFormat("jsonl", FormatOptions{"lz4", "topic"})).value();
  for (int i = 0; i < 40; ++i) {
    auto w = f->NewWriter(dir.Join("f" + std::to_string(i)));
    ASSERT_TRUE(w.ok());
    writers.push_back(std::move(w).value());
  }
  // 40 files of about 2 MB each: without the budget, 40 chunks of 1 MiB.
  size_t peak = 0;
  for (const auto& m : msgs) {
    for (auto& w : writers) ASSERT_TRUE(w->Append(testing::ToMessage(m, "topic")).ok());
    peak = std::max(peak, TextChunkBytes());
  }
  for (auto& w : writers) ASSERT_TRUE(w->Close().ok());
  writers.clear();
  SetSharedCompressionThreads(0);
  EXPECT_EQ(TextChunkBytes(), 0u);
  EXPECT_GT(peak, kTextChunkBudget / 2) << "the test must come near the budget to test it";
  // Past the budget each file may still fill a chunk up to the minimum, and
  // up to two chunks per file wait in the pool.
  EXPECT_LE(peak, kTextChunkBudget + 40 * 3 * kMinTextChunk);
  for (int i : {0, 39}) {
    auto recs = Read("jsonl", dir.Join("f" + std::to_string(i)), "lz4");
    ASSERT_EQ(recs.size(), msgs.size());
    for (size_t k = 0; k < msgs.size(); ++k) {
      ASSERT_EQ(recs[k].offset, msgs[k].offset) << k;
      ASSERT_EQ(recs[k].payload, msgs[k].payload) << k;
    }
  }
}

TEST(JsonLinesTest, LineShapes) {
  TempDir dir;
  std::vector<TestMessage> msgs(5);
  msgs[0] = {10, 3, "k1", true, "{\"a\": [1, 2]}", 1700000000123};
  msgs[1] = {11, 3, "", false, "plain \"text\"\twith tab", -1};
  msgs[2] = {12, 3, std::string("\xff\x00", 2), true, std::string("\x00\x01\xfe", 3), 5};
  msgs[3] = {13, 3, "", true, "", -1};
  msgs[4] = {14, 3, "", false, " 42", -1};  // leading space: not embedded raw
  std::string path = Write("jsonl", dir.Join("j"), msgs, "");
  EXPECT_EQ(*ReadFile(path),
            "{\"offset\":10,\"partition\":3,\"timestamp\":1700000000123,\"key\":\"k1\","
            "\"value\":{\"a\": [1, 2]}}\n"
            "{\"offset\":11,\"partition\":3,\"value_text\":\"plain \\\"text\\\"\\twith tab\"}\n"
            "{\"offset\":12,\"partition\":3,\"timestamp\":5,\"key_base64\":\"/wA=\","
            "\"value_base64\":\"AAH+\"}\n"
            "{\"offset\":13,\"partition\":3,\"key\":\"\",\"value_text\":\"\"}\n"
            "{\"offset\":14,\"partition\":3,\"value_text\":\" 42\"}\n");
  auto recs = Read("jsonl", path, "");
  ASSERT_EQ(recs.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(recs[i].offset, msgs[i].offset);
    EXPECT_EQ(recs[i].payload, msgs[i].payload) << i;
    EXPECT_EQ(recs[i].has_key, msgs[i].has_key) << i;
    EXPECT_EQ(recs[i].key, msgs[i].key) << i;
    EXPECT_EQ(recs[i].timestamp_ms, msgs[i].timestamp_ms) << i;
  }
}

TEST(JsonLinesTest, RoundTripEveryCodecWithScalarsAndBinary) {
  TempDir dir;
  auto msgs = MakeMessages(3000, true);
  msgs[7].payload = "\"a json string\"";
  msgs[8].payload = "-12.5e3";
  msgs[9].payload = "null";
  msgs[10].payload = "[1,{\"x\":\"\\u00e9\"}]";
  msgs[11].payload = "{\"a\":1}\n";  // a line break: must not be embedded raw
  for (const auto& codec : kCodecs) {
    std::string path = Write("jsonl", dir.Join("j" + codec), msgs, codec);
    auto recs = Read("jsonl", path, codec);
    ASSERT_EQ(recs.size(), msgs.size()) << codec;
    for (size_t i = 0; i < msgs.size(); ++i) {
      ASSERT_EQ(recs[i].offset, msgs[i].offset) << codec << " #" << i;
      ASSERT_EQ(recs[i].payload, msgs[i].payload) << codec << " #" << i;
      ASSERT_EQ(recs[i].key, msgs[i].key) << codec << " #" << i;
      ASSERT_EQ(recs[i].has_key, msgs[i].has_key) << codec << " #" << i;
      ASSERT_EQ(recs[i].timestamp_ms, msgs[i].timestamp_ms) << codec << " #" << i;
    }
  }
}

TEST(JsonLinesTest, BadLineIsCorruptionNamingFileAndLine) {
  TempDir dir;
  ASSERT_TRUE(
      WriteFileAtomic(dir.Join("j"), "{\"offset\":1,\"value\":2}\n{\"offset\":2,\"val").ok());
  auto recs = std::vector<Record>();
  auto r = (*NewFileFormat("jsonl"))->NewReader(dir.Join("j"));
  ASSERT_TRUE(r.ok());
  Status st;
  recs = ReadAll(r->get(), &st);
  EXPECT_EQ(recs.size(), 1u);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_EQ(st.message().rfind(dir.Join("j") + " line 2: ", 0), 0u) << st.message();
}

TEST(OpenReaderAutoTest, DetectsEveryFormatAndCodec) {
  TempDir dir;
  auto msgs = MakeMessages(300, true, '\n');
  for (const auto& codec : kCodecs) {
    for (const std::string format : {"sequencefile", "sequencefile-msgpack", "text", "jsonl"}) {
      std::string path = Write(format, dir.Join(format + codec), msgs, codec);
      auto r = OpenReaderAuto(path);
      ASSERT_TRUE(r.ok()) << format << " " << codec << ": " << r.status().ToString();
      auto recs = ReadAll(r->get());
      ASSERT_EQ(recs.size(), msgs.size()) << format << " " << codec;
      bool offsets = format != "text";
      for (size_t i = 0; i < msgs.size(); ++i) {
        ASSERT_EQ(recs[i].payload, msgs[i].payload) << format << " " << codec << " #" << i;
        ASSERT_EQ(recs[i].offset, offsets ? msgs[i].offset : -1) << format << " " << codec;
      }
    }
  }
}

TEST(OpenReaderAutoTest, ColumnarMagicWithoutReaderAndMissingFile) {
  TempDir dir;
  auto missing = OpenReaderAuto(dir.Join("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  ASSERT_TRUE(WriteFileAtomic(dir.Join("bad.gz"), "\x1f\x8b\x08junk").ok());
  auto bad = OpenReaderAuto(dir.Join("bad.gz"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace secor
