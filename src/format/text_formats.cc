// Delimited text and JSON lines. Both compress with a codec's stream form, so
// zcat / zstd -d / lz4 -d / python3 -m snappy -d open the files. Text stores
// only payloads; JSON lines stores offset, partition, timestamp and key too,
// so that verify can check offsets. Line shapes in docs/formats.md.
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>

#include "common/base64.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/compression_pool.h"
#include "format/format_internal.h"
#include "format/schema.h"

namespace secor::format_internal {
namespace {

// Codec output is batched so that each message is not a compressor call.
constexpr size_t kBatch = 1 << 16;

// With the compression pool a compressed file is a sequence of independent
// members (gzip members, zstd and lz4 frames, snappy streams), one per chunk
// of up to kChunk raw bytes, compressed on the pool while the consuming
// thread goes on; the codec's tools read concatenated members as one stream.
// Raw chunks of all text files share a budget: past it, the file that grows
// submits a smaller chunk, so a thousand open files do not hold a thousand
// chunks.
constexpr size_t kChunk = 1 << 20;
std::atomic<size_t> g_chunk_bytes{0};

// Owns the output file and, with a codec, the compression in front: a
// stream compressor on the writing thread, or members on the pool.
class TextSink {
 public:
  ~TextSink() {
    size_t held = pool_ ? batch_.size() : 0;
    for (auto& chunk : pending_) {
      chunk->done.wait();  // the job points into this sink's codec
      held += chunk->raw.size();
    }
    g_chunk_bytes.fetch_sub(held);
  }

  Status Open(const std::string& path, const std::string& codec_name) {
    ASSIGN_OR_RETURN(codec_, NewCodec(codec_name));
    RETURN_IF_ERROR(file_.Open(path));
    if (codec_ && codec_->members_concatenate()) pool_ = SharedCompressionPool();
    if (codec_ && !pool_) {
      sink_ = std::make_unique<FileSink>(&file_);
      compressor_ = codec_->NewStreamCompressor(sink_.get());
      batch_.reserve(kBatch);
    }
    return Status::OK();
  }

  Status Append(std::string_view a, std::string_view b) {
    if (!codec_) {
      RETURN_IF_ERROR(file_.Append(a));
      return file_.Append(b);
    }
    batch_.append(a);
    batch_.append(b);
    if (pool_) {
      size_t total = g_chunk_bytes.fetch_add(a.size() + b.size()) + a.size() + b.size();
      if (batch_.size() >= kChunk) return SubmitChunk();
      if (total > kTextChunkBudget && batch_.size() >= kMinTextChunk)
        return SubmitChunk(/*release=*/true);
      if (!pending_.empty() && (++appends_ & 63) == 0) return WriteFinishedChunks(kNoWait);
      return Status::OK();
    }
    if (batch_.size() >= kBatch) {
      RETURN_IF_ERROR(compressor_->Write(batch_));
      batch_.clear();
    }
    return Status::OK();
  }

  uint64_t size() const { return file_.size(); }

  Status Close() {
    if (pool_) {
      // Every file holds at least one member, so an empty one still opens.
      if (!batch_.empty() || !members_) RETURN_IF_ERROR(SubmitChunk());
      RETURN_IF_ERROR(WriteFinishedChunks(0));
    } else if (compressor_) {
      if (!batch_.empty()) RETURN_IF_ERROR(compressor_->Write(batch_));
      batch_.clear();
      RETURN_IF_ERROR(compressor_->Finish());
    }
    return SyncAndClose(&file_);
  }

 private:
  struct PendingChunk {
    std::string raw, compressed;
    Status status;
    std::future<void> done;
  };
  // A file keeps at most this many chunks in the pool: a burst into one file
  // waits for its compression instead of buffering without bound.
  static constexpr size_t kMaxPendingChunks = 2;

  Status SubmitChunk(bool release = false) {
    std::unique_ptr<PendingChunk> chunk = std::move(spare_);
    if (!chunk) chunk = std::make_unique<PendingChunk>();
    // Swapping hands the bytes to the job and takes back the capacity of a
    // chunk written earlier, so a steady writer does not allocate.
    chunk->raw.swap(batch_);
    if (release) std::string().swap(batch_);
    PendingChunk* job = chunk.get();
    const Codec* codec = codec_.get();
    job->done = pool_->Submit(
        [job, codec] { job->status = CompressMember(*codec, job->raw, &job->compressed); });
    pending_.push_back(std::move(chunk));
    ++members_;
    return WriteFinishedChunks(kMaxPendingChunks);
  }

