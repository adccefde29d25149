// Every file format `secor consume` writes, read back by the readers that
// production uses, none of them written here: Hadoop's own
// SequenceFile.Reader (hadoop-common 3.4) for SequenceFiles of every codec,
// parquet-mr (parquet-hadoop) and pyarrow for Parquet of every codec with
// nested columns, Apache Avro's Java reader for Avro containers of every
// codec. Each run consumes a topic until `secor verify` passes; then every
// stored file is read and the set of (partition, offset) -> payload, or every
// column value of every row, must equal what Kafka holds (read by kcat):
// exact counts, no duplicates, and each file's header (classes, codec) as
// configured.
//
// The readers are small programs in tests/java (built by tests/java/build.sh,
// classpath in SECOR_TEST_JAVA_READERS_CP) and tests/python/pyarrow_dump.py
// (a venv from tests/python/install.sh, its python in
// SECOR_TEST_PYARROW_PYTHON). Unset, the tests run those scripts themselves.
// They print one JSON line per record; the values are compared here as JSON
// (object keys in any order, numbers by value) with what was produced.
//
// One codec is not Hadoop's own: Hadoop implements ZStandardCodec only in
// native libhadoop, which no registry here serves, so SequenceFileDump
// resolves that header class to aircompressor's pure-Java Hadoop codec
// (io.airlift.compress.zstd.ZstdCodec). The test checks that Hadoop's own
// class indeed fails without libhadoop, and which decoder read each file.
#define MSGPACK_NO_BOOST
#include <gtest/gtest.h>
#include <simdjson.h>
#include <msgpack.hpp>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

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

const std::string kSourceDir = SECOR_SOURCE_DIR;

// The reader's location from the environment (scripts/test.sh sets it), or
// from running the script that builds or installs it.
std::string ReaderFromEnvOrScript(const char* env, const std::string& script) {
  const char* set = std::getenv(env);
  if (set != nullptr && *set != '\0') return set;
  auto r = RunCommand({kSourceDir + "/" + script});
  std::string out(Trim(r.out));
  EXPECT_EQ(r.exit_code, 0) << env << " is not set and " << script << " failed:\n" << r.err;
  EXPECT_FALSE(out.empty()) << env << " is not set and " << script << " printed nothing";
  return r.exit_code == 0 ? out : "";
}

// ---- JSON as values: object keys in any order, numbers by value ----------

void Canonical(simdjson::dom::element e, std::string* out) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::map<std::string, std::string> fields;
      simdjson::dom::object object;
      if (e.get(object) != simdjson::SUCCESS) break;
      for (auto [key, value] : object) Canonical(value, &fields[std::string(key)]);
      *out += '{';
      bool first = true;
      for (const auto& [key, value] : fields) {
        *out += (first ? "" : ",") + JsonQuote(key) + ":" + value;
        first = false;
      }
      *out += '}';
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      *out += '[';
      bool first = true;
      simdjson::dom::array array;
      if (e.get(array) != simdjson::SUCCESS) break;
      for (auto item : array) {
        if (!first) *out += ',';
        first = false;
        Canonical(item, out);
      }
      *out += ']';
      break;
    }
    case simdjson::dom::element_type::INT64:
      *out += std::to_string(e.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      *out += std::to_string(e.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE: {
      // -100.0 (Java, Python) and -100 (the producer) are the same value.
      double d = e.get_double().value_unsafe();
      if (std::trunc(d) == d && std::fabs(d) < 1e15) {
        *out += std::to_string(static_cast<int64_t>(d));
      } else {
        *out += fmt::format("{}", d);
      }
      break;
    }
    case simdjson::dom::element_type::STRING:
      *out += JsonQuote(e.get_string().value_unsafe());
      break;
    case simdjson::dom::element_type::BOOL:
      *out += e.get_bool().value_unsafe() ? "true" : "false";
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      *out += "null";
      break;
  }
}

// The canonical form of a JSON text (object keys sorted, numbers normalized),
// or "<not JSON: ...>".
std::string CanonicalJson(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(text).get(e) != simdjson::SUCCESS) return "<not JSON: " + text + ">";
  std::string out;
  Canonical(e, &out);
  return out;
}

// ---- the dump programs' output -------------------------------------------

// One file as a dump program printed it: its header line's fields (each as
// canonical JSON), its record lines, and the count its end line gave.
struct DumpedFile {
  std::string path;
  std::map<std::string, std::string> header;
  std::vector<std::string> records;
  int64_t end_count = -1;
};

