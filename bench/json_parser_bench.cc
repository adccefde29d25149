// Google Benchmark: the JSON timestamp parser end to end (field lookup,
// unit detection, cached partition name), in messages per second.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "parse/message_parser.h"

namespace {

std::vector<std::string> Payloads(bool nested) {
  std::vector<std::string> out;
  for (int i = 0; i < 1024; ++i) {
    const int64_t ts = 1718476205042 + i * 1000;
    std::string filler = R"("user":"u)" + std::to_string(i) + R"(","tags":["a","b","c"],"value":)" +
                         std::to_string(i * 3.25) + R"(,"text":"lorem ipsum dolor sit amet")";
    out.push_back(nested
                      ? "{" + filler + R"(,"meta":{"src":"web","ts":)" + std::to_string(ts) + "}}"
                      : R"({"timestamp":)" + std::to_string(ts) + "," + filler + "}");
  }
  return out;
}

void Run(benchmark::State& state, const std::map<std::string, std::string>& settings, bool nested) {
  auto parser = secor::NewMessageParser(secor::Config::FromMap(settings), "t");
  if (!parser.ok()) {
    state.SkipWithError(parser.status().message().c_str());
    return;
  }
  const auto payloads = Payloads(nested);
  secor::Message m;
  std::string path;
  size_t i = 0;
  for (auto _ : state) {
    m.payload = payloads[i++ & 1023];
    secor::Status st = (*parser)->Partition(m, &path);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(path);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_JsonTopLevel(benchmark::State& state) {
  Run(state, {{"secor.message.parser.class", "json"}, {"partitioner.granularity.hour", "true"}},
      false);
}
void BM_JsonNestedLast(benchmark::State& state) {
  Run(state,
      {{"secor.message.parser.class", "json"},
       {"message.timestamp.name", "meta.ts"},
       {"secor.parser.timezone", "America/New_York"},
       {"partitioner.granularity.hour", "true"}},
      true);
}

BENCHMARK(BM_JsonTopLevel);
BENCHMARK(BM_JsonNestedLast);

}  // namespace

BENCHMARK_MAIN();
