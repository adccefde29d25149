// libFuzzer: AvroSplitByFieldMessageParser on arbitrary datums of a schema
// file (written to a temporary directory once), with the original's
// "<field>=" prefix and with an empty one. A partition, when there is one,
// must keep the field's value to one directory level below the topic that
// cannot climb out of it ("." or ".." alone, a slash, an absolute path).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/file_util.h"
#include "config/config.h"
#include "parse/avro_parser.h"

namespace {

const char kSchema[] = R"({"type":"record","name":"E","fields":[
  {"name":"meta","type":{"type":"record","name":"M","fields":[
    {"name":"kind","type":["null","string",{"type":"enum","name":"K","symbols":["A","B"]},
                           "long","boolean","double"]}]}},
  {"name":"ts","type":["null","long","string"]}]})";

struct Parsers {
  std::unique_ptr<secor::MessageParser> prefixed, bare;
};

Parsers Make() {
  char dir[] = "/tmp/secor-avro-split-fuzz-XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  std::string schema_file = std::string(dir) + "/e.avsc";
  if (!secor::WriteFileAtomic(schema_file, kSchema).ok()) std::abort();
  std::map<std::string, std::string> kv{{"secor.avro.schema.file", schema_file},
                                        {"message.timestamp.name", "ts"},
                                        {"message.split.field.name", "meta.kind"},
                                        {"message.timestamp.name.separator", "."}};
  auto prefixed = secor::NewAvroSplitByFieldParser(secor::Config::FromMap(kv), "t");
  kv["partitioner.granularity.field.prefix"] = "";
  auto bare = secor::NewAvroSplitByFieldParser(secor::Config::FromMap(kv), "t");
  if (!prefixed.ok() || !bare.ok()) std::abort();
  (void)secor::RemoveAll(dir);  // the schema is read at construction
  return {std::move(prefixed).value(), std::move(bare).value()};
}

void Check(const std::string& path, const std::string& prefix) {
  size_t slash = path.find('/');
  if (slash == std::string::npos || path.compare(slash, 4, "/dt=") != 0) std::abort();
  std::string first = path.substr(0, slash);
  if (first.compare(0, prefix.size(), prefix) != 0) std::abort();
  std::string value = first.substr(prefix.size());
  if (value.empty() || value == "." || value == ".." || path[0] == '/') std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Parsers parsers = Make();
  secor::Message m;
  m.payload = std::string_view(reinterpret_cast<const char*>(data), size);
  std::string path;
  if (parsers.prefixed->Partition(m, &path).ok()) Check(path, "meta.kind=");
  if (parsers.bare->Partition(m, &path).ok()) Check(path, "");
  return 0;
}
