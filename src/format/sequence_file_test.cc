#include <gtest/gtest.h>

#include "common/file_util.h"
#include "format/codec.h"
#include "format/compression_pool.h"
#include "format/file_format.h"
#include "format/format_internal.h"
#include "format/format_test_util.h"
#include "support/test_util.h"

namespace secor {
namespace {

using format_internal::GetBE32;
using format_internal::GetVLong;
using format_internal::NewSequenceFileReader;
using format_internal::NewSequenceFileWriter;
using format_internal::PutBE32;
using format_internal::PutBE64;
using format_internal::PutVLong;
using format_internal::SequenceCompression;
using format_internal::SequenceFileOptions;
using testing::MakeMessages;
using testing::ReadAll;
using testing::TempDir;
using testing::TestMessage;
using testing::WriteAll;

const std::string kSync = "0123456789abcdef";

// The version-6 header, spelled out from SequenceFile.Writer.writeFileHeader.
std::string Header(bool msgpack, bool compress, bool block, const std::string& codec_class) {
  std::string h("SEQ\x06", 4);
  if (msgpack) {
    h += "\x22org.apache.hadoop.io.BytesWritable";
  } else {
    h += "\x21org.apache.hadoop.io.LongWritable";
  }
  h += "\x22org.apache.hadoop.io.BytesWritable";
  h.push_back(compress ? 1 : 0);
  h.push_back(block ? 1 : 0);
  if (compress) {
    h.push_back(static_cast<char>(codec_class.size()));
    h += codec_class;
  }
  h += std::string(4, '\0');  // metadata count
  return h + kSync;
}

Message Msg(int64_t offset, std::string_view payload) {
  Message m;
  m.topic = "t";
  m.offset = offset;
  m.payload = payload;
  return m;
}

std::string WriteSeq(const std::string& path, const std::vector<Message>& msgs,
                     const std::string& codec, SequenceFileOptions seq) {
  FormatOptions options;
  options.codec = codec;
  options.topic = "t";
  seq.sync_marker = kSync;
  auto w = NewSequenceFileWriter(path, options, seq);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (const auto& m : msgs) EXPECT_TRUE((*w)->Append(m).ok());
  EXPECT_TRUE((*w)->Close().ok());
  return *ReadFile(path);
}

TEST(SequenceFileTest, UncompressedBytesAreExact) {
  TempDir dir;
  std::string bytes =
      WriteSeq(dir.Join("f"), {Msg(7, "abc"), Msg(0x0102030405LL, "")}, "", SequenceFileOptions{});
  std::string want = Header(false, false, false, "");
  // record length, key length, LongWritable key, BytesWritable value
  want += std::string(
      "\0\0\0\x0f\0\0\0\x08\0\0\0\0\0\0\0\x07\0\0\0\x03"
      "abc",
      23);
  want += std::string("\0\0\0\x0c\0\0\0\x08\0\0\0\x01\x02\x03\x04\x05\0\0\0\0", 20);
  EXPECT_EQ(bytes, want);
}

// Writer.checkAndWriteSync: before a record, when the position has moved
// SYNC_INTERVAL (2000) bytes past the last sync (0 after the header).
TEST(SequenceFileTest, SyncMarkersFollowHadoopsInterval) {
  TempDir dir;
  std::vector<Message> msgs;
  std::string payload(300, 'p');
  for (int i = 0; i < 40; ++i) msgs.push_back(Msg(i, payload));
  std::string bytes = WriteSeq(dir.Join("f"), msgs, "", SequenceFileOptions{});
  std::string want = Header(false, false, false, "");
  uint64_t last_sync = 0;
  int markers = 0;
  for (int i = 0; i < 40; ++i) {
    if (want.size() >= last_sync + 2000) {
      PutBE32(&want, 0xffffffffu);
      want += kSync;
      last_sync = want.size();
      ++markers;
    }
    PutBE32(&want, 8 + 4 + 300);
    PutBE32(&want, 8);
    PutBE64(&want, i);
    PutBE32(&want, 300);
    want += payload;
  }
  EXPECT_EQ(bytes, want);
  EXPECT_EQ(markers, 5);  // the file spans several intervals
}

// BlockCompressWriter: sync, record count, then the four buffers, each as
// vint length + codec output.
TEST(SequenceFileTest, BlockCompressedLayoutIsExact) {
  TempDir dir;
  std::vector<Message> msgs = {Msg(5, "hello"), Msg(300, ""), Msg(-2, "xyz")};
  SequenceFileOptions seq;
  std::string bytes = WriteSeq(dir.Join("f"), msgs, "snappy", seq);
  auto codec = std::move(NewCodec("snappy")).value();
  std::string key_lens, keys, value_lens, values;
  for (const auto& m : msgs) {
    PutVLong(&key_lens, 8);
    PutBE64(&keys, static_cast<uint64_t>(m.offset));
    PutVLong(&value_lens, 4 + m.payload.size());
    PutBE32(&values, m.payload.size());
    values += m.payload;
  }
  std::string want = Header(false, true, true, "org.apache.hadoop.io.compress.SnappyCodec");
  PutBE32(&want, 0xffffffffu);
  want += kSync;
  PutVLong(&want, 3);
  for (const std::string* b : {&key_lens, &keys, &value_lens, &values}) {
    std::string c;
    ASSERT_TRUE(codec->HadoopCompress(*b, &c).ok());
    PutVLong(&want, c.size());
    want += c;
  }
  EXPECT_EQ(bytes, want);
}

// RecordCompressWriter: per record, the record length, the key length, the
// key, then the value (BytesWritable: length + bytes) compressed on its own.
TEST(SequenceFileTest, RecordCompressedLayoutIsExact) {
  TempDir dir;
  const std::string long_value(300, 'z');  // Message only views its payload
  std::vector<Message> msgs = {Msg(7, "hello"), Msg(8, ""), Msg(9, long_value)};
  SequenceFileOptions seq;
  seq.force_compression = true;
  seq.compression = SequenceCompression::kRecord;
  std::string bytes = WriteSeq(dir.Join("f"), msgs, "gzip", seq);
  auto codec = std::move(NewCodec("gzip")).value();
  std::string want = Header(false, true, false, "org.apache.hadoop.io.compress.GzipCodec");
  for (const auto& m : msgs) {
    std::string value, compressed;
    PutBE32(&value, static_cast<uint32_t>(m.payload.size()));
    value += m.payload;
    ASSERT_TRUE(codec->HadoopCompress(value, &compressed).ok());
    PutBE32(&want, static_cast<uint32_t>(8 + compressed.size()));
    PutBE32(&want, 8);
    PutBE64(&want, static_cast<uint64_t>(m.offset));
    want += compressed;
  }
  EXPECT_EQ(bytes, want);
}

TEST(SequenceFileTest, CodecSetMeansBlockCompressionWithHadoopClassInHeader) {
  TempDir dir;
  for (const std::string codec : {"gzip", "deflate", "zstd", "snappy", "lz4"}) {
    std::string bytes = WriteSeq(dir.Join(codec), {Msg(1, "a")}, codec, SequenceFileOptions{});
    std::string cls = (*NewCodec(codec))->hadoop_class();
    std::string header = Header(false, true, true, cls);
    EXPECT_EQ(bytes.substr(0, header.size()), header) << codec;
  }
}

TEST(SequenceFileTest, MessagePackKeyBytesAreExact) {
  TempDir dir;
  Message m = Msg(5, "v");
  m.key = "k";
  m.has_key = true;
  m.timestamp_ms = 1700000000000;
  SequenceFileOptions seq;
  seq.msgpack_key = true;
  std::string bytes = WriteSeq(dir.Join("f"), {m}, "", seq);
  // {1: 5, 3: 1700000000000 (uint64), 2: bin "k"}
  std::string key("\x83\x01\x05\x03\xcf\x00\x00\x01\x8b\xcf\xe5\x68\x00\x02\xc4\x01k", 17);
  std::string want = Header(true, false, false, "");
  PutBE32(&want, 4 + 17 + 4 + 1);
  PutBE32(&want, 4 + 17);
  PutBE32(&want, 17);
  want += key;
  PutBE32(&want, 1);
  want += "v";
  EXPECT_EQ(bytes, want);

  auto r = NewSequenceFileReader(dir.Join("f"));
  ASSERT_TRUE(r.ok());
  auto recs = ReadAll(r->get());
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].offset, 5);
  EXPECT_EQ(recs[0].timestamp_ms, 1700000000000);
  EXPECT_TRUE(recs[0].has_key);
  EXPECT_EQ(recs[0].key, "k");
  EXPECT_EQ(recs[0].payload, "v");
}

