#include "format/schema.h"

#include <climits>
#include <cmath>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"

namespace secor {

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return "string";
    case ColumnType::kBinary:
      return "binary";
    case ColumnType::kInt32:
      return "int32";
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kTimestampMillis:
      return "timestamp_millis";
    case ColumnType::kTimestampMicros:
      return "timestamp_micros";
    case ColumnType::kDate:
      return "date";
  }
  return "?";
}

namespace {

bool TypeFromName(std::string_view name, ColumnType* type) {
  std::string n = ToLower(name);
  static const std::pair<const char*, ColumnType> kNames[] = {
      {"string", ColumnType::kString},
      {"binary", ColumnType::kBinary},
      {"bytes", ColumnType::kBinary},
      {"int", ColumnType::kInt32},
      {"int32", ColumnType::kInt32},
      {"long", ColumnType::kInt64},
      {"int64", ColumnType::kInt64},
      {"float", ColumnType::kFloat},
      {"double", ColumnType::kDouble},
      {"bool", ColumnType::kBool},
      {"boolean", ColumnType::kBool},
      {"timestamp_millis", ColumnType::kTimestampMillis},
      {"timestamp_micros", ColumnType::kTimestampMicros},
      {"date", ColumnType::kDate},
  };
  for (const auto& [s, t] : kNames) {
    if (n == s) {
      *type = t;
      return true;
    }
  }
  return false;
}

// Inserts leaf at path (groups created on the way) into fields.
Status InsertLeaf(std::vector<FieldSpec>* fields, const std::vector<std::string>& path,
                  FieldSpec leaf, std::string_view entry) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    FieldSpec* group = nullptr;
    for (auto& f : *fields) {
      if (f.name == path[i]) group = &f;
    }
    if (group && !group->is_group) {
      return Status::InvalidArgument("parquet columns: '{}' is both a column and a group", path[i]);
    }
    if (!group) {
      FieldSpec g;
      g.name = path[i];
      g.is_group = true;
      g.required = true;
      fields->push_back(std::move(g));
      group = &fields->back();
    }
    fields = &group->children;
  }
  for (const auto& f : *fields) {
    if (f.name == path.back())
      return Status::InvalidArgument("parquet columns: duplicate column in '{}'", entry);
  }
  leaf.name = path.back();
  fields->push_back(std::move(leaf));
  return Status::OK();
}

bool ValidName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$'))
      return false;
  }
  return true;
}

}  // namespace

Result<TableSchema> ParseColumnList(std::string_view spec) {
  TableSchema schema;
  schema.raw = false;
  for (const std::string& raw_entry : Split(spec, ',', true)) {
    std::string_view entry = Trim(raw_entry);
    if (entry.empty()) continue;
    size_t colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("parquet columns: '{}' has no ':type'", entry);
    }
    std::string_view path = Trim(entry.substr(0, colon));
    std::string_view rest = Trim(entry.substr(colon + 1));
    std::string_view source;
    if (size_t eq = rest.find('='); eq != std::string_view::npos) {
      source = Trim(rest.substr(eq + 1));
      rest = Trim(rest.substr(0, eq));
    }
    FieldSpec leaf;
    if (!rest.empty() && rest.back() == '!') {
      leaf.required = true;
      rest = Trim(rest.substr(0, rest.size() - 1));
    }
    std::string type_name(rest);
    if (StartsWith(ToLower(rest), "list<") && EndsWith(rest, ">")) {
      leaf.is_list = true;
      type_name = std::string(Trim(rest.substr(5, rest.size() - 6)));
    }
    if (!TypeFromName(type_name, &leaf.type)) {
      return Status::InvalidArgument("parquet columns: unknown type '{}' in '{}'", type_name,
                                     entry);
    }
    std::vector<std::string> parts = Split(path, '.');
    for (const auto& p : parts) {
      if (!ValidName(p))
        return Status::InvalidArgument("parquet columns: bad column name in '{}'", entry);
    }
    if (parts.size() == 1 && StartsWith(parts[0], "__")) {
      return Status::InvalidArgument("parquet columns: names starting with __ are reserved ('{}')",
                                     entry);
    }
    leaf.source = source.empty() ? parts : Split(source, '.');
    RETURN_IF_ERROR(InsertLeaf(&schema.fields, parts, std::move(leaf), entry));
  }
  if (schema.fields.empty())
    return Status::InvalidArgument("parquet columns: no columns in '{}'", spec);
  return schema;
}

