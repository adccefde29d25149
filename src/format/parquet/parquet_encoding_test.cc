// Byte-exact tests of the Thrift compact encoder and the RLE/bit-packed
// hybrid, and footer round trips.
#include <gtest/gtest.h>

#include <random>

#include "format/parquet/metadata.h"
#include "format/parquet/rle.h"
#include "format/parquet/thrift_compact.h"

namespace secor::parquet {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

TEST(CompactWriter, FieldHeadersUseDeltasAndLongForm) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldI32(1, 1);
  w.FieldI64(3, -1);
  w.FieldBinary(4, "ab");
  w.FieldI32(20, 5);  // delta 16: long form
  w.FieldBool(21, true);
  w.FieldBool(22, false);
  w.EndStruct();
  EXPECT_EQ(w.out(), Bytes({0x15, 0x02, 0x26, 0x01, 0x18, 0x02, 'a', 'b', 0x05, 0x28, 0x0a, 0x11,
                            0x12, 0x00}));
}

TEST(CompactWriter, NestedStructRestoresFieldId) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldStruct(5);
  w.FieldI32(1, 7);
  w.EndStruct();
  w.FieldI32(6, 0);
  w.EndStruct();
  EXPECT_EQ(w.out(), Bytes({0x5c, 0x15, 0x0e, 0x00, 0x15, 0x00, 0x00}));
}

TEST(CompactWriter, ListHeaders) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldList(1, CType::kI32, 2);
  w.ElemI32(1);
  w.ElemI32(-2);
  w.FieldList(2, CType::kBinary, 20);
  EXPECT_EQ(w.out(), Bytes({0x19, 0x25, 0x02, 0x03, 0x19, 0xf8, 0x14}));
}

TEST(CompactReader, ReadsWhatTheWriterWrote) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldI64(2, -123456789012LL);
  w.FieldStruct(3);
  w.FieldBinary(1, "x");
  w.EndStruct();
  w.FieldByte(30, -3);
  w.FieldList(31, CType::kI32, 3);
  for (int i = 0; i < 3; ++i) w.ElemI32(i);
  w.EndStruct();
  CompactReader r(w.out());
  int16_t id;
  CType t;
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 2);
  EXPECT_EQ(r.ReadInt(), -123456789012LL);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 3);
  r.Skip(t);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 30);
  EXPECT_EQ(r.ReadInt(), -3);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 31);
  r.Skip(t);
  EXPECT_FALSE(r.NextField(&id, &t));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.pos(), w.out().size());
}

TEST(CompactReader, TruncatedInputIsAnError) {
  const std::string input =
      Bytes({0x18, 0x05, 'a'});  // the reader keeps a view: keep the bytes alive
  CompactReader r(input);
  int16_t id;
  CType t;
  ASSERT_TRUE(r.NextField(&id, &t));
  r.ReadBinary();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status("footer").message(), "malformed thrift in footer near byte 2");
}

TEST(Rle, LongRunIsOneRleRun) {
  std::string out;
  RleEncode(std::vector<uint32_t>(10, 1), 1, &out);
  EXPECT_EQ(out, Bytes({0x14, 0x01}));
}

TEST(Rle, SpecBitPackingExample) {
  std::string out;
  RleEncode({0, 1, 2, 3, 4, 5, 6, 7}, 3, &out);
  EXPECT_EQ(out, Bytes({0x03, 0x88, 0xc6, 0xfa}));
}

TEST(Rle, LiteralsBorrowFromRunToFillGroups) {
  std::vector<uint32_t> v = {5, 5, 5};
  for (int i = 0; i < 20; ++i) v.push_back(7);
  std::string out;
  RleEncode(v, 3, &out);
  // 8 literals (5,5,5,7,7,7,7,7) bit-packed, then an RLE run of 15 sevens.
  ASSERT_EQ(out.size(), 1u + 3u + 2u);
  EXPECT_EQ(out[0], 0x03);
  EXPECT_EQ(out.substr(4), Bytes({30, 0x07}));
  std::vector<uint32_t> back;
  ASSERT_TRUE(RleDecode(out, 3, v.size(), &back).ok());
  EXPECT_EQ(back, v);
}