std::vector<DumpedFile> ParseDump(const std::string& out) {
  std::vector<DumpedFile> files;
  simdjson::dom::parser parser;
  for (const auto& line : Split(out, '\n', true)) {
    simdjson::dom::object o;
    if (parser.parse(line).get(o) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not a JSON object: " << line.substr(0, 200);
      continue;
    }
    std::string_view file;
    if (o["file"].get(file) != simdjson::SUCCESS) {
      if (files.empty() || files.back().end_count >= 0) {
        ADD_FAILURE() << "record outside a file: " << line.substr(0, 200);
        continue;
      }
      files.back().records.push_back(line);
      continue;
    }
    int64_t count = 0;
    if (o.size() == 2 && (o["records"].get(count) == simdjson::SUCCESS ||
                          o["rows"].get(count) == simdjson::SUCCESS)) {
      EXPECT_FALSE(files.empty() || files.back().path != file) << line;
      if (!files.empty()) files.back().end_count = count;
      continue;
    }
    DumpedFile f;
    f.path = std::string(file);
    for (auto [key, value] : o) Canonical(value, &f.header[std::string(key)]);
    files.push_back(std::move(f));
  }
  for (const auto& f : files) {
    EXPECT_EQ(f.end_count, static_cast<int64_t>(f.records.size())) << f.path << ": no end line";
  }
  return files;
}

// ---- Kafka ----------------------------------------------------------------

struct KafkaRecord {
  std::string payload;
  std::optional<std::string> key;
  int64_t timestamp = -1;
};
using Place = std::pair<int32_t, int64_t>;  // Kafka partition, offset

// Every record of a topic with key and timestamp, as kcat reads it.
std::map<Place, KafkaRecord> ReadTopicWithKeys(const std::string& bootstrap,
                                               const std::string& topic) {
  auto r = RunCommand({"kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                       "-f", "%p %o %T %K %S\n%k%s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<Place, KafkaRecord> out;
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) break;
    std::istringstream head(r.out.substr(pos, nl - pos));
    int32_t partition = 0;
    int64_t offset = 0, key_size = 0, size = 0;
    KafkaRecord rec;
    head >> partition >> offset >> rec.timestamp >> key_size >> size;
    pos = nl + 1;
    if (key_size >= 0) {
      rec.key = r.out.substr(pos, static_cast<size_t>(key_size));
      pos += static_cast<size_t>(key_size);
    }
    rec.payload = r.out.substr(pos, static_cast<size_t>(std::max<int64_t>(size, 0)));
    pos += static_cast<size_t>(std::max<int64_t>(size, 0));
    out[{partition, offset}] = std::move(rec);
  }
  return out;
}

// ---- the produced events of the Parquet and Avro runs --------------------

// The civil date (proleptic Gregorian) of days since 1970-01-01.
std::string CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d);
}

// One event; absent optional fields are nullopt.
struct Event {
  int64_t id = 0;
  std::optional<int64_t> ts;
  bool has_user = false;
  std::optional<int64_t> user_id;
  std::optional<std::string> user_name;
  std::optional<double> score;
  std::optional<float> ratio;
  std::optional<bool> ok;
  std::optional<int32_t> n;
  std::optional<int64_t> day;  // days since the epoch
  bool day_as_text = false;
  std::optional<std::string> blob;
  std::optional<std::vector<std::optional<std::string>>> tags;
  std::optional<std::vector<std::vector<int64_t>>> matrix;
  std::optional<std::vector<std::pair<std::string, std::optional<int64_t>>>> attrs;
};

constexpr int kEvents = 2000;
constexpr int kEventPartitions = 4;

Event MakeEvent(int i) {
  static const char* kNames[] = {"ann", "", "zo\xc3\xab \xe4\xb8\xad\xf0\x9f\x98\x80",
                                 "quote\"back\\slash", "tab\there\x01"};
  Event e;
  // Beyond 2^53, where a double would lose digits.
  e.id = (i % 2 ? -1 : 1) * ((int64_t{1} << 60) + i * int64_t{1000003});
  if (i % 9 != 4) e.ts = 1777593600000 + i * int64_t{7919};
  e.has_user = i % 10 != 0;
  if (e.has_user && i % 10 != 5) e.user_id = i * 7 - 5000;
  if (e.has_user && i % 11 != 1) e.user_name = kNames[i % 5];
  if (i % 7 != 1) e.score = i * 0.25 - 100;
  if (i % 6 != 2) e.ratio = static_cast<float>(i % 64) * 0.125f - 3;
  if (i % 5 != 3) e.ok = i % 2 == 0;
  if (i % 8 != 3) {
    e.n = i % 17 == 0 ? INT32_MIN : i % 3 == 0 ? INT32_MAX - i : -i * 1000;
  }
  if (i % 4 != 0) {
    e.day = 19000 + i % 400;
    e.day_as_text = i % 5 == 1;
  }
  if (i % 3 != 2) e.blob = "b" + std::to_string(i) + (i % 2 ? "\xc3\xa9" : "");
  if (i % 13 != 0) {
    e.tags.emplace();
    for (int k = 0; k < i % 4; ++k) {
      if (k == 2) {
        e.tags->push_back(std::nullopt);
      } else {
        e.tags->push_back(k == 1 ? "" : fmt::format("t{}", i % (k + 5)));
      }
    }
  }
  if (i % 5 != 0) {
    e.matrix.emplace();
    for (int row = 0; row < i % 3; ++row) {
      e.matrix->emplace_back();
      for (int col = 0; col < (i + row) % 3; ++col) {
        e.matrix->back().push_back(col == 1 ? (int64_t{1} << 62) + i : int64_t{i} * row - 7);
      }
    }
  }
  if (i % 6 != 0) {
    e.attrs.emplace();
    if (i % 3 >= 1) e.attrs->emplace_back("a", i);
    if (i % 3 >= 2) e.attrs->emplace_back("b", std::nullopt);
    if (i % 3 >= 1) e.attrs->emplace_back("\xc3\xbc", -i);
  }
  return e;
}