namespace {

Status AvroType(simdjson::dom::element type, FieldSpec* f, const std::vector<std::string>& path,
                int depth);

Status AvroFields(simdjson::dom::element record, std::vector<FieldSpec>* out,
                  const std::vector<std::string>& path, int depth) {
  simdjson::dom::array fields;
  if (record["fields"].get(fields))
    return Status::InvalidArgument("avro schema: record without fields");
  for (simdjson::dom::element fe : fields) {
    std::string_view name;
    if (fe["name"].get(name)) return Status::InvalidArgument("avro schema: field without name");
    simdjson::dom::element type;
    if (fe["type"].get(type))
      return Status::InvalidArgument("avro schema: field '{}' has no type", name);
    FieldSpec f;
    f.name = std::string(name);
    std::vector<std::string> p = path;
    p.push_back(f.name);
    f.required = true;
    RETURN_IF_ERROR(AvroType(type, &f, p, depth + 1));
    out->push_back(std::move(f));
  }
  return Status::OK();
}

Status AvroType(simdjson::dom::element type, FieldSpec* f, const std::vector<std::string>& path,
                int depth) {
  if (depth > 32) return Status::InvalidArgument("avro schema: nested too deep");
  const std::string where = Join(path, ".");
  if (type.is_array()) {
    simdjson::dom::element branch;
    int non_null = 0;
    for (simdjson::dom::element b : type.get_array()) {
      std::string_view s;
      if (!b.get(s) && s == "null") {
        f->required = false;
        continue;
      }
      branch = b;
      ++non_null;
    }
    if (non_null != 1) {
      return Status::InvalidArgument(
          "avro schema: field '{}': only unions of null and one type are supported", where);
    }
    bool required = f->required;
    RETURN_IF_ERROR(AvroType(branch, f, path, depth + 1));
    f->required = required && f->required;
    return Status::OK();
  }
  std::string_view name;
  std::string_view logical;
  if (type.is_object()) {
    if (type["type"].get(name)) {
      // {"type": {...}} nesting
      simdjson::dom::element inner;
      if (type["type"].get(inner))
        return Status::InvalidArgument("avro schema: field '{}' has no type", where);
      return AvroType(inner, f, path, depth + 1);
    }
    if (type["logicalType"].get(logical)) logical = {};
  } else if (type.get(name)) {
    return Status::InvalidArgument("avro schema: field '{}' has a bad type", where);
  }
  if (name == "record") {
    f->is_group = true;
    return AvroFields(type, &f->children, path, depth);
  }
  if (name == "array") {
    simdjson::dom::element items;
    if (type["items"].get(items))
      return Status::InvalidArgument("avro schema: array '{}' without items", where);
    FieldSpec elem;
    RETURN_IF_ERROR(AvroType(items, &elem, path, depth + 1));
    if (elem.is_group || elem.is_list) {
      return Status::InvalidArgument(
          "avro schema: field '{}': only arrays of primitive types are supported", where);
    }
    f->is_list = true;
    f->type = elem.type;
    f->source = path;
    f->required = false;
    return Status::OK();
  }
  f->source = path;
  if (name == "string" || name == "enum") {
    f->type = ColumnType::kString;
  } else if (name == "bytes" || name == "fixed") {
    f->type = ColumnType::kBinary;
  } else if (name == "int") {
    f->type = logical == "date" ? ColumnType::kDate : ColumnType::kInt32;
  } else if (name == "long") {
    f->type = logical == "timestamp-millis"   ? ColumnType::kTimestampMillis
              : logical == "timestamp-micros" ? ColumnType::kTimestampMicros
                                              : ColumnType::kInt64;
  } else if (name == "float") {
    f->type = ColumnType::kFloat;
  } else if (name == "double") {
    f->type = ColumnType::kDouble;
  } else if (name == "boolean") {
    f->type = ColumnType::kBool;
  } else {
    return Status::InvalidArgument("avro schema: field '{}' has unsupported type '{}'", where,
                                   name);
  }
  return Status::OK();
}

}  // namespace

