#include "format/parquet_format.h"

#include <simdjson.h>

#include "common/datum.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/compression_pool.h"
#include "format/parquet/compress.h"
#include "format/parquet/reader.h"
#include "format/parquet/writer.h"
#include "format/schema.h"
#include "format/shredder.h"
#include "payload/avro_source.h"
#include "payload/payload_decoder.h"
#include "payload/protobuf_type.h"

namespace secor {

namespace {

using parquet::SchemaElement;

constexpr char kLayoutKey[] = "secor.layout";

// Everything a Parquet file of one topic is written with, resolved once when
// the format is built and shared by its writers.
struct ParquetSettings {
  PayloadEncoding encoding = PayloadEncoding::kJson;
  // The columns; with the schema registry, none until a file's first message.
  TableSchema schema;
  parquet::WriterOptions options;
  ProtobufType protobuf;
  std::shared_ptr<AvroSchemaSource> avro_source;
  // With the schema registry a file is opened at its first message.
  bool open_at_first_message = false;
  // Set when a setting that only writing needs is missing (a reader needs
  // none): NewWriter fails with it.
  Status writer_error;
};

// Takes the columns of derived, keeping the Kafka metadata columns asked for.
void UseFields(TableSchema* schema, TableSchema derived) {
  schema->raw = false;
  schema->fields = std::move(derived.fields);
}

Result<std::shared_ptr<ParquetSettings>> LoadParquetSettings(const FormatOptions& options,
                                                             const Config* config) {
  auto s = std::make_shared<ParquetSettings>();
  ASSIGN_OR_RETURN(s->encoding, LoadPayloadEncoding(config, options.topic));
  ASSIGN_OR_RETURN(s->schema, LoadTableSchema(config, options.topic));
  ASSIGN_OR_RETURN(s->options.codec, parquet::CodecFromName(options.codec));
  s->options.pool = SharedCompressionPool();
  if (config) {
    const Config& c = *config;
    ASSIGN_OR_RETURN(s->options.block_size, c.Int("parquet.block.size"));
    ASSIGN_OR_RETURN(s->options.page_size, c.Int("parquet.page.size"));
    ASSIGN_OR_RETURN(s->options.dictionary_limit, c.Int("parquet.dictionary.page.size"));
    ASSIGN_OR_RETURN(s->options.dictionary, c.Bool("parquet.enable.dictionary"));
    if (s->options.block_size <= 0) return c.BadValue("parquet.block.size", "must be positive");
    if (s->options.page_size <= 0) return c.BadValue("parquet.page.size", "must be positive");
  }
  if (s->encoding == PayloadEncoding::kJson) return s;
  const Config& c = *config;  // a binary encoding comes from a configuration
  s->schema.optional_groups = true;
  if (s->encoding == PayloadEncoding::kProtobuf) {
    ASSIGN_OR_RETURN(s->protobuf, LoadProtobufType(c, options.topic));
    if (!s->protobuf.message) {
      s->writer_error = Status::InvalidArgument(
          "secor.payload.encoding=protobuf for topic '{}' needs secor.protobuf.message.class",
          options.topic);
      return s;
    }
    if (s->schema.raw) {
      ASSIGN_OR_RETURN(TableSchema derived, SchemaFromProtobuf(s->protobuf.message));
      UseFields(&s->schema, std::move(derived));
    }
    return s;
  }
  if (AvroSchemaKey(c, options.topic).empty()) {
    s->writer_error = NewAvroSchemaSource(c, options.topic).status();
    return s;
  }
  ASSIGN_OR_RETURN(s->avro_source, NewAvroSchemaSource(c, options.topic));
  if (!s->schema.raw) return s;
  if (auto fixed = s->avro_source->fixed_schema()) {
    auto derived = SchemaFromAvro(fixed->json());
    if (!derived.ok()) return c.BadValue("secor.avro.schema.file", derived.status().message());
    UseFields(&s->schema, std::move(derived).value());
    return s;
  }
  // With the schema registry the file takes the schema of its first message
  // (until then it has no user columns, not the raw layout).
  s->schema.raw = false;
  s->open_at_first_message = true;
  return s;
}

class ParquetWriter : public FileWriter {
 public:
  Status Init(const std::string& path, std::shared_ptr<const ParquetSettings> settings) {
    path_ = path;
    settings_ = std::move(settings);
    encoding_ = settings_->encoding;
    schema_ = settings_->schema;
    options_ = settings_->options;
    if (encoding_ == PayloadEncoding::kProtobuf) {
      decoder_ = ProtobufDecoder::New(settings_->protobuf.message);
    }
    avro_source_ = settings_->avro_source;
    if (settings_->open_at_first_message) return Status::OK();
    return Open();
  }

