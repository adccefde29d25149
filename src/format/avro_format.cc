#include "format/avro_format.h"

#include <avro.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include <simdjson.h>

// LeakSanitizer's interface, in the AddressSanitizer builds (clang and g++).
#if defined(__SANITIZE_ADDRESS__)
#define SECOR_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECOR_LSAN 1
#endif
#endif
#ifdef SECOR_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/schema.h"
#include "payload/avro_source.h"
#include "payload/payload_decoder.h"
#include "payload/protobuf_type.h"

namespace secor {

namespace {

// Avro C sizes buffers from lengths read in a file (a string's, a block's)
// and, for some, without a sanity check: a corrupt file could ask for 2^64
// bytes and abort the process. Its allocator is replaceable: this one
// refuses any single allocation above a bound no real record or block comes
// near, and Avro C then reports "cannot allocate", which the reader turns
// into a Corruption error naming the file.
constexpr size_t kMaxAvroAllocation = size_t{512} << 20;

void* BoundedAvroAllocator(void*, void* ptr, size_t, size_t new_size) {
  if (new_size == 0) {
    std::free(ptr);
    return nullptr;
  }
  if (new_size > kMaxAvroAllocation) return nullptr;
  return std::realloc(ptr, new_size);
}

}  // namespace

void InstallBoundedAvroAllocator() {
  static std::once_flag once;
  std::call_once(once, [] { avro_set_allocator(BoundedAvroAllocator, nullptr); });
}

// avro_file_reader(), under which LeakSanitizer is off. Avro C 1.11
// (Debian's libavro23) leaks inside that call: the writer schema it parses
// from the file header now and then outlives avro_file_reader_close() (a C
// program that only opens and closes a file leaks it in about half of its
// runs), and on a corrupt header its error paths drop the metadata value,
// its class and the block reader. Nothing of ours is allocated in the call,
// so LeakSanitizer ignores exactly its allocations (the sanitizer builds'
// stacks cannot name the function: libavro has no frame pointers, so a leak
// report stops at its first frame, which is why a suppression would have to
// name the whole library).
int OpenAvroFileReader(const std::string& path, avro_file_reader_t* reader) {
  InstallBoundedAvroAllocator();
#ifdef SECOR_LSAN
  __lsan_disable();
#endif
  int rc = avro_file_reader(path.c_str(), reader);
#ifdef SECOR_LSAN
  __lsan_enable();
#endif
  return rc;
}

namespace {

constexpr char kRawRecordName[] = "SecorRawRecord";

std::string AvroError() { return avro_strerror(); }

// Owns the Avro C objects of one schema: schema, value class, one value.
struct AvroValueHolder {
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  bool has_value = false;

