// The one place that lists every built-in format and codec, so that static
// linking keeps them all.
#include "common/file_util.h"
#include "common/strings.h"
#include "format/codec.h"
#include "format/file_format.h"
#include "format/format_internal.h"

namespace secor {

using namespace format_internal;  // NOLINT(google-build-using-namespace)

void RegisterBuiltinCodecs() {
  static const bool done = [] {
    auto& r = CodecRegistry();
    r.Add("gzip", {"gz", "GzipCodec"}, NewGzipCodec);
    r.Add("deflate", {"zlib", "DefaultCodec", "DeflateCodec"}, NewDeflateCodec);
    r.Add("zstd", {"zst", "zstandard", "ZStandardCodec"}, NewZstdCodec);
    r.Add("snappy", {"SnappyCodec"}, NewSnappyCodec);
    r.Add("lz4", {"Lz4Codec"}, NewLz4Codec);
    return true;
  }();
  (void)done;
}

void RegisterColumnarFormats();  // columnar_registration.cc: Parquet, Avro

void RegisterBuiltinFormats() {
  static const bool done = [] {
    auto& r = FileFormatRegistry();
    r.Add("sequencefile", {"SequenceFileReaderWriterFactory", "sequence_file", "seq"},
          NewSequenceFileFormat);
    r.Add("sequencefile-msgpack",
          {"MessagePackSequenceFileReaderWriterFactory", "msgpack_sequence_file"},
          NewMsgPackSequenceFileFormat);
    r.Add("text", {"DelimitedTextFileReaderWriterFactory", "delimited"}, NewDelimitedTextFormat);
    r.Add("jsonl", {"json", "JsonLinesFileReaderWriterFactory"}, NewJsonLinesFormat);
    RegisterColumnarFormats();
    return true;
  }();
  (void)done;
}

namespace {

// A columnar file: its registered format's reader, or a clear error.
Result<std::unique_ptr<FileReader>> ColumnarReader(const std::string& path,
                                                   const std::string& format) {
  auto f = NewFileFormat(format);
  if (!f.ok()) {
    return Status::InvalidArgument("{} is a {} file, and this build has no {} reader", path, format,
                                   format);
  }
  return (*f)->NewReader(path);
}

// JSON lines when the first line is an object with an "offset" field, as
// our JSON lines writer always puts first.
bool LooksLikeJsonLines(std::string_view text) { return StartsWith(text, "{\"offset\":"); }

}  // namespace

Result<std::unique_ptr<FileReader>> OpenReaderAuto(const std::string& path) {
  RegisterBuiltinCodecs();
  RegisterBuiltinFormats();
  ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  std::string_view head(data);
  if (StartsWith(head, "SEQ")) return NewSequenceFileReader(path);
  if (StartsWith(head, "PAR1")) return ColumnarReader(path, "parquet");
  if (StartsWith(head, std::string_view("Obj\x01", 4))) return ColumnarReader(path, "avro");
  std::string codec_name = DetectStreamCodec(head);
  if (!codec_name.empty()) {
    ASSIGN_OR_RETURN(auto codec, NewCodec(codec_name));
    std::string text;
    Status st = codec->DecompressStream(data, &text);
    if (!st.ok()) return Status(st.code(), path + ": " + st.message());
    data = std::move(text);
  }
  if (LooksLikeJsonLines(data)) return NewJsonLinesReaderFromText(path, std::move(data));
  return NewDelimitedTextReaderFromText(std::move(data), "\n");
}

}  // namespace secor
