// libFuzzer: the JSON lines (offset, key, payload, timestamp per line), plain and compressed reader
// on arbitrary files (fuzz/format/reader_fuzz.h). Seeds: files our writer made
// (fuzz/format/make_reader_seeds.cc).
#include "format/file_format.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* formats =
      secor::fuzz::Formats({{"jsonl", ""}, {"jsonl", "gzip"}, {"jsonl", "zstd"}}, false);
  secor::fuzz::FuzzReaders("json_lines", *formats, data, size);
  return 0;
}
