#include "consumer/consumer_settings.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

// The defaults with a group, a staging path and an output, plus overrides.
Result<Config> WithOverrides(const std::vector<std::string>& overrides) {
  Config config = Config::FromMap({{"secor.kafka.group", "g"},
                                   {"secor.local.path", "/tmp/secor-settings-test"},
                                   {"secor.output.uri", "/tmp/secor-settings-test-out"}});
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    config.Set(o.substr(0, eq), o.substr(eq + 1), "test");
  }
  return config;
}

TEST(ConsumerSettingsTest, DefaultsAreTyped) {
  auto config = WithOverrides({});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto s = ConsumerSettings::FromConfig(*config);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->group, "g");
  EXPECT_EQ(s->delivery, Delivery::kExactlyOnce);
  EXPECT_GE(s->upload_threads, 1);
  EXPECT_EQ(s->policy.minute_mark, 0);
  EXPECT_EQ(s->minute_mark_filter, nullptr);
}

TEST(ConsumerSettingsTest, BadValuesStopStartUpNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"secor.delivery=twice", "secor.delivery"},
      {"secor.upload.minute_mark=60", "secor.upload.minute_mark"},
      {"secor.generation=-1", "secor.generation"},
      {"secor.upload.threads=0", "secor.upload.threads"},
      {"secor.upload.threads=1025", "secor.upload.threads"},
      {"secor.shutdown.timeout.seconds=-5", "secor.shutdown.timeout.seconds"},
      {"secor.compression.threads=65", "secor.compression.threads"},
      {"secor.kafka.topic_filter=(", "secor.kafka.topic_filter"},
      {"secor.writer.id=a:b", "secor.writer.id"},
  };
  for (const auto& [override, key] : cases) {
    auto config = WithOverrides({override});
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto s = ConsumerSettings::FromConfig(*config);
    ASSERT_FALSE(s.ok()) << override;
    EXPECT_NE(s.status().message().find(key), std::string::npos) << s.status().message();
  }
}

TEST(TopicSelectionTest, ListOrFilterMinusBlacklistNeverInternalTopics) {
  auto config =
      WithOverrides({"secor.kafka.topic_filter=click.*", "secor.kafka.topic_blacklist=.*_test"});
  ASSERT_TRUE(config.ok());
  auto sel = TopicSelection::FromConfig(*config);
  ASSERT_TRUE(sel.ok()) << sel.status().ToString();
  EXPECT_TRUE(sel->Matches("clicks"));
  EXPECT_FALSE(sel->Matches("views"));
  EXPECT_FALSE(sel->Matches("clicks_test"));
  EXPECT_FALSE(sel->Matches("__consumer_offsets"));

  // The original's exact list wins over the filter.
  auto listed = WithOverrides(
      {"secor.kafka.topic_filter=click.*", "kafka.new.consumer.topic.list=views, orders"});
  ASSERT_TRUE(listed.ok());
  auto by_list = TopicSelection::FromConfig(*listed);
  ASSERT_TRUE(by_list.ok());
  EXPECT_TRUE(by_list->Matches("views"));
  EXPECT_TRUE(by_list->Matches("orders"));
  EXPECT_FALSE(by_list->Matches("clicks"));
}

}  // namespace
}  // namespace secor
