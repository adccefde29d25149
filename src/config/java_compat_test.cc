// Loads hand-written files with the structure and every key of the Java
// Secor's shipped configuration (testdata/java_secor) as a migrating user
// would: no key may be unknown, and the values the original used come out.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "config/keys.h"
#include "config/keys_java.h"
#include "config/properties.h"
#include "support/test_util.h"

namespace secor {
namespace {

std::string Data(const std::string& name) {
  return std::string(SECOR_SOURCE_DIR) + "/src/config/testdata/java_secor/" + name;
}

Config LoadOk(const std::string& path) {
  auto c = Config::Load(path, {});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : Config();
}

// Every chain the original ships, and the log4j file beside them.
TEST(JavaCompatTest, NoKeyOfTheShippedFilesIsUnknown) {
  for (const char* file :
       {"secor.common.properties", "secor.dev.properties", "secor.dev.backup.properties",
        "secor.dev.partition.properties", "secor.dev.hr.partition.properties",
        "secor.dev.azure.properties", "secor.dev.gs.properties", "secor.test.properties",
        "secor.test.backup.properties", "secor.test.partition.properties",
        "secor.test.perf.backup.properties", "secor.prod.properties",
        "secor.prod.backup.properties", "secor.prod.partition.properties", "kafka.properties",
        "legacy/kafka.properties", "log4j.properties"}) {
    Config c = LoadOk(Data(file));
    EXPECT_EQ(c.UnknownKeys(), std::vector<std::string>()) << file;
    EXPECT_TRUE(c.CheckUnsupportedKeys().ok())
        << file << ": " << c.CheckUnsupportedKeys().ToString();
  }
}

// Each key of the test files is one of the original's (keys_java.cc), so the
// table and docs/compatibility.md cover every shipped key.
TEST(JavaCompatTest, EveryShippedKeyIsInTheJavaKeyTable) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(Data(""))) {
    if (entry.path().extension() != ".properties") continue;
    auto text = ReadFile(entry.path().string());
    ASSERT_TRUE(text.ok());
    auto lines = ParseProperties(*text, entry.path().string());
    ASSERT_TRUE(lines.ok());
    for (const auto& line : *lines) {
      if (line.key == "include") continue;
      EXPECT_NE(FindJavaKey(line.key), nullptr) << line.key << " in " << entry.path();
    }
  }
}

TEST(JavaCompatTest, TestBackupChainGetsTheValuesTheOriginalUsed) {
  Config c = LoadOk(Data("secor.test.backup.properties"));
  // secor.test.properties loads first: its bucket and keys win over the
  // dev chain's empty values.
  EXPECT_EQ(*c.Required("secor.s3.bucket"), "unit-test-bucket");
  EXPECT_EQ(*c.String("aws.access.key"), "UNITTESTKEY");
  EXPECT_EQ(*c.String("aws.secret.key"), "UNITTESTSECRET");
  EXPECT_EQ(*c.String("secor.kafka.group"), "secor_backup");
  EXPECT_EQ(*c.String("secor.message.parser.class"),
            "com.pinterest.secor.parser.OffsetMessageParser");
  EXPECT_EQ(*c.String("secor.s3.path"), "dev/backup");
  EXPECT_EQ(*c.String("secor.local.path"), "/tmp/secor_test_dev/backup");
  EXPECT_EQ(*c.Int("ostrich.port"), 9999);
  EXPECT_EQ(*c.String("kafka.seed.broker.host"), "localhost");
  EXPECT_EQ(*c.Int("kafka.seed.broker.port"), 9092);
  EXPECT_EQ(*c.Int("secor.max.file.size.bytes"), 10000);
  EXPECT_EQ(*c.Int("secor.max.file.age.seconds"), 10);
  EXPECT_EQ(*c.String("zookeeper.quorum"), "localhost:2181");
  EXPECT_EQ(*c.String("cloud.service"), "S3");
  EXPECT_EQ(*c.String("kafka.consumer.auto.offset.reset"), "smallest");
  EXPECT_FALSE(*c.Bool("kafka.useTimestamp"));
  EXPECT_TRUE(*c.Bool("secor.enable.qubole"));
  EXPECT_EQ(*c.String("secor.file.reader.writer.factory"),
            "com.pinterest.secor.io.impl.SequenceFileReaderWriterFactory");
  EXPECT_EQ(*c.String("secor.message.transformer.class"),
            "com.pinterest.secor.transformer.IdentityMessageTransformer");
  EXPECT_EQ(*c.String("secor.upload.manager.class"),
            "com.pinterest.secor.uploader.HadoopS3UploadManager");
  EXPECT_EQ(*c.String("secor.offsets.prefix"), "offset=");
  EXPECT_EQ(*c.String("partitioner.granularity.date.format"), "yyyy-MM-dd");
  EXPECT_EQ(*c.Int("parquet.block.size"), 134217728);
  // The writer delimiter of the original is the text delimiter here.
  EXPECT_EQ(*c.String("secor.text.delimiter"), "\n");
  // Empty values are unset: the defaults apply.
  EXPECT_EQ(*c.String("aws.region"), "us-east-1");
  EXPECT_EQ(*c.String("message.timestamp.name.separator"), ".");
  EXPECT_EQ(*c.String("secor.compression.codec"), "");
  EXPECT_FALSE(*c.Bool("statsd.dogstatsd"));
  // Only set client settings reach the Kafka translation.
  std::map<std::string, std::string> client{{"auto.offset.reset", "earliest"},
                                            {"poll.timeout.seconds", "10"}};
  EXPECT_EQ(*c.WithPrefix("kafka.new.consumer."), client);
  EXPECT_TRUE(c.WithPrefix("kafka.fetch.")->empty());
  // The ORC schema keeps its escaped commas as one value.
  EXPECT_EQ(*c.StringOr("secor.orc.message.schema.*", ""),
            "struct<id:bigint,tags:array<string>,meta:struct<k:string,v:int>>");
  // Three keys differ between the files: one notice each.
  ASSERT_EQ(c.LoadNotices().size(), 3u) << Join(c.LoadNotices(), "\n");
  EXPECT_EQ(c.LoadNotices()[2], "secor.s3.bucket is set 2 times: \"unit-test-bucket\" (" +
                                    Data("secor.test.properties") + ":1) is used, \"\" (" +
                                    Data("secor.dev.properties") +
                                    ":4) ignored (the first value loaded wins, as in "
                                    "the Java Secor)");
  std::set<std::string> na;
  for (const auto& k : c.NotApplicableKeys()) na.insert(k);
  for (const char* k : {"kafka.client.className", "kafka.new.consumer.poll.timeout.seconds",
                        "kafka.consumer.timeout.ms", "swift.port", "secor.s3.filesystem"}) {
    EXPECT_TRUE(na.count(k)) << k;
  }
  // Set to empty or to a value the original had too: not named.
  EXPECT_FALSE(na.count("kafka.new.consumer.ssl.provider"));
}