  ~AvroValueHolder() {
    if (has_value) avro_value_decref(&value);
    if (iface) avro_value_iface_decref(iface);
    if (schema) avro_schema_decref(schema);
  }
  Status Init(avro_schema_t s, bool take_ref) {
    if (has_value) avro_value_decref(&value);
    if (iface) avro_value_iface_decref(iface);
    if (schema) avro_schema_decref(schema);
    has_value = false;
    iface = nullptr;
    schema = s;
    if (!take_ref) avro_schema_incref(s);
    iface = avro_generic_class_from_schema(schema);
    if (!iface) return Status::Internal("avro: cannot build a value class: {}", AvroError());
    if (avro_generic_value_new(iface, &value) != 0)
      return Status::Internal("avro: {}", AvroError());
    has_value = true;
    return Status::OK();
  }
};

// Builds the writer schema: the user's record with __offset first.
Result<std::string> WriterSchemaJson(const std::string& user_json) {
  if (user_json.empty()) {
    return fmt::format(
        R"({{"type":"record","name":"{}","namespace":"secor","fields":[{{"name":"__offset","type":"long"}},{{"name":"value","type":"bytes"}}]}})",
        kRawRecordName);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(user_json).get(root))
    return Status::InvalidArgument("avro schema: not valid JSON");
  std::string_view type, name;
  simdjson::dom::array fields;
  if (root["type"].get(type) || type != "record" || root["name"].get(name) ||
      root["fields"].get(fields)) {
    return Status::InvalidArgument("avro schema: the top level must be a named record with fields");
  }
  std::string out = R"({"type":"record","name":)" + JsonQuote(name);
  std::string_view ns;
  if (!root["namespace"].get(ns)) out += R"(,"namespace":)" + JsonQuote(ns);
  out += R"(,"fields":[{"name":"__offset","type":"long"})";
  for (simdjson::dom::element f : fields) {
    std::string_view fname;
    if (!f["name"].get(fname) && fname == "__offset") {
      return Status::InvalidArgument("avro schema: field name __offset is reserved");
    }
    out += ',';
    out += simdjson::minify(f);
  }
  out += "]}";
  return out;
}

Status Fill(avro_value_t* v, bool present, simdjson::dom::element e, const std::string& field,
            int depth);

Status FillRecord(avro_value_t* v, simdjson::dom::element obj, const std::string& prefix,
                  size_t first, int depth) {
  size_t n = 0;
  avro_value_get_size(v, &n);
  for (size_t i = first; i < n; ++i) {
    avro_value_t child;
    const char* name = nullptr;
    if (avro_value_get_by_index(v, i, &child, &name) != 0)
      return Status::Internal("avro: {}", AvroError());
    std::string path = prefix.empty() ? name : prefix + "." + name;
    simdjson::dom::element ce;
    bool present = FindJsonPath(obj, {name}, &ce);
    RETURN_IF_ERROR(Fill(&child, present, ce, path, depth + 1));
  }
  return Status::OK();
}

Status Fill(avro_value_t* v, bool present, simdjson::dom::element e, const std::string& field,
            int depth) {
  if (depth > 64) return Status::InvalidArgument("field '{}': nested too deep", field);
  avro_type_t t = avro_value_get_type(v);
  if (!present && t != AVRO_NULL && t != AVRO_UNION) {
    return Status::InvalidArgument("field '{}' is required but missing or null", field);
  }
  ScalarValue sv;
  switch (t) {
    case AVRO_NULL:
      if (present) return Status::InvalidArgument("field '{}': expected null", field);
      avro_value_set_null(v);
      return Status::OK();
    case AVRO_UNION: {
      avro_schema_t us = avro_value_get_schema(v);
      size_t nb = avro_schema_union_size(us);
      int null_branch = -1, value_branch = -1;
      for (size_t i = 0; i < nb; ++i) {
        avro_schema_t b = avro_schema_union_branch(us, static_cast<int>(i));
        if (is_avro_null(b)) {
          if (null_branch < 0) null_branch = static_cast<int>(i);
        } else if (value_branch < 0) {
          value_branch = static_cast<int>(i);
        }
      }
      int pick = present ? value_branch : null_branch;
      if (pick < 0) {
        return Status::InvalidArgument("field '{}': {} does not fit its union", field,
                                       present ? "a value" : "null");
      }
      avro_value_t branch;
      if (avro_value_set_branch(v, pick, &branch) != 0)
        return Status::Internal("avro: {}", AvroError());
      return Fill(&branch, present, e, field, depth + 1);
    }
    case AVRO_STRING: {
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kString, field, &sv));
      std::string copy(sv.s);  // Avro C wants a NUL-terminated buffer
      avro_value_set_string_len(v, copy.c_str(), copy.size() + 1);
      return Status::OK();
    }
    case AVRO_BYTES:
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kBinary, field, &sv));
      avro_value_set_bytes(v, const_cast<char*>(sv.s.data()), sv.s.size());
      return Status::OK();
    case AVRO_INT32:
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kInt32, field, &sv));
      avro_value_set_int(v, static_cast<int32_t>(sv.i));
      return Status::OK();
    case AVRO_INT64:
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kInt64, field, &sv));
      avro_value_set_long(v, sv.i);
      return Status::OK();
    case AVRO_FLOAT:
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kFloat, field, &sv));
      avro_value_set_float(v, static_cast<float>(sv.d));
      return Status::OK();
    case AVRO_DOUBLE:
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kDouble, field, &sv));
      avro_value_set_double(v, sv.d);
      return Status::OK();
    case AVRO_BOOLEAN:
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kBool, field, &sv));
      avro_value_set_boolean(v, static_cast<int>(sv.i));
      return Status::OK();
    case AVRO_ENUM: {
      RETURN_IF_ERROR(ConvertJsonScalar(e, ColumnType::kString, field, &sv));
      std::string sym(sv.s);
      int idx = avro_schema_enum_get_by_name(avro_value_get_schema(v), sym.c_str());
      if (idx < 0)
        return Status::InvalidArgument("field '{}': '{}' is not an enum symbol", field, sym);
      avro_value_set_enum(v, idx);
      return Status::OK();
    }
    case AVRO_RECORD:
      if (!e.is_object()) return Status::InvalidArgument("field '{}': expected an object", field);
      return FillRecord(v, e, field, 0, depth);
    case AVRO_ARRAY: {
      simdjson::dom::array arr;
      if (e.get(arr)) return Status::InvalidArgument("field '{}': expected a list", field);
      for (simdjson::dom::element item : arr) {
        avro_value_t child;
        if (avro_value_append(v, &child, nullptr) != 0)
          return Status::Internal("avro: {}", AvroError());
        RETURN_IF_ERROR(Fill(&child, !item.is_null(), item, field + "[]", depth + 1));
      }
      return Status::OK();
    }
    case AVRO_MAP: {
      simdjson::dom::object obj;
      if (e.get(obj)) return Status::InvalidArgument("field '{}': expected an object", field);
      for (auto [key, item] : obj) {
        avro_value_t child;
        std::string k(key);
        if (avro_value_add(v, k.c_str(), &child, nullptr, nullptr) != 0)
          return Status::Internal("avro: {}", AvroError());
        std::string path = field;
        path.append(".").append(k);
        RETURN_IF_ERROR(Fill(&child, !item.is_null(), item, path, depth + 1));
      }
      return Status::OK();
    }
    default:
      return Status::InvalidArgument("field '{}': Avro type not supported for JSON input", field);
  }
}

