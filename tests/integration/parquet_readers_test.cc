// Independent readers agree with what the Parquet and Avro writers wrote:
// DuckDB (types, values, nulls, nested fields, hive-partitioned aggregates),
// hyparquet (a second Parquet implementation) and avsc (Avro). The readers are
// Node packages installed by tests/node/install.sh.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/avro_format.h"
#include "format/parquet_format.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::RunCommand;
using secor::testing::RunShell;
using secor::testing::TempDir;

const std::string kNodeDir = std::string(SECOR_SOURCE_DIR) + "/tests/node";

class NodeReaders : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = RunShell(kNodeDir + "/install.sh");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  static std::vector<std::string> Node(const std::string& script, const std::string& arg) {
    auto r = RunCommand({"node", kNodeDir + "/" + script, arg});
    EXPECT_EQ(r.exit_code, 0) << script << ": " << r.err;
    return Split(r.out, '\n', true);
  }
  static std::vector<std::string> Duck(const std::string& sql) {
    return Node("duckdb_query.mjs", sql);
  }
};

Status Write(const std::string& format, const std::string& path, const std::string& codec,
             const Config* c, const std::vector<std::pair<int64_t, std::string>>& msgs) {
  ASSIGN_OR_RETURN(auto f, NewFileFormat(format));
  ASSIGN_OR_RETURN(auto w, f->NewWriter(path, FormatOptions{codec, "events", c}));
  for (const auto& [off, payload] : msgs) {
    Message m;
    m.topic = "events";
    m.offset = off;
    m.payload = payload;
    m.timestamp_ms = 1700000000000 + off;
    RETURN_IF_ERROR(w->Append(m));
  }
  return w->Close();
}

const char kColumns[] =
    "ts:timestamp_millis=timestamp, user.id:int64!, user.name:string, tags:list<string>, "
    "score:double, "
    "ok:bool, day:date, n:int32, f:float, blob:binary, none:string";

std::vector<std::pair<int64_t, std::string>> TypedMessages() {
  return {
      {100,
       R"({"timestamp":1700000000123,"user":{"id":7,"name":"ann"},"tags":["a","b"],"score":1.5,"ok":true,)"
       R"("day":"2024-02-29","n":-5,"f":0.25,"blob":"xyz"})"},
      {101, R"({"user":{"id":-8,"name":""},"tags":[],"day":19000,"ok":false})"},
      {105,
       R"({"user":{"id":9,"name":"\u00e9\u4e2d\ud83d\ude00"},"tags":["c",null],"n":2147483647})"},
  };
}

TEST_F(NodeReaders, DuckDbSeesTypesValuesNullsAndNesting) {
  TempDir dir;
  Config c = Config::FromMap(
      {{"secor.parquet.columns", kColumns}, {"secor.parquet.kafka.columns", "timestamp"}});
  for (std::string codec : {"", "snappy", "zstd", "gzip"}) {
    std::string path = dir.Join("t" + codec + ".parquet");
    ASSERT_TRUE(Write("parquet", path, codec, &c, TypedMessages()).ok()) << codec;
    auto types =
        Duck("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '" + path + "')");
    EXPECT_EQ(Join(types, "\n"),
              R"x({"column_name":"__offset","column_type":"BIGINT"}
{"column_name":"__timestamp","column_type":"TIMESTAMP WITH TIME ZONE"}
{"column_name":"ts","column_type":"TIMESTAMP WITH TIME ZONE"}
{"column_name":"user","column_type":"STRUCT(id BIGINT, \"name\" VARCHAR)"}
{"column_name":"tags","column_type":"VARCHAR[]"}
{"column_name":"score","column_type":"DOUBLE"}
{"column_name":"ok","column_type":"BOOLEAN"}
{"column_name":"day","column_type":"DATE"}
{"column_name":"n","column_type":"INTEGER"}
{"column_name":"f","column_type":"FLOAT"}
{"column_name":"blob","column_type":"BLOB"}
{"column_name":"none","column_type":"VARCHAR"})x")
        << codec;
    auto rows = Duck("SELECT * EXCLUDE (__timestamp), epoch_ms(__timestamp) AS kts FROM '" + path +
                     "' ORDER BY __offset");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(
        rows[0],
        R"({"__offset":"100","ts":"2023-11-14 22:13:20.123+00","user":{"id":"7","name":"ann"},"tags":["a","b"],)"
        R"("score":1.5,"ok":true,"day":"2024-02-29","n":-5,"f":0.25,"blob":"xyz","none":null,"kts":"1700000000100"})");
    EXPECT_EQ(
        rows[1],
        R"({"__offset":"101","ts":null,"user":{"id":"-8","name":""},"tags":[],"score":null,"ok":false,)"
        R"("day":"2022-01-08","n":null,"f":null,"blob":null,"none":null,"kts":"1700000000101"})");
    EXPECT_EQ(rows[2],
              "{\"__offset\":\"105\",\"ts\":null,\"user\":{\"id\":\"9\",\"name\":"
              "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"},"
              "\"tags\":[\"c\",null],\"score\":null,\"ok\":null,\"day\":null,\"n\":2147483647,"
              "\"f\":null,\"blob\":null,"
              "\"none\":null,\"kts\":\"1700000000105\"}");
    // Statistics in the footer are what DuckDB reports.
    auto stats = Duck(
        "SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count FROM "
        "parquet_metadata('" +
        path + "') WHERE path_in_schema IN ('__offset', 'n', 'none') ORDER BY 1");
    EXPECT_EQ(
        Join(stats, "\n"),
        R"({"path_in_schema":"__offset","stats_min_value":"100","stats_max_value":"105","stats_null_count":"0"}
{"path_in_schema":"n","stats_min_value":"-5","stats_max_value":"2147483647","stats_null_count":"1"}
{"path_in_schema":"none","stats_min_value":null,"stats_max_value":null,"stats_null_count":"3"})")
        << codec;
  }
}

