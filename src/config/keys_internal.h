// The key table is split by domain so that each area lists its own keys.
#pragma once

#include <span>

#include "config/keys.h"

namespace secor::keys_internal {

std::span<const KeyInfo> CoreKeys();     // keys_core.cc: Kafka, consumer, upload policy
std::span<const KeyInfo> StorageKeys();  // keys_storage.cc: object stores, S3
std::span<const KeyInfo> FormatKeys();   // keys_format.cc: output formats, codecs
std::span<const KeyInfo> ParseKeys();    // keys_parse.cc: parsers, partitioning
std::span<const KeyInfo> OpsKeys();      // keys_ops.cc: finalizer, monitoring, HTTP, logs
std::span<const KeyInfo>
BinaryParseKeys();                        // keys_parse_binary.cc: Thrift, Protobuf, Avro, plug-ins
std::span<const KeyInfo> ColumnarKeys();  // keys_columnar.cc: Parquet, Avro output, schemas

}  // namespace secor::keys_internal