Status ToJson(avro_value_t* v, std::string* out, int depth) {
  if (depth > 64) return Status::Corruption("avro: value nested too deep");
  switch (avro_value_get_type(v)) {
    case AVRO_NULL:
      *out += "null";
      return Status::OK();
    case AVRO_BOOLEAN: {
      int b = 0;
      avro_value_get_boolean(v, &b);
      *out += b ? "true" : "false";
      return Status::OK();
    }
    case AVRO_INT32: {
      int32_t i = 0;
      avro_value_get_int(v, &i);
      *out += std::to_string(i);
      return Status::OK();
    }
    case AVRO_INT64: {
      int64_t i = 0;
      avro_value_get_long(v, &i);
      *out += std::to_string(i);
      return Status::OK();
    }
    case AVRO_FLOAT: {
      float f = 0;
      avro_value_get_float(v, &f);
      *out += std::isfinite(f) ? fmt::format("{}", f) : "null";
      return Status::OK();
    }
    case AVRO_DOUBLE: {
      double d = 0;
      avro_value_get_double(v, &d);
      *out += std::isfinite(d) ? fmt::format("{}", d) : "null";
      return Status::OK();
    }
    case AVRO_STRING: {
      const char* s = nullptr;
      size_t n = 0;
      avro_value_get_string(v, &s, &n);
      *out += JsonQuote(std::string_view(s, n > 0 ? n - 1 : 0));
      return Status::OK();
    }
    case AVRO_BYTES: {
      const void* b = nullptr;
      size_t n = 0;
      avro_value_get_bytes(v, &b, &n);
      *out += JsonQuote(std::string_view(static_cast<const char*>(b), n));
      return Status::OK();
    }
    case AVRO_FIXED: {
      const void* b = nullptr;
      size_t n = 0;
      avro_value_get_fixed(v, &b, &n);
      *out += JsonQuote(std::string_view(static_cast<const char*>(b), n));
      return Status::OK();
    }
    case AVRO_ENUM: {
      int idx = 0;
      avro_value_get_enum(v, &idx);
      const char* sym = avro_schema_enum_get(avro_value_get_schema(v), idx);
      *out += JsonQuote(sym ? sym : "");
      return Status::OK();
    }
    case AVRO_UNION: {
      avro_value_t branch;
      avro_value_get_current_branch(v, &branch);
      return ToJson(&branch, out, depth + 1);
    }
    case AVRO_ARRAY: {
      size_t n = 0;
      avro_value_get_size(v, &n);
      *out += '[';
      for (size_t i = 0; i < n; ++i) {
        if (i) *out += ',';
        avro_value_t child;
        avro_value_get_by_index(v, i, &child, nullptr);
        RETURN_IF_ERROR(ToJson(&child, out, depth + 1));
      }
      *out += ']';
      return Status::OK();
    }
    case AVRO_MAP:
    case AVRO_RECORD: {
      size_t n = 0;
      avro_value_get_size(v, &n);
      *out += '{';
      for (size_t i = 0; i < n; ++i) {
        if (i) *out += ',';
        avro_value_t child;
        const char* name = nullptr;
        avro_value_get_by_index(v, i, &child, &name);
        *out += JsonQuote(name ? name : "");
        *out += ':';
        RETURN_IF_ERROR(ToJson(&child, out, depth + 1));
      }
      *out += '}';
      return Status::OK();
    }
    default:
      return Status::Corruption("avro: unsupported value type");
  }
}

