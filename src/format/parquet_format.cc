#include "format/parquet_format.h"

#include <simdjson.h>

#include <cmath>
#include <limits>

#include "common/datum.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/compression_pool.h"
#include "format/parquet/compress.h"
#include "format/parquet/reader.h"
#include "format/parquet/writer.h"
#include "format/payload_decoder.h"
#include "format/schema.h"
#include "parse/avro_parser.h"
#include "parse/protobuf_parser.h"

namespace secor {

namespace {

using parquet::LogicalKind;
using parquet::PhysicalType;
using parquet::Repetition;
using parquet::SchemaElement;

constexpr char kLayoutKey[] = "secor.layout";

SchemaElement Leaf(const std::string& name, ColumnType type, bool required) {
  SchemaElement e;
  e.name = name;
  e.repetition = required ? Repetition::kRequired : Repetition::kOptional;
  switch (type) {
    case ColumnType::kString:
      e.type = PhysicalType::kByteArray;
      e.logical = LogicalKind::kString;
      break;
    case ColumnType::kBinary:
      e.type = PhysicalType::kByteArray;
      break;
    case ColumnType::kInt32:
      e.type = PhysicalType::kInt32;
      e.logical = LogicalKind::kInteger;
      e.int_bits = 32;
      break;
    case ColumnType::kInt64:
      e.type = PhysicalType::kInt64;
      e.logical = LogicalKind::kInteger;
      e.int_bits = 64;
      break;
    case ColumnType::kFloat:
      e.type = PhysicalType::kFloat;
      break;
    case ColumnType::kDouble:
      e.type = PhysicalType::kDouble;
      break;
    case ColumnType::kBool:
      e.type = PhysicalType::kBoolean;
      break;
    case ColumnType::kTimestampMillis:
      e.type = PhysicalType::kInt64;
      e.logical = LogicalKind::kTimestampMillis;
      break;
    case ColumnType::kTimestampMicros:
      e.type = PhysicalType::kInt64;
      e.logical = LogicalKind::kTimestampMicros;
      break;
    case ColumnType::kDate:
      e.type = PhysicalType::kInt32;
      e.logical = LogicalKind::kDate;
      break;
  }
  return e;
}

// How one leaf is filled from a message.
struct LeafPlan {
  const FieldSpec* spec;
  std::string name;  // dotted column path, for errors
  int list_def = 0;  // lists of JSON messages: definition level of the present list
  // Decoded payloads: the groups above the leaf, outermost first, which may
  // be null (TableSchema::optional_groups).
  std::vector<const FieldSpec*> groups;
};

void AddFields(const std::vector<FieldSpec>& fields, const std::string& prefix,
               bool optional_groups, const std::vector<const FieldSpec*>& groups,
               std::vector<SchemaElement>* out, std::vector<LeafPlan>* plans) {
  for (const FieldSpec& f : fields) {
    std::string name = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.is_group) {
      SchemaElement g;
      g.name = f.name;
      g.repetition = optional_groups && !f.required ? Repetition::kOptional : Repetition::kRequired;
      g.num_children = static_cast<int32_t>(f.children.size());
      out->push_back(g);
      std::vector<const FieldSpec*> inner = groups;
      inner.push_back(&f);
      AddFields(f.children, name, optional_groups, inner, out, plans);
    } else if (f.is_list) {
      SchemaElement g;
      g.name = f.name;
      g.repetition = f.required ? Repetition::kRequired : Repetition::kOptional;
      g.num_children = 1;
      g.logical = LogicalKind::kList;
      out->push_back(g);
      SchemaElement rep;
      rep.name = "list";
      rep.repetition = Repetition::kRepeated;
      rep.num_children = 1;
      out->push_back(rep);
      out->push_back(Leaf("element", f.type, false));
      plans->push_back(LeafPlan{&f, name, f.required ? 0 : 1, groups});
    } else {
      out->push_back(Leaf(f.name, f.type, f.required));
      plans->push_back(LeafPlan{&f, name, 0, groups});
    }
  }
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// A decoded value as a value of a column of type. Integers convert to
// floating point columns (Avro's promotions); timestamps and dates convert
// between units when the value says its unit.
Status ConvertDatum(const DatumNode& n, ColumnType type, std::string_view field,
                    parquet::Value* out) {
  auto mismatch = [&]() {
    return Status::InvalidArgument("field '{}': expected {}, got {}", field, ColumnTypeName(type),
                                   DatumKindName(n.kind));
  };
  auto overflow = [&]() {
    return Status::InvalidArgument(
        "field '{}': {} is out of {} range", field,
        n.uint64_overflow ? std::to_string(static_cast<uint64_t>(n.i)) : std::to_string(n.i),
        ColumnTypeName(type));
  };
  switch (type) {
    case ColumnType::kString:
      if (n.kind != DatumKind::kString) return mismatch();
      out->s = n.s;
      return Status::OK();
    case ColumnType::kBinary:
      if (n.kind != DatumKind::kBytes && n.kind != DatumKind::kString) return mismatch();
      out->s = n.s;
      return Status::OK();
    case ColumnType::kInt32:
      if (n.kind != DatumKind::kInt) return mismatch();
      if (n.uint64_overflow) return overflow();
      if (n.i < INT32_MIN || n.i > INT32_MAX) {
        return Status::InvalidArgument("field '{}': {} is out of int32 range", field, n.i);
      }
      out->i = n.i;
      return Status::OK();
    case ColumnType::kInt64:
      if (n.kind != DatumKind::kInt) return mismatch();
      if (n.uint64_overflow) return overflow();
      out->i = n.i;
      return Status::OK();
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      if (n.kind == DatumKind::kInt && !n.uint64_overflow) {
        out->d = static_cast<double>(n.i);
        return Status::OK();
      }
      if (n.kind != DatumKind::kFloat) return mismatch();
      // A double beyond float's range has no float value (NaN and infinities do).
      if (type == ColumnType::kFloat && std::isfinite(n.d) &&
          std::fabs(n.d) > std::numeric_limits<float>::max()) {
        return Status::InvalidArgument("field '{}': {} is out of float range", field, n.d);
      }
      out->d = n.d;
      return Status::OK();
    case ColumnType::kBool:
      if (n.kind != DatumKind::kBool) return mismatch();
      out->i = n.i;
      return Status::OK();
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
    case ColumnType::kDate: {
      if (n.kind != DatumKind::kInt) return mismatch();
      if (n.uint64_overflow) return overflow();
      // Everything to microseconds first when the value has a unit.
      constexpr int64_t kMicrosPerDay = 86'400'000'000;
      int64_t micros = 0;
      bool has_unit = true;
      bool fits = true;
      switch (n.unit) {
        case DatumUnit::kTimestampMicros:
          micros = n.i;
          break;
        case DatumUnit::kTimestampMillis:
          fits = !__builtin_mul_overflow(n.i, int64_t{1000}, &micros);
          break;
        case DatumUnit::kDate:
          fits = !__builtin_mul_overflow(n.i, kMicrosPerDay, &micros);
          break;
        case DatumUnit::kNone:
          has_unit = false;
          break;
      }
      if (!fits) return overflow();
      if (!has_unit) {
        out->i = n.i;  // a plain integer is in the column's unit
      } else if (type == ColumnType::kTimestampMicros) {
        out->i = micros;
      } else if (type == ColumnType::kTimestampMillis) {
        out->i = FloorDiv(micros, 1000);
      } else {
        out->i = FloorDiv(micros, kMicrosPerDay);
      }
      if (type == ColumnType::kDate && (out->i < INT32_MIN || out->i > INT32_MAX)) {
        return Status::InvalidArgument("field '{}': {} is out of date range", field, out->i);
      }
      return Status::OK();
    }
  }
  return mismatch();
}

struct Pending {
  int leaf;
  int def;
  int rep;
  bool null;
  parquet::Value v;
};

class ParquetWriter : public FileWriter {
 public:
  Status Init(const std::string& path, const FormatOptions& options) {
    path_ = path;
    ASSIGN_OR_RETURN(encoding_, LoadPayloadEncoding(options.config, options.topic));
    ASSIGN_OR_RETURN(schema_, LoadTableSchema(options.config, options.topic));
    ASSIGN_OR_RETURN(options_.codec, parquet::CodecFromName(options.codec));
    options_.pool = SharedCompressionPool();
    if (options.config) {
      const Config& c = *options.config;
      ASSIGN_OR_RETURN(options_.block_size, c.Int("parquet.block.size"));
      ASSIGN_OR_RETURN(options_.page_size, c.Int("parquet.page.size"));
      ASSIGN_OR_RETURN(options_.dictionary_limit, c.Int("parquet.dictionary.page.size"));
      ASSIGN_OR_RETURN(options_.dictionary, c.Bool("parquet.enable.dictionary"));
      if (options_.block_size <= 0) return c.BadValue("parquet.block.size", "must be positive");
      if (options_.page_size <= 0) return c.BadValue("parquet.page.size", "must be positive");
    }
    if (encoding_ == PayloadEncoding::kJson) return Open();
    const Config& c = *options.config;  // a binary encoding comes from a configuration
    schema_.optional_groups = true;
    if (encoding_ == PayloadEncoding::kProtobuf) {
      ASSIGN_OR_RETURN(protobuf_, LoadProtobufType(c, options.topic));
      if (!protobuf_.message) {
        return Status::InvalidArgument(
            "secor.payload.encoding=protobuf for topic '{}' needs secor.protobuf.message.class",
            options.topic);
      }
      decoder_ = ProtobufDecoder::New(protobuf_.message);
      if (schema_.raw) {
        ASSIGN_OR_RETURN(TableSchema derived, SchemaFromProtobuf(protobuf_.message));
        UseFields(std::move(derived));
      }
      return Open();
    }
    ASSIGN_OR_RETURN(avro_source_, NewAvroSchemaSource(c, options.topic));
    if (!schema_.raw) return Open();
    if (auto fixed = avro_source_->fixed_schema()) {
      auto derived = SchemaFromAvro(fixed->json());
      if (!derived.ok()) return c.BadValue("secor.avro.schema.file", derived.status().message());
      UseFields(std::move(derived).value());
      return Open();
    }
    // With the schema registry the file takes the schema of its first message
    // (until then it has no user columns, not the raw layout).
    schema_.raw = false;
    return Status::OK();
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
        UseFields(std::move(derived).value());
        RETURN_IF_ERROR(Open());
        file_schema_id_ = schema_id;
      }
    }
    pending_.clear();
    int leaf = 0;
    auto add = [&](int def, int rep, bool null, parquet::Value v) {
      pending_.push_back(Pending{leaf, def, rep, null, v});
    };
    parquet::Value v;
    v.i = m.offset;
    add(0, 0, false, v);
    ++leaf;
    if (schema_.meta_topic) {
      add(0, 0, false, parquet::Value{0, 0, m.topic});
      ++leaf;
    }
    if (schema_.meta_partition) {
      add(0, 0, false, parquet::Value{m.partition, 0, {}});
      ++leaf;
    }
    if (schema_.meta_timestamp) {
      bool has = m.timestamp_ms >= 0;
      add(has ? 1 : 0, 0, !has, parquet::Value{m.timestamp_ms, 0, {}});
      ++leaf;
    }
    if (schema_.meta_key) {
      add(m.has_key ? 1 : 0, 0, !m.has_key, parquet::Value{0, 0, m.key});
      ++leaf;
    }
    if (schema_.raw) {
      add(0, 0, false, parquet::Value{0, 0, m.payload});
    } else if (encoding_ != PayloadEncoding::kJson) {
      for (const LeafPlan& p : plans_) {
        Status st = ShredDatum(p, leaf);
        if (!st.ok() && schema_id >= 0 && schema_id != file_schema_id_) {
          // Most likely an incompatible change of the registry's schema.
          return Status::InvalidArgument(
              "message at offset {} with schema id {} does not fit {}: {}", m.offset, schema_id,
              file_schema_id_ >= 0 ? fmt::format("the file's schema id {}", file_schema_id_)
                                   : std::string("the configured columns"),
              st.message());
        }
        RETURN_IF_ERROR(st);
        ++leaf;
      }
    } else {
      simdjson::dom::element root;
      if (parser_.parse(m.payload.data(), m.payload.size()).get(root) || !root.is_object()) {
        return Status::InvalidArgument("message at offset {} is not a JSON object", m.offset);
      }
      for (const LeafPlan& p : plans_) {
        RETURN_IF_ERROR(Shred(root, p, leaf));
        ++leaf;
      }
    }
    for (const Pending& p : pending_)
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
  // Takes the columns of derived, keeping the Kafka metadata columns asked for.
  void UseFields(TableSchema derived) {
    schema_.raw = false;
    schema_.fields = std::move(derived.fields);
  }