TEST(JavaCompatTest, OtherChains) {
  Config partition = LoadOk(Data("secor.test.partition.properties"));
  EXPECT_EQ(*partition.String("secor.kafka.group"), "secor_partition");
  EXPECT_EQ(*partition.String("secor.message.parser.class"),
            "com.pinterest.secor.parser.ThriftMessageParser");
  EXPECT_EQ(*partition.Required("secor.s3.bucket"), "unit-test-bucket");

  Config hr = LoadOk(Data("secor.dev.hr.partition.properties"));
  // common sets partitioner.granularity.hour=false first: as in the original,
  // that value counts, and a notice names the ignored true.
  EXPECT_FALSE(*hr.Bool("partitioner.granularity.hour"));
  bool named = false;
  for (const auto& n : hr.LoadNotices())
    named = named || StartsWith(n, "partitioner.granularity.hour ");
  EXPECT_TRUE(named);

  Config prod = LoadOk(Data("secor.prod.backup.properties"));
  EXPECT_EQ(*prod.Int("secor.max.file.size.bytes"), 200000000);
  EXPECT_EQ(*prod.String("secor.s3.path"), "prod/secor_backup");
  EXPECT_FALSE(prod.Has("kafka.seed.broker.host"));
  EXPECT_FALSE(prod.Has("zookeeper.quorum"));

  // The GCS chain's own class is loaded after common's: the original used
  // HadoopS3UploadManager, and every value stays visible for the store check.
  Config gs = LoadOk(Data("secor.dev.gs.properties"));
  EXPECT_EQ(*gs.String("secor.upload.manager.class"),
            "com.pinterest.secor.uploader.HadoopS3UploadManager");
  ASSERT_EQ(gs.Values("secor.upload.manager.class").size(), 2u);
  EXPECT_EQ(gs.Values("secor.upload.manager.class")[1].raw,
            "com.pinterest.secor.uploader.GsUploadManager");
}

// The legacy Kafka profile in place of the 2.x one.
TEST(JavaCompatTest, LegacyKafkaProfile) {
  testing::TempDir dir;
  for (const auto& entry : std::filesystem::directory_iterator(Data(""))) {
    if (entry.is_regular_file()) {
      std::filesystem::copy_file(entry.path(), dir.Join(entry.path().filename().string()));
    }
  }
  std::filesystem::copy_file(Data("legacy/kafka.properties"), dir.Join("kafka.properties"),
                             std::filesystem::copy_options::overwrite_existing);
  Config c = LoadOk(dir.Join("secor.test.backup.properties"));
  EXPECT_TRUE(c.UnknownKeys().empty());
  EXPECT_EQ(*c.StringOr("kafka.client.className", ""),
            "com.pinterest.secor.common.LegacyKafkaClient");
  EXPECT_EQ(*c.Required("secor.s3.bucket"), "unit-test-bucket");
}

// docs/compatibility.md lists every key of the original (the table is
// generated with `secor keys --java-markdown`, scripts/gen-config-docs.sh).
TEST(JavaCompatTest, EveryJavaKeyIsDocumented) {
  auto doc = ReadFile(std::string(SECOR_SOURCE_DIR) + "/docs/compatibility.md");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  for (const JavaKeyInfo& k : JavaKeys()) {
    EXPECT_NE(doc->find("`" + std::string(k.name)), std::string::npos)
        << k.name << " is missing from docs/compatibility.md (run scripts/gen-config-docs.sh)";
  }
}

}  // namespace
}  // namespace secor