Result<TableSchema> SchemaFromAvro(std::string_view avro_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(avro_json.data(), avro_json.size()).get(root)) {
    return Status::InvalidArgument("avro schema: not valid JSON");
  }
  std::string_view type;
  if (root["type"].get(type) || type != "record") {
    return Status::InvalidArgument("avro schema: the top level must be a record");
  }
  TableSchema schema;
  schema.raw = false;
  RETURN_IF_ERROR(AvroFields(root, &schema.fields, {}, 0));
  for (const auto& f : schema.fields) {
    if (StartsWith(f.name, "__"))
      return Status::InvalidArgument(
          "avro schema: field names starting with __ are reserved ('{}')", f.name);
  }
  if (schema.fields.empty()) return Status::InvalidArgument("avro schema: record has no fields");
  return schema;
}

namespace {

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* v) {
  if (pos + n > s.size()) return false;
  *v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

bool ParseIsoMicros(std::string_view s, int64_t* micros) {
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return false;
  }
  size_t pos = 10;
  int64_t offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return false;
    if (!Digits(s, pos + 1, 2, &h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &mi)) {
      return false;
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &sec)) return false;
      pos += 3;
    }
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 6) {
          frac = frac * 10 + (s[pos] - '0');
          ++digits;
        }
        ++pos;
      }
      if (digits == 0) return false;
      while (digits < 6) {
        frac *= 10;
        ++digits;
      }
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        pos++;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int64_t oh, om;
        if (!Digits(s, pos + 1, 2, &oh)) return false;
        size_t mpos = pos + 3;
        if (mpos < s.size() && s[mpos] == ':') ++mpos;
        if (!Digits(s, mpos, 2, &om) || mpos + 2 != s.size()) return false;
        offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
        pos = s.size();
      } else {
        return false;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return false;
  }
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *micros = secs * 1000000 + frac;
  return true;
}

bool FindJsonPath(simdjson::dom::element root, const std::vector<std::string>& path,
                  simdjson::dom::element* out) {
  simdjson::dom::element at = root;
  for (const std::string& step : path) {
    simdjson::dom::object obj;
    if (at.get(obj)) return false;
    if (obj.at_key(step).get(at)) return false;
  }
  if (at.is_null()) return false;
  *out = at;
  return true;
}

