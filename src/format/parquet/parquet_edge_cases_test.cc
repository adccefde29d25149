// Edge cases of the Parquet writer, each checked with our reader against the
// values the test expects and then kept for DuckDB and hyparquet
// (corpus_test_util.h): every column type under every codec, empty and very
// long values, all-null columns, Unicode, 10,000 distinct dictionary values,
// files of many row groups.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "config/config.h"
#include "format/compression_pool.h"
#include "format/format_test_util.h"
#include "format/parquet/corpus_test_util.h"
#include "format/parquet/reader.h"
#include "format/parquet_format.h"
#include "support/test_util.h"

namespace secor {
namespace {

using testing::CorpusChecks;
using testing::DataPageEncodings;
using testing::KeepForReaders;
using testing::TempDir;

Status WriteMessages(const std::string& path, const std::string& codec, const Config& config,
                     const std::vector<std::string>& payloads) {
  ASSIGN_OR_RETURN(auto format, NewParquetFormat(FormatOptions{codec, "t"}, &config));
  ASSIGN_OR_RETURN(auto w, format->NewWriter(path));
  for (size_t i = 0; i < payloads.size(); ++i) {
    Message m;
    m.topic = "t";
    m.offset = 5000 + static_cast<int64_t>(i) * 2;
    m.payload = payloads[i];
    RETURN_IF_ERROR(w->Append(m));
  }
  return w->Close();
}

// Offsets and payloads as our reader returns them.
std::vector<std::pair<int64_t, std::string>> ReadBack(const std::string& path) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const Record& rec : testing::ReadAll(*NewParquetFormat(), path)) {
    out.emplace_back(rec.offset, rec.payload);
  }
  return out;
}

// One top-level column: its entries in secor.parquet.columns, and per row the
// JSON the message carries (empty: the key is absent) and the JSON our reader
// must give back.
struct Column {
  std::string name;
  std::string spec;
  std::vector<std::pair<std::string, std::string>> rows;
};

const std::string kUnicode =
    "zo\xc3\xab \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d "
    "e\xcc\x81";

