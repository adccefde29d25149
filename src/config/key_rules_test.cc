#include "config/key_rules.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "config/keys.h"

namespace secor {
namespace {

// A rule on a key the table does not hold would never apply.
TEST(KeyRulesTest, EveryRuleNamesAnIntegerKeyOfTheTable) {
  for (const KeyRange& r : KeyRanges()) {
    const KeyInfo* k = FindKey(r.name);
    ASSERT_NE(k, nullptr) << r.name;
    EXPECT_EQ(k->name, r.name);
    EXPECT_EQ(k->type, KeyType::kInt) << r.name;
    EXPECT_LE(r.min, r.max) << r.name;
    // The default lies in the range.
    if (!k->default_value.empty()) {
      int64_t def = std::stoll(std::string(k->default_value));
      EXPECT_TRUE(def >= r.min && def <= r.max) << r.name;
    }
  }
  for (const RequiredKey& r : RequiredKeys()) {
    const KeyInfo* k = FindKey(r.name);
    ASSERT_NE(k, nullptr) << r.name;
    EXPECT_EQ(k->default_value, "") << r.name;
  }
}

TEST(KeyRulesTest, RangesApplyToPerTopicOverridesAndBoundsAreInclusive) {
  auto config = Config::FromMap({{"secor.upload.minute_mark", "59"},
                                 {"secor.max.file.age.seconds.clicks", "-1"},
                                 {"secor.http.port", "65536"},
                                 {"ostrich.port", "0"},
                                 {"secor.max.file.count", "-1"}});
  auto problems = CheckKeyValues(config);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].message(), "secor.http.port=65536 (test): must be a TCP port, 0 to 65535");
  EXPECT_EQ(problems[1].message(),
            "secor.max.file.age.seconds.clicks=-1 (test): must be 0 or more");
}

TEST(KeyRulesTest, LeadingKeyIsAKnownKeyOrNothing) {
  EXPECT_EQ(LeadingKey("secor.http.port=1 (x): bad"), "secor.http.port");
  EXPECT_EQ(LeadingKey("secor.kafka.group: required setting is missing"), "secor.kafka.group");
  EXPECT_EQ(LeadingKey("secor.max.file.age.seconds.clicks=-1 (x): y"),
            "secor.max.file.age.seconds.clicks");
  EXPECT_EQ(LeadingKey("/etc/secor.properties: cannot read"), "");
  EXPECT_EQ(LeadingKey("no such thing"), "");
}

}  // namespace
}  // namespace secor
