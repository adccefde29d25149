// FileFormat: how one output file is written and read back. A writer receives
// the messages of one (round, output partition) in offset order; a reader
// returns them with their stored offsets (never guessed from row positions).
// Implementations: SequenceFile (default, Hadoop-compatible), delimited text,
// JSON lines, Parquet, Avro.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/message.h"
#include "common/registry.h"
#include "common/status.h"

namespace secor {

class Config;

// One record read back from a file.
struct Record {
  int64_t offset = -1;  // -1 when the format does not store offsets (plain text)
  std::string key;
  bool has_key = false;
  std::string payload;
  int64_t timestamp_ms = -1;
  std::string error;  // why the consumer refused it, for a record of an error file
};

// What a format is built for. Format-specific settings (schemas, delimiter,
// block sizes) are read from a Config once, when the format is built.
struct FormatOptions {
  std::string codec;  // codec name ("" for none): see codec.h
  std::string topic;  // selects the per-topic forms of the format's keys
};

class FileWriter {
 public:
  virtual ~FileWriter() = default;
  virtual Status Append(const Message& message) = 0;
  // Bytes on disk so far (after compression, excluding unflushed buffers).
  virtual uint64_t BytesWritten() const = 0;
  // Finishes the file and fsyncs it. The writer is unusable afterwards.
  virtual Status Close() = 0;
};

class FileReader {
 public:
  virtual ~FileReader() = default;
  // Reads the next record; false at the end of the file.
  virtual Result<bool> Next(Record* record) = 0;
};

// A format resolved for one topic and codec: it holds its parsed schema,
// codec and delimiter, so opening a file reads no configuration and no
// schema file. Const and safe to share between threads.
class FileFormat {
 public:
  virtual ~FileFormat() = default;
  virtual std::string name() const = 0;
  // The extension this format adds for its codec ("" for none), used when
  // secor.file.extension is not set.
  virtual std::string DefaultExtension() const = 0;
  virtual Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path) const = 0;
  virtual Result<std::unique_ptr<FileReader>> NewReader(const std::string& path) const = 0;
};

// Builds a format for options, reading its own keys from config (null: the
// defaults). Errors in those keys name the key.
using FileFormatFactory =
    std::function<Result<std::unique_ptr<FileFormat>>(const FormatOptions&, const Config*)>;

// Formats by name; Java factory class names of the original resolve too.
Registry<FileFormatFactory>& FileFormatRegistry();

// The format named by name_or_class (or an error listing the known ones),
// resolved for options and config.
Result<std::unique_ptr<FileFormat>> NewFileFormat(const std::string& name_or_class,
                                                  const FormatOptions& options = {},
                                                  const Config* config = nullptr);

// The format of topic's files as config names it (secor.file.reader.writer.factory,
// secor.compression.codec), with errors naming the key.
Result<std::unique_ptr<FileFormat>> NewTopicFileFormat(const Config& config,
                                                       const std::string& topic);

// Opens a reader for a local file of unknown format, guessing the format from
// its first bytes and its name (SequenceFile, Parquet, Avro, compressed text).
Result<std::unique_ptr<FileReader>> OpenReaderAuto(const std::string& path);

}  // namespace secor
