#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kFormatKeys[] = {
    {"secor.file.reader.writer.factory", "SequenceFileReaderWriterFactory", K::kClass,
     "output format", false, true},
    {"secor.compression.codec", "", K::kClass,
     "codec: gzip, zstd, snappy, lz4 or a Hadoop codec class; empty for none", false, true},
    {"secor.file.extension", "", K::kString,
     "file name extension; default from the codec and format", false, true},
    {"secor.text.delimiter", "\\n", K::kString, "record delimiter of the delimited text format"},
    {"secor.parquet.memory.budget.bytes", "67108864", K::kInt,
     "memory that the pages being filled and the dictionaries of all open Parquet files of the "
     "process share; past it, pages close early and spill to disk (smaller pages: more memory "
     "here is faster with thousands of open files)"},
    {"secor.compression.threads", "1", K::kInt,
     "background threads that compress SequenceFile blocks, Parquet pages and text/JSON lines "
     "chunks (as concatenated members) while the consuming thread goes on; 0 compresses on the "
     "consuming thread"},
};

std::span<const KeyInfo> FormatKeys() { return kFormatKeys; }

}  // namespace secor::keys_internal