  Status Open() {
    std::vector<SchemaElement> elements;
    elements.push_back(SchemaElement{});
    elements[0].name = "secor";
    SchemaElement off = Leaf(kOffsetColumn, ColumnType::kInt64, true);
    elements.push_back(off);
    if (schema_.meta_topic) elements.push_back(Leaf("__topic", ColumnType::kString, true));
    if (schema_.meta_partition) elements.push_back(Leaf("__partition", ColumnType::kInt32, true));
    if (schema_.meta_timestamp)
      elements.push_back(Leaf("__timestamp", ColumnType::kTimestampMillis, false));
    if (schema_.meta_key) elements.push_back(Leaf("__key", ColumnType::kBinary, false));
    meta_leaves_ = static_cast<int>(elements.size()) - 1;
    plans_.clear();
    if (schema_.raw) {
      elements.push_back(Leaf("value", ColumnType::kBinary, true));
    } else {
      AddFields(schema_.fields, "", schema_.optional_groups, {}, &elements, &plans_);
    }
    int top = meta_leaves_ + (schema_.raw ? 1 : static_cast<int>(schema_.fields.size()));
    elements[0].num_children = top;
    ASSIGN_OR_RETURN(writer_, parquet::Writer::Open(path_, std::move(elements), options_));
    return Status::OK();
  }

