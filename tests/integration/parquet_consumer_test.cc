// Parquet and Avro output end to end: `secor consume` (partition group, hourly
// partitions) reads JSON events spread over three days from the test broker
// and writes Parquet (snappy, zstd) and Avro; then readers no one here wrote
// check the output tree against what Kafka holds: DuckDB with Hive
// partitioning (types, every row's values, nulls and nested fields, counts and
// sums per dt/hr, each partition's exact offsets), hyparquet (counts and
// offsets file by file) and avsc (every Avro record). `secor print` must show
// the stored offsets and `secor verify` the exact count with no duplicates or
// gaps. One run also goes to S3 (Ceph RGW) and is read back from a download.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "common/file_util.h"
#include "common/strings.h"
#include "support/cluster.h"
#include "upload/object_names.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;

const std::string kNodeDir = std::string(SECOR_SOURCE_DIR) + "/tests/node";

constexpr int kPartitions = 4;
constexpr int kEvents = 1800;
constexpr char kColumns[] =
    "ts:timestamp_millis=timestamp, id:int64!, user.id:int64, user.name:string, score:double, "
    "tags:list<string>";
constexpr char kAvroSchema[] = R"({"type":"record","name":"Event","namespace":"test","fields":[
  {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"id","type":"long"},
  {"name":"user","type":["null",{"type":"record","name":"User","fields":[
    {"name":"id","type":["null","long"]},{"name":"name","type":["null","string"]}]}]},
  {"name":"score","type":["null","double"]},
  {"name":"tags","type":["null",{"type":"array","items":"string"}]}]})";

// One produced event; absent optional fields are nullopt.
struct Event {
  int64_t ts = 0;
  int64_t id = 0;
  bool has_user = false;
  std::optional<int64_t> user_id;
  std::optional<std::string> user_name;
  std::optional<double> score;
  std::optional<std::vector<std::string>> tags;
};

// Events over three days, in hours 00, 07 and 23 of each (so a day boundary
// falls between 23 and 00), interleaved so that one hour's messages in a
// Kafka partition have offsets with gaps between them.
Event MakeEvent(int i) {
  static const int64_t kDay0 = 1777593600000;  // 2026-05-01T00:00:00Z
  static const int kHours[] = {0, 7, 23};
  static const char* kNames[] = {"ann", "", "zo\xc3\xab \xe4\xb8\xad\xf0\x9f\x98\x80",
                                 "quote\"back\\slash", "x"};
  Event e;
  e.id = i;
  e.ts = kDay0 + (i % 3) * 86400000LL + kHours[(i / 3) % 3] * 3600000LL + (i * 7919LL) % 3600000;
  e.has_user = i % 10 != 0;
  if (e.has_user && i % 10 != 5) e.user_id = i * 7 - 5000;
  if (e.has_user && i % 11 != 1) e.user_name = kNames[i % 5];
  if (i % 7 != 1) e.score = i * 0.25 - 100;
  if (i % 13 != 0) {
    e.tags.emplace();
    for (int k = 0; k < i % 4; ++k)
      e.tags->push_back(k == 1 ? "" : fmt::format("t{}", i % (k + 5)));
  }
  return e;
}

std::string Payload(const Event& e) {
  std::string out = fmt::format(R"({{"timestamp":{},"id":{})", e.ts, e.id);
  if (e.has_user) {
    out += fmt::format(R"(,"user":{{"id":{},"name":{}}})",
                       e.user_id ? std::to_string(*e.user_id) : "null",
                       e.user_name ? JsonQuote(*e.user_name) : "null");
  }
  if (e.score) out += fmt::format(R"(,"score":{})", *e.score);
  if (e.tags) {
    out += ",\"tags\":[";
    for (size_t k = 0; k < e.tags->size(); ++k) out += (k ? "," : "") + JsonQuote((*e.tags)[k]);
    out += "]";
  }
  return out + "}";
}

std::string Hour(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d/%H", &tm);
  return buf;
}