  // Writes the chunks that are compressed, in order, waiting for the oldest
  // until at most keep_at_most remain in the pool.
  Status WriteFinishedChunks(size_t keep_at_most) {
    return TakeFinishedInOrder(&pending_, keep_at_most,
                               [this](std::unique_ptr<PendingChunk> chunk) {
                                 g_chunk_bytes.fetch_sub(chunk->raw.size());
                                 RETURN_IF_ERROR(chunk->status);
                                 RETURN_IF_ERROR(file_.Append(chunk->compressed));
                                 chunk->raw.clear();
                                 std::string().swap(chunk->compressed);
                                 spare_ = std::move(chunk);
                                 return Status::OK();
                               });
  }

  BufferedFile file_;
  std::unique_ptr<Codec> codec_;
  std::unique_ptr<FileSink> sink_;
  std::unique_ptr<StreamCompressor> compressor_;
  std::string batch_;
  CompressionPool* pool_ = nullptr;  // null: one stream on the writing thread
  std::deque<std::unique_ptr<PendingChunk>> pending_;
  std::unique_ptr<PendingChunk> spare_;  // a written chunk, kept for its buffer
  uint64_t appends_ = 0;
  uint64_t members_ = 0;
};

}  // namespace

size_t TextChunkBytes() { return g_chunk_bytes.load(); }

namespace {

// The whole file, decompressed by codec, or by the codec its magic names when
// codec is null.
Result<std::string> ReadTextFile(const std::string& path, const Codec* codec) {
  ASSIGN_OR_RETURN(std::string raw, ReadFile(path));
  std::unique_ptr<Codec> detected;
  if (!codec) {
    std::string name = DetectStreamCodec(raw);
    if (!name.empty()) {
      ASSIGN_OR_RETURN(detected, NewCodec(name));
      codec = detected.get();
    }
  }
  if (!codec) return raw;
  std::string out;
  Status st = codec->DecompressStream(raw, &out);
  if (!st.ok()) return Status(st.code(), path + ": " + st.message());
  return out;
}

// The delimiter of options.topic's text files: secor.text.delimiter, "\n"
// without a configuration.
Result<std::string> DelimiterOf(const FormatOptions& options, const Config* config) {
  std::string raw = "\\n";
  if (config) {
    ASSIGN_OR_RETURN(raw, config->StringForTopic("secor.text.delimiter", options.topic));
  }
  return UnescapeDelimiter(raw);
}

class DelimitedTextWriter : public FileWriter {
 public:
  Status Open(const std::string& path, const std::string& codec, std::string delimiter) {
    delimiter_ = std::move(delimiter);
    return sink_.Open(path, codec);
  }
  Status Append(const Message& m) override { return sink_.Append(m.payload, delimiter_); }
  uint64_t BytesWritten() const override { return sink_.size(); }
  Status Close() override { return sink_.Close(); }

 private:
  TextSink sink_;
  std::string delimiter_;
};

class DelimitedTextReader : public FileReader {
 public:
  Status Open(const std::string& path, const Codec* codec, std::string delimiter) {
    delimiter_ = std::move(delimiter);
    ASSIGN_OR_RETURN(data_, ReadTextFile(path, codec));
    return Status::OK();
  }
  void SetText(std::string text, std::string delimiter) {
    data_ = std::move(text);
    delimiter_ = std::move(delimiter);
  }
  Result<bool> Next(Record* r) override {
    if (pos_ >= data_.size()) return false;
    size_t end = data_.find(delimiter_, pos_);
    size_t next = end == std::string::npos ? data_.size() : end + delimiter_.size();
    if (end == std::string::npos) end = data_.size();  // no final delimiter: still a record
    *r = Record();
    r->payload.assign(data_, pos_, end - pos_);
    pos_ = next;
    return true;
  }

 private:
  std::string data_;
  std::string delimiter_;
  size_t pos_ = 0;
};

class DelimitedTextFormat : public FileFormat {
 public:
  DelimitedTextFormat(FormatOptions options, std::string delimiter)
      : options_(std::move(options)), delimiter_(std::move(delimiter)) {}
  std::string name() const override { return "text"; }
  std::string DefaultExtension() const override {
    auto c = NewCodec(options_.codec);
    return c.ok() && *c ? (*c)->extension() : "";
  }
  Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path) const override {
    auto w = std::make_unique<DelimitedTextWriter>();
    RETURN_IF_ERROR(w->Open(path, options_.codec, delimiter_));
    return std::unique_ptr<FileWriter>(std::move(w));
  }
  Result<std::unique_ptr<FileReader>> NewReader(const std::string& path) const override {
    ASSIGN_OR_RETURN(auto codec, NewCodec(options_.codec));
    return NewDelimitedTextReader(path, codec.get(), delimiter_);
  }