template <typename T, typename F>
std::string Opt(const std::optional<T>& v, F&& render) {
  return v ? render(*v) : "null";
}
std::string Num(int64_t v) { return std::to_string(v); }
std::string Hex(const std::string& bytes) { return R"({"hex":")" + HexEncode(bytes) + "\"}"; }
std::string Tags(const std::vector<std::optional<std::string>>& tags) {
  std::string out = "[";
  for (size_t k = 0; k < tags.size(); ++k) {
    out += (k ? "," : "") + Opt(tags[k], [](const std::string& s) { return JsonQuote(s); });
  }
  return out + "]";
}
std::string Matrix(const std::vector<std::vector<int64_t>>& m) {
  std::string out = "[";
  for (size_t r = 0; r < m.size(); ++r) {
    out += r ? ",[" : "[";
    for (size_t c = 0; c < m[r].size(); ++c) out += (c ? "," : "") + std::to_string(m[r][c]);
    out += "]";
  }
  return out + "]";
}
std::string Attrs(const std::vector<std::pair<std::string, std::optional<int64_t>>>& attrs) {
  std::string out = "{";
  for (size_t k = 0; k < attrs.size(); ++k) {
    out += (k ? "," : "") + JsonQuote(attrs[k].first) + ":" + Opt(attrs[k].second, Num);
  }
  return out + "}";
}

// The message as produced: absent fields left out.
std::string Payload(const Event& e) {
  std::string out = fmt::format(R"({{"id":{})", e.id);
  if (e.ts) out += fmt::format(R"(,"timestamp":{})", *e.ts);
  if (e.has_user) {
    out += R"(,"user":{)";
    if (e.user_id) out += fmt::format(R"("id":{})", *e.user_id);
    if (e.user_name)
      out += (e.user_id ? "," : "") + std::string(R"("name":)") + JsonQuote(*e.user_name);
    out += "}";
  }
  if (e.score) out += fmt::format(R"(,"score":{})", *e.score);
  if (e.ratio) out += fmt::format(R"(,"ratio":{})", *e.ratio);
  if (e.ok) out += fmt::format(R"(,"ok":{})", *e.ok);
  if (e.n) out += fmt::format(R"(,"n":{})", *e.n);
  if (e.day) {
    out += R"(,"day":)" + (e.day_as_text ? "\"" + CivilFromDays(*e.day) + "\"" : Num(*e.day));
  }
  if (e.blob) out += R"(,"blob":)" + JsonQuote(*e.blob);
  if (e.tags) out += R"(,"tags":)" + Tags(*e.tags);
  if (e.matrix) out += R"(,"matrix":)" + Matrix(*e.matrix);
  if (e.attrs) out += R"(,"attrs":)" + Attrs(*e.attrs);
  return out + "}";
}

std::string Str(const std::string& s) { return JsonQuote(s); }
std::string Dbl(double d) { return fmt::format("{}", d); }

// The event's fields as both formats store them (column or field name -> value).
std::map<std::string, std::string> StoredFields(const Event& e) {
  return {
      {"id", Num(e.id)},
      {"score", Opt(e.score, Dbl)},
      {"ratio", Opt(e.ratio, [](float f) { return Dbl(f); })},
      {"ok", Opt(e.ok, [](bool b) -> std::string { return b ? "true" : "false"; })},
      {"n", Opt(e.n, [](int32_t v) { return Num(v); })},
      {"day", Opt(e.day, Num)},
      {"blob", Opt(e.blob, Hex)},
      {"tags", Opt(e.tags, Tags)},
      {"matrix", Opt(e.matrix, Matrix)},
      {"attrs", Opt(e.attrs, Attrs)},
  };
}

std::string ObjectJson(const std::map<std::string, std::string>& fields) {
  std::string out = "{";
  for (const auto& [k, v] : fields) out += (out.size() > 1 ? "," : "") + JsonQuote(k) + ":" + v;
  return out + "}";
}

// A Parquet row: the Kafka columns, then the columns of kColumns. Groups of
// JSON messages are always present.
std::string ParquetRow(const Place& place, const KafkaRecord& rec, const Event& e) {
  auto fields = StoredFields(e);
  fields["__offset"] = Num(place.second);
  fields["__partition"] = Num(place.first);
  fields["__timestamp"] = Num(rec.timestamp);
  fields["__key"] = Opt(rec.key, Hex);
  fields["ts"] = Opt(e.ts, Num);
  fields["user"] =
      fmt::format(R"({{"id":{},"name":{}}})", Opt(e.user_id, Num), Opt(e.user_name, Str));
  return CanonicalJson(ObjectJson(fields));
}

