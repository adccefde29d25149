#include "format/parquet_format.h"

#include <simdjson.h>

#include "common/strings.h"
#include "config/config.h"
#include "format/parquet/compress.h"
#include "format/parquet/reader.h"
#include "format/parquet/writer.h"
#include "format/schema.h"

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

// How one leaf is filled from a JSON message.
struct LeafPlan {
  const FieldSpec* spec;
  std::string name;  // dotted column path, for errors
  int list_def = 0;  // lists: definition level of the present list
};

void AddFields(const std::vector<FieldSpec>& fields, const std::string& prefix,
               std::vector<SchemaElement>* out, std::vector<LeafPlan>* plans) {
  for (const FieldSpec& f : fields) {
    std::string name = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.is_group) {
      SchemaElement g;
      g.name = f.name;
      g.repetition = Repetition::kRequired;
      g.num_children = static_cast<int32_t>(f.children.size());
      out->push_back(g);
      AddFields(f.children, name, out, plans);
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
      plans->push_back(LeafPlan{&f, name, f.required ? 0 : 1});
    } else {
      out->push_back(Leaf(f.name, f.type, f.required));
      plans->push_back(LeafPlan{&f, name, 0});
    }
  }
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
    ASSIGN_OR_RETURN(schema_, LoadTableSchema(options.config, options.topic));
    parquet::WriterOptions wo;
    ASSIGN_OR_RETURN(wo.codec, parquet::CodecFromName(options.codec));
    if (options.config) {
      const Config& c = *options.config;
      ASSIGN_OR_RETURN(wo.block_size, c.Int("parquet.block.size"));
      ASSIGN_OR_RETURN(wo.page_size, c.Int("parquet.page.size"));
      ASSIGN_OR_RETURN(wo.dictionary_limit, c.Int("parquet.dictionary.page.size"));
      ASSIGN_OR_RETURN(wo.dictionary, c.Bool("parquet.enable.dictionary"));
      if (wo.block_size <= 0) return c.BadValue("parquet.block.size", "must be positive");
      if (wo.page_size <= 0) return c.BadValue("parquet.page.size", "must be positive");
    }
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
    if (schema_.raw) {
      elements.push_back(Leaf("value", ColumnType::kBinary, true));
    } else {
      AddFields(schema_.fields, "", &elements, &plans_);
    }
    int top = meta_leaves_ + (schema_.raw ? 1 : static_cast<int>(schema_.fields.size()));
    elements[0].num_children = top;
    ASSIGN_OR_RETURN(writer_, parquet::Writer::Open(path, std::move(elements), wo));
    return Status::OK();
  }

  Status Append(const Message& m) override {
    if (!writer_) return Status::InvalidArgument("parquet writer is closed");
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
    if (!writer_) return Status::InvalidArgument("parquet writer is already closed");
    Status st = writer_->Close({{kLayoutKey, schema_.raw ? "raw" : "json"}});
    closed_size_ = writer_->BytesWritten();
    writer_.reset();
    return st;
  }

 private:
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

  TableSchema schema_;
  std::vector<LeafPlan> plans_;
  int meta_leaves_ = 0;
  std::unique_ptr<parquet::Writer> writer_;
  simdjson::dom::parser parser_;
  std::vector<Pending> pending_;
  uint64_t closed_size_ = 0;
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