  Status Shred(simdjson::dom::element root, const LeafPlan& p, int leaf) {
    const FieldSpec& f = *p.spec;
    simdjson::dom::element e;
    bool found = FindJsonPath(root, f.source, &e);
    if (!found) {
      if (f.required)
        return Status::InvalidArgument("field '{}' is required but missing or null", p.name);
      pending_.push_back(Pending{leaf, 0, 0, true, {}});
      return Status::OK();
    }
    if (!f.is_list) {
      ScalarValue sv;
      RETURN_IF_ERROR(ConvertJsonScalar(e, f.type, p.name, &sv));
      pending_.push_back(
          Pending{leaf, f.required ? 0 : 1, 0, false, parquet::Value{sv.i, sv.d, sv.s}});
      return Status::OK();
    }
    simdjson::dom::array arr;
    if (e.get(arr))
      return Status::InvalidArgument("field '{}': expected a list, got another JSON type", p.name);
    if (arr.size() == 0) {
      pending_.push_back(Pending{leaf, p.list_def, 0, true, {}});
      return Status::OK();
    }
    int rep = 0;
    for (simdjson::dom::element item : arr) {
      if (item.is_null()) {
        pending_.push_back(Pending{leaf, p.list_def + 1, rep, true, {}});
      } else {
        ScalarValue sv;
        RETURN_IF_ERROR(ConvertJsonScalar(item, f.type, p.name + "[]", &sv));
        pending_.push_back(
            Pending{leaf, p.list_def + 2, rep, false, parquet::Value{sv.i, sv.d, sv.s}});
      }
      rep = 1;
    }
    return Status::OK();
  }

