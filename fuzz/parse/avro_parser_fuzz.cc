// libFuzzer: the schema-guided Avro reader on arbitrary datums of a schema
// with every type and a recursive record, and the schema compiler on
// arbitrary JSON; both must return a value or a Status, never crash or loop.
// Decoding whole datums (for Parquet and Avro output) likewise, with memory
// bounded by the datum's size.
#include <cstddef>
#include <cstdint>

#include "parse/avro_parser.h"
#include "payload/avro_schema.h"

namespace {

const char kSchema[] = R"({"type": "record", "name": "E", "namespace": "f", "fields": [
  {"name": "s", "type": "string"},
  {"name": "a", "type": {"type": "array", "items": ["null", "long", "E"]}},
  {"name": "m", "type": {"type": "map", "values": {"type": "array", "items": "null"}}},
  {"name": "k", "type": {"type": "enum", "name": "K", "symbols": ["A", "B"]}},
  {"name": "x", "type": {"type": "fixed", "name": "X", "size": 3}},
  {"name": "r", "type": {"type": "record", "name": "R", "fields": [
    {"name": "b", "type": "boolean"}, {"name": "f", "type": "float"},
    {"name": "d", "type": "double"}, {"name": "y", "type": "bytes"}]}},
  {"name": "next", "type": ["null", "E"]},
  {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto schema = secor::AvroSchema::Parse(kSchema);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto& path : {std::vector<std::string>{"ts"}, {"next", "next", "ts"}, {"k"}}) {
    auto v = (*schema)->Read(input, path);
    if (v.ok()) (void)secor::AvroValueToMillis(*v, "ts");
  }
  secor::DatumTree tree;
  (void)(*schema)->Decode(input, &tree);
  if (auto parsed = secor::AvroSchema::Parse(input); parsed.ok()) {
    (void)(*parsed)->Read(input, {"a"});
  }
  return 0;
}
