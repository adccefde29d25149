#include "config/config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "common/file_util.h"
#include "common/registry.h"
#include "config/keys.h"
#include "config/keys_java.h"
#include "config/properties.h"
#include "support/test_util.h"

namespace secor {
namespace {

using testing::TempDir;

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.Join(name);
  std::ofstream(path) << text;
  return path;
}

TEST(PropertiesTest, JavaSyntax) {
  auto lines = ParseProperties(
      "# comment\n! also a comment\n  a = 1\nb:2\nc 3\nlong = one \\\n    two\n"
      "esc = tab\\there\\u00e9\nempty=\n",
      "t.properties");
  ASSERT_TRUE(lines.ok());
  std::map<std::string, std::string> m;
  for (const auto& l : *lines) m[l.key] = l.value;
  EXPECT_EQ(m["a"], "1");
  EXPECT_EQ(m["b"], "2");
  EXPECT_EQ(m["c"], "3");
  EXPECT_EQ(m["long"], "one two");
  EXPECT_EQ(m["esc"], "tab\there\xc3\xa9");
  EXPECT_EQ(m["empty"], "");
  EXPECT_EQ((*lines)[0].line, 3);
}

TEST(PropertiesTest, MalformedUnicodeEscapeNamesTheLine) {
  auto lines = ParseProperties("a=1\nb=\\u12\n", "x.properties");
  ASSERT_FALSE(lines.ok());
  EXPECT_EQ(lines.status().message(), "x.properties:2: malformed \\u escape");
}

// Commons Configuration 1.x, as the Java Secor read its files: an include
// loads at its line, and the FIRST value loaded of a repeated key counts.
TEST(ConfigTest, IncludeChainTheFirstLoadedValueWins) {
  TempDir dir;
  Write(dir, "common.properties", "secor.generation=1\nsecor.kafka.group=common\nshared=base\n");
  Write(dir, "middle.properties", "include=common.properties\nsecor.kafka.group=middle\n");
  std::string top = Write(dir, "top.properties",
                          "secor.local.path=/top\ninclude=middle.properties\nsecor.generation=3\n");
  auto c = Config::Load(top, {"secor.max.file.age.seconds=7"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c->Int("secor.generation"), 1);  // common's line loads before top's line 3
  EXPECT_EQ(*c->String("secor.kafka.group"), "common");
  EXPECT_EQ(*c->String("secor.local.path"), "/top");
  EXPECT_EQ(*c->StringOr("shared", ""), "base");
  EXPECT_EQ(*c->Int("secor.max.file.age.seconds"), 7);
  EXPECT_EQ(c->Origin("secor.max.file.age.seconds"), "--set");
  EXPECT_EQ(c->Origin("secor.generation"), dir.Join("common.properties") + ":1");
  // Defaults come from the key table.
  EXPECT_EQ(*c->Int("secor.max.file.size.bytes"), 200000000);
  EXPECT_EQ(*c->String("secor.offsets.prefix"), "offset=");
}

// The shape of the original's secor.test.backup.properties: the test file is
// included before the dev chain, so its bucket wins over the dev file's
// empty one; one notice names the value used and the one ignored.
TEST(ConfigTest, AnIncludeBeforeAnotherWinsAndTheConflictIsNamedOnce) {
  TempDir dir;
  Write(dir, "base.properties", "secor.s3.bucket=\naws.secret.key=\nsecor.kafka.group=base\n");
  Write(dir, "dev.properties", "include=base.properties\nsecor.kafka.group=dev\n");
  Write(dir, "test.properties", "secor.s3.bucket=test-bucket\naws.secret.key=SECRETVALUE\n");
  std::string top =
      Write(dir, "top.properties", "include=test.properties\ninclude=dev.properties\n");
  auto c = Config::Load(top, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c->Required("secor.s3.bucket"), "test-bucket");
  EXPECT_EQ(*c->String("aws.secret.key"), "SECRETVALUE");
  EXPECT_EQ(*c->String("secor.kafka.group"), "base");
  std::string t = dir.Join("test.properties"), b = dir.Join("base.properties"),
              d = dir.Join("dev.properties");
  std::vector<std::string> want{
      "aws.secret.key is set 2 times: \"****\" (" + t + ":2) is used, \"\" (" + b +
          ":2) ignored (the first value loaded wins, as in the Java Secor)",
      "secor.kafka.group is set 2 times: \"base\" (" + b + ":3) is used, \"dev\" (" + d +
          ":2) ignored (the first value loaded wins, as in the Java Secor)",
      "secor.s3.bucket is set 2 times: \"test-bucket\" (" + t + ":1) is used, \"\" (" + b +
          ":1) ignored (the first value loaded wins, as in the Java Secor)",
  };
  EXPECT_EQ(c->LoadNotices(), want);
  EXPECT_EQ(c->Values("secor.s3.bucket").size(), 2u);
}

// A file every user may read that writes out a secret draws one warning
// naming the file and the keys with their lines, never a value; ${env:...}
// references, a private file (chmod 600) and an include= of one do not.
TEST(ConfigTest, AWorldReadableFileWithASecretIsNamedWithoutTheSecret) {
  TempDir dir;
  std::string secrets =
      Write(dir, "secrets.properties", "aws.secret.key=S3CR3T-in-a-private-file\n");
  ASSERT_EQ(::chmod(secrets.c_str(), 0600), 0);
  std::string top =
      Write(dir, "secor.properties",
            "secor.kafka.group=g\n"
            "aws.access.key=AKIAEXAMPLE\n"
            "aws.secret.key=wJalrXUtnFEMI/K7MDENG\n"
            "kafka.new.consumer.sasl.jaas.config=org.apache.kafka.common.security.plain."
            "PlainLoginModule required username=\"u\" password=\"hunter2-literal\";\n"
            "kafka.new.consumer.sasl.oauthbearer.token.endpoint.url=https://idp/token\n"
            "secor.qubole.api.token=${env:SECOR_TEST_QUBOLE_TOKEN}\n"
            "aws.session.token=\n"
            "include=secrets.properties\n");
  ASSERT_EQ(::chmod(top.c_str(), 0644), 0);
  ::setenv("SECOR_TEST_QUBOLE_TOKEN", "from-the-environment", 1);
  auto c = Config::Load(top, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::vector<std::string> want{
      top +
      " can be read by every user of this machine (mode 0644) and holds secrets: aws.secret.key "
      "(line 3), kafka.new.consumer.sasl.jaas.config (line 4); chmod 600 it, or keep the secrets "
      "out of it with ${env:NAME} or an include= of a file only secor can read "
      "(docs/configuration.md)"};
  EXPECT_EQ(c->SecretFileWarnings(), want);
  for (const auto& w : c->SecretFileWarnings()) {
    EXPECT_EQ(w.find("wJalrXUtnFEMI"), std::string::npos) << w;
    EXPECT_EQ(w.find("hunter2"), std::string::npos) << w;
  }
  EXPECT_EQ(*c->String("secor.qubole.api.token"), "from-the-environment");

  // The same file made private: nothing to say.
  ASSERT_EQ(::chmod(top.c_str(), 0640), 0);
  c = Config::Load(top, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->SecretFileWarnings(), std::vector<std::string>{});

  // Secrets from the environment only: nothing to say either.
  std::string env_only = Write(
      dir, "env.properties",
      "aws.secret.key=${env:SECOR_TEST_QUBOLE_TOKEN}\n"
      "kafka.new.consumer.sasl.jaas.config=org.apache.kafka.common.security.plain."
      "PlainLoginModule required username=\"u\" password=\"${env:SECOR_TEST_QUBOLE_TOKEN}\";\n"
      "kafka.new.consumer.sasl.password= ${env:SECOR_TEST_QUBOLE_TOKEN} \n");
  ASSERT_EQ(::chmod(env_only.c_str(), 0644), 0);
  c = Config::Load(env_only, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->SecretFileWarnings(), std::vector<std::string>{});
  ::unsetenv("SECOR_TEST_QUBOLE_TOKEN");

  EXPECT_TRUE(HoldsLiteralSecret("kafka.new.consumer.ssl.key.password", "pw"));
  EXPECT_TRUE(HoldsLiteralSecret("aws.secret.key", "pre${env:X}"));
  EXPECT_FALSE(HoldsLiteralSecret("aws.secret.key", ""));
  EXPECT_FALSE(HoldsLiteralSecret("aws.access.key", "AKIA"));
  EXPECT_FALSE(HoldsLiteralSecret("aws.container.credentials.endpoint", "http://x"));
  EXPECT_FALSE(HoldsLiteralSecret("kafka.new.consumer.sasl.jaas.config",
                                  "com.sun.security.auth.module.Krb5LoginModule required "
                                  "useKeyTab=true keyTab=\"/k.keytab\";"));
  EXPECT_TRUE(HoldsLiteralSecret("kafka.new.consumer.sasl.jaas.config",
                                 "x.OAuthBearerLoginModule required clientSecret = s3;"));
}

TEST(ConfigTest, RepeatedEqualValuesDrawNoNotice) {
  TempDir dir;
  Write(dir, "a.properties", "kafka.seed.broker.port=9092\n");
  std::string top =
      Write(dir, "b.properties", "include=a.properties\nkafka.seed.broker.port=9092\n");
  auto c = Config::Load(top, {});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->LoadNotices().empty());
}

// -D (here --set) is setProperty: it replaces every value of its key.
TEST(ConfigTest, SetReplacesEveryValueOfItsKey) {
  TempDir dir;
  Write(dir, "a.properties", "secor.kafka.group=a\nzookeeper.quorum=z1:2181\n");
  std::string top = Write(dir, "b.properties",
                          "include=a.properties\nsecor.kafka.group=b\nzookeeper.quorum=z2:2181\n");
  auto c = Config::Load(top, {"secor.kafka.group=cli", "zookeeper.quorum=z3:2181"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->String("secor.kafka.group"), "cli");
  EXPECT_EQ(*c->String("zookeeper.quorum"), "z3:2181");
  EXPECT_EQ(c->Values("secor.kafka.group").size(), 1u);
  EXPECT_TRUE(c->LoadNotices().empty());
}

// Values split at unescaped commas: keys the original read as arrays take
// every element of every value, its other keys the first element (with a
// notice), keys only this version has the whole value; \, escapes a comma.
TEST(ConfigTest, CommaListsAsCommonsConfigurationSplitsThem) {
  TempDir dir;
  Write(dir, "a.properties", "zookeeper.quorum=z1:2181, z2:2181\n");
  std::string top = Write(dir, "b.properties",
                          "include=a.properties\n"
                          "zookeeper.quorum=z3:2181\n"
                          "secor.kafka.topic_filter=a{1,3}\n"
                          "secor.kafka.topic_blacklist=b{1\\,3}\n"
                          "secor.parquet.columns=a:int64, b:string\n"
                          "secor.s3.path=x\\\\,y\n"
                          "include = c.properties , d.properties\n");
  Write(dir, "c.properties", "secor.local.path=/c\n");
  Write(dir, "d.properties", "secor.writer.id=d\n");
  auto c = Config::Load(top, {"kafka.new.consumer.topic.list=t1,t2"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c->String("zookeeper.quorum"), "z1:2181,z2:2181,z3:2181");
  EXPECT_EQ(*c->String("kafka.new.consumer.topic.list"), "t1,t2");
  EXPECT_EQ(*c->String("secor.kafka.topic_filter"), "a{1");
  EXPECT_EQ(*c->String("secor.kafka.topic_blacklist"), "b{1,3}");
  EXPECT_EQ(*c->String("secor.parquet.columns"), "a:int64, b:string");
  // "\\\\," in a file is an escaped backslash, then an escaped comma is
  // what Commons Configuration sees: one element "x,y".
  EXPECT_EQ(*c->String("secor.s3.path"), "x,y");
  EXPECT_EQ(*c->String("secor.local.path"), "/c");
  EXPECT_EQ(*c->String("secor.writer.id"), "d");
  std::vector<std::string> want{"secor.kafka.topic_filter=\"a{1,3}\" (" + top +
                                ":3): only \"a{1\" is used: the Java Secor read this key as one "
                                "value, cut at the first unescaped comma; write \\, for a comma"};
  EXPECT_EQ(c->LoadNotices(), want);
  EXPECT_EQ(SplitListValue("a\\,b, c ,\\\\,d\\x"),
            (std::vector<std::string>{"a,b", "c", "\\", "d\\x"}));
  EXPECT_EQ(UnescapeListValue("a\\,b\\\\c\\d"), "a,b\\c\\d");
}

// An empty value means unset: the default applies, typed getters do not fail,
// and pass-through families skip it.
TEST(ConfigTest, AnEmptyValueMeansUnset) {
  TempDir dir;
  std::string path = Write(dir, "e.properties",
                           "secor.max.file.age.seconds=\nsecor.message.parser.class=\n"
                           "kafka.new.consumer.request.timeout.ms=\nkafka.fetch.min.bytes=\n"
                           "secor.upload.on.shutdown=\n");
  auto c = Config::Load(path, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->Int("secor.max.file.age.seconds"), 3600);
  EXPECT_EQ(*c->String("secor.message.parser.class"), "");
  EXPECT_FALSE(*c->Bool("secor.upload.on.shutdown"));
  EXPECT_FALSE(c->Has("secor.message.parser.class"));
  EXPECT_FALSE(c->Lookup("secor.message.parser.class")->has_value());
  EXPECT_TRUE(c->WithPrefix("kafka.new.consumer.")->empty());
  EXPECT_TRUE(c->WithPrefix("kafka.fetch.")->empty());
  EXPECT_EQ(c->Origin("secor.message.parser.class"), path + ":2");
  // Where empty is a value (no directory prefix), it stays one.
  auto prefix = Config::FromMap({{"partitioner.granularity.hour.prefix", ""}});
  EXPECT_EQ(*prefix.String("partitioner.granularity.hour.prefix"), "");
  EXPECT_TRUE(prefix.Has("partitioner.granularity.hour.prefix"));
}

// Keys the original read under another name count when the new one is unset.
TEST(ConfigTest, TheOriginalsNamesOfRenamedKeys) {
  auto c = Config::FromMap({{"qubole.api.token", "tok-123"},
                            {"hive.table.prefix", "pin_"},
                            {"hive.table.name.clicks", "clicks_table"},
                            {"secor.file.writer.Delimiter", "\t"},
                            {"statsd.dogstatsd.tags.enabled", "true"}});
  EXPECT_EQ(*c.String("secor.qubole.api.token"), "tok-123");
  EXPECT_EQ(*c.String("secor.hive.prefix"), "pin_");
  EXPECT_EQ(*c.Lookup("secor.hive.table.name.clicks"), "clicks_table");
  EXPECT_EQ(*c.String("secor.text.delimiter"), "\t");
  EXPECT_TRUE(*c.Bool("statsd.dogstatsd"));
  EXPECT_TRUE(c.UnknownKeys().empty());
  auto both = Config::FromMap({{"secor.hive.prefix", "new_"}, {"hive.table.prefix", "old_"}});
  EXPECT_EQ(*both.String("secor.hive.prefix"), "new_");
}

TEST(ConfigTest, NotApplicableAndUnsupportedKeysOfTheOriginal) {
  auto c = Config::FromMap({{"kafka.new.consumer.ssl.provider", "SunJSSE"},
                            {"kafka.new.consumer.poll.timeout.seconds", "10"},
                            {"kafka.new.consumer.ssl.enabled.protocols", ""},
                            {"swift.port", "8080"},
                            {"secor.s3.filesystem", "s3n"},
                            {"aws.proxy.isEnabled", "false"}});
  EXPECT_TRUE(c.UnknownKeys().empty());
  EXPECT_EQ(c.NotApplicableKeys(),
            (std::vector<std::string>{"kafka.new.consumer.poll.timeout.seconds",
                                      "kafka.new.consumer.ssl.provider", "secor.s3.filesystem",
                                      "swift.port"}));
  EXPECT_EQ(FindJavaKey("kafka.new.consumer.ssl.provider")->note,
            "TLS is OpenSSL's; there is no JSSE provider");
  EXPECT_TRUE(c.CheckUnsupportedKeys().ok());
  auto proxy = Config::FromMap({{"aws.proxy.isEnabled", "true"}}, "p.properties:4");
  EXPECT_EQ(proxy.CheckUnsupportedKeys().message(),
            "aws.proxy.isEnabled=true (p.properties:4): an HTTP proxy for S3 is not supported yet");
  auto alt = Config::FromMap({{"secor.s3.alternative.path", "other"}}, "p.properties:9");
  EXPECT_EQ(alt.CheckUnsupportedKeys().message(),
            "secor.s3.alternative.path=other (p.properties:9): switching to an alternative path "
            "after a date is not supported yet");
}

TEST(ConfigTest, IncludeCycleIsAnError) {
  TempDir dir;
  Write(dir, "a.properties", "include=b.properties\n");
  Write(dir, "b.properties", "include=a.properties\n");
  auto c = Config::Load(dir.Join("a.properties"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("include cycle"), std::string::npos);
}

TEST(ConfigTest, MissingFileIsAClearError) {
  auto c = Config::Load("/nonexistent/secor.properties", {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "cannot read config open /nonexistent/secor.properties: No such file or directory");
}

TEST(ConfigTest, BadValuesNameKeyValueAndOrigin) {
  TempDir dir;
  std::string path =
      Write(dir, "s.properties", "secor.max.file.size.bytes=big\nsecor.upload.on.shutdown=maybe\n");
  auto c = Config::Load(path, {});
  ASSERT_TRUE(c.ok());
  auto size = c->Int("secor.max.file.size.bytes");
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().message(),
            "secor.max.file.size.bytes=big (" + path + ":1): not an integer");
  auto b = c->Bool("secor.upload.on.shutdown");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            "secor.upload.on.shutdown=maybe (" + path + ":2): not a boolean (true or false)");
  auto group = c->Required("secor.kafka.group");
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().message(), "secor.kafka.group: required setting is missing in " + path);
}

TEST(ConfigTest, EnvironmentAndKeyReferences) {
  setenv("SECOR_TEST_SECRET", "s3cr3t", 1);
  auto c = Config::FromMap({{"aws.secret.key", "${env:SECOR_TEST_SECRET}"},
                            {"secor.s3.path", "${secor.kafka.group}/raw"},
                            {"secor.kafka.group", "g1"},
                            {"aws.session.token", "${env:SECOR_TEST_UNSET_VARIABLE}"}});
  EXPECT_EQ(*c.String("aws.secret.key"), "s3cr3t");
  EXPECT_EQ(*c.String("secor.s3.path"), "g1/raw");
  auto missing = c.String("aws.session.token");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(
      missing.status().message().find("environment variable SECOR_TEST_UNSET_VARIABLE is not set"),
      std::string::npos);
  // Secrets never appear in dumps or error messages.
  EXPECT_EQ(c.RedactedValues()["aws.secret.key"], "****");
  EXPECT_EQ(c.BadValue("aws.secret.key", "x").message(), "aws.secret.key=**** (test): x");
}

// Found by config_load_fuzz: an escaped newline in an include's file name
// broke the one-line error.
TEST(ConfigTest, IncludeWithAControlCharacterIsAOneLineError) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("main.properties"), "include=a\\nb.properties\n").ok());
  auto c = Config::Load(dir.Join("main.properties"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find('\n'), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("main.properties:1: include \"a\\nb.properties\""),
            std::string::npos)
      << c.status().message();
}

// Each level doubles the references of the one above: 2^16 of them within
// the depth limit, or billions with more per value. Refused, and quickly.
TEST(ConfigTest, ReferencesThatMultiplyAreRefused) {
  std::map<std::string, std::string> kv{{"l16", "x"}};
  for (int level = 0; level < 16; ++level) {
    std::string refs;
    for (int i = 0; i < 8; ++i) refs += fmt::format("${{l{}}}", level + 1);
    kv[fmt::format("l{}", level)] = refs;
  }
  auto c = Config::FromMap(kv);
  auto blown = c.String("l0");
  ASSERT_FALSE(blown.ok());
  EXPECT_NE(blown.status().message().find("expanding it takes more than 1000 ${...} references"),
            std::string::npos)
      << blown.status().message();
  // Within the budget the same shape expands: 8^3 = 512 copies.
  EXPECT_EQ(*c.String("l13"), std::string(512, 'x'));
  // A large value referenced many times stops at the size limit.
  auto big = Config::FromMap(
      {{"a", std::string(100000, 'y')}, {"b", "${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}"}});
  auto too_big = big.String("b");
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("expands to more than 1048576 bytes"),
            std::string::npos);
}