// An Avro record of kAvroSchema, unions unwrapped; a missing user is null.
std::string AvroRecord(const Place& place, const Event& e) {
  auto fields = StoredFields(e);
  fields["__offset"] = Num(place.second);
  fields["timestamp"] = Opt(e.ts, Num);
  fields["user"] = e.has_user ? fmt::format(R"({{"id":{},"name":{}}})", Opt(e.user_id, Num),
                                            Opt(e.user_name, Str))
                              : "null";
  return CanonicalJson(ObjectJson(fields));
}

constexpr char kColumns[] =
    "id:int64!, ts:timestamp_millis=timestamp, user.id:int64, user.name:string, score:double, "
    "ratio:float, ok:bool, n:int32, day:date, blob:binary, tags:list<string>, "
    "matrix:list<list<int64>>, attrs:map<string,int64>";
constexpr char kAvroSchema[] = R"({"type":"record","name":"Event","namespace":"test","fields":[
  {"name":"id","type":"long"},
  {"name":"timestamp","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
  {"name":"user","type":["null",{"type":"record","name":"User","fields":[
    {"name":"id","type":["null","long"]},{"name":"name","type":["null","string"]}]}]},
  {"name":"score","type":["null","double"]},
  {"name":"ratio","type":["null","float"]},
  {"name":"ok","type":["null","boolean"]},
  {"name":"n","type":["null","int"]},
  {"name":"day","type":["null",{"type":"int","logicalType":"date"}]},
  {"name":"blob","type":["null","bytes"]},
  {"name":"tags","type":["null",{"type":"array","items":["null","string"]}]},
  {"name":"matrix","type":["null",{"type":"array","items":{"type":"array","items":"long"}}]},
  {"name":"attrs","type":["null",{"type":"map","values":["null","long"]}]}]})";

// ---- the suite --------------------------------------------------------------

// The SequenceFile topic: binary payloads (every byte value, keys), JSON
// ones (compressible) and payloads of 300-600 KB (above the 218,422 / 261,100
// byte slices of Hadoop's snappy and lz4 block streams, and the 1,000,000
// byte SequenceFile blocks).
constexpr int kRecordPartitions = 4;
constexpr int64_t kRecords = 2500 + 2500 + 8 + 4;