// Everything an Avro file of one topic is written with, resolved once when
// the format is built and shared by its writers.
struct AvroSettings {
  PayloadEncoding encoding = PayloadEncoding::kJson;
  const char* codec = "null";  // Avro C's name
  size_t block_size = 65536;
  // The file's schema without __offset: empty for the raw layout, and with
  // the schema registry (then a file takes its first message's schema).
  std::string user_json;
  std::string schema_origin;                    // where user_json came from, for errors
  std::shared_ptr<const AvroSchema> user_avro;  // user_json compiled
  std::string file_schema;                      // user_json minified
  std::shared_ptr<AvroSchemaSource> source;     // Avro payloads
  ProtobufType protobuf;                        // Protobuf payloads
  bool open_at_first_message = false;
  // Set when a setting that only writing needs is missing (a reader needs
  // none): NewWriter fails with it.
  Status writer_error;
};

std::string MinifiedJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root)) return json;
  return simdjson::minify(root);
}

// Checks user_json as a file schema the way a writer will use it, so that a
// bad schema fails when the format is built, and compiles it once.
Status CompileUserSchema(AvroSettings* s) {
  if (s->user_json.empty()) return Status::OK();
  auto wjson = WriterSchemaJson(s->user_json);
  if (!wjson.ok()) return wjson.status().WithContext(s->schema_origin);
  avro_schema_t schema = nullptr;
  if (avro_schema_from_json_length(wjson->data(), wjson->size(), &schema) != 0) {
    return Status::InvalidArgument("{}: bad Avro schema: {}", s->schema_origin, AvroError());
  }
  avro_schema_decref(schema);
  auto compiled = AvroSchema::Parse(s->user_json);
  if (!compiled.ok()) return compiled.status().WithContext(s->schema_origin);
  s->user_avro = std::move(compiled).value();
  s->file_schema = MinifiedJson(s->user_json);
  return Status::OK();
}

Result<std::shared_ptr<AvroSettings>> LoadAvroSettings(const FormatOptions& options,
                                                       const Config* config) {
  auto s = std::make_shared<AvroSettings>();
  std::string schema_key;
  std::string schema_file;
  int64_t block_size = 65536;
  ASSIGN_OR_RETURN(s->encoding, LoadPayloadEncoding(config, options.topic));
  if (config) {
    for (const char* key : {"secor.avro.output.schema.file", "secor.parquet.avro.schema.file"}) {
      ASSIGN_OR_RETURN(schema_file, config->StringForTopic(key, options.topic));
      if (!schema_file.empty()) {
        schema_key = config->Has(std::string(key) + "." + options.topic)
                         ? std::string(key) + "." + options.topic
                         : std::string(key);
        break;
      }
    }
    ASSIGN_OR_RETURN(block_size, config->Int("secor.avro.output.block.size"));
  }
  s->block_size = static_cast<size_t>(std::max<int64_t>(block_size, 1024));
  std::string c = ToLower(options.codec);
  if (c.empty() || c == "none" || c == "null") {
    s->codec = "null";
  } else if (c == "gzip" || c == "gz" || c == "deflate") {
    s->codec = "deflate";
  } else if (c == "snappy") {
    s->codec = "snappy";
  } else {
    return Status::InvalidArgument("avro: unsupported codec '{}' (none, gzip, snappy)",
                                   options.codec);
  }
  if (!schema_file.empty()) {
    Result<std::string> text = ReadFile(schema_file);
    if (!text.ok()) return config->BadValue(schema_key, text.status().message());
    s->user_json = std::move(text).value();
    s->schema_origin = schema_file;
  }
  if (s->encoding == PayloadEncoding::kProtobuf) {
    ASSIGN_OR_RETURN(s->protobuf, LoadProtobufType(*config, options.topic));
    if (!s->protobuf.message) {
      s->writer_error = Status::InvalidArgument(
          "secor.payload.encoding=protobuf for topic '{}' needs secor.protobuf.message.class",
          options.topic);
      return s;
    }
    if (s->user_json.empty()) {
      ASSIGN_OR_RETURN(TableSchema table, SchemaFromProtobuf(s->protobuf.message));
      s->user_json = AvroSchemaFromTable(table, s->protobuf.message->full_name());
      s->schema_origin = "the Avro schema of " + s->protobuf.message->full_name();
    }
  }
  if (s->encoding == PayloadEncoding::kAvro) {
    if (AvroSchemaKey(*config, options.topic).empty()) {
      s->writer_error = NewAvroSchemaSource(*config, options.topic).status();
      return s;
    }
    ASSIGN_OR_RETURN(s->source, NewAvroSchemaSource(*config, options.topic));
    if (s->user_json.empty()) {
      auto fixed = s->source->fixed_schema();
      if (!fixed) {
        s->open_at_first_message = true;
        return s;
      }
      s->user_json = fixed->json();
      s->schema_origin = "secor.avro.schema.file";
    }
  }
  RETURN_IF_ERROR(CompileUserSchema(s.get()));
  return s;
}