std::vector<Column> EveryType() {
  const std::string q = "\"";
  return {
      {"s",
       "s:string",
       {{R"("")", R"("")"},
        {q + kUnicode + q, q + kUnicode + q},
        {R"("tab\tnew\nline \"q\" \\ \u0001")", R"("tab\tnew\nline \"q\" \\ \u0001")"},
        {"", "null"},
        {"null", "null"}}},
      {"nil",
       "nil:double",
       {{"", "null"}, {"", "null"}, {"null", "null"}, {"", "null"}, {"", "null"}}},
      {"i32",
       "i32:int32",
       {{"-2147483648", "-2147483648"},
        {"2147483647", "2147483647"},
        {"0", "0"},
        {"-1", "-1"},
        {"", "null"}}},
      {"i64",
       "i64:int64",
       {{"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775807", "9223372036854775807"},
        {"3.0", "3"},
        {"", "null"},
        {"0", "0"}}},
      {"f",
       "f:float",
       {{"0.1", "0.10000000149011612"},
        {"-1.5", "-1.5"},
        {"0", "0"},
        {"16777216", "16777216"},
        {"", "null"}}},
      {"d",
       "d:double",
       {{"1e300", "1e+300"},
        {"-0.0", "-0"},
        {"2.5", "2.5"},
        {"123456789.125", "123456789.125"},
        {"", "null"}}},
      {"b",
       "b:bool",
       {{"true", "true"}, {"false", "false"}, {"", "null"}, {"true", "true"}, {"false", "false"}}},
      {"tms",
       "tms:timestamp_millis",
       {{"-1", "-1"},
        {R"("2024-02-29T23:59:59.999Z")", "1709251199999"},
        {"0", "0"},
        {"253402300799999", "253402300799999"},
        {"", "null"}}},
      {"tus",
       "tus:timestamp_micros",
       {{R"("1900-01-01T00:00:00.000001Z")", "-2208988799999999"},
        {"1", "1"},
        {R"("2024-01-01T01:00:00+01:00")", "1704067200000000"},
        {"", "null"},
        {"1704067200123456", "1704067200123456"}}},
      {"day",
       "day:date",
       {{R"("1900-01-01")", R"("1900-01-01")"},
        {"0", R"("1970-01-01")"},
        {R"("2024-02-29")", R"("2024-02-29")"},
        {"-1", R"("1969-12-31")"},
        {R"("9999-12-31")", R"("9999-12-31")"}}},
      {"bin",
       "bin:binary",
       {{R"("bytes")", R"("bytes")"},
        {R"("")", R"("")"},
        {"", "null"},
        {R"("x")", R"("x")"},
        {"", "null"}}},
      {"tags",
       "tags:list<string>",
       {{"[]", "[]"},
        {R"(["a",null,""])", R"(["a",null,""])"},
        {"null", "null"},
        {"[" + q + kUnicode + q + "]", "[" + q + kUnicode + q + "]"},
        {"", "null"}}},
      {"nums",
       "nums:list<int64>",
       {{"[1,-9223372036854775808]", "[1,-9223372036854775808]"},
        {"[]", "[]"},
        {"[null]", "[null]"},
        {"", "null"},
        {"[0,0,0]", "[0,0,0]"}}},
      {"days",
       "days:list<date>",
       {{R"(["2024-01-01",0])", R"(["2024-01-01","1970-01-01"])"},
        {"", "null"},
        {"[]", "[]"},
        {"[-719162]", R"(["0001-01-01"])"},
        {"[null,1]", R"([null,"1970-01-02"])"}}},
      {"user",
       "user.id:int64!, user.addr.city:string, user.addr.zip:int32",
       {{R"({"id":1,"addr":{"city":"Z\u00fcrich","zip":8001}})",
         R"({"id":1,"addr":{"city":"Zürich","zip":8001}})"},
        {R"({"id":-1})", R"({"id":-1,"addr":{"city":null,"zip":null}})"},
        {R"({"id":0,"addr":null})", R"({"id":0,"addr":{"city":null,"zip":null}})"},
        {R"({"id":2,"addr":{}})", R"({"id":2,"addr":{"city":null,"zip":null}})"},
        {R"({"id":3,"addr":{"zip":-1}})", R"({"id":3,"addr":{"city":null,"zip":-1}})"}}},
      {"ghost",
       "ghost.a:int64, ghost.b:list<string>",
       {{"", R"({"a":null,"b":null})"},
        {"", R"({"a":null,"b":null})"},
        {"null", R"({"a":null,"b":null})"},
        {"", R"({"a":null,"b":null})"},
        {"", R"({"a":null,"b":null})"}}},
  };
}

TEST(ParquetEdgeCases, EveryTypeUnderEveryCodec) {
  TempDir dir;
  auto columns = EveryType();
  std::string spec;
  for (const auto& c : columns) spec += (spec.empty() ? "" : ", ") + c.spec;
  Config config = Config::FromMap({{"secor.parquet.columns", spec}});
  const size_t rows = columns[0].rows.size();
  std::vector<std::string> payloads, want;
  for (size_t r = 0; r < rows; ++r) {
    std::string in = "{", out = "{";
    for (const auto& c : columns) {
      ASSERT_EQ(c.rows.size(), rows) << c.name;
      const auto& [json_in, json_out] = c.rows[r];
      if (!json_in.empty()) in += (in.size() > 1 ? "," : "") + JsonQuote(c.name) + ":" + json_in;
      out += (out.size() > 1 ? "," : "") + JsonQuote(c.name) + ":" + json_out;
    }
    payloads.push_back(in + "}");
    want.push_back(out + "}");
  }
  const std::vector<std::pair<std::string, std::string>> codecs = {{"", "UNCOMPRESSED"},
                                                                   {"snappy", "SNAPPY"},
                                                                   {"gzip", "GZIP"},
                                                                   {"zstd", "ZSTD"},
                                                                   {"lz4", "LZ4_RAW"}};
  for (const auto& [codec, name] : codecs) {
    SCOPED_TRACE(name);
    std::string path = dir.Join("types-" + name + ".parquet");
    Status st = WriteMessages(path, codec, config, payloads);
    ASSERT_TRUE(st.ok()) << st.ToString();
    auto got = ReadBack(path);
    ASSERT_EQ(got.size(), rows);
    for (size_t r = 0; r < rows; ++r) {
      EXPECT_EQ(got[r].first, 5000 + static_cast<int64_t>(r) * 2);
      EXPECT_EQ(got[r].second, want[r]) << "row " << r;
    }
    KeepForReaders(path, CorpusChecks{name, 1, {}});
  }
}

