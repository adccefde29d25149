// Parquet write cost next to SequenceFile on the same JSON messages
// (throughput, output size), and the memory of 200 Parquet files open at once
// (the consumer keeps one writer per open output partition).
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

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

int64_t InputBytes() {
  int64_t n = 0;
  for (const auto& m : Messages()) n += static_cast<int64_t>(m.size());
  return n;
}

void WriteFile(benchmark::State& state, const std::string& format, const std::string& codec,
               const Config* config) {
  secor::testing::TempDir dir;
  auto f = NewFileFormat(format);
  if (!f.ok()) {
    state.SkipWithError(f.status().ToString().c_str());
    return;
  }
  uint64_t size = 0;
  int i = 0;
  for (auto _ : state) {
    auto w = (*f)->NewWriter(dir.Join(fmt::format("f{}", i++)), {codec, "events", config});
    if (!w.ok()) {
      state.SkipWithError(w.status().ToString().c_str());
      return;
    }
    Message m;
    m.topic = "events";
    int64_t off = 0;
    for (const auto& p : Messages()) {
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
  state.SetBytesProcessed(state.iterations() * InputBytes());
  state.counters["output_bytes"] = static_cast<double>(size);
  state.counters["ratio"] = static_cast<double>(InputBytes()) / static_cast<double>(size);
}

void BM_ParquetColumns(benchmark::State& state, const std::string& codec) {
  Config c = Config::FromMap({{"secor.parquet.columns", kColumns}});
  WriteFile(state, "parquet", codec, &c);
}

void BM_ParquetRaw(benchmark::State& state, const std::string& codec) {
  WriteFile(state, "parquet", codec, nullptr);
}

void BM_SequenceFile(benchmark::State& state, const std::string& codec) {
  WriteFile(state, "sequencefile", codec, nullptr);
}

BENCHMARK_CAPTURE(BM_ParquetColumns, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParquetColumns, zstd, std::string("zstd"))->Unit(benchmark::kMillisecond);
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
  auto f = NewFileFormat("parquet");
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
      auto w = (*f)->NewWriter(dir.Join(fmt::format("p{}/f.parquet", i)), {"snappy", "events", &c});
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
// Rounds of the 100,000 messages: 2,000 and 8,000 rows per file. With
// bounded memory the peak grows with neither.
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
