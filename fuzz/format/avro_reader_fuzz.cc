// libFuzzer: the Avro object container files (header, schema, blocks, every codec) reader on
// arbitrary files (fuzz/format/reader_fuzz.h). Seeds: files our writer made
// (fuzz/format/make_reader_seeds.cc).
#include "format/file_format.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* formats = secor::fuzz::Formats({{"avro", ""}}, true);
  secor::fuzz::FuzzReaders("avro", *formats, data, size);
  return 0;
}