TEST(ParquetEdgeCases, ValuesAboveOneMegabyte) {
  TempDir dir;
  Config config = Config::FromMap(
      {{"secor.parquet.columns", "id:int64!, big:string, blob:binary, list:list<string>"}});
  std::string unicode_mb;
  while (unicode_mb.size() < (3 << 19)) unicode_mb += kUnicode;  // 1.5 MB
  const std::string ascii_2mb(2 << 20, 'q');
  const std::string list_mb(1 << 20, 'L');
  std::vector<std::string> payloads = {
      R"({"id":0,"big":")" + unicode_mb + R"("})",
      R"({"id":1,"big":"","blob":")" + ascii_2mb + R"("})",
      R"({"id":2,"list":["a",")" + list_mb + R"(",""]})",
      R"({"id":3,"big":"short"})",
  };
  std::vector<std::string> want = {
      R"({"id":0,"big":")" + unicode_mb + R"(","blob":null,"list":null})",
      R"({"id":1,"big":"","blob":")" + ascii_2mb + R"(","list":null})",
      R"({"id":2,"big":null,"blob":null,"list":["a",")" + list_mb + R"(",""]})",
      R"({"id":3,"big":"short","blob":null,"list":null})",
  };
  std::string path = dir.Join("long.parquet");
  ASSERT_TRUE(WriteMessages(path, "zstd", config, payloads).ok());
  auto got = ReadBack(path);
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r < want.size(); ++r) {
    EXPECT_TRUE(got[r].second == want[r]) << "row " << r << " differs";
  }
  KeepForReaders(path, CorpusChecks{"ZSTD", 1, {}});
}