class JavaReaders : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    java_cp_ =
        new std::string(ReaderFromEnvOrScript("SECOR_TEST_JAVA_READERS_CP", "tests/java/build.sh"));
    pyarrow_ = new std::string(
        ReaderFromEnvOrScript("SECOR_TEST_PYARROW_PYTHON", "tests/python/install.sh"));
    dir_ = new TempDir();
    broker_ = new TestBroker(dir_->path(), {"records:" + std::to_string(kRecordPartitions),
                                            "events:" + std::to_string(kEventPartitions)});
    ASSERT_FALSE(broker_->bootstrap().empty());
    const std::string& bs = broker_->bootstrap();
    testing::Produce(bs, "records", 2500, {"--type", "binary", "--size", "150", "--key", "k{id}"});
    testing::Produce(bs, "records", 2500, {"--type", "json", "--size", "400"});
    testing::Produce(bs, "records", 8, {"--type", "binary", "--size", "300000"});
    testing::Produce(bs, "records", 4, {"--type", "json", "--size", "600000", "--key", "big"});

    // Events keyed "e<i>" (every tenth without a key), each partition in id order.
    std::vector<std::string> keyed(kEventPartitions), unkeyed(kEventPartitions);
    for (int i = 0; i < kEvents; ++i) {
      std::string payload = Payload(MakeEvent(i));
      EXPECT_EQ(payload.find('\t'), std::string::npos);
      if (i % 10 == 9) {
        unkeyed[i % kEventPartitions] += payload + "\n";
      } else {
        keyed[i % kEventPartitions] += "e" + std::to_string(i) + "\t" + payload + "\n";
      }
    }
    for (int p = 0; p < kEventPartitions; ++p) {
      auto sent = RunCommand(
          {"kcat", "-P", "-b", bs, "-t", "events", "-p", std::to_string(p), "-K", "\t"}, keyed[p]);
      ASSERT_EQ(sent.exit_code, 0) << sent.err;
      sent =
          RunCommand({"kcat", "-P", "-b", bs, "-t", "events", "-p", std::to_string(p)}, unkeyed[p]);
      ASSERT_EQ(sent.exit_code, 0) << sent.err;
    }
    // What Kafka holds decides what is expected, not what was sent.
    records_ = new std::map<Place, KafkaRecord>(ReadTopicWithKeys(bs, "records"));
    ASSERT_EQ(records_->size(), static_cast<size_t>(kRecords));
    events_ = new std::map<Place, std::pair<KafkaRecord, Event>>();
    std::map<int64_t, int> index_of_id;
    for (int i = 0; i < kEvents; ++i) index_of_id[MakeEvent(i).id] = i;
    for (auto& [place, rec] : ReadTopicWithKeys(bs, "events")) {
      simdjson::dom::parser parser;
      int64_t id = 0;
      ASSERT_EQ(parser.parse(rec.payload)["id"].get(id), simdjson::SUCCESS) << rec.payload;
      int i = index_of_id.count(id) ? index_of_id[id] : -1;
      ASSERT_GE(i, 0) << rec.payload;
      ASSERT_EQ(rec.payload, Payload(MakeEvent(i)));
      ASSERT_EQ(rec.key.has_value(), i % 10 != 9) << rec.payload;
      (*events_)[place] = {rec, MakeEvent(i)};
    }
    ASSERT_EQ(events_->size(), static_cast<size_t>(kEvents));
  }

  static void TearDownTestSuite() {
    delete broker_;
    delete dir_;
    delete records_;
    delete events_;
    delete java_cp_;
    delete pyarrow_;
  }

  void SetUp() override {
    ASSERT_FALSE(java_cp_->empty()) << "no Java readers: set SECOR_TEST_JAVA_READERS_CP to the "
                                       "classpath tests/java/build.sh prints";
    ASSERT_FALSE(pyarrow_->empty()) << "no pyarrow: set SECOR_TEST_PYARROW_PYTHON to the python "
                                       "tests/python/install.sh prints";
    ASSERT_TRUE(events_ && events_->size() == kEvents && records_ && records_->size() == kRecords)
        << "set-up failed";
  }

  static std::map<std::string, std::string> Settings(const std::string& name,
                                                     const std::string& topic,
                                                     const std::string& factory,
                                                     const std::string& codec) {
    auto kv = testing::BaseConsumerSettings(broker_->bootstrap(), name,
                                            dir_->Join(name + "-staging"), dir_->Join(name));
    kv["secor.file.reader.writer.factory"] = factory;
    kv["secor.compression.codec"] = codec;
    kv["secor.kafka.topic_filter"] = topic;
    return kv;
  }

  // Runs one `secor consume` per configuration at once (one group join's
  // wait, not one per run), waits until `secor verify` counts every message
  // of topic once in each run's output, then stops them.
  static void ConsumeAll(const std::map<std::string, std::map<std::string, std::string>>& runs,
                         const std::string& topic, int64_t expected) {
    std::map<std::string, std::string> configs;
    std::map<std::string, std::unique_ptr<Process>> consumers;
    for (const auto& [name, kv] : runs) {
      configs[name] = testing::WriteProperties(dir_->Join(name + ".properties"), kv);
      consumers[name] = std::make_unique<Process>();
      consumers[name]->Start({BinaryPath("secor"), "consume", "-c", configs[name]},
                             dir_->Join(name));
    }
    for (const auto& [name, config] : configs) {
      auto v = testing::WaitForVerify(config, topic, expected, 180s);
      EXPECT_EQ(v.exit_code, 0) << name << ": " << v.out << v.err;
      EXPECT_NE(v.out.find("0 duplicate offsets, 0 gaps"), std::string::npos) << name << v.out;
    }
    for (auto& [name, consumer] : consumers) {
      consumer->Signal(SIGTERM);
      EXPECT_EQ(consumer->Wait(60s), 0) << name << ": " << consumer->Stderr();
    }
    for (const auto& [name, config] : configs) {
      testing::ExpectVerifyStillPasses(config, topic, expected);
    }
  }

  // Data files of a topic under a run's output, with their Kafka partition.
  static std::map<std::string, int32_t> DataFiles(const std::string& name,
                                                  const std::string& topic) {
    std::string root = dir_->Join(name) + "/" + topic;
    std::map<std::string, int32_t> out;
    auto files = ListFilesRecursive(root);
    EXPECT_TRUE(files.ok()) << root;
    if (!files.ok()) return out;
    for (const auto& rel : *files) {
      auto id = ParseDataFileName(BaseName(rel));
      if (id && rel.find("_errors/") == std::string::npos) {
        out[root + "/" + rel] = id->kafka_partition;
      }
    }
    EXPECT_FALSE(out.empty()) << "no data files under " << root;
    return out;
  }

  static std::vector<DumpedFile> Dump(const std::vector<std::string>& program,
                                      const std::map<std::string, int32_t>& files,
                                      std::string* err = nullptr) {
    std::vector<std::string> argv = program;
    for (const auto& [path, partition] : files) argv.push_back(path);
    auto r = RunCommand(argv);
    if (err) {
      *err = r.err;
      if (r.exit_code != 0) return {};
    }
    EXPECT_EQ(r.exit_code, 0) << program.back() << ": " << r.err;
    auto dumped = ParseDump(r.out);
    EXPECT_EQ(dumped.size(), files.size()) << program.back() << " read fewer files: " << r.err;
    return dumped;
  }
  static std::vector<std::string> Java(const std::string& main_class) {
    return {"java", "-Xmx512m", "-cp", *java_cp_, "secor.readers." + main_class};
  }

  static TempDir* dir_;
  static TestBroker* broker_;
  static std::map<Place, KafkaRecord>* records_;
  static std::map<Place, std::pair<KafkaRecord, Event>>* events_;
  static std::string* java_cp_;
  static std::string* pyarrow_;
};