TEST(Rle, RandomRoundTripsAtEveryWidth) {
  std::mt19937 rng(42);
  for (int width = 1; width <= 20; ++width) {
    std::vector<uint32_t> v;
    for (int i = 0; i < 1000; ++i) {
      uint32_t x = rng() & ((1u << width) - 1);
      int repeat = (rng() % 4 == 0) ? static_cast<int>(rng() % 30) : 1;
      for (int k = 0; k < repeat; ++k) v.push_back(x);
    }
    std::string out;
    RleEncode(v, width, &out);
    std::vector<uint32_t> back;
    size_t used = 0;
    ASSERT_TRUE(RleDecode(out, width, v.size(), &back, &used).ok()) << width;
    EXPECT_EQ(back, v) << width;
    EXPECT_EQ(used, out.size()) << width;
  }
}

TEST(Rle, TruncatedRunIsCorruption) {
  std::vector<uint32_t> back;
  Status st = RleDecode(Bytes({0x05, 0x01}), 8, 16, &back);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_EQ(st.message(), "truncated bit-packed run");
}

TEST(Rle, BitWidth) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(3), 2);
  EXPECT_EQ(BitWidth(4), 3);
  EXPECT_EQ(BitWidth(255), 8);
}

TEST(Metadata, FooterRoundTrip) {
  FileMeta m;
  m.schema.resize(3);
  m.schema[0].name = "root";
  m.schema[0].num_children = 2;
  m.schema[1].name = "ts";
  m.schema[1].type = PhysicalType::kInt64;
  m.schema[1].repetition = Repetition::kOptional;
  m.schema[1].logical = LogicalKind::kTimestampMicros;
  m.schema[2].name = "n";
  m.schema[2].type = PhysicalType::kInt32;
  m.schema[2].repetition = Repetition::kRequired;
  m.schema[2].logical = LogicalKind::kInteger;
  m.schema[2].int_bits = 32;
  m.num_rows = 7;
  RowGroupMeta rg;
  rg.num_rows = 7;
  ColumnMeta c;
  c.type = PhysicalType::kInt64;
  c.path = {"ts"};
  c.encodings = {0, 3, 8};
  c.codec = kZstd;
  c.num_values = 7;
  c.data_page_offset = 100;
  c.dictionary_page_offset = 4;
  c.total_compressed_size = 200;
  c.stats.null_count = 2;
  c.stats.min_value = std::string("\x01\0\0\0\0\0\0\0", 8);
  rg.columns.push_back(c);
  m.row_groups.push_back(rg);
  m.key_value = {{"k", "v"}};
  m.created_by = "me";
  auto back = ParseFileMeta(SerializeFileMeta(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->schema.size(), 3u);
  EXPECT_EQ(back->schema[1].logical, LogicalKind::kTimestampMicros);
  EXPECT_EQ(back->schema[2].logical, LogicalKind::kInteger);
  EXPECT_EQ(back->schema[2].int_bits, 32);
  EXPECT_EQ(back->schema[0].num_children, 2);
  EXPECT_EQ(back->num_rows, 7);
  ASSERT_EQ(back->row_groups.size(), 1u);
  const ColumnMeta& bc = back->row_groups[0].columns[0];
  EXPECT_EQ(bc.path, std::vector<std::string>{"ts"});
  EXPECT_EQ(bc.encodings, (std::vector<int32_t>{0, 3, 8}));
  EXPECT_EQ(bc.codec, kZstd);
  EXPECT_EQ(bc.dictionary_page_offset, 4);
  EXPECT_EQ(bc.data_page_offset, 100);
  EXPECT_EQ(bc.total_compressed_size, 200);
  EXPECT_EQ(bc.stats.null_count, 2);
  EXPECT_EQ(*bc.stats.min_value, std::string("\x01\0\0\0\0\0\0\0", 8));
  EXPECT_FALSE(bc.stats.max_value.has_value());
  EXPECT_EQ(back->key_value, m.key_value);
  EXPECT_EQ(back->created_by, "me");
}

TEST(Metadata, PageHeaderRoundTrip) {
  PageHeader h;
  h.type = kDictionaryPage;
  h.uncompressed_size = 1000;
  h.compressed_size = 500;
  h.num_values = 33;
  h.encoding = kPlain;
  std::string s = SerializePageHeader(h) + "tail";
  size_t used = 0;
  auto back = ParsePageHeader(s, &used);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(used, s.size() - 4);
  EXPECT_EQ(back->type, kDictionaryPage);
  EXPECT_EQ(back->uncompressed_size, 1000);
  EXPECT_EQ(back->compressed_size, 500);
  EXPECT_EQ(back->num_values, 33);
}

}  // namespace
}  // namespace secor::parquet
