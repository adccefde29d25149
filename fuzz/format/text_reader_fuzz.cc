// libFuzzer: the delimited text, plain and under every codec (the codec comes from the topic's
// settings) reader on arbitrary files (fuzz/format/reader_fuzz.h). Seeds: files our writer made
// (fuzz/format/make_reader_seeds.cc).
#include "format/file_format.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* formats = secor::fuzz::Formats({{"text", ""},
                                                     {"text", "gzip"},
                                                     {"text", "deflate"},
                                                     {"text", "zstd"},
                                                     {"text", "snappy"},
                                                     {"text", "lz4"}},
                                                    false);
  secor::fuzz::FuzzReaders("text", *formats, data, size);
  return 0;
}