// 10,000 distinct values, each three times, in scattered order: the
// dictionary holds all of them and every data page uses it. A column of only
// distinct values ("uniq") falls back to PLAIN on purpose (the writer drops
// the dictionary when most of the first 4,096 values are new): its chunk mixes
// dictionary pages written before that with plain ones, which readers must
// also handle.
TEST(ParquetEdgeCases, TenThousandDistinctValuesStayDictionaryEncoded) {
  TempDir dir;
  Config config =
      Config::FromMap({{"secor.parquet.columns", "s:string!, n:int64!, few:string, uniq:string"}});
  std::vector<std::string> payloads;
  std::set<std::string> distinct;
  for (int i = 0; i < 30000; ++i) {
    int v = (i / 3) * 7919 % 10000;
    std::string s = fmt::format("value-{:05}-\xc3\xa9", v);
    distinct.insert(s);
    payloads.push_back(fmt::format(R"({{"s":"{}","n":{},"few":"{}","uniq":"u{}"}})", s,
                                   v * 1000003LL, i % 3 ? "x" : "y", i));
  }
  ASSERT_EQ(distinct.size(), 10000u);
  std::string path = dir.Join("dict.parquet");
  ASSERT_TRUE(WriteMessages(path, "snappy", config, payloads).ok());
  auto got = ReadBack(path);
  ASSERT_EQ(got.size(), payloads.size());
  for (size_t r = 0; r < payloads.size(); ++r) ASSERT_EQ(got[r].second, payloads[r]) << r;

  auto reader = parquet::Reader::Open(path);
  ASSERT_TRUE(reader.ok());
  const auto& meta = (*reader)->meta();
  ASSERT_EQ(meta.row_groups.size(), 1u);
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  const std::map<std::string, int32_t> want = {{"s", parquet::kRleDictionary},
                                               {"n", parquet::kRleDictionary},
                                               {"few", parquet::kRleDictionary},
                                               {"uniq", parquet::kPlain}};
  for (size_t c = 1; c < meta.row_groups[0].columns.size(); ++c) {
    const auto& column = meta.row_groups[0].columns[c];
    const std::string& name = column.path[0];
    int dictionary_pages = 0;
    auto encodings = DataPageEncodings(*bytes, column, &dictionary_pages);
    EXPECT_EQ(dictionary_pages, 1) << name;
    ASSERT_FALSE(encodings.empty()) << name;
    if (want.at(name) == parquet::kPlain) {
      EXPECT_EQ(encodings.back(), parquet::kPlain) << name;
      continue;
    }
    for (int32_t e : encodings) EXPECT_EQ(e, want.at(name)) << name;
  }
  KeepForReaders(path, CorpusChecks{"SNAPPY", 1, {"s", "n", "few"}});
}

TEST(ParquetEdgeCases, ManyRowGroupsWithAllNullColumnsAndLists) {
  TempDir dir;
  Config config = Config::FromMap(
      {{"secor.parquet.columns",
        "id:int64!, nil:string, none:list<int32>, g.x:double, g.y:string, tags:list<string>"},
       {"parquet.block.size", "8192"},
       {"parquet.page.size", "2048"}});
  std::vector<std::string> payloads, want;
  for (int i = 0; i < 6000; ++i) {
    std::string tags = i % 3 == 0 ? "null" : fmt::format(R"(["t{}","u{}"])", i % 50, i);
    payloads.push_back(fmt::format(R"({{"id":{},"g":{{"x":{}}},"tags":{}}})", i, i * 0.5, tags));
    want.push_back(
        fmt::format(R"({{"id":{},"nil":null,"none":null,"g":{{"x":{},"y":null}},"tags":{}}})", i,
                    i * 0.5, tags));
  }
  std::string path = dir.Join("groups.parquet");
  ASSERT_TRUE(WriteMessages(path, "gzip", config, payloads).ok());
  auto got = ReadBack(path);
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r < want.size(); ++r) ASSERT_EQ(got[r].second, want[r]) << r;
  auto reader = parquet::Reader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_GE((*reader)->meta().row_groups.size(), 5u);
  KeepForReaders(path, CorpusChecks{"GZIP", 5, {}});
}