void ExpectSame(const std::vector<TestMessage>& msgs, const std::vector<Record>& recs, bool msgpack,
                const std::string& what) {
  ASSERT_EQ(recs.size(), msgs.size()) << what;
  for (size_t i = 0; i < msgs.size(); ++i) {
    ASSERT_EQ(recs[i].offset, msgs[i].offset) << what << " #" << i;
    ASSERT_EQ(recs[i].payload, msgs[i].payload) << what << " #" << i;
    if (msgpack) {
      ASSERT_EQ(recs[i].has_key, msgs[i].has_key) << what << " #" << i;
      ASSERT_EQ(recs[i].key, msgs[i].key) << what << " #" << i;
      ASSERT_EQ(recs[i].timestamp_ms, msgs[i].timestamp_ms) << what << " #" << i;
    } else {
      ASSERT_FALSE(recs[i].has_key);
      ASSERT_EQ(recs[i].timestamp_ms, -1);
    }
  }
}

// Every key layout x codec x compression kind, through the registered formats
// where Secor's configuration can reach them.
TEST(SequenceFileTest, RoundTripEveryCodecAndCompressionKind) {
  TempDir dir;
  auto msgs = MakeMessages(4000, true);
  for (bool msgpack : {false, true}) {
    for (const std::string codec : {"", "gzip", "deflate", "zstd", "snappy", "lz4"}) {
      for (auto kind : {SequenceCompression::kNone, SequenceCompression::kRecord,
                        SequenceCompression::kBlock}) {
        if (codec.empty() && kind != SequenceCompression::kNone) continue;
        if (!codec.empty() && kind == SequenceCompression::kNone) continue;
        std::string what =
            fmt::format("msgpack={} codec={} kind={}", msgpack, codec, static_cast<int>(kind));
        std::string path = dir.Join("f" + std::to_string(std::hash<std::string>()(what)));
        FormatOptions options;
        options.codec = codec;
        options.topic = "topic";
        SequenceFileOptions seq;
        seq.msgpack_key = msgpack;
        seq.force_compression = true;
        seq.compression = kind;
        seq.block_size = 100000;  // several blocks
        auto w = NewSequenceFileWriter(path, options, seq);
        ASSERT_TRUE(w.ok()) << what;
        WriteAll(w->get(), msgs);
        auto format = NewFileFormat(msgpack ? "sequencefile-msgpack" : "sequencefile", options);
        ASSERT_TRUE(format.ok());
        auto r = (*format)->NewReader(path);
        ASSERT_TRUE(r.ok()) << what << ": " << r.status().ToString();
        ExpectSame(msgs, ReadAll(r->get()), msgpack, what);
      }
    }
  }
}