TEST(ConfigTest, PerTopicOverrides) {
  auto c = Config::FromMap({{"secor.max.file.age.seconds", "60"},
                            {"secor.max.file.age.seconds.clicks", "5"},
                            {"secor.message.parser.class.clicks", "json"}});
  EXPECT_EQ(*c.IntForTopic("secor.max.file.age.seconds", "clicks"), 5);
  EXPECT_EQ(*c.IntForTopic("secor.max.file.age.seconds", "views"), 60);
  EXPECT_EQ(*c.StringForTopic("secor.message.parser.class", "clicks"), "json");
  // Per-topic keys of known keys are not reported as unknown; typos are.
  auto typo =
      Config::FromMap({{"secor.max.file.age.seconds.clicks", "5"}, {"secor.max.fle.size", "1"}});
  EXPECT_EQ(typo.UnknownKeys(), std::vector<std::string>{"secor.max.fle.size"});
}

TEST(ConfigTest, PassThroughFamiliesAreKnown) {
  auto c = Config::FromMap({{"kafka.new.consumer.security.protocol", "SSL"},
                            {"kafka.new.consumer.sasl.password", "pw"},
                            {"secor.hive.table.name.clicks", "clicks_table"}});
  EXPECT_TRUE(c.UnknownKeys().empty());
  EXPECT_TRUE(IsSecretKey("kafka.new.consumer.sasl.password"));
  auto family = c.WithPrefix("kafka.new.consumer.");
  ASSERT_TRUE(family.ok());
  EXPECT_EQ((*family)["security.protocol"], "SSL");
}

TEST(RegistryTest, JavaClassNamesResolveBySimpleName) {
  Registry<int> r;
  r.Add("json", {"JsonMessageParser"}, 7);
  ASSERT_NE(r.Find("com.pinterest.secor.parser.JsonMessageParser"), nullptr);
  EXPECT_EQ(*r.Find("com.pinterest.secor.parser.JsonMessageParser"), 7);
  EXPECT_EQ(*r.Find("JSON"), 7);
  EXPECT_EQ(r.CanonicalName("com.pinterest.secor.parser.JsonMessageParser"), "json");
  EXPECT_EQ(r.Find("com.pinterest.secor.parser.NoSuchParser"), nullptr);
}

// The configuration reference documents every key this build knows.
TEST(ConfigDocsTest, EveryKeyIsDocumented) {
  auto doc = ReadFile(std::string(SECOR_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  for (const KeyInfo& k : KnownKeys()) {
    EXPECT_NE(doc->find("`" + std::string(k.name)), std::string::npos)
        << k.name
        << " is missing from docs/configuration.md (regenerate with `secor keys --markdown`)";
  }
}

}  // namespace
}  // namespace secor
