// Pieces shared by the built-in formats and codecs of src/format: Hadoop's
// binary encodings (big-endian ints, zero-compressed vints, Text strings), a
// ByteSink over a local file, and the factories that format_registration.cc
// lists. Not a public interface: other domains use file_format.h / codec.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/file_util.h"
#include "format/codec.h"
#include "format/file_format.h"

namespace secor::format_internal {

// --- Hadoop DataOutput encodings ---------------------------------------------

inline void PutBE32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out->append(b, 4);
}
inline void PutBE64(std::string* out, uint64_t v) {
  PutBE32(out, static_cast<uint32_t>(v >> 32));
  PutBE32(out, static_cast<uint32_t>(v));
}
inline uint32_t GetBE32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}
inline uint64_t GetBE64(const char* p) { return (uint64_t{GetBE32(p)} << 32) | GetBE32(p + 4); }

// WritableUtils.writeVLong: one byte for -112..127, else a length byte and
// the big-endian magnitude (ones' complement for negatives).
void PutVLong(std::string* out, int64_t v);
// Reads a vlong at *pos of in, advancing *pos; Corruption when truncated.
Status GetVLong(std::string_view in, size_t* pos, int64_t* v);
// Text.writeString: vint byte length, then the UTF-8 bytes.
void PutHadoopString(std::string* out, std::string_view s);
Status GetHadoopString(std::string_view in, size_t* pos, std::string* s);

// --- Output sink ---------------------------------------------------------------

// Compressed bytes go straight into the buffered output file.
class FileSink : public ByteSink {
 public:
  explicit FileSink(BufferedFile* file) : file_(file) {}
  Status Append(std::string_view data) override { return file_->Append(data); }

 private:
  BufferedFile* file_;
};

// Raw bytes that text and JSON lines files hold for the compression pool,
// all files together, and the budget they share (text_formats.cc).
size_t TextChunkBytes();
inline constexpr size_t kTextChunkBudget = 32 << 20;
inline constexpr size_t kMinTextChunk = 32 << 10;

// Flushes, fsyncs and closes file, naming it in errors.
Status SyncAndClose(BufferedFile* file);

// Parses secor.text.delimiter escapes: \n \r \t \\ \0 \xHH \uHHHH (UTF-8).
Result<std::string> UnescapeDelimiter(std::string_view s);

// --- Factories listed by format_registration.cc --------------------------------

std::unique_ptr<Codec> NewGzipCodec();
std::unique_ptr<Codec> NewDeflateCodec();
std::unique_ptr<Codec> NewZstdCodec();
std::unique_ptr<Codec> NewSnappyCodec();
std::unique_ptr<Codec> NewLz4Codec();

// The codec whose Hadoop class (or any alias) is name; nullptr for "".
Result<std::unique_ptr<Codec>> CodecForHadoopClass(const std::string& name);

// Which codec's stream container data starts with ("" for none known).
std::string DetectStreamCodec(std::string_view head);

// Hadoop SequenceFile. Writer choices that Secor's configuration does not
// expose but tests and tools need.
enum class SequenceCompression { kNone, kRecord, kBlock };
struct SequenceFileOptions {
  bool msgpack_key = false;  // MessagePackSequenceFileReaderWriterFactory layout
  // kBlock when a codec is set and this is unset, as the original wrote.
  bool force_compression = false;
  SequenceCompression compression = SequenceCompression::kNone;
  // Block compression flushes when keys + values reach this many bytes
  // (io.seqfile.compress.blocksize).
  size_t block_size = 1000000;
  // 16 bytes; empty: derived from the path so output is reproducible.
  std::string sync_marker;
};
Result<std::unique_ptr<FileWriter>> NewSequenceFileWriter(const std::string& path,
                                                          const FormatOptions& options,
                                                          const SequenceFileOptions& seq);
// Reads either key layout (LongWritable or MessagePack BytesWritable).
Result<std::unique_ptr<FileReader>> NewSequenceFileReader(const std::string& path);

// The built-in FileFormatFactory functions (file_format.h).
Result<std::unique_ptr<FileFormat>> NewSequenceFileFormat(const FormatOptions& options,
                                                          const Config* config);
Result<std::unique_ptr<FileFormat>> NewMsgPackSequenceFileFormat(const FormatOptions& options,
                                                                 const Config* config);
// secor.text.delimiter[.topic] is resolved here, once.
Result<std::unique_ptr<FileFormat>> NewDelimitedTextFormat(const FormatOptions& options,
                                                           const Config* config);
Result<std::unique_ptr<FileFormat>> NewJsonLinesFormat(const FormatOptions& options,
                                                       const Config* config);

// Readers of text files whose codec is already known; the *FromText forms
// take the already decompressed contents (OpenReaderAuto).
Result<std::unique_ptr<FileReader>> NewDelimitedTextReader(const std::string& path,
                                                           const Codec* codec,
                                                           const std::string& delimiter);
Result<std::unique_ptr<FileReader>> NewJsonLinesReader(const std::string& path, const Codec* codec);
std::unique_ptr<FileReader> NewDelimitedTextReaderFromText(std::string text,
                                                           const std::string& delimiter);
std::unique_ptr<FileReader> NewJsonLinesReaderFromText(const std::string& path, std::string text);

}  // namespace secor::format_internal
