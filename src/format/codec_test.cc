#include "format/codec.h"

#include <gtest/gtest.h>

#include <snappy.h>

#include <random>

#include "common/file_util.h"
#include "format/format_internal.h"
#include "support/test_util.h"

namespace secor {
namespace {

using format_internal::GetBE32;

const std::vector<std::string> kCodecs = {"gzip", "deflate", "zstd", "snappy", "lz4"};

std::string RandomishBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  // Half repetitive text, half noise, so compressors do real work on both.
  while (s.size() < n) {
    if (rng() % 2) {
      s.append("the quick brown fox jumps over the lazy dog ");
    } else {
      for (int i = 0; i < 50; ++i) s.push_back(static_cast<char>(rng() & 0xff));
    }
  }
  s.resize(n);
  return s;
}

class StringSink : public ByteSink {
 public:
  Status Append(std::string_view d) override {
    out.append(d);
    return Status::OK();
  }
  std::string out;
};

std::string StreamCompress(const Codec& codec, const std::string& data, size_t piece) {
  StringSink sink;
  auto c = codec.NewStreamCompressor(&sink);
  for (size_t pos = 0; pos < data.size(); pos += piece) {
    EXPECT_TRUE(c->Write(std::string_view(data).substr(pos, piece)).ok());
  }
  EXPECT_TRUE(c->Finish().ok());
  return sink.out;
}

TEST(CodecTest, RegistryResolvesNamesAliasesAndHadoopClasses) {
  struct Case {
    const char* spelling;
    const char* name;
    const char* ext;
    const char* hadoop;
  } cases[] = {
      {"gzip", "gzip", ".gz", "org.apache.hadoop.io.compress.GzipCodec"},
      {"gz", "gzip", ".gz", "org.apache.hadoop.io.compress.GzipCodec"},
      {"org.apache.hadoop.io.compress.GzipCodec", "gzip", ".gz",
       "org.apache.hadoop.io.compress.GzipCodec"},
      {"org.apache.hadoop.io.compress.DefaultCodec", "deflate", ".deflate",
       "org.apache.hadoop.io.compress.DefaultCodec"},
      {"zst", "zstd", ".zst", "org.apache.hadoop.io.compress.ZStandardCodec"},
      {"ZStandardCodec", "zstd", ".zst", "org.apache.hadoop.io.compress.ZStandardCodec"},
      {"SnappyCodec", "snappy", ".snappy", "org.apache.hadoop.io.compress.SnappyCodec"},
      {"org.apache.hadoop.io.compress.Lz4Codec", "lz4", ".lz4",
       "org.apache.hadoop.io.compress.Lz4Codec"},
  };
  for (const auto& c : cases) {
    auto codec = NewCodec(c.spelling);
    ASSERT_TRUE(codec.ok()) << c.spelling;
    ASSERT_NE(*codec, nullptr) << c.spelling;
    EXPECT_EQ((*codec)->name(), c.name);
    EXPECT_EQ((*codec)->extension(), c.ext);
    EXPECT_EQ((*codec)->hadoop_class(), c.hadoop);
  }
  EXPECT_EQ(*NewCodec(""), nullptr);
  EXPECT_EQ(*NewCodec("none"), nullptr);
  auto bad = NewCodec("brotli");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown compression codec 'brotli' (known: none, deflate, gzip, lz4, snappy, zstd)");
}

TEST(CodecTest, StreamRoundTripInPiecesOfEverySize) {
  std::string data = RandomishBytes(700000, 1);
  for (const auto& name : kCodecs) {
    auto codec = std::move(NewCodec(name)).value();
    for (size_t piece : {size_t{1} << 20, size_t{65536}, size_t{1000}, size_t{7}}) {
      std::string packed = StreamCompress(*codec, piece == 7 ? data.substr(0, 20000) : data, piece);
      std::string back;
      ASSERT_TRUE(codec->DecompressStream(packed, &back).ok()) << name << " piece " << piece;
      EXPECT_EQ(back, piece == 7 ? data.substr(0, 20000) : data) << name;
    }
    // An empty stream is still a valid container.
    std::string empty = StreamCompress(*codec, "", 1);
    std::string back = "x";
    back.clear();
    ASSERT_TRUE(codec->DecompressStream(empty, &back).ok()) << name;
    EXPECT_EQ(back, "");
  }
}

TEST(CodecTest, StreamFormConcatenatedMembersDecodeAsOne) {
  for (const auto& name : kCodecs) {
    auto codec = std::move(NewCodec(name)).value();
    std::string packed =
        StreamCompress(*codec, "first\n", 100) + StreamCompress(*codec, "second\n", 100);
    std::string back;
    ASSERT_TRUE(codec->DecompressStream(packed, &back).ok()) << name;
    EXPECT_EQ(back, "first\nsecond\n") << name;
  }
}

TEST(CodecTest, TruncatedOrDamagedStreamIsCorruption) {
  std::string data = RandomishBytes(200000, 2);
  for (const auto& name : kCodecs) {
    auto codec = std::move(NewCodec(name)).value();
    std::string packed = StreamCompress(*codec, data, 65536);
    for (size_t cut : {size_t{0}, size_t{3}, packed.size() / 2, packed.size() - 1}) {
      std::string back;
      Status st = codec->DecompressStream(std::string_view(packed).substr(0, cut), &back);
      EXPECT_EQ(st.code(), Status::Code::kCorruption)
          << name << " cut " << cut << " " << st.ToString();
    }
  }
}

TEST(CodecTest, HadoopRoundTrip) {
  for (const auto& name : kCodecs) {
    auto codec = std::move(NewCodec(name)).value();
    for (size_t n :
         {size_t{0}, size_t{1}, size_t{5000}, size_t{218422}, size_t{218423}, size_t{1000000}}) {
      std::string data = RandomishBytes(n, static_cast<uint32_t>(n));
      std::string packed, back;
      ASSERT_TRUE(codec->HadoopCompress(data, &packed).ok()) << name;
      ASSERT_TRUE(codec->HadoopDecompress(packed, &back).ok()) << name << " n=" << n;
      EXPECT_EQ(back, data) << name << " n=" << n;
    }
  }
}

// BlockCompressorStream framing, checked on inputs whose raw blocks are known:
// snappy and lz4 store 5 distinct bytes as one literal.
TEST(CodecTest, HadoopSnappyAndLz4BlockLayoutIsExact) {
  std::string packed;
  ASSERT_TRUE((*NewCodec("snappy"))->HadoopCompress("hello", &packed).ok());
  EXPECT_EQ(packed, std::string("\0\0\0\x05\0\0\0\x07\x05\x10hello", 15));
  packed.clear();
  ASSERT_TRUE((*NewCodec("lz4"))->HadoopCompress("hello", &packed).ok());
  EXPECT_EQ(packed, std::string("\0\0\0\x05\0\0\0\x06\x50hello", 14));
  packed.clear();
  ASSERT_TRUE((*NewCodec("snappy"))->HadoopCompress("", &packed).ok());
  EXPECT_EQ(packed, std::string("\0\0\0\0", 4));
}

// One write larger than bufferSize - overhead: the whole length once, then one
// chunk per slice (snappy slices are 262144 - (262144/6 + 32) = 218422 bytes).
TEST(CodecTest, HadoopSnappyLargeInputIsOneLengthThenSlices) {
  std::string data = RandomishBytes(500000, 3);
  std::string packed;
  ASSERT_TRUE((*NewCodec("snappy"))->HadoopCompress(data, &packed).ok());
  ASSERT_GE(packed.size(), 8u);
  EXPECT_EQ(GetBE32(packed.data()), 500000u);
  size_t pos = 4;
  std::vector<size_t> slices;
  while (pos < packed.size()) {
    size_t clen = GetBE32(packed.data() + pos);
    size_t n = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(packed.data() + pos + 4, clen, &n));
    slices.push_back(n);
    pos += 4 + clen;
  }
  EXPECT_EQ(pos, packed.size());
  EXPECT_EQ(slices, (std::vector<size_t>{218422, 218422, 63156}));
}

// python-snappy's hadoop_snappy reader (Debian python3-snappy) is an
// independent decoder of Hadoop's SnappyCodec layout.
TEST(CodecTest, HadoopSnappyOpensWithPythonSnappy) {
  testing::TempDir dir;
  std::string data = RandomishBytes(300000, 4);
  std::string packed;
  ASSERT_TRUE((*NewCodec("snappy"))->HadoopCompress(data, &packed).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.Join("in.snappy"), packed).ok());
  auto r = testing::RunCommand({"/usr/bin/python3", "-m", "snappy", "-d", "-t", "hadoop_snappy",
                                dir.Join("in.snappy"), dir.Join("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(*ReadFile(dir.Join("out")), data);
}

}  // namespace
}  // namespace secor