class AvroWriter : public FileWriter {
 public:
  ~AvroWriter() override {
    if (writer_) avro_file_writer_close(writer_);
  }

  Status Init(const std::string& path, std::shared_ptr<const AvroSettings> settings) {
    path_ = path;
    settings_ = std::move(settings);
    encoding_ = settings_->encoding;
    codec_ = settings_->codec;
    block_size_ = settings_->block_size;
    source_ = settings_->source;
    if (encoding_ == PayloadEncoding::kProtobuf) {
      decoder_ = ProtobufDecoder::New(settings_->protobuf.message);
    }
    // With the schema registry the file takes the schema of its first message.
    if (settings_->open_at_first_message) return Status::OK();
    return Create(settings_->user_json, settings_->schema_origin, settings_->user_avro,
                  settings_->file_schema);
  }

  Status Append(const Message& m) override {
    if (closed_) return Status::InvalidArgument("avro writer is closed");
    if (encoding_ == PayloadEncoding::kAvro) return AppendDatum(m);
    if (encoding_ == PayloadEncoding::kProtobuf) {
      RETURN_IF_ERROR(PayloadError(decoder_->Decode(m.payload, &tree_), m.offset));
      return AppendEncoded(m.offset, std::nullopt);
    }
    avro_value_reset(&holder_.value);
    avro_value_t off;
    avro_value_get_by_index(&holder_.value, 0, &off, nullptr);
    avro_value_set_long(&off, m.offset);
    if (raw_) {
      avro_value_t val;
      avro_value_get_by_index(&holder_.value, 1, &val, nullptr);
      avro_value_set_bytes(&val, const_cast<char*>(m.payload.data()), m.payload.size());
    } else {
      simdjson::dom::element root;
      if (auto err = ThreadJsonParser().parse(m.payload.data(), m.payload.size()).get(root)) {
        return Status::InvalidArgument("message at offset {} is not JSON: {}", m.offset,
                                       simdjson::error_message(err));
      }
      if (!root.is_object()) {
        return Status::InvalidArgument("message at offset {} is not a JSON object", m.offset);
      }
      RETURN_IF_ERROR(FillRecord(&holder_.value, root, "", 1, 0));
    }
    size_t size = 0;
    if (avro_value_sizeof(&holder_.value, &size) == 0) RETURN_IF_ERROR(FitBlock(size));
    if (avro_file_writer_append_value(writer_, &holder_.value) != 0) {
      return Status::IOError("append to avro file {}: {}", path_, AvroError());
    }
    return Status::OK();
  }