std::string OptInt(const std::optional<int64_t>& v, bool quoted) {
  if (!v) return "null";
  return quoted ? "\"" + std::to_string(*v) + "\"" : std::to_string(*v);
}
std::string OptStr(const std::optional<std::string>& v) { return v ? JsonQuote(*v) : "null"; }
std::string OptDouble(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : "null"; }
std::string Tags(const Event& e) {
  if (!e.tags) return "null";
  std::string out = "[";
  for (size_t k = 0; k < e.tags->size(); ++k) out += (k ? "," : "") + JsonQuote((*e.tags)[k]);
  return out + "]";
}

// The event as DuckDB's JSON rows show the query in CheckParquetWithDuckDb.
std::string DuckRow(int32_t partition, int64_t offset, const Event& e) {
  std::string hour = Hour(e.ts);
  return fmt::format(
      R"({{"p":{},"o":"{}","dt":"{}","hr":"{}","ts":"{}","id":"{}","user":{{"id":{},"name":{}}},"score":{},"tags":{}}})",
      partition, offset, hour.substr(0, 10), hour.substr(11), e.ts, e.id, OptInt(e.user_id, true),
      OptStr(e.user_name), OptDouble(e.score), Tags(e));
}

// The row as `secor print` shows a Parquet file's payload: user columns in
// order, timestamps in the column's unit, groups always present.
std::string ParquetPrintPayload(const Event& e) {
  return fmt::format(R"({{"ts":{},"id":{},"user":{{"id":{},"name":{}}},"score":{},"tags":{}}})",
                     e.ts, e.id, OptInt(e.user_id, false), OptStr(e.user_name), OptDouble(e.score),
                     Tags(e));
}

// The record as avsc and `secor print` show it (the latter without __offset).
std::string AvroRecord(const Event& e) {
  std::string user = e.has_user ? fmt::format(R"({{"id":{},"name":{}}})", OptInt(e.user_id, false),
                                              OptStr(e.user_name))
                                : "null";
  return fmt::format(R"("timestamp":{},"id":{},"user":{},"score":{},"tags":{}}})", e.ts, e.id, user,
                     OptDouble(e.score), Tags(e));
}