  // Fills one leaf from the decoded payload. Fields are found by name, so a
  // message written with another (compatible) schema than the file's lands
  // in the right columns; a missing optional field is null.
  Status ShredDatum(const LeafPlan& p, int leaf) {
    const FieldSpec& f = *p.spec;
    int def = 0;
    int32_t at = 0;  // the root
    bool found = tree_.root().kind == DatumKind::kRecord;
    for (size_t k = 0; found && k < f.source.size(); ++k) {
      int32_t child = tree_.at(at).kind == DatumKind::kRecord ? tree_.Child(at, f.source[k]) : -1;
      found = child >= 0 && tree_.at(child).kind != DatumKind::kNull;
      const bool group_step = k + 1 < f.source.size() && k < p.groups.size();
      const bool optional_group = group_step && !p.groups[k]->required;
      if (!found && optional_group) {
        // The whole group is null.
        pending_.push_back(Pending{leaf, def, 0, true, {}});
        return Status::OK();
      }
      if (found && optional_group) ++def;
      at = child;
    }
    if (!found) {
      if (f.required)
        return Status::InvalidArgument("field '{}' is required but missing or null", p.name);
      pending_.push_back(Pending{leaf, def, 0, true, {}});
      return Status::OK();
    }
    const DatumNode& n = tree_.at(at);
    if (!f.is_list) {
      parquet::Value v;
      RETURN_IF_ERROR(ConvertDatum(n, f.type, p.name, &v));
      pending_.push_back(Pending{leaf, def + (f.required ? 0 : 1), 0, false, v});
      return Status::OK();
    }
    if (n.kind != DatumKind::kList) {
      return Status::InvalidArgument("field '{}': expected a list, got {}", p.name,
                                     DatumKindName(n.kind));
    }
    const int list_def = def + (f.required ? 0 : 1);
    if (n.first_child < 0) {
      pending_.push_back(Pending{leaf, list_def, 0, true, {}});
      return Status::OK();
    }
    int rep = 0;
    for (int32_t c = n.first_child; c >= 0; c = tree_.at(c).next) {
      const DatumNode& item = tree_.at(c);
      if (item.kind == DatumKind::kNull) {
        pending_.push_back(Pending{leaf, list_def + 1, rep, true, {}});
      } else {
        parquet::Value v;
        RETURN_IF_ERROR(ConvertDatum(item, f.type, p.name + "[]", &v));
        pending_.push_back(Pending{leaf, list_def + 2, rep, false, v});
      }
      rep = 1;
    }
    return Status::OK();
  }