// A column chunk of nulls only has no dictionary page (an empty one made
// hyparquet fail on LZ4_RAW files); a column whose first pages are nulls
// writes them PLAIN and the rest with the dictionary.
TEST(ParquetEdgeCases, NullOnlyPagesNeedNoDictionaryPage) {
  TempDir dir;
  Config config = Config::FromMap({{"secor.parquet.columns", "id:int64!, nil:string, late:string"},
                                   {"parquet.page.size", "1024"}});
  std::vector<std::string> payloads, want;
  // Levels of 6,000 nulls fill more than one 1 KB page.
  for (int i = 0; i < 8000; ++i) {
    std::string late = i < 6000 ? "null" : fmt::format(R"("v{}")", i % 10);
    payloads.push_back(fmt::format(R"({{"id":{},"late":{}}})", i, late));
    want.push_back(fmt::format(R"({{"id":{},"nil":null,"late":{}}})", i, late));
  }
  std::string path = dir.Join("nulls.parquet");
  ASSERT_TRUE(WriteMessages(path, "lz4", config, payloads).ok());
  auto got = ReadBack(path);
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r < want.size(); ++r) ASSERT_EQ(got[r].second, want[r]) << r;

  auto reader = parquet::Reader::Open(path);
  ASSERT_TRUE(reader.ok());
  const auto& meta = (*reader)->meta();
  ASSERT_EQ(meta.row_groups.size(), 1u);
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  const auto& nil = meta.row_groups[0].columns[2];
  ASSERT_EQ(nil.path[0], "nil");
  int dictionary_pages = 0;
  auto encodings = DataPageEncodings(*bytes, nil, &dictionary_pages);
  EXPECT_EQ(dictionary_pages, 0);
  EXPECT_FALSE(nil.dictionary_page_offset.has_value());
  for (int32_t e : encodings) EXPECT_EQ(e, parquet::kPlain);

  const auto& late = meta.row_groups[0].columns[3];
  ASSERT_EQ(late.path[0], "late");
  dictionary_pages = 0;
  encodings = DataPageEncodings(*bytes, late, &dictionary_pages);
  EXPECT_EQ(dictionary_pages, 1);
  ASSERT_GE(encodings.size(), 2u);
  EXPECT_EQ(encodings.front(), parquet::kPlain);
  EXPECT_EQ(encodings.back(), parquet::kRleDictionary);
  KeepForReaders(path, CorpusChecks{"LZ4_RAW", 1, {"late"}});
}

// No page holds more than parquet.page.size of memory before it is encoded,
// whatever the column: levels (4 bytes each in memory), booleans, dictionary
// indices. Pages of nulls used to grow to 16 times the page size.
TEST(ParquetEdgeCases, PagesCloseAtPageSizeOfMemory) {
  TempDir dir;
  constexpr int kPageSize = 4096;
  Config config = Config::FromMap(
      {{"secor.parquet.columns", "id:int64!, nil:string, ok:bool, kind:string, tags:list<string>"},
       {"parquet.page.size", std::to_string(kPageSize)}});
  std::vector<std::string> payloads, want;
  for (int i = 0; i < 20000; ++i) {
    payloads.push_back(fmt::format(R"({{"id":{},"ok":{},"kind":"k{}","tags":["a","b{}"]}})", i,
                                   i % 2 ? "true" : "false", i % 3, i % 4));
    want.push_back(fmt::format(R"({{"id":{},"nil":null,"ok":{},"kind":"k{}","tags":["a","b{}"]}})",
                               i, i % 2 ? "true" : "false", i % 3, i % 4));
  }
  std::string path = dir.Join("pages.parquet");
  ASSERT_TRUE(WriteMessages(path, "snappy", config, payloads).ok());
  auto got = ReadBack(path);
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r < want.size(); ++r) ASSERT_EQ(got[r].second, want[r]) << r;

  auto reader = parquet::Reader::Open(path);
  ASSERT_TRUE(reader.ok());
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  // Memory per level entry while buffered: its definition (and repetition)
  // level, and its value as held (booleans 1 byte, dictionary indices 4).
  // (__offset and id change from dictionary to plain on the way.)
  const std::map<std::string, int> entry_bytes = {{"nil", 4}, {"ok", 5}, {"kind", 8}, {"tags", 12}};
  for (const auto& group : (*reader)->meta().row_groups) {
    for (const auto& column : group.columns) {
      const std::string& name = column.path[0];
      if (!entry_bytes.count(name)) continue;
      int64_t start =
          column.dictionary_page_offset ? *column.dictionary_page_offset : column.data_page_offset;
      std::string_view chunk(bytes->data() + start,
                             static_cast<size_t>(column.total_compressed_size));
      size_t pos = 0;
      int pages = 0;
      while (pos < chunk.size()) {
        size_t used = 0;
        auto h = parquet::ParsePageHeader(chunk.substr(pos), &used);
        ASSERT_TRUE(h.ok()) << name;
        pos += used + static_cast<size_t>(h->compressed_size);
        if (h->type == parquet::kDictionaryPage) continue;
        ++pages;
        EXPECT_LE(int64_t{h->num_values} * entry_bytes.at(name), kPageSize + entry_bytes.at(name))
            << name << " page " << pages << " held " << h->num_values << " values";
      }
      EXPECT_GE(pages, 20000 * entry_bytes.at(name) / kPageSize / 2) << name;
    }
  }
  KeepForReaders(path, CorpusChecks{"SNAPPY", 1, {"kind"}});
}