// `secor print` keeps a record on one line: backslashes, tabs and newlines
// are escaped (the events hold only printable UTF-8 otherwise).
std::string PrintEscaped(const std::string& payload) {
  std::string out;
  for (char c : payload) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Field(const std::string& json_line, const std::string& name) {
  size_t p = json_line.find("\"" + name + "\":");
  if (p == std::string::npos) return "";
  std::string rest = json_line.substr(p + name.size() + 3);
  if (!rest.empty() && rest[0] == '"') return rest.substr(1, rest.find('"', 1) - 1);
  return rest.substr(0, rest.find_first_of(",}"));
}

using Place = std::pair<int32_t, int64_t>;  // Kafka partition, offset

class ParquetConsumerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto installed = RunCommand({kNodeDir + "/install.sh"});
    ASSERT_EQ(installed.exit_code, 0) << installed.err;
    dir_ = new TempDir();
    broker_ = new TestBroker(dir_->path(), {"events:" + std::to_string(kPartitions)});
    ASSERT_FALSE(broker_->bootstrap().empty());
    // Each partition's events in id order, and one message that does not
    // fit the schemas ("id" is a string) in the middle of partition 2.
    std::vector<std::string> lines(kPartitions);
    for (int i = 0; i < kEvents; ++i) {
      lines[i % kPartitions] += Payload(MakeEvent(i)) + "\n";
      if (i == kEvents / 2)
        lines[2] += R"({"timestamp":1777600000000,"id":"not a number"})"
                    "\n";
    }
    for (int p = 0; p < kPartitions; ++p) {
      auto sent = RunCommand(
          {"kcat", "-P", "-b", broker_->bootstrap(), "-t", "events", "-p", std::to_string(p)},
          lines[p]);
      ASSERT_EQ(sent.exit_code, 0) << sent.err;
    }
    // What Kafka holds decides what is expected, not what was sent.
    events_ = new std::map<Place, Event>();
    for (const auto& [place, payload] :
         testing::ReadTopicWithKcat(broker_->bootstrap(), "events")) {
      auto id = ParseInt64(Field(payload, "id"));
      if (!id) {
        bad_ = place;
        continue;
      }
      ASSERT_EQ(Payload(MakeEvent(static_cast<int>(*id))), payload);
      (*events_)[place] = MakeEvent(static_cast<int>(*id));
    }
    ASSERT_EQ(events_->size(), static_cast<size_t>(kEvents));
    ASSERT_EQ(bad_.first, 2);
  }
  static void TearDownTestSuite() {
    delete broker_;
    delete dir_;
    delete events_;
  }

  static std::map<std::string, std::string> Settings(const std::string& name,
                                                     const std::string& output_uri) {
    auto kv = testing::BaseConsumerSettings(broker_->bootstrap(), name,
                                            dir_->Join(name + "-staging"), output_uri);
    kv["secor.message.parser.class"] = "com.pinterest.secor.parser.JsonMessageParser";
    kv["message.timestamp.name"] = "timestamp";
    kv["partitioner.granularity.hour"] = "true";
    return kv;
  }
  static std::map<std::string, std::string> ParquetSettings(const std::string& name,
                                                            const std::string& output_uri,
                                                            const std::string& codec) {
    auto kv = Settings(name, output_uri);
    kv["secor.file.reader.writer.factory"] =
        "com.pinterest.secor.io.impl.JsonParquetFileReaderWriterFactory";
    kv["secor.compression.codec"] = codec;
    kv["secor.parquet.columns"] = kColumns;
    kv["secor.parquet.kafka.columns"] = "partition";
    return kv;
  }

  static std::vector<std::string> Node(const std::string& script, const std::string& arg) {
    auto r = RunCommand({"node", kNodeDir + "/" + script, arg});
    EXPECT_EQ(r.exit_code, 0) << script << ": " << r.err;
    return Split(r.out, '\n', true);
  }

  // Waits until verify sees every message once, then stops the consumer.
  static void ConsumeAll(Process* consumer, const std::string& config) {
    auto v = testing::WaitForVerify(config, "events", kEvents + 1, 180s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    EXPECT_NE(
        v.out.find(fmt::format("topic events: {} messages (1 in the error output)", kEvents + 1)),
        std::string::npos)
        << v.out;
    EXPECT_NE(v.out.find("0 duplicate offsets, 0 gaps"), std::string::npos) << v.out;
    consumer->Signal(SIGTERM);
    EXPECT_EQ(consumer->Wait(60s), 0) << consumer->Stderr();
    testing::ExpectVerifyStillPasses(config, "events", kEvents + 1);
  }

  // The error output holds the one message that did not fit, with its place.
  static void CheckErrorOutput(const std::string& topic_dir) {
    auto files = ListFilesRecursive(topic_dir + "/_errors");
    ASSERT_TRUE(files.ok()) << topic_dir;
    std::string all;
    for (const auto& f : *files) all += *ReadFile(topic_dir + "/_errors/" + f);
    EXPECT_EQ(Split(all, '\n', true).size(), 1u) << all;
    EXPECT_NE(all.find(fmt::format("{{\"offset\":{},\"partition\":2,", bad_.second)),
              std::string::npos)
        << all;
  }

  // DuckDB over the whole tree with Hive partitioning, then hyparquet file by file.
  static void CheckParquetTree(const std::string& topic_dir, const std::string& codec) {
    std::string glob = "read_parquet('" + topic_dir +
                       "/dt=*/hr=*/*.parquet', hive_partitioning=true, hive_types_autocast=false)";
    auto types = Node("duckdb_query.mjs",
                      "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + glob + ")");
    EXPECT_EQ(Join(types, "\n"),
              R"x({"column_name":"__offset","column_type":"BIGINT"}
{"column_name":"__partition","column_type":"INTEGER"}
{"column_name":"ts","column_type":"TIMESTAMP WITH TIME ZONE"}
{"column_name":"id","column_type":"BIGINT"}
{"column_name":"user","column_type":"STRUCT(id BIGINT, \"name\" VARCHAR)"}
{"column_name":"score","column_type":"DOUBLE"}
{"column_name":"tags","column_type":"VARCHAR[]"}
{"column_name":"dt","column_type":"VARCHAR"}
{"column_name":"hr","column_type":"VARCHAR"})x")
        << codec;

    // Every row, in Kafka order: exactly the produced offsets of each
    // partition, each in its event's dt/hr directory, with its values.
    auto rows = Node("duckdb_query.mjs",
                     "SELECT __partition AS p, __offset AS o, dt, hr, epoch_ms(ts) AS ts, id, "
                     "\"user\", score, tags FROM " +
                         glob + " ORDER BY p, o");
    std::vector<std::string> want;
    for (const auto& [place, e] : *events_) want.push_back(DuckRow(place.first, place.second, e));
    ASSERT_EQ(rows.size(), want.size()) << codec;
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(rows[i], want[i]) << codec << " row " << i;

    // Counts and sums per partition directory, as a query engine reports them.
    std::map<std::string, std::tuple<int64_t, int64_t, int64_t, double, int64_t>> sums;
    for (const auto& [place, e] : *events_) {
      auto& [n, ids, scores, score_sum, names] = sums[Hour(e.ts)];
      ++n;
      ids += e.id;
      if (e.score) {
        ++scores;
        score_sum += *e.score;
      }
      if (e.user_name) ++names;
    }
    ASSERT_EQ(sums.size(), 9u);
    std::vector<std::string> want_sums;
    for (const auto& [hour, s] : sums) {
      const auto& [n, ids, scores, score_sum, names] = s;
      want_sums.push_back(fmt::format(
          R"({{"dt":"{}","hr":"{}","n":"{}","ids":"{}","scores":"{}","score_sum":{},"names":"{}"}})",
          hour.substr(0, 10), hour.substr(11), n, ids, scores, score_sum, names));
    }
    auto got_sums = Node("duckdb_query.mjs",
                         "SELECT dt, hr, count(*) AS n, sum(id) AS ids, count(score) AS scores, "
                         "sum(score) AS score_sum, count(\"user\".name) AS names FROM " +
                             glob + " GROUP BY ALL ORDER BY ALL");
    EXPECT_EQ(Join(got_sums, "\n"), Join(want_sums, "\n")) << codec;

    // The codec is the one configured, in every column chunk of every file.
    auto codecs = Node("duckdb_query.mjs", "SELECT DISTINCT compression FROM parquet_metadata('" +
                                               topic_dir + "/dt=*/hr=*/*.parquet')");
    std::string upper = codec == "snappy" ? "SNAPPY" : "ZSTD";
    EXPECT_EQ(Join(codecs, "\n"), R"({"compression":")" + upper + "\"}");

    // hyparquet, file by file: row counts, and every (partition, offset) once,
    // in the directory of its event's hour, with its id.
    auto hy = Node("hyparquet_dump.mjs", topic_dir);
    std::set<Place> seen;
    std::string file;
    int64_t declared = 0, rows_read = 0, files = 0;
    for (const auto& line : hy) {
      if (line.find("\"num_rows\":") != std::string::npos) {
        file = Field(line, "file");
        declared += *ParseInt64(Field(line, "num_rows"));
        ++files;
        continue;
      }
      ++rows_read;
      auto id = ParseDataFileName(BaseName(file));
      ASSERT_TRUE(id) << file;
      Place place{id->kafka_partition, *ParseInt64(Field(line, "__offset"))};
      EXPECT_EQ(Field(line, "__partition"), std::to_string(place.first)) << line;
      EXPECT_TRUE(seen.insert(place).second) << "offset stored twice: " << line;
      auto it = events_->find(place);
      ASSERT_NE(it, events_->end()) << file << ": " << line;
      EXPECT_EQ(Field(line, "id"), std::to_string(it->second.id)) << line;
      EXPECT_EQ(file.substr(0, 19),
                "dt=" + Hour(it->second.ts).substr(0, 10) + "/hr=" + Hour(it->second.ts).substr(11))
          << line;
    }
    EXPECT_GE(files, 36) << "9 hours x 4 partitions";
    EXPECT_EQ(declared, kEvents);
    EXPECT_EQ(rows_read, kEvents);
    EXPECT_EQ(seen.size(), static_cast<size_t>(kEvents));
  }

  // `secor print` of one file of the tree: each record's real offset (from
  // the stored offset column) and its row, as payload_of renders the event.
  // print_root: where `secor print` reads the file (default: topic_dir, the
  // local copy listed to choose it).
  static void CheckPrint(const std::string& config, const std::string& topic_dir,
                         const std::string& extension,
                         const std::function<std::string(const Event&)>& payload_of,
                         const std::string& print_root = "") {
    auto files = ListFilesRecursive(topic_dir);
    ASSERT_TRUE(files.ok());
    // The largest file: it surely holds more than one record.
    std::string chosen;
    uintmax_t largest = 0;
    for (const auto& f : *files) {
      if (f.find("_errors") == std::string::npos && f.size() > extension.size() &&
          f.substr(f.size() - extension.size()) == extension &&
          std::filesystem::file_size(topic_dir + "/" + f) > largest) {
        chosen = f;
        largest = std::filesystem::file_size(topic_dir + "/" + f);
      }
    }
    ASSERT_FALSE(chosen.empty()) << "no " << extension << " file in " << topic_dir;
    auto id = ParseDataFileName(BaseName(chosen));
    ASSERT_TRUE(id) << chosen;
    auto printed = RunCommand({BinaryPath("secor"), "print", "-c", config,
                               (print_root.empty() ? topic_dir : print_root) + "/" + chosen});
    ASSERT_EQ(printed.exit_code, 0) << printed.err;
    auto lines = Split(printed.out, '\n', true);
    ASSERT_FALSE(lines.empty()) << chosen;
    int64_t previous = -1;
    bool gap = false;
    for (const auto& line : lines) {
      auto fields = Split(line, '\t');
      ASSERT_EQ(fields.size(), 3u) << line;
      int64_t offset = *ParseInt64(fields[0]);
      auto it = events_->find({id->kafka_partition, offset});
      ASSERT_NE(it, events_->end()) << chosen << ": " << line;
      EXPECT_EQ(fields[2], PrintEscaped(payload_of(it->second))) << chosen << " offset " << offset;
      EXPECT_EQ(chosen.substr(0, 19), "dt=" + Hour(it->second.ts).substr(0, 10) +
                                          "/hr=" + Hour(it->second.ts).substr(11));
      EXPECT_GT(offset, previous);
      if (previous >= 0 && offset != previous + 1) gap = true;
      previous = offset;
    }
    // This hour's messages are interleaved with other hours' in Kafka, so
    // offsets guessed from row positions could not match.
    EXPECT_TRUE(gap) << printed.out;
  }

  static TempDir* dir_;
  static TestBroker* broker_;
  static std::map<Place, Event>* events_;
  static Place bad_;
};