TEST_F(NodeReaders, HivePartitionedCountsAndSums) {
  TempDir dir;
  Config c = Config::FromMap({{"secor.parquet.columns", "n:int64!, s:string"}});
  std::map<std::string, std::pair<int, int64_t>> expected;
  int64_t offset = 0;
  const char* codecs[] = {"snappy", "zstd", "gzip", ""};
  int file = 0;
  for (int day = 1; day <= 3; ++day) {
    for (int hr = 0; hr < 3; ++hr) {
      std::string part = fmt::format("dt=2024-01-0{}/hr={:02}", day, hr);
      for (int k = 0; k < 2; ++k) {
        std::vector<std::pair<int64_t, std::string>> msgs;
        int count = 50 * day + 7 * hr + k;
        for (int i = 0; i < count; ++i) {
          int64_t n = offset * 3 - 1000;
          msgs.push_back({offset++, fmt::format(R"({{"n":{},"s":"p{}"}})", n, i % 5)});
          expected[part].first++;
          expected[part].second += n;
        }
        std::string path = dir.Join(fmt::format("events/{}/1_{}_{:020}.parquet", part, k, offset));
        ASSERT_TRUE(Write("parquet", path, codecs[file++ % 4], &c, msgs).ok());
      }
    }
  }
  auto rows = Duck(
      "SELECT dt, hr, count(*) AS c, sum(n) AS s, count(DISTINCT __offset) AS o FROM "
      "read_parquet('" +
      dir.path() + "/events/*/*/*.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL");
  std::vector<std::string> want;
  for (const auto& [part, cs] : expected) {
    auto p = Split(part, '/');
    want.push_back(fmt::format(R"({{"dt":"{}","hr":"{}","c":"{}","s":"{}","o":"{}"}})",
                               p[0].substr(3), p[1].substr(3), cs.first, cs.second, cs.first));
  }
  EXPECT_EQ(Join(rows, "\n"), Join(want, "\n"));
}

TEST_F(NodeReaders, EdgeCasesAgreeAcrossDuckDbAndHyparquet) {
  TempDir dir;
  Config c = Config::FromMap(
      {{"secor.parquet.columns", "id:int64!, s:string, big:string, empty:string, nil:double"},
       {"parquet.block.size", "262144"},
       {"parquet.page.size", "16384"}});
  std::vector<std::pair<int64_t, std::string>> msgs;
  const std::string big(1 << 20, 'x');
  for (int i = 0; i < 10000; ++i) {
    std::string extra = i == 5000 ? fmt::format(R"(,"big":"{}")", big) : "";
    msgs.push_back({i, fmt::format(R"({{"id":{},"s":"distinct-value-{}-\u00fc","empty":""{}}})", i,
                                   i, extra)});
  }
  std::string path = dir.Join("edge.parquet");
  ASSERT_TRUE(Write("parquet", path, "snappy", &c, msgs).ok());
  auto agg = Duck(
      "SELECT count(*) AS c, count(DISTINCT s) AS d, sum(id) AS sid, max(length(big)) AS lb, "
      "count(big) AS nb, count(nil) AS nn, sum(length(empty)) AS le, count(empty) AS ne, "
      "min(s) AS mins FROM '" +
      path + "'");
  ASSERT_EQ(agg.size(), 1u);
  EXPECT_EQ(agg[0],
            "{\"c\":\"10000\",\"d\":\"10000\",\"sid\":\"49995000\",\"lb\":\"1048576\",\"nb\":\"1\","
            "\"nn\":\"0\","
            "\"le\":\"0\",\"ne\":\"10000\",\"mins\":\"distinct-value-0-\xc3\xbc\"}");
  auto groups =
      Duck("SELECT count(DISTINCT row_group_id) > 1 AS many FROM parquet_metadata('" + path + "')");
  EXPECT_EQ(Join(groups, ""), R"({"many":true})");

  auto hy = Node("hyparquet_dump.mjs", path);
  ASSERT_EQ(hy.size(), 10001u);
  EXPECT_NE(hy[0].find(R"("num_rows":10000)"), std::string::npos) << hy[0];
  EXPECT_NE(hy[0].find(R"("created_by":"secor-cpp version 0.1.0")"), std::string::npos) << hy[0];
  for (int i = 0; i < 10000; ++i) {
    std::string b = i == 5000 ? "\"" + big + "\"" : "null";
    ASSERT_EQ(
        hy[i + 1],
        fmt::format("{{\"__offset\":\"{}\",\"id\":\"{}\",\"s\":\"distinct-value-{}-\xc3\xbc\","
                    "\"big\":{},\"empty\":\"\",\"nil\":null}}",
                    i, i, i, b))
        << i;
  }
}

