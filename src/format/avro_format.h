// The "avro" output format: Avro object container files written through
// Avro C. JSON messages are encoded with the topic's Avro schema
// (secor.avro.output.schema.file, else secor.parquet.avro.schema.file), to
// which a leading long field `__offset` is added so readers get the stored
// Kafka offsets. Without a schema the records are {__offset: long, value:
// bytes} with the raw payload. Codecs: none, gzip (the Avro "deflate" codec),
// snappy.
//
// With secor.payload.encoding=avro the datums are written unchanged when
// their schema is the file's (by default the payloads' schema; with a
// registry the first message's), else re-encoded into it by field name; with
// protobuf each message is re-encoded into the output schema or one derived
// from its descriptor (docs/parquet.md).
//
// Writer contract as for Parquet (parquet_format.h): a message that does not
// fit the schema gives InvalidArgument naming the field, nothing is written,
// and the writer stays usable.
//
// Reader: offset from `__offset`; payload the raw `value` bytes, or the
// record's other fields as one JSON object (unions unwrapped, bytes as
// strings, enums as their symbol).
#pragma once

#include <memory>
#include <string>

#include "format/file_format.h"

struct avro_file_reader_t_;  // Avro C's avro_file_reader_t

namespace secor {

// Avro for options.topic: the payload encoding, the file's schema (read and
// compiled here, once), the codec and block size are resolved when it is built.
Result<std::unique_ptr<FileFormat>> NewAvroFormat(const FormatOptions& options,
                                                  const Config* config);
// With the defaults (no configuration, no codec), which cannot fail: for
// reading and for tests.
std::unique_ptr<FileFormat> NewAvroFormat();

// Makes Avro C refuse absurd allocations (a corrupt length in a file) with an
// error instead of aborting; the file readers call it before opening a file.
void InstallBoundedAvroAllocator();

// avro_file_reader(path, reader), with LeakSanitizer off for its
// allocations: Avro C 1.11 leaks inside it (avro_format.cc). Every caller,
// tests too, opens Avro files through this.
int OpenAvroFileReader(const std::string& path, avro_file_reader_t_** reader);

}  // namespace secor