TempDir* ParquetConsumerTest::dir_ = nullptr;
TestBroker* ParquetConsumerTest::broker_ = nullptr;
std::map<Place, Event>* ParquetConsumerTest::events_ = nullptr;
Place ParquetConsumerTest::bad_{-1, -1};

TEST_F(ParquetConsumerTest, ParquetAndAvroFromThePartitionGroupReadBackByIndependentReaders) {
  ASSERT_TRUE(events_ && events_->size() == kEvents) << "set-up failed";
  ASSERT_TRUE(WriteFileAtomic(dir_->Join("event.avsc"), kAvroSchema).ok());
  std::map<std::string, std::string> configs;
  for (std::string codec : {"snappy", "zstd"}) {
    configs["parquet-" + codec] = testing::WriteProperties(
        dir_->Join("parquet-" + codec + ".properties"),
        ParquetSettings("parquet-" + codec, dir_->Join("store-" + codec), codec));
  }
  auto avro = Settings("avro", dir_->Join("store-avro"));
  avro["secor.file.reader.writer.factory"] =
      "com.pinterest.secor.io.impl.AvroFileReaderWriterFactory";
  // The original's factory name means Avro payloads; these events are JSON.
  avro["secor.payload.encoding"] = "json";
  avro["secor.compression.codec"] = "snappy";
  avro["secor.avro.output.schema.file"] = dir_->Join("event.avsc");
  configs["avro"] = testing::WriteProperties(dir_->Join("avro.properties"), avro);

  // The three consumer groups run at once: one group join's wait, not three.
  std::map<std::string, std::unique_ptr<Process>> consumers;
  for (const auto& [name, config] : configs) {
    consumers[name] = std::make_unique<Process>();
    consumers[name]->Start({BinaryPath("secor"), "consume", "-c", config}, dir_->Join(name));
  }
  for (const auto& [name, config] : configs) {
    SCOPED_TRACE(name);
    ConsumeAll(consumers[name].get(), config);
  }

  for (std::string codec : {"snappy", "zstd"}) {
    SCOPED_TRACE(codec);
    std::string topic_dir = dir_->Join("store-" + codec + "/events");
    CheckErrorOutput(topic_dir);
    CheckParquetTree(topic_dir, codec);
    CheckPrint(configs["parquet-" + codec], topic_dir, ".parquet", ParquetPrintPayload);
  }

  std::string avro_dir = dir_->Join("store-avro/events");
  CheckErrorOutput(avro_dir);
  CheckPrint(configs["avro"], avro_dir, ".avro",
             [](const Event& e) { return "{" + AvroRecord(e); });
  // avsc reads every record of every file: the exact offsets of each
  // partition, once, in the directory of the event's hour, with all values.
  auto records = Node("avsc_dump.mjs", avro_dir);
  std::map<Place, std::string> got;
  std::string file;
  int files = 0;
  for (const auto& line : records) {
    if (line.find("\"codec\":") != std::string::npos &&
        line.find("\"schema\":") != std::string::npos) {
      file = Field(line, "file");
      EXPECT_EQ(Field(line, "codec"), "snappy") << line;
      ++files;
      continue;
    }
    auto id = ParseDataFileName(BaseName(file));
    ASSERT_TRUE(id) << file;
    Place place{id->kafka_partition, *ParseInt64(Field(line, "__offset"))};
    auto it = events_->find(place);
    ASSERT_NE(it, events_->end()) << file << ": " << line;
    EXPECT_EQ(file.substr(0, 19),
              "dt=" + Hour(it->second.ts).substr(0, 10) + "/hr=" + Hour(it->second.ts).substr(11));
    EXPECT_TRUE(got.emplace(place, line).second) << "offset stored twice: " << line;
  }
  EXPECT_GE(files, 36);
  ASSERT_EQ(got.size(), events_->size());
  for (const auto& [place, e] : *events_) {
    EXPECT_EQ(got[place], fmt::format(R"({{"__offset":{},)", place.second) + AvroRecord(e))
        << "partition " << place.first << " offset " << place.second;
  }
}

