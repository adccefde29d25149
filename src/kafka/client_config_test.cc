#include "kafka/client_config.h"

#include <gtest/gtest.h>

#include <set>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "config/keys_java.h"
#include "support/test_util.h"

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
      {"sasl.mechanisms", "SCRAM-SHA-512"},
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

TEST(ClientConfigTest, AJksTrustStoreIsRefusedWithHowToConvertIt) {
  Config c;
  c.Set("kafka.bootstrap.servers", "k:9092", "test");
  c.Set("kafka.new.consumer.ssl.truststore.location", "/etc/kafka/truststore.jks",
        "secor.properties:7");
  auto s = ConsumerClientSettings(c, "g");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "kafka.new.consumer.ssl.truststore.location=/etc/kafka/truststore.jks "
            "(secor.properties:7): a JKS trust store cannot be read by librdkafka; convert it to "
            "PEM with `keytool -importkeystore -srckeystore /etc/kafka/truststore.jks "
            "-destkeystore truststore.p12 -deststoretype PKCS12 && openssl pkcs12 -in "
            "truststore.p12 -nokeys -out ca.pem` and set "
            "kafka.new.consumer.ssl.truststore.location=ca.pem");
}

TEST(ClientConfigTest, JksKeyStoresAndPkcs12TrustStoresAreRefused) {
  auto jks = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.ssl.keystore.location", "/etc/kafka/client.ks"},
            {"kafka.new.consumer.ssl.keystore.type", "JKS"}}),
      "g");
  ASSERT_FALSE(jks.ok());
  EXPECT_NE(jks.status().message().find(
                "kafka.new.consumer.ssl.keystore.location=/etc/kafka/client.ks (test): a JKS key "
                "store cannot be read by librdkafka; convert it to PKCS12 with `keytool "
                "-importkeystore -srckeystore /etc/kafka/client.ks -destkeystore keystore.p12 "
                "-deststoretype PKCS12`"),
            std::string::npos)
      << jks.status().message();
  auto p12 = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.ssl.truststore.location", "/etc/kafka/trust.p12"}}),
      "g");
  ASSERT_FALSE(p12.ok());
  EXPECT_NE(p12.status().message().find("`openssl pkcs12 -in /etc/kafka/trust.p12 -nokeys -out "
                                        "ca.pem`"),
            std::string::npos)
      << p12.status().message();
}

// The store type comes from ssl.*.type, else the file's first bytes, else the
// extension: a JKS file named .pem is still refused.
TEST(ClientConfigTest, StoreTypeFromTheFileContent) {
  testing::TempDir dir;
  std::string jks = dir.Join("store.pem");
  ASSERT_TRUE(WriteFileAtomic(jks, std::string("\xFE\xED\xFE\xED\x00\x00\x00\x02", 8)).ok());
  auto s = ConsumerClientSettings(With({{"kafka.bootstrap.servers", "k:9092"},
                                        {"kafka.new.consumer.ssl.truststore.location", jks}}),
                                  "g");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("a JKS trust store"), std::string::npos);
  std::string pem = dir.Join("ca.crt");
  ASSERT_TRUE(WriteFileAtomic(pem, "-----BEGIN CERTIFICATE-----\nAAAA\n").ok());
  auto ok = ConsumerClientSettings(With({{"kafka.bootstrap.servers", "k:9092"},
                                         {"kafka.new.consumer.ssl.truststore.location", pem}}),
                                   "g");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->at("ssl.ca.location"), pem);
}

TEST(ClientConfigTest, PemAndPkcs12KeyStores) {
  auto pem = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.ssl.keystore.location", "/etc/kafka/client.pem"},
            {"kafka.new.consumer.ssl.keystore.type", "PEM"},
            {"kafka.new.consumer.ssl.key.password", "kpw"}}),
      "g");
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  EXPECT_EQ(pem->at("ssl.certificate.location"), "/etc/kafka/client.pem");
  EXPECT_EQ(pem->at("ssl.key.location"), "/etc/kafka/client.pem");
  EXPECT_EQ(pem->at("ssl.key.password"), "kpw");
  EXPECT_EQ(pem->count("ssl.keystore.location"), 0u);
  auto p12 = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.ssl.keystore.location", "/etc/kafka/client.p12"},
            {"kafka.new.consumer.ssl.keystore.password", "spw"}}),
      "g");
  ASSERT_TRUE(p12.ok()) << p12.status().ToString();
  EXPECT_EQ(p12->at("ssl.keystore.location"), "/etc/kafka/client.p12");
  EXPECT_EQ(p12->at("ssl.keystore.password"), "spw");
}