 private:
  FormatOptions options_;
  std::string delimiter_;
};

// --- JSON lines ------------------------------------------------------------------

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whether payload can be embedded as is: a single JSON value, no raw line
// breaks (they would split the line), no surrounding whitespace (so the
// reader gets the exact bytes back). padded is scratch space kept across
// calls, so that validating does not allocate per message.
bool EmbeddableJson(simdjson::dom::parser& parser, std::string* padded, std::string_view p) {
  if (p.empty() || IsJsonSpace(p.front()) || IsJsonSpace(p.back())) return false;
  char c = p.front();
  if (!(c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
        c == 'f' || c == 'n')) {
    return false;
  }
  if (p.find_first_of("\r\n") != std::string_view::npos) return false;
  padded->assign(p);
  padded->append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element e;
  return !parser.parse(padded->data(), p.size(), false).get(e);
}

class JsonLinesWriter : public FileWriter {
 public:
  Status Open(const std::string& path, const std::string& codec) { return sink_.Open(path, codec); }
  Status Append(const Message& m) override {
    line_.clear();
    line_.append("{\"offset\":");
    line_.append(std::to_string(m.offset));
    line_.append(",\"partition\":");
    line_.append(std::to_string(m.partition));
    if (m.timestamp_ms != -1) {
      line_.append(",\"timestamp\":");
      line_.append(std::to_string(m.timestamp_ms));
    }
    if (m.has_key) AppendBytesField("key", m.key, false);
    AppendBytesField("value", m.payload, true);
    line_.push_back('}');
    return sink_.Append(line_, "\n");
  }
  uint64_t BytesWritten() const override { return sink_.size(); }
  Status Close() override { return sink_.Close(); }

 private:
  void AppendBytesField(const char* name, std::string_view bytes, bool allow_raw) {
    line_.append(",\"");
    line_.append(name);
    if (allow_raw && EmbeddableJson(ThreadJsonParser(), &padded_, bytes)) {
      line_.append("\":");
      line_.append(bytes);
    } else if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
      line_.append(allow_raw ? "_text\":" : "\":");
      AppendJsonQuoted(&line_, bytes);
    } else {
      line_.append("_base64\":\"");
      Base64Append(&line_, bytes);
      line_.push_back('"');
    }
  }

  TextSink sink_;
  std::string line_;
  std::string padded_;
};

class JsonLinesReader : public FileReader {
 public:
  Status Open(const std::string& path, const Codec* codec) {
    path_ = path;
    ASSIGN_OR_RETURN(data_, ReadTextFile(path, codec));
    return Status::OK();
  }
  void SetText(const std::string& path, std::string text) {
    path_ = path;
    data_ = std::move(text);
  }

  Result<bool> Next(Record* r) override {
    while (pos_ < data_.size()) {
      size_t end = data_.find('\n', pos_);
      if (end == std::string::npos) end = data_.size();
      std::string_view line = std::string_view(data_).substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_no_;
      while (!line.empty() && IsJsonSpace(line.back())) line.remove_suffix(1);
      if (line.empty()) continue;
      Status st = ParseLine(line, r);
      if (!st.ok()) {
        return Status::Corruption("{} line {}: {}", path_, line_no_, st.message());
      }
      return true;
    }
    return false;
  }

