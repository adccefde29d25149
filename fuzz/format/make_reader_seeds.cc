// Writes the seed corpora of the file readers' fuzz targets: small files of
// every format (and codec) made by secor's own writers, a few messages each
// with keys, empty and binary payloads. Run by hand when a format changes:
//   ninja -C build-asan make_reader_seeds && build-asan/fuzz/make_reader_seeds fuzz/seeds
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/message.h"
#include "config/config.h"
#include "format/file_format.h"

namespace {

// Message holds views: the texts live as long as the program.
const std::vector<std::string>& Payloads(bool json) {
  static const std::vector<std::string> kJson = {
      R"({"id":1,"name":"a","ts":1700000000000})",
      R"({"id":2,"name":"","ts":1700000000001,"x":[1,2]})",
      R"({"id":3,"name":"\u00e9\n","ts":1700000000002})"};
  static const std::vector<std::string> kText = {"", "plain text", std::string("bin\0\xff\n\t", 8)};
  return json ? kJson : kText;
}

std::vector<secor::Message> Messages(bool json) {
  static const std::vector<std::string> kKeys = {"", "k1", "k2"};
  std::vector<secor::Message> out;
  const auto& payloads = Payloads(json);
  for (size_t i = 0; i < payloads.size(); ++i) {
    secor::Message m;
    m.topic = "fuzz";
    m.partition = 1;
    m.offset = 100 + static_cast<int64_t>(i) * 2;
    m.has_key = i != 0;
    m.key = kKeys[i];
    m.payload = payloads[i];
    m.timestamp_ms = i == 1 ? -1 : 1700000000000 + static_cast<int64_t>(i);
    out.push_back(m);
  }
  return out;
}

bool Write(const std::string& dir, const std::string& file, const std::string& format,
           const std::string& codec, const secor::Config* config, bool json) {
  std::filesystem::create_directories(dir);
  auto f = secor::NewFileFormat(format, secor::FormatOptions{codec, "fuzz"}, config);
  if (!f.ok()) {
    std::fprintf(stderr, "%s %s: %s\n", format.c_str(), codec.c_str(),
                 f.status().ToString().c_str());
    return false;
  }
  std::string path = dir + "/" + file;
  auto w = (*f)->NewWriter(path);
  if (!w.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), w.status().ToString().c_str());
    return false;
  }
  for (const auto& m : Messages(json)) {
    if (auto st = (*w)->Append(m); !st.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), st.ToString().c_str());
      return false;
    }
  }
  if (auto st = (*w)->Close(); !st.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), st.ToString().c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_reader_seeds SEEDS_DIR\n");
    return 2;
  }
  const std::string seeds = argv[1];
  const std::string schema_dir = seeds + "/.schema";
  std::filesystem::create_directories(schema_dir);
  const std::string schema = schema_dir + "/event.avsc";
  if (FILE* s = std::fopen(schema.c_str(), "w")) {
    std::fputs(R"({"type":"record","name":"Event","fields":[{"name":"id","type":"long"},)"
               R"({"name":"name","type":"string"},{"name":"ts","type":"long"},)"
               R"({"name":"x","type":["null",{"type":"array","items":"long"}],"default":null}]})",
               s);
    std::fclose(s);
  }
  secor::Config avro = secor::Config::FromMap({{"secor.avro.output.schema.file", schema}});
  secor::Config parquet = secor::Config::FromMap(
      {{"secor.parquet.columns", "id:int64!, name:string, ts:int64, x:list<int64>"},
       {"secor.parquet.kafka.columns", "topic,partition,timestamp,key"}});
  bool ok = true;
  for (const char* codec : {"", "gzip", "deflate", "zstd", "snappy", "lz4"}) {
    std::string c = codec;
    std::string suffix = c.empty() ? "none" : c;
    ok &= Write(seeds + "/sequence_file_reader_fuzz", "seq_" + suffix, "sequencefile", c, nullptr,
                false);
    ok &= Write(seeds + "/text_reader_fuzz", "text_" + suffix, "text", c, nullptr, false);
    ok &= Write(seeds + "/json_lines_reader_fuzz", "jsonl_" + suffix, "jsonl", c, nullptr, false);
  }
  // Parquet's and Avro's own codecs.
  for (const char* codec : {"", "gzip", "zstd", "snappy", "lz4"}) {
    std::string c = codec;
    ok &= Write(seeds + "/parquet_reader_fuzz", "parquet_" + (c.empty() ? "none" : c), "parquet", c,
                &parquet, true);
  }
  for (const char* codec : {"", "gzip", "snappy"}) {
    std::string c = codec;
    ok &= Write(seeds + "/avro_reader_fuzz", "avro_" + (c.empty() ? "none" : c), "avro", c, &avro,
                true);
  }
  ok &= Write(seeds + "/sequence_file_reader_fuzz", "seq_msgpack", "sequencefile-msgpack", "",
              nullptr, false);
  ok &= Write(seeds + "/parquet_reader_fuzz", "parquet_raw", "parquet", "", nullptr, false);
  std::filesystem::remove_all(schema_dir);
  return ok ? 0 : 1;
}