TEST(SequenceFileTest, RegisteredFormatWritesBlockFilesOfSeveralBlocks) {
  TempDir dir;
  auto msgs = MakeMessages(9000, true);  // ~2.6 MB of keys and values: 3 blocks of 1 MB
  FormatOptions options;
  options.codec = "zstd";
  options.topic = "topic";
  auto format =
      std::move(
          NewFileFormat("org.pinterest.secor.io.impl.SequenceFileReaderWriterFactory", options))
          .value();
  EXPECT_EQ(format->name(), "sequencefile");
  auto w = format->NewWriter(dir.Join("a/b/f.zst"));
  ASSERT_TRUE(w.ok());
  WriteAll(w->get(), msgs);
  std::string bytes = *ReadFile(dir.Join("a/b/f.zst"));
  std::string sync = bytes.substr(bytes.find("ZStandardCodec") + 14 + 4, 16);
  size_t markers = 0;
  for (size_t p = bytes.find(std::string("\xff\xff\xff\xff", 4) + sync); p != std::string::npos;
       p = bytes.find(std::string("\xff\xff\xff\xff", 4) + sync, p + 1)) {
    ++markers;
  }
  EXPECT_EQ(markers, 3u);
  auto r = format->NewReader(dir.Join("a/b/f.zst"));
  ASSERT_TRUE(r.ok());
  ExpectSame(msgs, ReadAll(r->get()), false, "zstd blocks");
}

// Compressing blocks on background threads changes when bytes reach the file,
// never which bytes: files are identical with and without the pool, for every
// codec, with small blocks so that many are in flight at once.
TEST(SequenceFileTest, BlocksCompressedInThePoolGiveTheSameBytes) {
  TempDir dir;
  auto msgs = MakeMessages(6000, true);
  for (const std::string codec : {"gzip", "deflate", "zstd", "snappy", "lz4"}) {
    SequenceFileOptions seq;
    seq.block_size = 20000;
    SetSharedCompressionThreads(0);
    auto write = [&](const std::string& path) {
      FormatOptions options;
      options.codec = codec;
      options.topic = "topic";
      seq.sync_marker = kSync;
      auto w = NewSequenceFileWriter(path, options, seq);
      EXPECT_TRUE(w.ok()) << w.status().ToString();
      if (!w.ok()) return std::string();
      WriteAll(w->get(), msgs);
      return *ReadFile(path);
    };
    std::string inline_bytes = write(dir.Join("inline-" + codec));
    SetSharedCompressionThreads(2);
    std::string pooled_bytes = write(dir.Join("pooled-" + codec));
    SetSharedCompressionThreads(0);
    EXPECT_GT(inline_bytes.size(), 1000u) << codec;
    EXPECT_TRUE(inline_bytes == pooled_bytes) << codec << ": pooled file differs";
    auto r = NewSequenceFileReader(dir.Join("pooled-" + codec));
    ASSERT_TRUE(r.ok()) << codec;
    ExpectSame(msgs, ReadAll(r->get()), false, codec);
  }
}

