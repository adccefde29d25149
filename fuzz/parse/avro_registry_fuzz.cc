// libFuzzer: the Avro parser on payloads in the schema registry's wire format
// (magic byte, 4-byte schema id, datum). The registry client's cache is
// filled in advance, so no request leaves the process: an input that names
// another id is pointed at a cached one. Time and split-by-field parsers of
// the same registry must return a partition or a Status, never crash, and the
// split directory must stay one level below the topic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "config/config.h"
#include "parse/avro_parser.h"
#include "payload/avro_schema.h"
#include "payload/schema_registry.h"

namespace {

// Nothing listens here; the preloaded cache answers every id the harness sends.
const char kUrl[] = "http://127.0.0.1:9/fuzz-registry";

const char* const kSchemas[] = {
    R"({"type":"record","name":"A","fields":[{"name":"ts","type":"long"},
        {"name":"kind","type":"string"}]})",
    R"({"type":"record","name":"B","fields":[
        {"name":"kind","type":{"type":"enum","name":"K","symbols":["VIEW","CLICK"]}},
        {"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-micros"}]}]})",
    R"({"type":"record","name":"C","fields":[{"name":"kind","type":["null","int","boolean"]},
        {"name":"ts","type":"string"}]})",
    R"({"type":"record","name":"D","fields":[{"name":"kind","type":"double"},
        {"name":"ts","type":{"type":"int","logicalType":"date"}}]})",
};
constexpr int32_t kIds = sizeof kSchemas / sizeof kSchemas[0];

struct Parsers {
  std::unique_ptr<secor::MessageParser> time, split;
};

Parsers Make() {
  auto client = secor::SchemaRegistryClient::Shared(kUrl, 1, 100);
  for (int32_t id = 0; id < kIds; ++id) {
    auto schema = secor::AvroSchema::Parse(kSchemas[id]);
    if (!schema.ok()) std::abort();
    client->Preload(id + 1, *schema);
  }
  auto config = secor::Config::FromMap({{"schema.registry.url", kUrl},
                                        {"message.timestamp.name", "ts"},
                                        {"message.split.field.name", "kind"},
                                        {"partitioner.granularity.hour", "true"}});
  auto time = secor::NewAvroParser(config, "t");
  auto split = secor::NewAvroSplitByFieldParser(config, "t");
  if (!time.ok() || !split.ok()) std::abort();
  return {std::move(time).value(), std::move(split).value()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Parsers parsers = Make();
  std::string payload(reinterpret_cast<const char*>(data), size);
  // A well-formed header names one of the cached ids; anything else is left
  // as it is, for the wire-format checks.
  if (payload.size() >= 5 && payload[0] == 0) {
    int32_t id = static_cast<uint8_t>(payload[4]) % kIds + 1;
    payload[1] = payload[2] = payload[3] = 0;
    payload[4] = static_cast<char>(id);
  }
  secor::Message m;
  m.payload = payload;
  std::string path;
  (void)parsers.time->Partition(m, &path);
  if (parsers.split->Partition(m, &path).ok()) {
    size_t slash = path.find('/');
    if (slash == std::string::npos || path.compare(0, 5, "kind=") != 0 ||
        path.compare(slash, 4, "/dt=") != 0 || path.find("/..") != std::string::npos) {
      std::abort();
    }
  }
  return 0;
}