TempDir* JavaReaders::dir_ = nullptr;
TestBroker* JavaReaders::broker_ = nullptr;
std::map<Place, KafkaRecord>* JavaReaders::records_ = nullptr;
std::map<Place, std::pair<KafkaRecord, Event>>* JavaReaders::events_ = nullptr;
std::string* JavaReaders::java_cp_ = nullptr;
std::string* JavaReaders::pyarrow_ = nullptr;

std::string HeaderField(const DumpedFile& f, const std::string& name) {
  auto it = f.header.find(name);
  return it == f.header.end() ? "<missing>" : it->second;
}

// Integer of a JSON field of a record line.
int64_t IntField(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  int64_t v = -1;
  EXPECT_EQ(parser.parse(line)[name].get(v), simdjson::SUCCESS) << name << " in " << line;
  return v;
}
std::string StringField(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  std::string_view v;
  EXPECT_EQ(parser.parse(line)[name].get(v), simdjson::SUCCESS) << name << " in " << line;
  return std::string(v);
}

std::string HexDecode(const std::string& hex) {
  std::string out;
  EXPECT_EQ(hex.size() % 2, 0u) << hex;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// The MessagePack key of sequencefile-msgpack: {1: offset, 3: timestamp, 2: key}.
struct MsgpackKey {
  int64_t offset = -1;
  int64_t timestamp = -1;
  std::optional<std::string> key;
};
MsgpackKey DecodeMsgpackKey(const std::string& bytes) {
  MsgpackKey out;
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  const msgpack::object& map = handle.get();
  EXPECT_EQ(map.type, msgpack::type::MAP);
  if (map.type != msgpack::type::MAP) return out;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    int field = kv.key.as<int>();
    if (field == 1) out.offset = kv.val.as<int64_t>();
    if (field == 3) out.timestamp = kv.val.as<int64_t>();
    if (field == 2) out.key = std::string(kv.val.via.bin.ptr, kv.val.via.bin.size);
  }
  return out;
}

TEST_F(JavaReaders, SequenceFileEveryCodecReadByHadoopSequenceFileReader) {
  // secor codec -> the Hadoop codec class its SequenceFile headers name.
  const std::map<std::string, std::string> codecs = {
      {"none", ""},
      {"gzip", "org.apache.hadoop.io.compress.GzipCodec"},
      {"deflate", "org.apache.hadoop.io.compress.DefaultCodec"},
      {"zstd", "org.apache.hadoop.io.compress.ZStandardCodec"},
      {"snappy", "org.apache.hadoop.io.compress.SnappyCodec"},
      {"lz4", "org.apache.hadoop.io.compress.Lz4Codec"},
  };
  std::map<std::string, std::map<std::string, std::string>> runs;
  for (const auto& [codec, hadoop_class] : codecs) {
    runs["seq-" + codec] = Settings("seq-" + codec, "records", "sequencefile", codec);
  }
  // The MessagePack key variant (offset, timestamp and Kafka key in a BytesWritable).
  for (std::string codec : {"none", "snappy"}) {
    runs["seqmp-" + codec] = Settings("seqmp-" + codec, "records", "sequencefile-msgpack", codec);
  }
  ConsumeAll(runs, "records", kRecords);

  // Whether Hadoop's own ZStandardCodec can decode here (it needs libhadoop).
  std::string hadoop_zstd_err;
  auto hadoop_only = Java("SequenceFileDump");
  hadoop_only.push_back("--hadoop-codecs-only");
  bool hadoop_zstd =
      !Dump(hadoop_only, {{DataFiles("seq-zstd", "records").begin()->first, 0}}, &hadoop_zstd_err)
           .empty();
  if (!hadoop_zstd) {
    EXPECT_NE(hadoop_zstd_err.find("native zStandard library not available"), std::string::npos)
        << hadoop_zstd_err;
  }
  std::cout << "[ info ] Hadoop's own ZStandardCodec "
            << (hadoop_zstd ? "reads zstd here" : "needs native libhadoop (absent)") << "\n";

  for (const auto& [name, kv] : runs) {
    SCOPED_TRACE(name);
    bool msgpack = name.rfind("seqmp-", 0) == 0;
    std::string codec = kv.at("secor.compression.codec");
    std::string hadoop_class = codecs.at(codec);
    std::string decoder = hadoop_class;
    if (codec == "zstd" && !hadoop_zstd) decoder = "io.airlift.compress.zstd.ZstdCodec";
    auto files = DataFiles(name, "records");
    auto dumped = Dump(Java("SequenceFileDump"), files);
    std::map<Place, std::string> stored;  // payload as hex
    for (const auto& f : dumped) {
      SCOPED_TRACE(f.path);
      EXPECT_EQ(HeaderField(f, "key_class"),
                JsonQuote(msgpack ? "org.apache.hadoop.io.BytesWritable"
                                  : "org.apache.hadoop.io.LongWritable"));
      EXPECT_EQ(HeaderField(f, "value_class"), JsonQuote("org.apache.hadoop.io.BytesWritable"));
      EXPECT_EQ(HeaderField(f, "compressed"), codec == "none" ? "false" : "true");
      EXPECT_EQ(HeaderField(f, "block_compressed"), codec == "none" ? "false" : "true");
      EXPECT_EQ(HeaderField(f, "header_codec"), JsonQuote(hadoop_class));
      EXPECT_EQ(HeaderField(f, "decoder"), JsonQuote(decoder));
      int32_t partition = files.count(f.path) ? files.at(f.path) : -1;
      for (const auto& line : f.records) {
        int64_t offset = -1;
        if (msgpack) {
          auto key = DecodeMsgpackKey(HexDecode(StringField(line, "key_hex")));
          offset = key.offset;
          auto it = records_->find({partition, offset});
          if (it != records_->end()) {
            EXPECT_EQ(key.timestamp, it->second.timestamp) << offset;
            EXPECT_EQ(key.key, it->second.key) << offset;
          }
        } else {
          offset = IntField(line, "key");
        }
        EXPECT_TRUE(stored.emplace(Place{partition, offset}, StringField(line, "value")).second)
            << "offset " << offset << " of partition " << partition << " read twice";
      }
    }
    ASSERT_EQ(stored.size(), records_->size());
    size_t mismatches = 0;
    for (const auto& [place, rec] : *records_) {
      auto it = stored.find(place);
      if (it == stored.end() || it->second != HexEncode(rec.payload)) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "partition " << place.first << " offset " << place.second
                        << (it == stored.end() ? " missing" : " differs");
        }
      }
    }
    EXPECT_EQ(mismatches, 0u);
  }
}