  Status Append(const Message& m) override {
    if (closed_) return Status::InvalidArgument("parquet writer is closed");
    int32_t schema_id = -1;
    if (encoding_ == PayloadEncoding::kProtobuf) {
      RETURN_IF_ERROR(PayloadError(decoder_->Decode(m.payload, &tree_), m.offset));
    } else if (encoding_ == PayloadEncoding::kAvro) {
      std::shared_ptr<const AvroSchema> schema;
      std::string_view datum;
      RETURN_IF_ERROR(
          PayloadError(avro_source_->Resolve(m.payload, &schema, &datum, &schema_id), m.offset));
      RETURN_IF_ERROR(PayloadError(schema->Decode(datum, &tree_), m.offset));
      if (!writer_) {
        auto derived = SchemaFromAvro(schema->json());
        if (!derived.ok()) {
          return Status::InvalidArgument("message at offset {}: schema id {}: {}", m.offset,
                                         schema_id, derived.status().message());
        }
        UseFields(&schema_, std::move(derived).value());
        RETURN_IF_ERROR(Open());
        file_schema_id_ = schema_id;
      }
    }
    pending_.clear();
    int leaf = 0;
    auto add = [&](int def, bool null, parquet::Value v) {
      pending_.push_back(LeafEntry{leaf++, def, 0, null, v});
    };
    add(0, false, parquet::Value{m.offset, 0, {}});
    if (schema_.meta_topic) add(0, false, parquet::Value{0, 0, m.topic});
    if (schema_.meta_partition) add(0, false, parquet::Value{m.partition, 0, {}});
    if (schema_.meta_timestamp) {
      const bool has = m.timestamp_ms >= 0;
      add(has ? 1 : 0, !has, parquet::Value{m.timestamp_ms, 0, {}});
    }
    if (schema_.meta_key) add(m.has_key ? 1 : 0, !m.has_key, parquet::Value{0, 0, m.key});
    if (schema_.raw) {
      add(0, false, parquet::Value{0, 0, m.payload});
    } else if (encoding_ != PayloadEncoding::kJson) {
      Status st = shredder_.Shred(tree_, &pending_);
      if (!st.ok() && schema_id >= 0 && schema_id != file_schema_id_) {
        // Most likely an incompatible change of the registry's schema.
        return Status::InvalidArgument(
            "message at offset {} with schema id {} does not fit {}: {}", m.offset, schema_id,
            file_schema_id_ >= 0 ? fmt::format("the file's schema id {}", file_schema_id_)
                                 : std::string("the configured columns"),
            st.message());
      }
      RETURN_IF_ERROR(st);
    } else {
      simdjson::dom::element root;
      if (auto err = ThreadJsonParser().parse(m.payload.data(), m.payload.size()).get(root)) {
        return Status::InvalidArgument("message at offset {} is not JSON: {}", m.offset,
                                       simdjson::error_message(err));
      }
      if (!root.is_object()) {
        return Status::InvalidArgument("message at offset {} is not a JSON object", m.offset);
      }
      RETURN_IF_ERROR(shredder_.Shred(root, &pending_));
    }
    for (const LeafEntry& p : pending_)
      writer_->column(p.leaf).Add(p.def, p.rep, p.null ? nullptr : &p.v);
    return writer_->EndRow();
  }

  uint64_t BytesWritten() const override {
    return writer_ ? writer_->BytesWritten() : closed_size_;
  }

  Status Close() override {
    if (closed_) return Status::InvalidArgument("parquet writer is already closed");
    // A file whose messages all failed before its schema was known still
    // becomes a valid (empty) Parquet file.
    if (!writer_) RETURN_IF_ERROR(Open());
    closed_ = true;
    const char* layout = schema_.raw                           ? "raw"
                         : encoding_ == PayloadEncoding::kJson ? "json"
                                                               : PayloadEncodingName(encoding_);
    Status st = writer_->Close({{kLayoutKey, layout}});
    closed_size_ = writer_->BytesWritten();
    writer_.reset();
    return st;
  }

 private:
  Status Open() {
    std::vector<SchemaElement> elements;
    elements.push_back(SchemaElement{});
    elements[0].name = "secor";
    elements.push_back(LeafElement(kOffsetColumn, ColumnType::kInt64, true));
    if (schema_.meta_topic) elements.push_back(LeafElement("__topic", ColumnType::kString, true));
    if (schema_.meta_partition)
      elements.push_back(LeafElement("__partition", ColumnType::kInt32, true));
    if (schema_.meta_timestamp)
      elements.push_back(LeafElement("__timestamp", ColumnType::kTimestampMillis, false));
    if (schema_.meta_key) elements.push_back(LeafElement("__key", ColumnType::kBinary, false));
    const int meta_leaves = static_cast<int>(elements.size()) - 1;
    if (schema_.raw) {
      elements.push_back(LeafElement("value", ColumnType::kBinary, true));
    } else {
      shredder_.Build(schema_.fields, schema_.optional_groups, meta_leaves, &elements);
    }
    int top = meta_leaves + (schema_.raw ? 1 : static_cast<int>(schema_.fields.size()));
    elements[0].num_children = top;
    ASSIGN_OR_RETURN(writer_, parquet::Writer::Open(path_, std::move(elements), options_));
    return Status::OK();
  }