  uint64_t BytesWritten() const override {
    struct stat st;
    if (::stat(path_.c_str(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_size);
  }

  Status Close() override {
    if (closed_) return Status::InvalidArgument("avro writer for {} is already closed", path_);
    // Every message failed before the file's schema was known: an empty file.
    if (!writer_) RETURN_IF_ERROR(Create("", ""));
    closed_ = true;
    int rc = avro_file_writer_close(writer_);
    writer_ = nullptr;
    if (rc != 0) return Status::IOError("close avro file {}: {}", path_, AvroError());
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + path_, errno);
    int src = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (src != 0) return Status::FromErrno("fsync " + path_, err);
    return Status::OK();
  }

 private:
  // Creates the file with user_json (the raw layout when empty) plus
  // __offset; schema_file names where user_json came from, for errors.
  // compiled and minified, when given, are user_json already compiled and
  // minified (the format's schema): every file of a topic shares them.
  Status Create(const std::string& user_json, const std::string& schema_file,
                std::shared_ptr<const AvroSchema> compiled = nullptr,
                const std::string& minified = "") {
    raw_ = user_json.empty();
    auto wjson = WriterSchemaJson(user_json);
    if (!wjson.ok())
      return schema_file.empty() ? wjson.status() : wjson.status().WithContext(schema_file);
    avro_schema_t schema = nullptr;
    if (avro_schema_from_json_length(wjson->data(), wjson->size(), &schema) != 0) {
      return Status::InvalidArgument("{}: bad Avro schema: {}", schema_file, AvroError());
    }
    RETURN_IF_ERROR(holder_.Init(schema, true));
    if (!raw_ && compiled) {
      file_schema_ = minified;
      user_avro_ = std::move(compiled);
    } else if (!raw_) {
      file_schema_ = MinifiedJson(user_json);
      auto parsed = AvroSchema::Parse(user_json);
      if (!parsed.ok()) return parsed.status().WithContext(schema_file);
      user_avro_ = std::move(parsed).value();
    }
    RETURN_IF_ERROR(MakeDirs(DirName(path_)));
    ::unlink(path_.c_str());  // Avro C refuses nothing but appends to nothing either; start clean
    if (avro_file_writer_create_with_codec(path_.c_str(), holder_.schema, &writer_, codec_,
                                           block_size_) != 0) {
      writer_ = nullptr;
      return Status::IOError("create avro file {}: {}", path_, AvroError());
    }
    return Status::OK();
  }

  // Avro C refuses a datum larger than its block buffer: reopens the file
  // for appending with a buffer that fits (the blocks written stay valid).
  Status FitBlock(size_t size) {
    if (size + 64 <= block_size_) return Status::OK();
    size_t grown = std::max(block_size_ * 2, size * 2);
    if (avro_file_writer_close(writer_) != 0 ||
        avro_file_writer_open_bs(path_.c_str(), &writer_, grown) != 0) {
      writer_ = nullptr;
      return Status::IOError("reopen avro file {} with {}-byte blocks: {}", path_, grown,
                             AvroError());
    }
    block_size_ = grown;
    return Status::OK();
  }

  // An Avro payload in the file's schema is written as it is, after the
  // offset (a record's encoding is its fields' encodings in order, so
  // __offset then the payload's fields is a datum of the file's schema); it
  // is decoded first so that a malformed one cannot corrupt the file. A
  // payload of another schema is re-encoded by field name.
  Status AppendDatum(const Message& m) {
    std::shared_ptr<const AvroSchema> schema;
    std::string_view datum;
    int32_t schema_id = -1;
    RETURN_IF_ERROR(
        PayloadError(source_->Resolve(m.payload, &schema, &datum, &schema_id), m.offset));
    RETURN_IF_ERROR(PayloadError(schema->Decode(datum, &tree_), m.offset));
    if (!writer_) {
      Status st = Create(schema->json(), fmt::format("schema id {}", schema_id));
      if (!st.ok()) return PayloadError(st, m.offset);
    }
    auto same = same_schema_.find(schema);
    if (same == same_schema_.end()) {
      same = same_schema_.emplace(schema, MinifiedJson(schema->json()) == file_schema_).first;
    }
    if (same->second) return AppendEncoded(m.offset, datum);
    Status st = AppendEncoded(m.offset, std::nullopt);
    if (!st.ok() && st.code() == Status::Code::kInvalidArgument && schema_id >= 0) {
      return Status::InvalidArgument(
          "message at offset {} with schema id {} does not fit the file's schema: {}", m.offset,
          schema_id, st.message());
    }
    return st;
  }

  // Appends the offset and then datum, or without one tree_ encoded in the
  // user's schema: a record's encoding is its fields' encodings in order, so
  // the two make a datum of the file's schema.
  Status AppendEncoded(int64_t offset, std::optional<std::string_view> datum) {
    encoded_.clear();
    // __offset, the first field of the file's record: a zigzag varint.
    uint64_t zigzag = (static_cast<uint64_t>(offset) << 1) ^ static_cast<uint64_t>(offset >> 63);
    do {
      uint8_t b = zigzag & 0x7f;
      zigzag >>= 7;
      encoded_.push_back(static_cast<char>(zigzag ? b | 0x80 : b));
    } while (zigzag);
    if (datum) {
      encoded_.append(*datum);
    } else {
      RETURN_IF_ERROR(user_avro_->Encode(tree_, &encoded_));
    }
    RETURN_IF_ERROR(FitBlock(encoded_.size()));
    if (avro_file_writer_append_encoded(writer_, encoded_.data(),
                                        static_cast<int64_t>(encoded_.size())) != 0) {
      return Status::IOError("append to avro file {}: {}", path_, AvroError());
    }
    return Status::OK();
  }

  std::string path_;
  bool raw_ = true;
  bool closed_ = false;
  const char* codec_ = "null";
  size_t block_size_ = 65536;
  AvroValueHolder holder_;
  avro_file_writer_t writer_ = nullptr;
  // Avro payloads.
  PayloadEncoding encoding_ = PayloadEncoding::kJson;
  std::shared_ptr<AvroSchemaSource> source_;
  std::string file_schema_;  // minified user schema of the file
  std::map<std::shared_ptr<const AvroSchema>, bool> same_schema_;
  std::shared_ptr<const AvroSchema> user_avro_;  // the file's schema without __offset
  // Protobuf payloads.
  std::shared_ptr<const AvroSettings> settings_;  // keeps the protobuf pool alive
  std::unique_ptr<ProtobufDecoder> decoder_;
  DatumTree tree_;
  std::string encoded_;
};

// Checks the container structure of an Avro file before Avro C reads it:
// Avro C 1.11 allocates whatever a length in the file says (the header's
// metadata entries, each block) before it reads, so a corrupt or foreign
// file makes it ask for up to 2^64 bytes and, on the NULL it gets back,
// crash (found by fuzz/format/avro_reader_fuzz.cc). Every length must be
// non-negative and within what the file still holds, and every block must
// end with the header's sync marker.
class AvroContainerCheck {
 public:
  explicit AvroContainerCheck(const std::string& path) : in_(path, std::ios::binary) {
    in_.seekg(0, std::ios::end);
    size_ = in_.good() ? static_cast<int64_t>(in_.tellg()) : -1;
    in_.seekg(0);
  }