TEST_F(ParquetConsumerTest, ParquetOnS3ReadBackFromADownload) {
  ASSERT_TRUE(events_ && events_->size() == kEvents) << "set-up failed";
  auto env = [](const char* name) {
    return std::string(std::getenv(name) ? std::getenv(name) : "");
  };
  std::string endpoint = env("SECOR_TEST_S3_ENDPOINT");
  ASSERT_FALSE(endpoint.empty())
      << "SECOR_TEST_S3_ENDPOINT is not set: run via scripts/test.sh, or start Ceph with "
         "scripts/ceph.sh start DIR and source DIR/env";
  std::string bucket = "secor-parquet-" + std::to_string(::getpid()) + "-" +
                       std::to_string(std::random_device{}() % 100000);
  auto aws = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"aws", "--endpoint-url", endpoint};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  auto mb = aws({"s3", "mb", "s3://" + bucket});
  ASSERT_EQ(mb.exit_code, 0) << mb.err;

  auto kv = ParquetSettings("parquet-s3", "", "zstd");
  kv.erase("secor.output.uri");
  kv["cloud.service"] = "S3";
  kv["secor.s3.bucket"] = bucket;
  kv["secor.s3.path"] = "tables";
  kv["aws.endpoint"] = endpoint;
  kv["aws.access.key"] = env("SECOR_TEST_S3_ACCESS_KEY");
  kv["aws.secret.key"] = env("SECOR_TEST_S3_SECRET_KEY");
  kv["aws.client.pathstyleaccess"] = "true";
  kv["aws.region"] = "us-east-1";
  std::string config = testing::WriteProperties(dir_->Join("parquet-s3.properties"), kv);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir_->Join("parquet-s3"));
  ConsumeAll(&consumer, config);

  std::string local = dir_->Join("s3-download");
  auto cp = aws({"s3", "cp", "--recursive", "--quiet", "s3://" + bucket + "/tables/events",
                 local + "/events"});
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  CheckErrorOutput(local + "/events");
  CheckParquetTree(local + "/events", "zstd");
  // secor print reads an object straight from the bucket.
  CheckPrint(config, local + "/events", ".parquet", ParquetPrintPayload,
             "s3://" + bucket + "/tables/events");
}

}  // namespace
}  // namespace secor