  std::string path_;
  parquet::WriterOptions options_;
  PayloadEncoding encoding_ = PayloadEncoding::kJson;
  TableSchema schema_;
  Shredder shredder_;
  std::unique_ptr<parquet::Writer> writer_;
  bool closed_ = false;
  std::vector<LeafEntry> pending_;  // the message's entries, reused
  uint64_t closed_size_ = 0;
  // Binary payloads.
  DatumTree tree_;
  std::shared_ptr<const ParquetSettings> settings_;  // keeps the protobuf pool alive
  std::unique_ptr<ProtobufDecoder> decoder_;
  std::shared_ptr<AvroSchemaSource> avro_source_;
  int32_t file_schema_id_ = -1;  // registry id of the schema the columns came from
};

class ParquetReader : public FileReader {
 public:
  Status Init(const std::string& path) {
    ASSIGN_OR_RETURN(reader_, parquet::Reader::Open(path));
    for (const auto& [k, v] : reader_->meta().key_value) {
      if (k == kLayoutKey) raw_ = v == "raw";
    }
    const auto& names = reader_->field_names();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == kOffsetColumn) offset_ = static_cast<int>(i);
      if (names[i] == "__key") key_ = static_cast<int>(i);
      if (names[i] == "__timestamp") ts_ = static_cast<int>(i);
      if (names[i] == "value") value_ = static_cast<int>(i);
    }
    if (offset_ < 0)
      return Status::Corruption("{}: no {} column (not written by secor)", path, kOffsetColumn);
    if (raw_ && value_ < 0)
      return Status::Corruption("{}: raw layout without a value column", path);
    return Status::OK();
  }

  Result<bool> Next(Record* r) override {
    ASSIGN_OR_RETURN(bool more, reader_->Next(&row_));
    if (!more) return false;
    *r = Record{};
    r->offset = row_[offset_].i;
    if (key_ >= 0 && !row_[key_].is_null) {
      r->has_key = true;
      r->key = row_[key_].bytes;
    }
    if (ts_ >= 0 && !row_[ts_].is_null) r->timestamp_ms = row_[ts_].i;
    if (raw_) {
      r->payload = row_[value_].bytes;
      return true;
    }
    const auto& names = reader_->field_names();
    std::string json = "{";
    bool first = true;
    for (size_t i = 0; i < names.size(); ++i) {
      if (StartsWith(names[i], "__")) continue;
      if (!first) json += ',';
      first = false;
      json += JsonQuote(names[i]);
      json += ':';
      json += row_[i].json;
    }
    json += '}';
    r->payload = std::move(json);
    return true;
  }

 private:
  std::unique_ptr<parquet::Reader> reader_;
  std::vector<parquet::Cell> row_;
  bool raw_ = false;
  int offset_ = -1, key_ = -1, ts_ = -1, value_ = -1;
};

class ParquetFormat : public FileFormat {
 public:
  explicit ParquetFormat(std::shared_ptr<const ParquetSettings> settings)
      : settings_(std::move(settings)) {}
  std::string name() const override { return "parquet"; }
  std::string DefaultExtension() const override { return ".parquet"; }
  Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path) const override {
    RETURN_IF_ERROR(settings_->writer_error);
    auto w = std::make_unique<ParquetWriter>();
    RETURN_IF_ERROR(w->Init(path, settings_));
    return std::unique_ptr<FileWriter>(std::move(w));
  }
  Result<std::unique_ptr<FileReader>> NewReader(const std::string& path) const override {
    auto r = std::make_unique<ParquetReader>();
    RETURN_IF_ERROR(r->Init(path));
    return std::unique_ptr<FileReader>(std::move(r));
  }

 private:
  std::shared_ptr<const ParquetSettings> settings_;
};

}  // namespace

Result<std::unique_ptr<FileFormat>> NewParquetFormat(const FormatOptions& options,
                                                     const Config* config) {
  ASSIGN_OR_RETURN(auto settings, LoadParquetSettings(options, config));
  return std::unique_ptr<FileFormat>(new ParquetFormat(std::move(settings)));
}

std::unique_ptr<FileFormat> NewParquetFormat() {
  return std::move(NewParquetFormat({}, nullptr)).value();
}

}  // namespace secor