  Status Run(const std::string& path) {
    if (size_ < 0) return Status::IOError("open avro file {}", path);
    char magic[4];
    if (!Read(magic, 4) || std::memcmp(magic, "Obj\x01", 4) != 0) {
      return Status::Corruption("{}: not an Avro container file (no Obj1 magic)", path);
    }
    while (true) {  // the metadata map: blocks of (key string, value bytes)
      int64_t count = 0;
      if (!Long(&count)) return Bad(path, "metadata block count");
      if (count == 0) break;
      if (count < 0) {
        int64_t bytes = 0;
        if (!Long(&bytes) || bytes < 0 || bytes > Left()) return Bad(path, "metadata block size");
        count = -count;
      }
      if (count > Left()) return Bad(path, "metadata block count");
      for (int64_t i = 0; i < 2 * count; ++i) {
        int64_t len = 0;
        if (!Long(&len) || len < 0 || len > Left()) return Bad(path, "metadata entry length");
        in_.seekg(len, std::ios::cur);
        pos_ += len;
      }
    }
    char sync[16];
    if (!Read(sync, 16)) return Bad(path, "sync marker");
    while (Left() > 0) {  // data blocks: count, size, bytes, sync marker
      int64_t count = 0, bytes = 0;
      if (!Long(&count) || count < 0 || count > Left()) return Bad(path, "block count");
      if (!Long(&bytes) || bytes < 0 || bytes > Left()) return Bad(path, "block size");
      in_.seekg(bytes, std::ios::cur);
      pos_ += bytes;
      char end[16];
      if (!Read(end, 16) || std::memcmp(end, sync, 16) != 0) return Bad(path, "block sync marker");
    }
    return Status::OK();
  }