// Pages compressed on the pool land in the file in the same places as pages
// compressed on the consuming thread: the bytes are the same, for every codec,
// across pages and row groups.
TEST(ParquetEdgeCases, PagesCompressedInThePoolGiveTheSameBytes) {
  TempDir dir;
  Config config =
      Config::FromMap({{"secor.parquet.columns", "id:int64!, s:string, tags:list<string>"},
                       {"parquet.page.size", "1024"},
                       {"parquet.block.size", "32768"}});
  std::vector<std::string> payloads;
  for (int i = 0; i < 20000; ++i) {
    payloads.push_back(
        fmt::format(R"({{"id":{},"s":"v{}","tags":["a{}","b"]}})", i, i % 300, i % 7));
  }
  const int64_t budget_before = parquet::MemoryBudget::Process()->used();
  for (const std::string codec : {"none", "snappy", "zstd", "gzip", "lz4"}) {
    std::string bytes[2];
    for (int threads : {0, 2}) {
      SetSharedCompressionThreads(threads);
      std::string path = dir.Join(codec + std::to_string(threads) + ".parquet");
      Status st = WriteMessages(path, codec, config, payloads);
      SetSharedCompressionThreads(0);
      ASSERT_TRUE(st.ok()) << st.ToString();
      bytes[threads / 2] = *ReadFile(path);
    }
    EXPECT_TRUE(bytes[0] == bytes[1]) << codec << ": pooled file differs";
    std::string pooled = dir.Join(codec + "2.parquet");
    auto got = ReadBack(pooled);
    ASSERT_EQ(got.size(), payloads.size()) << codec;
    for (size_t r = 0; r < payloads.size(); ++r) ASSERT_EQ(got[r].second, payloads[r]) << r;
    auto reader = parquet::Reader::Open(pooled);
    ASSERT_TRUE(reader.ok());
    EXPECT_GE((*reader)->meta().row_groups.size(), 3u) << codec;
  }
  EXPECT_EQ(parquet::MemoryBudget::Process()->used(), budget_before);
}

// A file dropped before Close (a failed round) waits for its pages in the
// pool instead of leaving jobs that own freed buffers, and gives its share of
// the memory budget back.
TEST(ParquetEdgeCases, AFileDroppedWithPagesInThePoolIsSafe) {
  TempDir dir;
  Config config = Config::FromMap(
      {{"secor.parquet.columns", "id:int64!, s:string"}, {"parquet.page.size", "1024"}});
  const int64_t budget_before = parquet::MemoryBudget::Process()->used();
  SetSharedCompressionThreads(1);
  {
    auto w = testing::OpenWriter("parquet", dir.Join("dropped.parquet"), FormatOptions{"gzip", "t"},
                                 &config);
    ASSERT_TRUE(w.ok());
    Message m;
    std::string payload;
    for (int i = 0; i < 20000; ++i) {
      m.offset = i;
      payload = fmt::format(R"({{"id":{},"s":"x{}"}})", i, i);
      m.payload = payload;
      ASSERT_TRUE((*w)->Append(m).ok());
    }
  }
  SetSharedCompressionThreads(0);
  EXPECT_EQ(parquet::MemoryBudget::Process()->used(), budget_before);
}

}  // namespace
}  // namespace secor