TEST_F(NodeReaders, HyparquetReadsNestedAndRawFiles) {
  TempDir dir;
  Config c = Config::FromMap({{"secor.parquet.columns", kColumns}});
  std::string path = dir.Join("n.parquet");
  ASSERT_TRUE(Write("parquet", path, "zstd", &c, TypedMessages()).ok());
  auto hy = Node("hyparquet_dump.mjs", path);
  ASSERT_EQ(hy.size(), 4u);
  EXPECT_EQ(
      hy[1],
      R"({"__offset":"100","ts":"2023-11-14T22:13:20.123Z","user":{"id":"7","name":"ann"},"tags":["a","b"],)"
      R"("score":1.5,"ok":true,"day":"2024-02-29T00:00:00.000Z","n":-5,"f":0.25,"blob":"xyz","none":null})");
  EXPECT_EQ(
      hy[2],
      R"({"__offset":"101","ts":null,"user":{"id":"-8","name":""},"tags":[],"score":null,"ok":false,)"
      R"("day":"2022-01-08T00:00:00.000Z","n":null,"f":null,"blob":null,"none":null})");

  std::string raw = dir.Join("raw.parquet");
  ASSERT_TRUE(
      Write("parquet", raw, "gzip", nullptr, {{7, "first"}, {8, ""}, {9, "third \xe2\x82\xac"}})
          .ok());
  auto rh = Node("hyparquet_dump.mjs", raw);
  ASSERT_EQ(rh.size(), 4u);
  EXPECT_EQ(rh[1], R"({"__offset":"7","value":"first"})");
  EXPECT_EQ(rh[2], R"({"__offset":"8","value":""})");
  EXPECT_EQ(rh[3], "{\"__offset\":\"9\",\"value\":\"third \xe2\x82\xac\"}");
  auto dr = Duck("SELECT __offset, decode(value) AS v FROM '" + raw + "' ORDER BY 1");
  EXPECT_EQ(Join(dr, "\n"),
            "{\"__offset\":\"7\",\"v\":\"first\"}\n{\"__offset\":\"8\",\"v\":\"\"}\n"
            "{\"__offset\":\"9\",\"v\":\"third \xe2\x82\xac\"}");
}

TEST_F(NodeReaders, AvscReadsAvroFiles) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("ev.avsc"),
                              R"({"type":"record","name":"Event","namespace":"t","fields":[
      {"name":"id","type":"long"},
      {"name":"name","type":["null","string"],"default":null},
      {"name":"tags","type":{"type":"array","items":"string"}},
      {"name":"user","type":{"type":"record","name":"U","fields":[{"name":"score","type":"double"}]}},
      {"name":"blob","type":["null","bytes"]}]})")
                  .ok());
  Config c = Config::FromMap({{"secor.avro.output.schema.file", dir.Join("ev.avsc")}});
  std::vector<std::pair<int64_t, std::string>> msgs = {
      {3, R"({"id":1,"name":"\u00e9","tags":["a",""],"user":{"score":0.5},"blob":"b"})"},
      {4, R"({"id":-2,"tags":[],"user":{"score":-1}})"},
  };
  for (std::string codec : {"", "gzip", "snappy"}) {
    std::string path = dir.Join("e" + codec + ".avro");
    ASSERT_TRUE(Write("avro", path, codec, &c, msgs).ok()) << codec;
    auto rows = Node("avsc_dump.mjs", path);
    ASSERT_EQ(rows.size(), 3u) << codec;
    EXPECT_NE(rows[0].find(fmt::format(R"("codec":"{}")", codec.empty()     ? "null"
                                                          : codec == "gzip" ? "deflate"
                                                                            : "snappy")),
              std::string::npos)
        << rows[0];
    EXPECT_EQ(rows[1],
              "{\"__offset\":3,\"id\":1,\"name\":\"\xc3\xa9\",\"tags\":[\"a\",\"\"],\"user\":{"
              "\"score\":0.5},"
              "\"blob\":\"b\"}");
    EXPECT_EQ(rows[2],
              R"({"__offset":4,"id":-2,"name":null,"tags":[],"user":{"score":-1},"blob":null})");
  }
  std::string raw = dir.Join("raw.avro");
  Status big_st = Write("avro", raw, "snappy", nullptr, {{1, "x"}, {2, std::string(1 << 20, 'y')}});
  ASSERT_TRUE(big_st.ok()) << big_st.ToString();
  auto rows = Node("avsc_dump.mjs", raw);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], R"({"__offset":1,"value":"x"})");
  EXPECT_EQ(rows[2], R"({"__offset":2,"value":")" + std::string(1 << 20, 'y') + "\"}");
}

}  // namespace
}  // namespace secor
