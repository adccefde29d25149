#include "common/base64.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

std::string Decoded(std::string_view text) {
  std::string out;
  EXPECT_TRUE(Base64Decode(text, &out).ok()) << text;
  return out;
}

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64Encode("hell"), "aGVsbA==");
  EXPECT_EQ(Base64Encode(std::string("\xff\x00\x01\xfe", 4)), "/wAB/g==");
  std::string line = "x:";
  Base64Append(&line, std::string("\x00\x01\xfe", 3));
  EXPECT_EQ(line, "x:AAH+");
}

TEST(Base64, DecodesWhatItEncodes) {
  EXPECT_EQ(Decoded("aGVsbG8="), "hello");
  EXPECT_EQ(Decoded("aGVsbA=="), "hell");
  EXPECT_EQ(Decoded("/wA="), std::string("\xff\x00", 2));
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(Decoded(Base64Encode(all)), all);
}

TEST(Base64, RefusesMalformedText) {
  std::string out;
  Status s = Base64Decode("abc", &out);
  EXPECT_EQ(s.message(), "base64 length 3 is not a multiple of 4");
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(Base64Decode("ab!d", &out).message(), "bad base64");
  EXPECT_EQ(Base64Decode("ab==abcd", &out).message(), "bad base64");
}

}  // namespace
}  // namespace secor