  std::string path_;
  parquet::WriterOptions options_;
  PayloadEncoding encoding_ = PayloadEncoding::kJson;
  TableSchema schema_;
  std::vector<LeafPlan> plans_;
  int meta_leaves_ = 0;
  std::unique_ptr<parquet::Writer> writer_;
  bool closed_ = false;
  simdjson::dom::parser parser_;
  std::vector<Pending> pending_;
  uint64_t closed_size_ = 0;
  // Binary payloads.
  DatumTree tree_;
  ProtobufType protobuf_;
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
  std::string name() const override { return "parquet"; }
  std::string DefaultExtension(const std::string&) const override { return ".parquet"; }
  Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path,
                                                const FormatOptions& options) const override {
    auto w = std::make_unique<ParquetWriter>();
    RETURN_IF_ERROR(w->Init(path, options));
    return std::unique_ptr<FileWriter>(std::move(w));
  }
  Result<std::unique_ptr<FileReader>> NewReader(const std::string& path,
                                                const FormatOptions&) const override {
    auto r = std::make_unique<ParquetReader>();
    RETURN_IF_ERROR(r->Init(path));
    return std::unique_ptr<FileReader>(std::move(r));
  }
};

}  // namespace

std::unique_ptr<FileFormat> NewParquetFormat() { return std::make_unique<ParquetFormat>(); }

}  // namespace secor