TEST(ClientConfigTest, KerberosJaasBecomesKeytabAndPrincipal) {
  auto s = ConsumerClientSettings(
      With({{"kafka.bootstrap.servers", "k:9092"},
            {"kafka.new.consumer.sasl.mechanism", "GSSAPI"},
            {"kafka.new.consumer.sasl.kerberos.service.name", "kafka"},
            {"kafka.new.consumer.sasl.jaas.config",
             "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
             "keyTab=\"/etc/secor.keytab\" principal=\"secor@EXAMPLE.COM\";"}}),
      "g");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->at("sasl.mechanisms"), "GSSAPI");
  EXPECT_EQ(s->at("sasl.kerberos.service.name"), "kafka");
  EXPECT_EQ(s->at("sasl.kerberos.keytab"), "/etc/secor.keytab");
  EXPECT_EQ(s->at("sasl.kerberos.principal"), "secor@EXAMPLE.COM");
}

TEST(ClientConfigTest, AnUnknownJaasLoginModuleIsRefused) {
  auto s = ConsumerClientSettings(With({{"kafka.bootstrap.servers", "k:9092"},
                                        {"kafka.new.consumer.sasl.jaas.config",
                                         "org.example.CustomLoginModule required token=\"x\";"}}),
                                  "g");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("kafka.new.consumer.sasl.jaas.config"), std::string::npos)
      << s.status().ToString();
}

// The shipped common file sets every Java client key, mostly empty: empty
// values, Java-only keys and the original's class names never reach
// librdkafka; renamed ones arrive under librdkafka's name.
TEST(ClientConfigTest, JavaOnlyAndEmptySettingsNeverReachTheClient) {
  Config c;
  c.Set("kafka.bootstrap.servers", "k:9092", "test");
  for (const JavaKeyInfo& k : JavaKeys()) {
    if (k.is_prefix || !StartsWith(k.name, "kafka.")) continue;
    // Empty, as in the shipped file.
    c.Add(std::string(k.name), "", "common:1");
  }
  auto empty = ConsumerClientSettings(c, "g");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  std::set<std::string> base{
      "bootstrap.servers",  "auto.offset.reset",        "group.id",
      "enable.auto.commit", "enable.auto.offset.store", "partition.assignment.strategy",
      "client.id"};
  for (const auto& [k, v] : *empty) EXPECT_TRUE(base.count(k)) << k << "=" << v;

  // Set to a value: the not applicable ones still stay out.
  Config set;
  set.Set("kafka.bootstrap.servers", "k:9092", "test");
  for (const JavaKeyInfo& k : JavaKeys()) {
    if (k.is_prefix || k.status != JavaKeyStatus::kNotApplicable || !StartsWith(k.name, "kafka.")) {
      continue;
    }
    set.Set(std::string(k.name), "1", "test");
  }
  set.Set("kafka.new.consumer.request.timeout.ms", "30000", "test");
  set.Set("kafka.new.consumer.isolation.level", "read_committed", "test");
  set.Set("kafka.new.consumer.max.poll.interval.ms", "600000", "test");
  set.Set("kafka.new.consumer.topic.list", "a,b", "test");
  set.Set("kafka.socket.receive.buffer.bytes", "65536", "test");
  set.Set("kafka.fetch.min.bytes", "1024", "test");
  auto s = ConsumerClientSettings(set, "g");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::map<std::string, std::string> want{
      {"bootstrap.servers", "k:9092"},
      {"auto.offset.reset", "earliest"},
      {"group.id", "g"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"client.id", "secor"},
      {"socket.timeout.ms", "30000"},
      {"isolation.level", "read_committed"},
      {"max.poll.interval.ms", "600000"},
      {"socket.receive.buffer.bytes", "65536"},
      {"fetch.min.bytes", "1024"},
  };
  EXPECT_EQ(*s, want);
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

// secor produce -b with a file that names no servers: the file's security
// settings still apply (they were dropped once, issue 18).
TEST(ClientConfigTest, GivenServersReplaceMissingOnesAndKeepEveryOtherSetting) {
  Config c = With({{"kafka.client.security.protocol", "SASL_SSL"},
                   {"kafka.client.sasl.mechanisms", "PLAIN"},
                   {"kafka.client.sasl.username", "u"},
                   {"kafka.client.sasl.password", "p4ss"}});
  EXPECT_FALSE(PlainClientSettings(c).ok());
  auto plain = PlainClientSettings(c, "b:9093");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  std::map<std::string, std::string> want = {
      {"bootstrap.servers", "b:9093"}, {"security.protocol", "SASL_SSL"},
      {"sasl.mechanisms", "PLAIN"},    {"sasl.username", "u"},
      {"sasl.password", "p4ss"},
  };
  EXPECT_EQ(*plain, want);
  c.Set("kafka.bootstrap.servers", "k:1", "test");
  EXPECT_EQ(PlainClientSettings(c, "b:9093")->at("bootstrap.servers"), "b:9093");
}

}  // namespace
}  // namespace secor