TEST_F(JavaReaders, ParquetEveryCodecReadByParquetMrAndPyarrow) {
  // secor codec -> the codec parquet-mr (thrift name) and pyarrow report.
  const std::map<std::string, std::pair<std::string, std::string>> codecs = {
      {"none", {"UNCOMPRESSED", "UNCOMPRESSED"}},
      {"snappy", {"SNAPPY", "SNAPPY"}},
      {"gzip", {"GZIP", "GZIP"}},
      {"zstd", {"ZSTD", "ZSTD"}},
      {"lz4", {"LZ4_RAW", "LZ4"}},  // Arrow calls LZ4_RAW "LZ4" (Hadoop's framed LZ4 is LZ4_HADOOP)
  };
  std::map<std::string, std::map<std::string, std::string>> runs;
  for (const auto& [codec, names] : codecs) {
    auto kv = Settings("parquet-" + codec, "events", "parquet", codec);
    kv["secor.parquet.columns"] = kColumns;
    kv["secor.parquet.kafka.columns"] = "partition,timestamp,key";
    // Small pages and row groups: many of each per file.
    kv["parquet.page.size"] = "4096";
    kv["parquet.block.size"] = "65536";
    runs["parquet-" + codec] = kv;
  }
  ConsumeAll(runs, "events", kEvents);

  for (const auto& [name, kv] : runs) {
    std::string codec = kv.at("secor.compression.codec");
    auto files = DataFiles(name, "events");
    for (bool arrow : {false, true}) {
      SCOPED_TRACE(name + (arrow ? " pyarrow" : " parquet-mr"));
      auto dumped = arrow ? Dump({*pyarrow_, kSourceDir + "/tests/python/pyarrow_dump.py"}, files)
                          : Dump(Java("ParquetDump"), files);
      std::map<Place, std::string> rows;
      int64_t declared = 0;
      for (const auto& f : dumped) {
        SCOPED_TRACE(f.path);
        const auto& [mr_codec, arrow_codec] = codecs.at(codec);
        EXPECT_EQ(HeaderField(f, "codecs"), "[" + JsonQuote(arrow ? arrow_codec : mr_codec) + "]");
        declared += IntField("{\"n\":" + HeaderField(f, "num_rows") + "}", "n");
        int32_t partition = files.count(f.path) ? files.at(f.path) : -1;
        for (const auto& line : f.records) {
          Place place{partition, IntField(line, "__offset")};
          EXPECT_TRUE(rows.emplace(place, CanonicalJson(line)).second)
              << "offset " << place.second << " of partition " << partition << " read twice";
        }
      }
      EXPECT_EQ(declared, kEvents);
      ASSERT_EQ(rows.size(), events_->size());
      size_t mismatches = 0;
      for (const auto& [place, rec_event] : *events_) {
        std::string want = ParquetRow(place, rec_event.first, rec_event.second);
        auto it = rows.find(place);
        std::string got = it == rows.end() ? "<missing>" : it->second;
        if (got != want && ++mismatches <= 5) {
          ADD_FAILURE() << "partition " << place.first << " offset " << place.second
                        << "\n  read: " << got << "\n  want: " << want;
        }
      }
      EXPECT_EQ(mismatches, 0u);
    }
    // parquet-mr's schema: the nested types as the Parquet spec lays them out.
    auto dumped = Dump(Java("ParquetDump"), {*files.begin()});
    ASSERT_EQ(dumped.size(), 1u);
    std::string schema = HeaderField(dumped[0], "schema");
    for (const char* part :
         {"required int64 __offset", "optional int64 ts (TIMESTAMP(MILLIS,true))",
          "optional int32 day (DATE)", "optional group tags (LIST)", "optional group matrix (LIST)",
          "optional group attrs (MAP)", "required binary key (STRING)", "optional binary blob;"}) {
      EXPECT_NE(schema.find(part), std::string::npos) << part << " in " << schema;
    }
  }
}