// A writer dropped before Close (a failed round) waits for its blocks in the
// pool instead of leaving jobs that point into a destroyed codec.
TEST(SequenceFileTest, AWriterDestroyedWithBlocksInThePoolIsSafe) {
  TempDir dir;
  SetSharedCompressionThreads(1);
  {
    FormatOptions options;
    options.codec = "gzip";
    options.topic = "t";
    SequenceFileOptions seq;
    seq.block_size = 5000;
    auto w = NewSequenceFileWriter(dir.Join("dropped"), options, seq);
    ASSERT_TRUE(w.ok());
    for (const auto& t : MakeMessages(3000, true)) {
      ASSERT_TRUE((*w)->Append(testing::ToMessage(t, "t")).ok());
    }
  }
  SetSharedCompressionThreads(0);
}

TEST(SequenceFileTest, SyncMarkerIsDeterministicPerFile) {
  TempDir a, b;
  FormatOptions options;
  options.topic = "topic";
  auto format = std::move(NewFileFormat("sequencefile", options)).value();
  auto msgs = MakeMessages(100, true);
  for (const auto* d : {&a, &b}) {
    auto w = format->NewWriter(d->Join("dt=2024-01-01/1_0_00000000000000000010"));
    ASSERT_TRUE(w.ok());
    WriteAll(w->get(), msgs);
  }
  std::string x = *ReadFile(a.Join("dt=2024-01-01/1_0_00000000000000000010"));
  std::string y = *ReadFile(b.Join("dt=2024-01-01/1_0_00000000000000000010"));
  EXPECT_EQ(x, y);
  auto w = format->NewWriter(a.Join("dt=2024-01-02/1_0_00000000000000000010"));
  ASSERT_TRUE(w.ok());
  WriteAll(w->get(), msgs);
  std::string z = *ReadFile(a.Join("dt=2024-01-02/1_0_00000000000000000010"));
  EXPECT_NE(x.substr(0, 100), z.substr(0, 100));  // another file, another marker
}

TEST(SequenceFileTest, TruncatedFileIsCorruptionNotACrash) {
  TempDir dir;
  auto msgs = MakeMessages(500, true);
  for (const std::string codec : {"", "gzip", "snappy"}) {
    std::string path = dir.Join("full" + codec);
    FormatOptions options;
    options.codec = codec;
    auto w = (*NewFileFormat("sequencefile", options))->NewWriter(path);
    ASSERT_TRUE(w.ok());
    WriteAll(w->get(), msgs);
    std::string bytes = *ReadFile(path);
    for (size_t cut :
         {size_t{2}, size_t{10}, size_t{60}, size_t{200}, bytes.size() / 2, bytes.size() - 1}) {
      std::string cut_path = dir.Join("cut");
      ASSERT_TRUE(WriteFileAtomic(cut_path, bytes.substr(0, cut)).ok());
      auto r = NewSequenceFileReader(cut_path);
      Status st;
      if (r.ok()) {
        ReadAll(r->get(), &st);
      } else {
        st = r.status();
      }
      EXPECT_EQ(st.code(), Status::Code::kCorruption)
          << "codec=" << codec << " cut=" << cut << ": " << st.ToString();
      EXPECT_NE(st.message().find(cut_path), std::string::npos) << st.message();
    }
  }
}

TEST(SequenceFileTest, VLongMatchesWritableUtils) {
  struct Case {
    int64_t v;
    std::string bytes;
  } cases[] = {
      {0, std::string("\x00", 1)},
      {127, "\x7f"},
      {-112, "\x90"},
      {128, "\x8f\x80"},
      {-113, "\x87\x70"},
      {255, "\x8f\xff"},
      {256, std::string("\x8e\x01\x00", 3)},
      {1000000, "\x8d\x0f\x42\x40"},
      {-1000000, "\x85\x0f\x42\x3f"},
  };
  for (const auto& c : cases) {
    std::string out;
    PutVLong(&out, c.v);
    EXPECT_EQ(out, c.bytes) << c.v;
    size_t pos = 0;
    int64_t back = 0;
    ASSERT_TRUE(GetVLong(out, &pos, &back).ok());
    EXPECT_EQ(back, c.v);
    EXPECT_EQ(pos, out.size());
  }
}

}  // namespace
}  // namespace secor
