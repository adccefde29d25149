#include "payload/protobuf_wire.h"

#include <gtest/gtest.h>

#include <string>

namespace secor {
namespace {

TEST(ProtobufWire, VarintsFixedAndLengths) {
  // 300 as a varint, fixed32 1, a length of 2 and its bytes.
  const std::string data("\xac\x02\x01\x00\x00\x00\x02hi", 9);
  ProtobufWire wire(data);
  size_t pos = 0;
  auto v = wire.Varint(&pos, data.size());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 300u);
  EXPECT_EQ(pos, 2u);
  auto f = wire.Fixed(&pos, data.size(), 4);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, 1u);
  auto len = wire.Length(&pos, data.size());
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 2u);
  EXPECT_EQ(data.substr(pos, *len), "hi");
}

TEST(ProtobufWire, ReadsStopAtTheEndTheyAreGiven) {
  const std::string data("\x80\x80\x05\x7f", 4);
  ProtobufWire wire(data);
  size_t pos = 0;
  // The varint runs past end 2: truncated where it started.
  EXPECT_EQ(wire.Varint(&pos, 2).status().message(), "protobuf: truncated payload at byte 0");
  pos = 3;
  EXPECT_EQ(wire.Length(&pos, 4).status().message(), "protobuf: truncated payload at byte 3");
  pos = 0;
  EXPECT_EQ(wire.Fixed(&pos, 4, 8).status().code(), Status::Code::kCorruption);
  const std::string eleven(11, '\x80');
  ProtobufWire long_varint(eleven);
  pos = 0;
  EXPECT_EQ(long_varint.Varint(&pos, eleven.size()).status().message(),
            "protobuf: varint longer than 10 bytes at byte 0");
}

TEST(ProtobufWire, SkipsGroupsToTheirMatchingEnd) {
  // Group 1 holding field 2 (varint 7), its end tag; then field 3 varint 1.
  const std::string data("\x10\x07\x0c\x18\x01", 5);
  ProtobufWire wire(data);
  size_t pos = 0;  // just after the start-group tag of field 1 (0x0b)
  ASSERT_TRUE(wire.SkipField(3, 1, &pos, data.size(), 0).ok());
  EXPECT_EQ(pos, 3u);
  // An end tag of another field is refused.
  pos = 0;
  EXPECT_EQ(wire.SkipField(3, 2, &pos, data.size(), 0).message(),
            "protobuf: unmatched end of group at byte 2");
  pos = 0;
  EXPECT_EQ(wire.SkipField(3, 1, &pos, data.size(), ProtobufWire::kMaxDepth).code(),
            Status::Code::kCorruption);
  pos = 0;
  EXPECT_EQ(wire.SkipField(6, 1, &pos, data.size(), 0).message(),
            "protobuf: invalid wire type 6 at byte 0");
}

}  // namespace
}  // namespace secor
