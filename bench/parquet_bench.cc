// Parquet write cost next to SequenceFile on the same JSON messages
// (throughput, output size), the same records as Avro datums
// (secor.payload.encoding=avro: decoding instead of JSON parsing), and the
// memory of 200 Parquet files open at once (the consumer keeps one writer per
// open output partition).
#include <avro.h>
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/file_util.h"
#include "config/config.h"
#include "format/file_format.h"
#include "support/test_util.h"

namespace secor {
namespace {

const char kColumns[] =
    "ts:timestamp_millis, user.id:int64!, user.country:string, event:string, "
    "value:double, tags:list<string>";

const std::vector<std::string>& Messages() {
  static const std::vector<std::string> msgs = [] {
    std::vector<std::string> v;
    const char* events[] = {"click", "view", "purchase", "scroll", "share"};
    const char* countries[] = {"US", "DE", "FR", "JP", "BR", "IN"};
    uint64_t x = 88172645463325252ULL;  // xorshift: same data every run
    for (int i = 0; i < 100000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      v.push_back(fmt::format(
          R"({{"ts":{},"user":{{"id":{},"country":"{}"}},"event":"{}","value":{:.3f},"tags":["t{}","t{}"]}})",
          1700000000000 + i * 37, x % 100000, countries[x % 6], events[(x >> 8) % 5],
          (x % 100000) / 7.0, x % 50, (x >> 20) % 50));
    }
    return v;
  }();
  return msgs;
}

const char kAvroSchema[] = R"({"type":"record","name":"E","fields":[
  {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"user","type":{"type":"record","name":"U","fields":[
    {"name":"id","type":"long"},{"name":"country","type":["null","string"]}]}},
  {"name":"event","type":["null","string"]},{"name":"value","type":["null","double"]},
  {"name":"tags","type":{"type":"array","items":"string"}}]})";

// Messages() as Avro datums of kAvroSchema, written by Avro C.
const std::vector<std::string>& AvroMessages() {
  static const std::vector<std::string> msgs = [] {
    std::vector<std::string> v;
    avro_schema_t schema;
    avro_schema_from_json_length(kAvroSchema, sizeof kAvroSchema - 1, &schema);
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    avro_value_t rec, f, b, g;
    avro_generic_value_new(iface, &rec);
    simdjson::dom::parser parser;
    for (const std::string& json : Messages()) {
      simdjson::dom::element e = parser.parse(json);
      avro_value_reset(&rec);
      avro_value_get_by_name(&rec, "ts", &f, nullptr);
      avro_value_set_long(&f, int64_t(e["ts"]));
      avro_value_get_by_name(&rec, "user", &f, nullptr);
      avro_value_get_by_name(&f, "id", &g, nullptr);
      avro_value_set_long(&g, int64_t(e["user"]["id"]));
      avro_value_get_by_name(&f, "country", &g, nullptr);
      avro_value_set_branch(&g, 1, &b);
      avro_value_set_string(&b, std::string(std::string_view(e["user"]["country"])).c_str());
      avro_value_get_by_name(&rec, "event", &f, nullptr);
      avro_value_set_branch(&f, 1, &b);
      avro_value_set_string(&b, std::string(std::string_view(e["event"])).c_str());
      avro_value_get_by_name(&rec, "value", &f, nullptr);
      avro_value_set_branch(&f, 1, &b);
      avro_value_set_double(&b, double(e["value"]));
      avro_value_get_by_name(&rec, "tags", &f, nullptr);
      for (simdjson::dom::element t : e["tags"].get_array()) {
        avro_value_append(&f, &b, nullptr);
        avro_value_set_string(&b, std::string(std::string_view(t)).c_str());
      }
      char buf[1024];
      avro_writer_t w = avro_writer_memory(buf, sizeof buf);
      avro_value_write(w, &rec);
      v.emplace_back(buf, avro_writer_tell(w));
      avro_writer_free(w);
    }
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return v;
  }();
  return msgs;
}

int64_t InputBytes(const std::vector<std::string>& msgs = Messages()) {
  int64_t n = 0;
  for (const auto& m : msgs) n += static_cast<int64_t>(m.size());
  return n;
}

