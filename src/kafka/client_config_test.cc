#include "kafka/client_config.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

Config With(const std::map<std::string, std::string>& kv) {
  Config c;
  for (const auto& [k, v] : kv) c.Set(k, v, "test");
  return c;
}

TEST(ClientConfigTest, JavaSecuritySettingsBecomeLibrdkafkaOnes) {
  auto s = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k1:9093,k2:9093"},
            {"kafka.new.consumer.security.protocol", "SASL_SSL"},
            {"kafka.new.consumer.sasl.mechanism", "SCRAM-SHA-512"},
            {"kafka.new.consumer.sasl.jaas.config",
             "org.apache.kafka.common.security.scram.ScramLoginModule required "
             "username=\"secor\" password=\"s3cret\";"},
            {"kafka.new.consumer.ssl.truststore.location", "/etc/kafka/ca.pem"},
            {"kafka.new.consumer.ssl.truststore.password", "ignored"},
            {"kafka.new.consumer.key.deserializer", "ignored"},
            {"kafka.new.consumer.enable.auto.commit", "true"},
            {"kafka.new.consumer.auto.offset.reset", "smallest"},
            {"kafka.fetch.message.max.bytes", "2097152"}}),
      "backup");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::map<std::string, std::string> want{
      {"bootstrap.servers", "k1:9093,k2:9093"},
      {"security.protocol", "SASL_SSL"},
      {"sasl.mechanism", "SCRAM-SHA-512"},
      {"sasl.username", "secor"},
      {"sasl.password", "s3cret"},
      {"ssl.ca.location", "/etc/kafka/ca.pem"},
      {"fetch.message.max.bytes", "2097152"},
      {"auto.offset.reset", "earliest"},
      {"group.id", "backup"},
      // The round protocol commits; nothing may override that.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"client.id", "secor"},
  };
  EXPECT_EQ(*s, want);
}

TEST(ClientConfigTest, AJavaKeystoreIsRefusedNamingTheKey) {
  auto s = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.ssl.truststore.location", "/etc/kafka/truststore.jks"}}),
      "g");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("kafka.new.consumer.ssl.truststore.location"),
            std::string::npos)
      << s.status().ToString();
  EXPECT_NE(s.status().message().find("convert to PEM"), std::string::npos);
}

TEST(ClientConfigTest, AJaasConfigWithoutUsernameIsRefused) {
  auto s = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.sasl.jaas.config",
             "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;"}}),
      "g");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("kafka.new.consumer.sasl.jaas.config"), std::string::npos)
      << s.status().ToString();
}

TEST(ClientConfigTest, SeedBrokerHostAndPortAsTheOriginalHadThem) {
  auto s = BootstrapServers(
      With({{"kafka.seed.broker.host", "kafka-1"}, {"kafka.seed.broker.port", "9092"}}));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, "kafka-1:9092");
  auto plain = PlainClientSettings(With({{"kafka.bootstrap.servers", "k:1"},
                                         {"kafka.new.consumer.group.id", "x"},
                                         {"kafka.new.consumer.session.timeout.ms", "6000"}}));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->count("group.id"), 0u);
  EXPECT_EQ(plain->count("session.timeout.ms"), 0u);
}

}  // namespace
}  // namespace secor