Status ConvertJsonScalar(simdjson::dom::element e, ColumnType type, std::string_view field,
                         ScalarValue* out) {
  auto mismatch = [&]() {
    const char* got = e.is_string()   ? "string"
                      : e.is_bool()   ? "boolean"
                      : e.is_number() ? "number"
                      : e.is_array()  ? "array"
                      : e.is_object() ? "object"
                                      : "null";
    return Status::InvalidArgument("field '{}': expected {}, got {}", field, ColumnTypeName(type),
                                   got);
  };
  switch (type) {
    case ColumnType::kString:
    case ColumnType::kBinary:
      if (e.get(out->s)) return mismatch();
      return Status::OK();
    case ColumnType::kInt32:
    case ColumnType::kInt64: {
      int64_t v;
      if (e.get(v)) {
        double dv;
        // 3.0 is an integer in JSON's eyes too; 3.5 is not.
        if (e.get(dv) || dv != std::floor(dv) || std::fabs(dv) > 9.2e18) return mismatch();
        v = static_cast<int64_t>(dv);
      }
      if (type == ColumnType::kInt32 && (v < INT32_MIN || v > INT32_MAX)) {
        return Status::InvalidArgument("field '{}': {} is out of int32 range", field, v);
      }
      out->i = v;
      return Status::OK();
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      if (e.get(out->d)) return mismatch();
      return Status::OK();
    case ColumnType::kBool: {
      bool b;
      if (e.get(b)) return mismatch();
      out->i = b ? 1 : 0;
      return Status::OK();
    }
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
    case ColumnType::kDate: {
      std::string_view s;
      if (!e.get(s)) {
        int64_t us;
        if (!ParseIsoMicros(s, &us)) {
          return Status::InvalidArgument("field '{}': '{}' is not an ISO-8601 {}", field, s,
                                         ColumnTypeName(type));
        }
        auto floordiv = [](int64_t a, int64_t b) {
          return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
        };
        out->i = type == ColumnType::kTimestampMicros   ? us
                 : type == ColumnType::kTimestampMillis ? floordiv(us, 1000)
                                                        : floordiv(us, 86400000000LL);
        return Status::OK();
      }
      int64_t v;
      if (e.get(v)) return mismatch();
      if (type == ColumnType::kDate && (v < INT32_MIN || v > INT32_MAX)) {
        return Status::InvalidArgument("field '{}': {} is out of date range", field, v);
      }
      out->i = v;
      return Status::OK();
    }
  }
  return mismatch();
}

namespace {

std::string AvroLeafType(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return R"("string")";
    case ColumnType::kBinary:
      return R"("bytes")";
    case ColumnType::kInt32:
      return R"("int")";
    case ColumnType::kInt64:
      return R"("long")";
    case ColumnType::kFloat:
      return R"("float")";
    case ColumnType::kDouble:
      return R"("double")";
    case ColumnType::kBool:
      return R"("boolean")";
    case ColumnType::kTimestampMillis:
      return R"({"type":"long","logicalType":"timestamp-millis"})";
    case ColumnType::kTimestampMicros:
      return R"({"type":"long","logicalType":"timestamp-micros"})";
    case ColumnType::kDate:
      return R"({"type":"int","logicalType":"date"})";
  }
  return R"("bytes")";
}

void AvroRecordJson(const std::vector<FieldSpec>& fields, const std::string& name,
                    std::string* out) {
  *out += R"({"type":"record","name":)" + JsonQuote(name) + R"(,"fields":[)";
  bool first = true;
  for (const FieldSpec& f : fields) {
    if (!first) *out += ',';
    first = false;
    std::string type;
    if (f.is_group) {
      AvroRecordJson(f.children, name + "_" + f.name, &type);
    } else if (f.is_list) {
      type = R"({"type":"array","items":["null",)" + AvroLeafType(f.type) + "]}";
    } else {
      type = AvroLeafType(f.type);
    }
    *out += R"({"name":)" + JsonQuote(f.name) + R"(,"type":)";
    if (f.required) {
      *out += type + "}";
    } else {
      *out += R"(["null",)" + type + R"(],"default":null})";
    }
  }
  *out += "]}";
}

}  // namespace

std::string AvroSchemaFromTable(const TableSchema& table, const std::string& full_name) {
  std::string out;
  AvroRecordJson(table.fields, full_name, &out);
  return out;
}

Result<TableSchema> LoadTableSchema(const Config* config, const std::string& topic) {
  TableSchema schema;
  if (!config) return schema;
  ASSIGN_OR_RETURN(std::string avro_file,
                   config->StringForTopic("secor.parquet.avro.schema.file", topic));
  ASSIGN_OR_RETURN(std::string columns, config->StringForTopic("secor.parquet.columns", topic));
  if (!avro_file.empty() && !columns.empty()) {
    return Status::InvalidArgument(
        "secor.parquet.columns and secor.parquet.avro.schema.file are both set for topic '{}'",
        topic);
  }
  if (!avro_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(avro_file));
    auto parsed = SchemaFromAvro(text);
    if (!parsed.ok()) return parsed.status().WithContext(avro_file);
    schema = std::move(parsed).value();
  } else if (!columns.empty()) {
    auto parsed = ParseColumnList(columns);
    if (!parsed.ok()) return config->BadValue("secor.parquet.columns", parsed.status().message());
    schema = std::move(parsed).value();
  }
  ASSIGN_OR_RETURN(std::string meta, config->StringForTopic("secor.parquet.kafka.columns", topic));
  for (const std::string& m : Split(meta, ',', true)) {
    std::string name = ToLower(Trim(m));
    if (name == "topic") {
      schema.meta_topic = true;
    } else if (name == "partition") {
      schema.meta_partition = true;
    } else if (name == "timestamp") {
      schema.meta_timestamp = true;
    } else if (name == "key") {
      schema.meta_key = true;
    } else if (!name.empty()) {
      return config->BadValue(
          "secor.parquet.kafka.columns",
          fmt::format("unknown column '{}' (topic, partition, timestamp, key)", name));
    }
  }
  return schema;
}

}  // namespace secor
