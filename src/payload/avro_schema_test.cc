#include "payload/avro_schema.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

TEST(AvroSchemaDecode, ZeroByteValuesAreBoundedBySizeOfTheDatum) {
  auto schema = AvroSchema::Parse(
      R"({"type":"record","name":"N","fields":[{"name":"a","type":{"type":"array","items":"null"}}]})");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto block = [](int64_t count) {
    uint64_t z = static_cast<uint64_t>(count) << 1;
    std::string out;
    while (z >= 0x80) {
      out += static_cast<char>((z & 0x7f) | 0x80);
      z >>= 7;
    }
    return out + static_cast<char>(z);
  };
  DatumTree tree;
  ASSERT_TRUE((*schema)->Decode(block(1000) + block(0), &tree).ok());
  EXPECT_EQ(tree.size(), 1002u);  // record, list, 1000 nulls
  // Three blocks of 2^20 nulls in 13 bytes would be three million values.
  std::string hostile = block(1 << 20) + block(1 << 20) + block(1 << 20) + block(0);
  Status st = (*schema)->Decode(hostile, &tree);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_EQ(st.message().rfind("avro: more than 1048589 values in a datum of 13 bytes", 0), 0u)
      << st.message();
}

TEST(AvroSchemaRead, FollowsUnionsToTheWrittenBranch) {
  auto schema = AvroSchema::Parse(
      R"({"type":"record","name":"R","fields":[{"name":"n","type":"int"},)"
      R"({"name":"t","type":["null",{"type":"long","logicalType":"timestamp-millis"}]}]})");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  // n = 3 (zigzag 6), then branch 1 of the union (zigzag 2), then 5 (zigzag 10).
  const std::string datum("\x06\x02\x0a", 3);
  auto v = (*schema)->Read(datum, {"t"});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->long_value, 5);
  EXPECT_EQ(v->logical_type, "timestamp-millis");
  // The null branch: the path crosses a null.
  EXPECT_EQ((*schema)->Read(std::string("\x06\x00", 2), {"t"}).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ((*schema)->Read(std::string("\x06", 1), {"t"}).status().code(),
            Status::Code::kCorruption);
}

}  // namespace
}  // namespace secor
