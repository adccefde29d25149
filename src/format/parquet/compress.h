// Page compression for Parquet: the raw forms the format specifies (snappy
// raw block, zstd frame, gzip member, LZ4 raw block), called directly on the
// libraries so that pages need no stream framing.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace secor::parquet {

// The Parquet CompressionCodec for a secor codec name ("", "none", "snappy",
// "zstd", "gzip", "lz4"), or InvalidArgument.
Result<int> CodecFromName(const std::string& name);

Status CompressPage(int codec, std::string_view in, std::string* out);
// uncompressed_size comes from the page header.
Status DecompressPage(int codec, std::string_view in, size_t uncompressed_size, std::string* out);

}  // namespace secor::parquet