 private:
  Status ParseLine(std::string_view line, Record* r) {
    *r = Record();
    padded_.assign(line.data(), line.size());
    padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::document doc;
    if (auto err = parser_.iterate(padded_.data(), line.size(), padded_.size()).get(doc)) {
      return Status::Corruption("not JSON: {}", simdjson::error_message(err));
    }
    simdjson::ondemand::object obj;
    if (auto err = doc.get_object().get(obj)) {
      return Status::Corruption("not a JSON object: {}", simdjson::error_message(err));
    }
    bool has_offset = false, has_value = false;
    for (auto field : obj) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) {
        return Status::Corruption("bad key: {}", simdjson::error_message(err));
      }
      simdjson::ondemand::value v = field.value();
      simdjson::error_code err = simdjson::SUCCESS;
      std::string_view s;
      if (key == "offset") {
        err = v.get_int64().get(r->offset);
        has_offset = true;
      } else if (key == "timestamp") {
        err = v.get_int64().get(r->timestamp_ms);
      } else if (key == "key" || key == "key_text") {
        err = v.get_string().get(s);
        r->key.assign(s);
        r->has_key = true;
      } else if (key == "key_base64") {
        err = v.get_string().get(s);
        if (!err) RETURN_IF_ERROR(Base64Decode(s, &r->key));
        r->has_key = true;
      } else if (key == "value_text" || key == "payload_text") {
        err = v.get_string().get(s);
        r->payload.assign(s);
        has_value = true;
      } else if (key == "value_base64" || key == "payload_base64") {
        err = v.get_string().get(s);
        if (!err) RETURN_IF_ERROR(Base64Decode(s, &r->payload));
        has_value = true;
      } else if (key == "error") {  // a record of an error file (consumer/error_file.h)
        err = v.get_string().get(s);
        r->error.assign(s);
      } else if (key == "value") {
        ASSIGN_OR_RETURN(s, RawValue(v));
        r->payload.assign(s);
        has_value = true;
      }
      if (err) return Status::Corruption("field {}: {}", key, simdjson::error_message(err));
    }
    if (!has_offset) return Status::Corruption("no \"offset\" field");
    if (!has_value) return Status::Corruption("no value field");
    return Status::OK();
  }

  static Result<std::string_view> RawValue(simdjson::ondemand::value& v) {
    simdjson::ondemand::json_type type;
    if (auto err = v.type().get(type))
      return Status::Corruption("value: {}", simdjson::error_message(err));
    std::string_view raw;
    simdjson::error_code err = simdjson::SUCCESS;
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      err = v.get_object().get(o);
      if (!err) err = o.raw_json().get(raw);
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      err = v.get_array().get(a);
      if (!err) err = a.raw_json().get(raw);
    } else {
      raw = v.raw_json_token();
      while (!raw.empty() && IsJsonSpace(raw.back())) raw.remove_suffix(1);
    }
    if (err) return Status::Corruption("value: {}", simdjson::error_message(err));
    return raw;
  }

  std::string path_;
  std::string data_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
  std::string padded_;
  simdjson::ondemand::parser parser_;
};

class JsonLinesFormat : public FileFormat {
 public:
  explicit JsonLinesFormat(FormatOptions options) : options_(std::move(options)) {}
  std::string name() const override { return "jsonl"; }
  std::string DefaultExtension() const override {
    auto c = NewCodec(options_.codec);
    return ".jsonl" + (c.ok() && *c ? (*c)->extension() : std::string());
  }
  Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path) const override {
    auto w = std::make_unique<JsonLinesWriter>();
    RETURN_IF_ERROR(w->Open(path, options_.codec));
    return std::unique_ptr<FileWriter>(std::move(w));
  }
  Result<std::unique_ptr<FileReader>> NewReader(const std::string& path) const override {
    ASSIGN_OR_RETURN(auto codec, NewCodec(options_.codec));
    return NewJsonLinesReader(path, codec.get());
  }

 private:
  FormatOptions options_;
};

}  // namespace

Result<std::unique_ptr<FileReader>> NewDelimitedTextReader(const std::string& path,
                                                           const Codec* codec,
                                                           const std::string& delimiter) {
  auto r = std::make_unique<DelimitedTextReader>();
  RETURN_IF_ERROR(r->Open(path, codec, delimiter));
  return std::unique_ptr<FileReader>(std::move(r));
}

Result<std::unique_ptr<FileReader>> NewJsonLinesReader(const std::string& path,
                                                       const Codec* codec) {
  auto r = std::make_unique<JsonLinesReader>();
  RETURN_IF_ERROR(r->Open(path, codec));
  return std::unique_ptr<FileReader>(std::move(r));
}

std::unique_ptr<FileReader> NewDelimitedTextReaderFromText(std::string text,
                                                           const std::string& delimiter) {
  auto r = std::make_unique<DelimitedTextReader>();
  r->SetText(std::move(text), delimiter);
  return r;
}

std::unique_ptr<FileReader> NewJsonLinesReaderFromText(const std::string& path, std::string text) {
  auto r = std::make_unique<JsonLinesReader>();
  r->SetText(path, std::move(text));
  return r;
}

Result<std::unique_ptr<FileFormat>> NewDelimitedTextFormat(const FormatOptions& options,
                                                           const Config* config) {
  ASSIGN_OR_RETURN(std::string delimiter, DelimiterOf(options, config));
  RETURN_IF_ERROR(NewCodec(options.codec).status());
  return std::unique_ptr<FileFormat>(new DelimitedTextFormat(options, std::move(delimiter)));
}
Result<std::unique_ptr<FileFormat>> NewJsonLinesFormat(const FormatOptions& options,
                                                       const Config*) {
  RETURN_IF_ERROR(NewCodec(options.codec).status());
  return std::unique_ptr<FileFormat>(new JsonLinesFormat(options));
}

}  // namespace secor::format_internal