 private:
  static Status Bad(const std::string& path, const char* what) {
    return Status::Corruption("{}: corrupt Avro container: bad {}", path, what);
  }
  int64_t Left() const { return size_ - pos_; }
  bool Read(char* out, int64_t n) {
    if (n > Left()) return false;
    in_.read(out, n);
    pos_ += n;
    return static_cast<bool>(in_);
  }
  // A zig-zag varint long, at most 10 bytes.
  bool Long(int64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      char c;
      if (!Read(&c, 1)) return false;
      auto b = static_cast<uint8_t>(c);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
        return true;
      }
    }
    return false;
  }

  std::ifstream in_;
  int64_t size_ = -1;
  int64_t pos_ = 0;
};

class AvroReader : public FileReader {
 public:
  ~AvroReader() override {
    if (reader_) avro_file_reader_close(reader_);
  }

  Status Init(const std::string& path) {
    path_ = path;
    RETURN_IF_ERROR(AvroContainerCheck(path).Run(path));
    if (OpenAvroFileReader(path, &reader_) != 0) {
      reader_ = nullptr;
      return Status::Corruption("open avro file {}: {}", path, AvroError());
    }
    avro_schema_t schema = avro_file_reader_get_writer_schema(reader_);
    if (!is_avro_record(schema) || avro_schema_record_size(schema) < 1 ||
        std::string_view(avro_schema_record_field_name(schema, 0)) != "__offset") {
      return Status::Corruption("{}: no leading __offset field (not written by secor)", path);
    }
    raw_ = std::string_view(avro_schema_name(schema)) == kRawRecordName;
    return holder_.Init(schema, false);
  }

  Result<bool> Next(Record* r) override {
    avro_value_reset(&holder_.value);
    int rc = avro_file_reader_read_value(reader_, &holder_.value);
    if (rc == EOF) return false;
    if (rc != 0) return Status::Corruption("{}: {}", path_, AvroError());
    *r = Record{};
    avro_value_t off;
    avro_value_get_by_index(&holder_.value, 0, &off, nullptr);
    avro_value_get_long(&off, &r->offset);
    size_t n = 0;
    avro_value_get_size(&holder_.value, &n);
    if (raw_) {
      avro_value_t val;
      avro_value_get_by_index(&holder_.value, 1, &val, nullptr);
      const void* b = nullptr;
      size_t len = 0;
      avro_value_get_bytes(&val, &b, &len);
      r->payload.assign(static_cast<const char*>(b), len);
      return true;
    }
    std::string json = "{";
    for (size_t i = 1; i < n; ++i) {
      if (i > 1) json += ',';
      avro_value_t child;
      const char* name = nullptr;
      avro_value_get_by_index(&holder_.value, i, &child, &name);
      json += JsonQuote(name);
      json += ':';
      RETURN_IF_ERROR(ToJson(&child, &json, 0).WithContext(path_));
    }
    json += '}';
    r->payload = std::move(json);
    return true;
  }

 private:
  std::string path_;
  bool raw_ = false;
  avro_file_reader_t reader_ = nullptr;
  AvroValueHolder holder_;
};

class AvroFormat : public FileFormat {
 public:
  explicit AvroFormat(std::shared_ptr<const AvroSettings> settings)
      : settings_(std::move(settings)) {}
  std::string name() const override { return "avro"; }
  std::string DefaultExtension() const override { return ".avro"; }
  Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path) const override {
    RETURN_IF_ERROR(settings_->writer_error);
    auto w = std::make_unique<AvroWriter>();
    RETURN_IF_ERROR(w->Init(path, settings_));
    return std::unique_ptr<FileWriter>(std::move(w));
  }
  Result<std::unique_ptr<FileReader>> NewReader(const std::string& path) const override {
    auto r = std::make_unique<AvroReader>();
    RETURN_IF_ERROR(r->Init(path));
    return std::unique_ptr<FileReader>(std::move(r));
  }

 private:
  std::shared_ptr<const AvroSettings> settings_;
};

}  // namespace

Result<std::unique_ptr<FileFormat>> NewAvroFormat(const FormatOptions& options,
                                                  const Config* config) {
  ASSIGN_OR_RETURN(auto settings, LoadAvroSettings(options, config));
  return std::unique_ptr<FileFormat>(new AvroFormat(std::move(settings)));
}

std::unique_ptr<FileFormat> NewAvroFormat() {
  return std::move(NewAvroFormat({}, nullptr)).value();
}

}  // namespace secor
