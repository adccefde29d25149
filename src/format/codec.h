// Codec: compression of output files. Each codec has two wire forms:
// - a stream form, the standard container of its command-line tool (gzip
//   member, zstd frame, lz4 frame, snappy framing format), used by text and
//   JSON lines files so that zcat, zstd -d, lz4 -d open them;
// - the Hadoop form written inside SequenceFile records and blocks, exactly as
//   Hadoop's codec class of that name writes it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/registry.h"
#include "common/status.h"

namespace secor {

// Receives compressed bytes.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Append(std::string_view data) = 0;
};

class StreamCompressor {
 public:
  virtual ~StreamCompressor() = default;
  virtual Status Write(std::string_view data) = 0;
  // Ends the stream (writes trailers). No Write after Finish.
  virtual Status Finish() = 0;
};

class Codec {
 public:
  virtual ~Codec() = default;
  virtual std::string name() const = 0;          // "gzip"
  virtual std::string extension() const = 0;     // ".gz"
  virtual std::string hadoop_class() const = 0;  // "org.apache.hadoop.io.compress.GzipCodec"

  virtual std::unique_ptr<StreamCompressor> NewStreamCompressor(ByteSink* sink) const = 0;
  // Decompresses a whole stream-form file (concatenated members/frames too).
  virtual Status DecompressStream(std::string_view in, std::string* out) const = 0;

  // Whether stream-form members written one after another read back as one
  // stream with the codec's tools (gzip members, zstd and lz4 frames, snappy
  // streams do; zlib's deflate stream does not).
  virtual bool members_concatenate() const { return true; }

  // One buffer in Hadoop's form, appended to out.
  virtual Status HadoopCompress(std::string_view in, std::string* out) const = 0;
  virtual Status HadoopDecompress(std::string_view in, std::string* out) const = 0;
};

using CodecFactory = std::function<std::unique_ptr<Codec>()>;

// Codecs by name; aliases include Hadoop class names (GzipCodec, ZStandardCodec,
// SnappyCodec, Lz4Codec) and common spellings (gz, zst).
Registry<CodecFactory>& CodecRegistry();

// in as one complete stream-form member of codec, appended to out.
Status CompressMember(const Codec& codec, std::string_view in, std::string* out);

// nullptr codec for "" or "none"; an error naming the known codecs otherwise.
Result<std::unique_ptr<Codec>> NewCodec(const std::string& name_or_class);

}  // namespace secor
