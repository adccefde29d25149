// Independent readers agree with what the Parquet and Avro writers wrote:
// DuckDB (types, values, nulls, nested fields, hive-partitioned aggregates),
// hyparquet (a second Parquet implementation) and avsc (Avro). The readers are
// Node packages installed by tests/node/install.sh.
#include <avro.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/avro_format.h"
#include "format/parquet_format.h"
#include "kafka/producer.h"
#include "support/cluster.h"
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
  ASSIGN_OR_RETURN(auto f, NewFileFormat(format, FormatOptions{codec, "events"}, c));
  ASSIGN_OR_RETURN(auto w, f->NewWriter(path));
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

// Lists of records and maps are query-ready: DuckDB unnests the lists and
// reads the maps of Parquet written from Protobuf payloads (encoded by protoc)
// and from JSON with a column list; avsc reads the Avro container written
// from the same payloads, its schema derived from the descriptor.
TEST_F(NodeReaders, NestedListsAndMapsQueryInDuckDbAndReadInAvsc) {
  TempDir dir;
  const std::string proto_dir = std::string(SECOR_SOURCE_DIR) + "/src/format/testdata";
  const std::string desc = dir.Join("event.desc");
  auto protoc = RunCommand({"protoc", "-I" + proto_dir, "--include_imports",
                            "--descriptor_set_out=" + desc, "event.proto"});
  ASSERT_EQ(protoc.exit_code, 0) << protoc.err;
  std::vector<std::pair<int64_t, std::string>> orders;
  for (
      const char* text :
      {R"(id: "o1" items { sku: "a" qty: 2 labels: "x" prices { key: "eur" value: 1.5 } })"
       R"( items { sku: "b" note: "n" } counts { key: "z" value: 3 } counts { key: "a" value: -1 })"
       R"( by_sku { key: "b" value { sku: "b" qty: 1 } } colors { key: 2 value: GREEN })"
       R"( colors { key: -1 value: RED })",
       R"(id: "o2")"}) {
    auto enc = RunCommand(
        {"protoc", "-I" + proto_dir, "--encode=secor.test.output.Order", "event.proto"}, text);
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    orders.emplace_back(static_cast<int64_t>(orders.size()), enc.out);
  }
  Config proto = Config::FromMap({{"secor.payload.encoding", "protobuf"},
                                  {"secor.protobuf.descriptor.set.file", desc},
                                  {"secor.protobuf.message.class", "secor.test.output.Order"}});
  const std::string pq = dir.Join("orders.parquet");
  ASSERT_TRUE(Write("parquet", pq, "zstd", &proto, orders).ok());
  auto types = Duck("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '" + pq +
                    "') WHERE column_name IN ('items', 'counts', 'colors')");
  EXPECT_EQ(
      Join(types, "\n"),
      R"x({"column_name":"items","column_type":"STRUCT(sku VARCHAR, qty INTEGER, note VARCHAR, labels VARCHAR[], prices MAP(VARCHAR, DOUBLE))[]"}
{"column_name":"counts","column_type":"MAP(VARCHAR, BIGINT)"}
{"column_name":"colors","column_type":"MAP(VARCHAR, VARCHAR)"})x");
  // One row per item, with its order's id; map entries by key.
  auto items = Duck(
      "SELECT id, i.sku, i.qty, i.note, i.labels, map_entries(i.prices) AS prices "
      "FROM (SELECT id, unnest(items) AS i FROM '" +
      pq + "') ORDER BY 1, 2");
  EXPECT_EQ(
      Join(items, "\n"),
      R"({"id":"o1","sku":"a","qty":2,"note":null,"labels":["x"],"prices":[{"key":"eur","value":1.5}]}
{"id":"o1","sku":"b","qty":0,"note":"n","labels":[],"prices":[]})");
  auto maps = Duck(
      "SELECT id, map_entries(counts) AS counts, map_entries(colors) AS colors, "
      "list_filter(map_entries(by_sku), e -> e.key = 'b')[1].value.qty AS b_qty, len(items) AS n "
      "FROM '" +
      pq + "' ORDER BY 1");
  EXPECT_EQ(
      Join(maps, "\n"),
      R"({"id":"o1","counts":[{"key":"a","value":"-1"},{"key":"z","value":"3"}],"colors":[{"key":"-1","value":"RED"},{"key":"2","value":"GREEN"}],"b_qty":1,"n":"2"}
{"id":"o2","counts":[],"colors":[],"b_qty":null,"n":"0"})");

  // JSON with list<list<T>> and map<string,list<T>> columns.
  Config cols = Config::FromMap(
      {{"secor.parquet.columns", "grid:list<list<int64>>, tags:map<string,list<string>>"}});
  const std::string js = dir.Join("json.parquet");
  ASSERT_TRUE(Write("parquet", js, "snappy", &cols,
                    {{1, R"({"grid":[[1,2],[],null,[9007199254740993]],"tags":{"k":["a",null]}})"},
                     {2, R"({"tags":{}})"}})
                  .ok());
  auto json_rows =
      Duck("SELECT __offset, grid, flatten(grid) AS flat, map_entries(tags) AS tags FROM '" + js +
           "' ORDER BY 1");
  EXPECT_EQ(
      Join(json_rows, "\n"),
      R"({"__offset":"1","grid":[["1","2"],[],null,["9007199254740993"]],"flat":["1","2","9007199254740993"],"tags":[{"key":"k","value":["a",null]}]}
{"__offset":"2","grid":null,"flat":null,"tags":[]})");
  auto hy = Node("hyparquet_dump.mjs", js);
  ASSERT_EQ(hy.size(), 3u);
  EXPECT_EQ(
      hy[1],
      R"({"__offset":"1","grid":[["1","2"],[],null,["9007199254740993"]],"tags":{"k":["a",null]}})");
  EXPECT_EQ(hy[2], R"({"__offset":"2","grid":null,"tags":{}})");

  // The Avro container of the same Protobuf payloads.
  const std::string av = dir.Join("orders.avro");
  ASSERT_TRUE(Write("avro", av, "snappy", &proto, orders).ok());
  auto rows = Node("avsc_dump.mjs", av);
  ASSERT_EQ(rows.size(), 3u);
  // (avsc gives maps as JavaScript objects, which list integer-like keys such
  // as "2" first.)
  EXPECT_EQ(
      rows[1],
      R"({"__offset":0,"id":"o1","items":[{"sku":"a","qty":2,"note":null,"labels":["x"],"prices":{"eur":1.5}},)"
      R"({"sku":"b","qty":0,"note":"n","labels":[],"prices":{}}],"counts":{"a":-1,"z":3},)"
      R"("by_sku":{"b":{"sku":"b","qty":1,"note":null,"labels":[],"prices":{}}},)"
      R"("colors":{"2":"GREEN","-1":"RED"},"times":[],"address":null})");
  EXPECT_EQ(
      rows[2],
      R"({"__offset":1,"id":"o2","items":[],"counts":{},"by_sku":{},"colors":{},"times":[],"address":null})");
}