void WriteFile(benchmark::State& state, const std::string& format, const std::string& codec,
               const Config* config, const std::vector<std::string>& msgs = Messages()) {
  secor::testing::TempDir dir;
  auto f = NewFileFormat(format, {codec, "events"}, config);
  if (!f.ok()) {
    state.SkipWithError(f.status().ToString().c_str());
    return;
  }
  uint64_t size = 0;
  int i = 0;
  for (auto _ : state) {
    auto w = (*f)->NewWriter(dir.Join(fmt::format("f{}", i++)));
    if (!w.ok()) {
      state.SkipWithError(w.status().ToString().c_str());
      return;
    }
    Message m;
    m.topic = "events";
    int64_t off = 0;
    for (const auto& p : msgs) {
      m.offset = off++;
      m.payload = p;
      if (!(*w)->Append(m).ok()) {
        state.SkipWithError("append failed");
        return;
      }
    }
    if (!(*w)->Close().ok()) state.SkipWithError("close failed");
    size = (*w)->BytesWritten();
  }
  state.SetBytesProcessed(state.iterations() * InputBytes(msgs));
  state.counters["messages_per_second"] =
      benchmark::Counter(static_cast<double>(msgs.size()) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["output_bytes"] = static_cast<double>(size);
  state.counters["ratio"] = static_cast<double>(InputBytes(msgs)) / static_cast<double>(size);
}

void BM_ParquetColumns(benchmark::State& state, const std::string& codec) {
  Config c = Config::FromMap({{"secor.parquet.columns", kColumns}});
  WriteFile(state, "parquet", codec, &c);
}

// The same records as Avro payloads: columns from the schema, values decoded.
void BM_ParquetFromAvro(benchmark::State& state, const std::string& codec) {
  secor::testing::TempDir dir;
  if (!WriteFileAtomic(dir.Join("e.avsc"), kAvroSchema).ok()) {
    state.SkipWithError("cannot write the schema file");
    return;
  }
  Config c = Config::FromMap(
      {{"secor.payload.encoding", "avro"}, {"secor.avro.schema.file", dir.Join("e.avsc")}});
  WriteFile(state, "parquet", codec, &c, AvroMessages());
}

void BM_ParquetRaw(benchmark::State& state, const std::string& codec) {
  WriteFile(state, "parquet", codec, nullptr);
}

void BM_SequenceFile(benchmark::State& state, const std::string& codec) {
  WriteFile(state, "sequencefile", codec, nullptr);
}

BENCHMARK_CAPTURE(BM_ParquetColumns, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParquetColumns, zstd, std::string("zstd"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParquetFromAvro, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParquetFromAvro, zstd, std::string("zstd"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParquetRaw, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParquetRaw, zstd, std::string("zstd"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SequenceFile, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SequenceFile, zstd, std::string("zstd"))->Unit(benchmark::kMillisecond);

int64_t StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(std::string(field).size()));
  }
  return -1;
}

// 200 writers fed round-robin, as the consumer does with many partitions:
// memory stays near one page per column per file, not one row group.
void BM_Parquet200OpenFiles(benchmark::State& state) {
  Config c = Config::FromMap({{"secor.parquet.columns", kColumns}});
  auto f = NewFileFormat("parquet", {"snappy", "events"}, &c);
  if (!f.ok()) {
    state.SkipWithError(f.status().ToString().c_str());
    return;
  }
  const auto& msgs = Messages();
  int64_t peak_kb = 0, base_kb = 0;
  for (auto _ : state) {
    secor::testing::TempDir dir;
    // Reset the high-water mark so that the peak belongs to this run.
    std::ofstream("/proc/self/clear_refs") << "5";
    base_kb = StatusKb("VmRSS:");
    std::vector<std::unique_ptr<FileWriter>> writers;
    for (int i = 0; i < 200; ++i) {
      auto w = (*f)->NewWriter(dir.Join(fmt::format("p{}/f.parquet", i)));
      if (!w.ok()) {
        state.SkipWithError(w.status().ToString().c_str());
        return;
      }
      writers.push_back(std::move(w).value());
    }
    Message m;
    for (int64_t round = 0; round < state.range(0); ++round) {
      for (size_t k = 0; k < msgs.size(); ++k) {
        m.offset = static_cast<int64_t>(round * msgs.size() + k);
        m.payload = msgs[k];
        if (!writers[k % 200]->Append(m).ok()) {
          state.SkipWithError("append failed");
          return;
        }
      }
    }
    for (auto& w : writers) {
      if (!w->Close().ok()) state.SkipWithError("close failed");
    }
    peak_kb = StatusKb("VmHWM:");
  }
  state.SetBytesProcessed(state.iterations() * InputBytes() * state.range(0));
  state.counters["peak_rss_mb"] = static_cast<double>(peak_kb) / 1024.0;
  state.counters["rss_before_mb"] = static_cast<double>(base_kb) / 1024.0;
}
// Rounds of the 100,000 messages: 2,000, 8,000 and 32,000 rows per file.
// The shared memory budget (parquet::MemoryBudget) keeps the peak from
// growing with the rows per file.
BENCHMARK(BM_Parquet200OpenFiles)
    ->Arg(4)
    ->Arg(16)
    ->Arg(64)
    ->ArgName("rounds")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace secor

BENCHMARK_MAIN();
