// The "parquet" output format: JSON messages or decoded Avro / Protobuf
// payloads mapped to typed columns by a TableSchema (schema.h; groups, lists
// and maps nested to any depth, shredded by shredder.h), or schemaless topics
// stored raw in one `value` column. Every file stores the Kafka offset in
// `__offset`.
//
// Writer contract (the consumer relies on it): Append returns InvalidArgument,
// with a message naming the field, for a message that does not fit the schema
// (not a JSON object, wrong type, required field missing); nothing of that
// message is written and the writer stays usable, so the caller can route the
// message to the error output and go on. Other errors (I/O) are fatal for the
// file.
//
// Reader: each row becomes a Record with offset from `__offset`, key and
// timestamp from `__key`/`__timestamp` when stored, and as payload the `value`
// bytes (raw files) or the row's user columns re-serialized as one JSON
// object (schema files; lists as arrays, maps as objects, dates as
// "YYYY-MM-DD", timestamps as integers in the column's unit).
#pragma once

#include <memory>

#include "format/file_format.h"

namespace secor {

// Parquet for options.topic: the payload encoding, columns, protobuf type or
// Avro schema source and the parquet.* sizes are resolved here, once.
Result<std::unique_ptr<FileFormat>> NewParquetFormat(const FormatOptions& options,
                                                     const Config* config);
// With the defaults (no configuration, no codec), which cannot fail: for
// reading and for tests.
std::unique_ptr<FileFormat> NewParquetFormat();

}  // namespace secor