// Binary payloads through the whole pipeline: Avro (schema file, datums
// written by Avro C) and Protobuf (payloads encoded by protoc) produced to the
// test broker, `secor consume` writing Parquet with the columns of their
// schemas, DuckDB reading the hive-partitioned output; then the Avro topic
// again as Avro container files, read by avsc.
TEST_F(NodeReaders, ConsumedAvroAndProtobufPayloadsQueryWithHivePartitions) {
  using namespace std::chrono_literals;
  TempDir dir;
  const std::string avsc = dir.Join("click.avsc");
  const std::string avro_schema = R"({"type":"record","name":"Click","namespace":"it","fields":[
    {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
    {"name":"user","type":"long"},
    {"name":"page","type":["null","string"],"default":null},
    {"name":"tags","type":{"type":"array","items":"string"}},
    {"name":"blob","type":"bytes"},
    {"name":"geo","type":["null",{"type":"record","name":"Geo","fields":[
      {"name":"lat","type":"double"},{"name":"day","type":{"type":"int","logicalType":"date"}}]}],
     "default":null}]})";
  ASSERT_TRUE(WriteFileAtomic(avsc, avro_schema).ok());
  const std::string proto_dir = std::string(SECOR_SOURCE_DIR) + "/src/format/testdata";
  const std::string desc = dir.Join("event.desc");
  auto protoc = RunCommand({"protoc", "-I" + proto_dir, "--include_imports",
                            "--descriptor_set_out=" + desc, "event.proto"});
  ASSERT_EQ(protoc.exit_code, 0) << protoc.err;

  testing::TestBroker broker(dir.path(), {"clicks:2", "events:2"});
  ASSERT_FALSE(broker.bootstrap().empty());
  auto producer = Producer::Create(broker.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();

  // 60 Avro messages over three hours of 2024-01-01, and one that is not Avro.
  avro_schema_t schema;
  ASSERT_EQ(avro_schema_from_json_length(avro_schema.data(), avro_schema.size(), &schema), 0);
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  const int64_t base_ms = 1704067200000;  // 2024-01-01T00:00:00Z
  std::map<std::string, std::vector<int64_t>>
      clicks;  // hr -> [count, sum(user), pages, tags, geos]
  for (int i = 0; i < 60; ++i) {
    avro_value_t rec, f, b, g;
    avro_generic_value_new(iface, &rec);
    const int hr = i % 3;
    avro_value_get_by_name(&rec, "ts", &f, nullptr);
    avro_value_set_long(&f, base_ms + hr * 3600000 + i * 1000);
    avro_value_get_by_name(&rec, "user", &f, nullptr);
    avro_value_set_long(&f, 1000000000000 + i);
    avro_value_get_by_name(&rec, "page", &f, nullptr);
    avro_value_set_branch(&f, i % 4 == 0 ? 0 : 1, &b);
    if (i % 4 == 0) {
      avro_value_set_null(&b);
    } else {
      std::string page = "/p/" + std::to_string(i);
      avro_value_set_string(&b, page.c_str());
    }
    avro_value_get_by_name(&rec, "tags", &f, nullptr);
    for (int t = 0; t < i % 3; ++t) {
      avro_value_append(&f, &b, nullptr);
      avro_value_set_string(&b, t == 0 ? "a" : "b");
    }
    avro_value_get_by_name(&rec, "blob", &f, nullptr);
    char blob[3] = {static_cast<char>(i), '\xff', '\0'};
    avro_value_set_bytes(&f, blob, 3);
    avro_value_get_by_name(&rec, "geo", &f, nullptr);
    avro_value_set_branch(&f, i % 2, &b);
    if (i % 2 == 0) {
      avro_value_set_null(&b);
    } else {
      avro_value_get_by_name(&b, "lat", &g, nullptr);
      avro_value_set_double(&g, i + 0.5);
      avro_value_get_by_name(&b, "day", &g, nullptr);
      avro_value_set_int(&g, 19723);  // 2024-01-01
    }
    char buf[512];
    avro_writer_t w = avro_writer_memory(buf, sizeof buf);
    ASSERT_EQ(avro_value_write(w, &rec), 0) << avro_strerror();
    std::string datum(buf, avro_writer_tell(w));
    avro_writer_free(w);
    avro_value_decref(&rec);
    ASSERT_TRUE((*producer)->Produce("clicks", i % 2, "", datum).ok());
    auto& c = clicks[fmt::format("{:02}", hr)];
    c.resize(5);
    c[0] += 1;
    c[1] += 1000000000000 + i;
    c[2] += i % 4 != 0;
    c[3] += i % 3;
    c[4] += i % 2;
  }
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  ASSERT_TRUE((*producer)->Produce("clicks", 0, "", std::string("\x02\x03", 2)).ok());

  // 20 Protobuf messages over two days.
  std::map<std::string, int> events;  // dt -> count
  for (int i = 0; i < 20; ++i) {
    const int64_t seconds = 1704067200 + (i % 2) * 86400 + i;
    std::string text = fmt::format(
        "name: \"e{}\" big: {} huge: {} created {{ seconds: {} nanos: {} }} "
        "address {{ city: \"c{}\" zip: {} }} tags: \"x\" tags: \"y{}\" blob: \"\\000\\377\" "
        "color: GREEN",
        i, 9007199254740993 + i, 9223372036854775807 - i, seconds, i * 1000, i, i, i);
    auto enc = RunCommand(
        {"protoc", "-I" + proto_dir, "--encode=secor.test.output.Event", "event.proto"}, text);
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    ASSERT_TRUE((*producer)->Produce("events", i % 2, "", enc.out).ok());
    events[i % 2 ? "2024-01-02" : "2024-01-01"]++;
  }
  ASSERT_TRUE((*producer)->Flush(30s).ok());

  auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "binary", dir.Join("staging"),
                                          dir.Join("store"));
  kv["secor.file.reader.writer.factory"] = "parquet";
  kv["secor.compression.codec"] = "zstd";
  kv["partitioner.granularity.hour"] = "true";
  kv["secor.message.parser.class.clicks"] = "AvroMessageParser";
  kv["secor.payload.encoding.clicks"] = "avro";
  kv["secor.avro.schema.file.clicks"] = avsc;
  kv["message.timestamp.name.clicks"] = "ts";
  kv["secor.message.parser.class.events"] = "ProtobufMessageParser";
  kv["secor.payload.encoding.events"] = "protobuf";
  kv["secor.protobuf.descriptor.set.file.events"] = desc;
  kv["secor.protobuf.message.class.events"] = "secor.test.output.Event";
  kv["message.timestamp.name.events"] = "created";
  const std::string config = testing::WriteProperties(dir.Join("binary.properties"), kv);
  {
    testing::Process p;
    p.Start({testing::BinaryPath("secor"), "consume", "-c", config}, dir.Join("consumer"));
    // verify counts the error output too: nothing was dropped.
    auto v = testing::WaitForVerify(config, "clicks", 61, 120s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
    v = testing::WaitForVerify(config, "events", 20, 60s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
    testing::ExpectVerifyStillPasses(config, "clicks", 61);
    testing::ExpectVerifyStillPasses(config, "events", 20);
  }

  const std::string clicks_glob = dir.Join("store/clicks/*/*/*.parquet");
  auto types = Duck("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" +
                    clicks_glob + "', hive_partitioning=false))");
  EXPECT_EQ(Join(types, "\n"), R"x({"column_name":"__offset","column_type":"BIGINT"}
{"column_name":"ts","column_type":"TIMESTAMP WITH TIME ZONE"}
{"column_name":"user","column_type":"BIGINT"}
{"column_name":"page","column_type":"VARCHAR"}
{"column_name":"tags","column_type":"VARCHAR[]"}
{"column_name":"blob","column_type":"BLOB"}
{"column_name":"geo","column_type":"STRUCT(lat DOUBLE, \"day\" DATE)"})x");
  auto rows = Duck(
      "SELECT dt, hr, count(*) AS c, sum(\"user\") AS u, "
      "count(page) AS p, sum(len(tags)) AS t, count(geo) AS g, count(DISTINCT __offset) AS o "
      "FROM read_parquet('" +
      clicks_glob + "', hive_partitioning=true) GROUP BY ALL ORDER BY ALL");
  std::vector<std::string> want;
  for (const auto& [hr, c] : clicks) {
    want.push_back(fmt::format(
        R"({{"dt":"2024-01-01","hr":"{}","c":"{}","u":"{}","p":"{}","t":"{}","g":"{}","o":"{}"}})",
        hr, c[0], c[1], c[2], c[3], c[4], c[0]));
  }
  EXPECT_EQ(Join(rows, "\n"), Join(want, "\n"));
  // Message 5 (hour 2, partition 1): every type's value.
  auto one = Duck(
      "SELECT epoch_ms(ts) AS ts, \"user\", page, tags, hex(blob) AS blob, geo FROM "
      "read_parquet('" +
      clicks_glob + "') WHERE \"user\" = 1000000000005");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0],
            R"({"ts":"1704074405000","user":"1000000000005","page":"/p/5","tags":["a","b"],)"
            R"("blob":"05FF00","geo":{"lat":5.5,"day":"2024-01-01"}})");

  // hyparquet, a second reader, agrees on rows, optional groups and nulls.
  size_t hy_rows = 0;
  std::string hy5, hy4;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.Join("store/clicks"))) {
    const std::string path = e.path().string();
    if (!e.is_regular_file() || !EndsWith(path, ".parquet")) continue;
    auto dumped = Node("hyparquet_dump.mjs", path);
    ASSERT_FALSE(dumped.empty()) << path;
    for (size_t i = 1; i < dumped.size(); ++i) {
      ++hy_rows;
      if (dumped[i].find(R"("user":"1000000000005")") != std::string::npos) hy5 = dumped[i];
      if (dumped[i].find(R"("user":"1000000000004")") != std::string::npos) hy4 = dumped[i];
    }
  }
  EXPECT_EQ(hy_rows, 60u);
  EXPECT_NE(hy5.find(R"("ts":"2024-01-01T02:00:05.000Z","user":"1000000000005","page":"/p/5",)"
                     R"("tags":["a","b"],)"),
            std::string::npos)
      << hy5;
  EXPECT_NE(hy5.find(R"("geo":{"lat":5.5,"day":"2024-01-01T00:00:00.000Z"})"), std::string::npos)
      << hy5;
  EXPECT_NE(hy4.find(R"("page":null,"tags":["a"],)"), std::string::npos) << hy4;
  EXPECT_NE(hy4.find(R"("geo":null)"), std::string::npos) << hy4;

  const std::string events_glob = dir.Join("store/events/*/*/*.parquet");
  types = Duck(
      "SELECT column_name, column_type FROM (DESCRIBE SELECT name, big, huge, created, "
      "address, tags, blob, color, nick FROM read_parquet('" +
      events_glob + "'))");
  EXPECT_EQ(Join(types, "\n"), R"x({"column_name":"name","column_type":"VARCHAR"}
{"column_name":"big","column_type":"BIGINT"}
{"column_name":"huge","column_type":"BIGINT"}
{"column_name":"created","column_type":"TIMESTAMP WITH TIME ZONE"}
{"column_name":"address","column_type":"STRUCT(city VARCHAR, zip INTEGER, note VARCHAR)"}
{"column_name":"tags","column_type":"VARCHAR[]"}
{"column_name":"blob","column_type":"BLOB"}
{"column_name":"color","column_type":"VARCHAR"}
{"column_name":"nick","column_type":"VARCHAR"})x");
  rows = Duck("SELECT dt, count(*) AS c FROM read_parquet('" + events_glob +
              "', hive_partitioning=true) GROUP BY ALL ORDER BY ALL");
  want.clear();
  for (const auto& [dt, c] : events)
    want.push_back(fmt::format(R"({{"dt":"{}","c":"{}"}})", dt, c));
  EXPECT_EQ(Join(rows, "\n"), Join(want, "\n"));
  one = Duck(
      "SELECT name, big, epoch_us(created) AS created, address, tags, hex(blob) AS blob, "
      "color, nick FROM read_parquet('" +
      events_glob + "') WHERE name = 'e3'");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0],
            R"({"name":"e3","big":"9007199254740996","created":"1704153603000003",)"
            R"("address":{"city":"c3","zip":3,"note":null},"tags":["x","y3"],"blob":"00FF",)"
            R"("color":"GREEN","nick":null})");

  // The Avro topic again, as Avro container files: the datums as produced.
  kv["secor.kafka.group"] = "binary-avro";
  kv["secor.file.reader.writer.factory"] = "avro";
  kv["secor.compression.codec"] = "snappy";
  kv["secor.output.uri"] = dir.Join("store-avro");
  kv["secor.local.path"] = dir.Join("staging-avro");
  kv["secor.kafka.topic_filter"] = "clicks";
  const std::string avro_config = testing::WriteProperties(dir.Join("avro.properties"), kv);
  {
    testing::Process p;
    p.Start({testing::BinaryPath("secor"), "consume", "-c", avro_config},
            dir.Join("consumer-avro"));
    auto v = testing::WaitForVerify(avro_config, "clicks", 61, 120s);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
    testing::ExpectVerifyStillPasses(avro_config, "clicks", 61);
  }
  std::map<std::string, int> avro_counts;  // hr -> records
  std::string record5;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(dir.Join("store-avro/clicks"))) {
    const std::string path = e.path().string();
    if (!e.is_regular_file() || path.find("/dt=") == std::string::npos) continue;
    auto dumped = Node("avsc_dump.mjs", path);
    ASSERT_FALSE(dumped.empty()) << path;
    EXPECT_NE(dumped[0].find(R"("codec":"snappy")"), std::string::npos) << dumped[0];
    const std::string hr = path.substr(path.find("/hr=") + 4, 2);
    for (size_t i = 1; i < dumped.size(); ++i) {
      avro_counts[hr]++;
      if (dumped[i].find(R"("user":1000000000005,)") != std::string::npos) record5 = dumped[i];
    }
  }
  std::map<std::string, int> want_counts;
  for (const auto& [hr, c] : clicks) want_counts[hr] = static_cast<int>(c[0]);
  EXPECT_EQ(avro_counts, want_counts);
  EXPECT_NE(record5.find(R"("ts":1704074405000,"user":1000000000005,"page":"/p/5",)"
                         R"("tags":["a","b"],)"),
            std::string::npos)
      << record5;
  EXPECT_NE(record5.find(R"("geo":{"lat":5.5,"day":19723})"), std::string::npos) << record5;
}

}  // namespace
}  // namespace secor