TEST_F(JavaReaders, AvroEveryCodecReadByAvroJava) {
  ASSERT_TRUE(WriteFileAtomic(dir_->Join("event.avsc"), kAvroSchema).ok());
  // secor codec -> the avro.codec of the container.
  const std::map<std::string, std::string> codecs = {
      {"none", "null"}, {"deflate", "deflate"}, {"snappy", "snappy"}};
  std::map<std::string, std::map<std::string, std::string>> runs;
  for (const auto& [codec, avro_codec] : codecs) {
    auto kv = Settings("avro-" + codec, "events", "avro", codec);
    kv["secor.payload.encoding"] = "json";
    kv["secor.avro.output.schema.file"] = dir_->Join("event.avsc");
    kv["secor.avro.output.block.size"] = "4096";  // many blocks per file
    runs["avro-" + codec] = kv;
  }
  ConsumeAll(runs, "events", kEvents);

  for (const auto& [name, kv] : runs) {
    SCOPED_TRACE(name);
    std::string codec = kv.at("secor.compression.codec");
    auto files = DataFiles(name, "events");
    auto dumped = Dump(Java("AvroDump"), files);
    std::map<Place, std::string> records;
    for (const auto& f : dumped) {
      SCOPED_TRACE(f.path);
      EXPECT_EQ(HeaderField(f, "codec"), JsonQuote(codecs.at(codec)));
      int32_t partition = files.count(f.path) ? files.at(f.path) : -1;
      for (const auto& line : f.records) {
        Place place{partition, IntField(line, "__offset")};
        EXPECT_TRUE(records.emplace(place, CanonicalJson(line)).second)
            << "offset " << place.second << " of partition " << partition << " read twice";
      }
    }
    // secor's Avro writer takes a date only as days, not as the "YYYY-MM-DD"
    // text its Parquet columns accept: such events go to the error output.
    // Every event is in exactly one of the two.
    std::map<Place, std::string> errors;
    auto error_files = ListFilesRecursive(dir_->Join(name) + "/events/_errors");
    for (const auto& rel : error_files.ok() ? *error_files : std::vector<std::string>{}) {
      auto text = ReadFile(dir_->Join(name) + "/events/_errors/" + rel);
      ASSERT_TRUE(text.ok()) << rel;
      for (const auto& line : Split(*text, '\n', true)) {
        Place place{static_cast<int32_t>(IntField(line, "partition")), IntField(line, "offset")};
        EXPECT_TRUE(errors.emplace(place, StringField(line, "error")).second) << line;
        EXPECT_EQ(records.count(place), 0u) << "in a file and in the error output: " << line;
      }
    }
    ASSERT_EQ(records.size() + errors.size(), events_->size());
    size_t mismatches = 0;
    for (const auto& [place, rec_event] : *events_) {
      const Event& e = rec_event.second;
      if (auto err = errors.find(place); err != errors.end()) {
        EXPECT_TRUE(e.day_as_text)
            << "partition " << place.first << " offset " << place.second << ": " << err->second;
        EXPECT_EQ(err->second, "field 'day': expected int32, got string");
        continue;
      }
      std::string want = AvroRecord(place, e);
      auto it = records.find(place);
      std::string got = it == records.end() ? "<missing>" : it->second;
      if (got != want && ++mismatches <= 5) {
        ADD_FAILURE() << "partition " << place.first << " offset " << place.second
                      << "\n  read: " << got << "\n  want: " << want;
      }
    }
    EXPECT_EQ(mismatches, 0u);
    std::cout << "[ info ] " << name << ": " << records.size() << " records read by Avro Java, "
              << errors.size() << " events with a text date in the error output\n";
  }
}

}  // namespace
}  // namespace secor
