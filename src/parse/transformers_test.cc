#include "parse/transformers.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

// "keep:<payload>", "drop" or "error: <why>".
std::string Apply(const std::map<std::string, std::string>& settings, std::string_view payload,
                  std::string_view topic = "t") {
  auto t = NewMessageTransformer(Config::FromMap(settings), topic);
  if (!t.ok()) return "config: " + t.status().message();
  if (!*t) return "none";
  Message m;
  m.payload = payload;
  std::string out;
  auto r = (*t)->Transform(m, &out);
  if (!r.ok()) return "error: " + r.status().message();
  return *r ? "keep:" + out : "drop";
}

TEST(TransformerTest, IdentityIsNoTransformer) {
  EXPECT_EQ(Apply({}, "x"), "none");
  EXPECT_EQ(Apply({{"secor.message.transformer.class",
                    "com.pinterest.secor.transformer.IdentityMessageTransformer"}},
                  "x"),
            "none");
}

TEST(TransformerTest, JsonFieldFilterDropsMatches) {
  std::map<std::string, std::string> s = {{"secor.message.transformer.class", "json_field_filter"},
                                          {"secor.message.filter.field", "meta.env"},
                                          {"secor.message.filter.values", "test, staging,7"}};
  EXPECT_EQ(Apply(s, R"({"meta":{"env":"test"}})"), "drop");
  EXPECT_EQ(Apply(s, R"({"meta":{"env":"staging"}})"), "drop");
  EXPECT_EQ(Apply(s, R"({"meta":{"env":7}})"), "drop");
  EXPECT_EQ(Apply(s, R"({"meta":{"env":"prod"}})"), R"(keep:{"meta":{"env":"prod"}})");
  EXPECT_EQ(Apply(s, R"({"meta":{}})"), R"(keep:{"meta":{}})");
  EXPECT_EQ(Apply(s, "not json"), "keep:not json");
}

TEST(TransformerTest, JsonFieldFilterKeepModeAndMissing) {
  std::map<std::string, std::string> s = {{"secor.message.transformer.class", "json_field_filter"},
                                          {"secor.message.filter.field", "env"},
                                          {"secor.message.filter.values", "prod"},
                                          {"secor.message.filter.mode", "keep"},
                                          {"secor.message.filter.missing", "drop"}};
  EXPECT_EQ(Apply(s, R"({"env":"prod"})"), R"(keep:{"env":"prod"})");
  EXPECT_EQ(Apply(s, R"({"env":"test"})"), "drop");
  EXPECT_EQ(Apply(s, R"({})"), "drop");
  s["secor.message.filter.missing"] = "error";
  EXPECT_EQ(Apply(s, R"({})"), "error: field env missing");
  EXPECT_EQ(Apply(s, "[]"), "error: not a JSON object");
  s["secor.message.filter.missing"] = "maybe";
  EXPECT_EQ(Apply(s, "{}"),
            "config: secor.message.filter.missing=maybe (test): must be keep, drop or error");
  s["secor.message.filter.missing.other"] = "keep";
  EXPECT_EQ(Apply(s, "{}", "other"), "keep:{}");
}

}  // namespace
}  // namespace secor
