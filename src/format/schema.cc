#include "format/schema.h"

#include <climits>
#include <cmath>
#include <map>
#include <utility>

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
    if (group && group->kind != FieldKind::kGroup) {
      return Status::InvalidArgument("parquet columns: '{}' is both a column and a group", path[i]);
    }
    if (!group) {
      // A container only: its leaves name their whole source path.
      FieldSpec g;
      g.name = path[i];
      g.kind = FieldKind::kGroup;
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

// The entries of a column list: split at commas outside <...>, since
// map<string,T> has one of its own.
std::vector<std::string_view> SplitEntries(std::string_view spec) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= spec.size(); ++i) {
    if (i == spec.size() || (spec[i] == ',' && depth == 0)) {
      out.push_back(spec.substr(start, i - start));
      start = i + 1;
    } else if (spec[i] == '<') {
      ++depth;
    } else if (spec[i] == '>') {
      --depth;
    }
  }
  return out;
}

// A type of the column list: a scalar name, list<T> or map<string,T>, T any
// of these. Sets f's kind, type and children.
Status ParseColumnType(std::string_view text, std::string_view entry, int depth, FieldSpec* f) {
  if (depth > 32) return Status::InvalidArgument("parquet columns: '{}' nests too deep", entry);
  text = Trim(text);
  const std::string lower = ToLower(text);
  const bool list = StartsWith(lower, "list<") && EndsWith(lower, ">");
  const bool map = StartsWith(lower, "map<") && EndsWith(lower, ">");
  if (list || map) {
    std::string_view inner = text.substr(list ? 5 : 4, text.size() - (list ? 6 : 5));
    FieldSpec item;
    item.name = list ? "element" : "value";
    if (map) {
      size_t comma = inner.find(',');
      if (comma == std::string_view::npos || ToLower(Trim(inner.substr(0, comma))) != "string") {
        return Status::InvalidArgument(
            "parquet columns: a map needs string keys, map<string,T> ('{}')", entry);
      }
      inner = inner.substr(comma + 1);
    }
    RETURN_IF_ERROR(ParseColumnType(inner, entry, depth + 1, &item));
    f->kind = list ? FieldKind::kList : FieldKind::kMap;
    f->children.push_back(std::move(item));
    return Status::OK();
  }
  if (!TypeFromName(text, &f->type)) {
    return Status::InvalidArgument("parquet columns: unknown type '{}' in '{}'", text, entry);
  }
  return Status::OK();
}

}  // namespace

Result<TableSchema> ParseColumnList(std::string_view spec) {
  TableSchema schema;
  schema.raw = false;
  for (std::string_view raw_entry : SplitEntries(spec)) {
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
    RETURN_IF_ERROR(ParseColumnType(rest, entry, 0, &leaf));
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

// Maps Avro types to fields, remembering named types (records, enums,
// fixed) so that later references by name resolve.
class AvroWalk {
 public:
  // The top-level record's fields (the record's name can be referred to).
  Status Top(simdjson::dom::element record, std::vector<FieldSpec>* out) {
    return Fields(record, out, "", Remember(record, ""), 0);
  }

 private:
  Status Fields(simdjson::dom::element record, std::vector<FieldSpec>* out,
                const std::string& where, const std::string& ns, int depth) {
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
      f.source = {f.name};
      f.required = true;
      RETURN_IF_ERROR(Type(type, &f, where.empty() ? f.name : where + "." + f.name, ns, depth + 1));
      out->push_back(std::move(f));
    }
    return Status::OK();
  }

  // Sets f's kind, type, children and (for null unions, arrays and maps)
  // required. depth counts records, arrays and maps (unions and {"type": ..}
  // wrappers descend into the schema text, so they end by themselves).
  Status Type(simdjson::dom::element type, FieldSpec* f, const std::string& where,
              const std::string& ns, int depth) {
    if (depth > 32) {
      return Status::InvalidArgument("avro schema: field '{}' nests too deep (a recursive type?)",
                                     where);
    }
    if (type.is_array()) return Union(type, f, where, ns, depth);
    std::string_view name;
    std::string_view logical;
    std::string inner_ns = ns;
    if (type.is_object()) {
      if (type["type"].get(name)) {
        // {"type": {...}} nesting
        simdjson::dom::element inner;
        if (type["type"].get(inner))
          return Status::InvalidArgument("avro schema: field '{}' has no type", where);
        return Type(inner, f, where, ns, depth);
      }
      if (type["logicalType"].get(logical)) logical = {};
      if (name == "record" || name == "enum" || name == "fixed") {
        inner_ns = Remember(type, ns);
      }
    } else if (type.get(name)) {
      return Status::InvalidArgument("avro schema: field '{}' has a bad type", where);
    } else if (auto named = Lookup(name, ns); named) {
      return Type(named->first, f, where, named->second, depth);
    }
    if (name == "record") {
      f->kind = FieldKind::kGroup;
      return Fields(type, &f->children, where, inner_ns, depth);
    }
    if (name == "array" || name == "map") {
      const bool array = name == "array";
      simdjson::dom::element items;
      if (type[array ? "items" : "values"].get(items)) {
        return Status::InvalidArgument("avro schema: {} '{}' without {}", name, where,
                                       array ? "items" : "values");
      }
      FieldSpec item;
      item.name = array ? "element" : "value";
      RETURN_IF_ERROR(Type(items, &item, where + (array ? "[]" : "{}"), ns, depth + 1));
      item.required = false;
      f->kind = array ? FieldKind::kList : FieldKind::kMap;
      f->children.push_back(std::move(item));
      // A missing array or map of a JSON message is null, not an error.
      f->required = false;
      return Status::OK();
    }
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

  Status Union(simdjson::dom::element type, FieldSpec* f, const std::string& where,
               const std::string& ns, int depth) {
    simdjson::dom::element branch;
    int non_null = 0;
    bool nullable = false;
    for (simdjson::dom::element b : type.get_array()) {
      std::string_view s;
      if (!b.get(s) && s == "null") {
        nullable = true;
        continue;
      }
      branch = b;
      ++non_null;
    }
    if (non_null != 1) {
      return Status::InvalidArgument(
          "avro schema: field '{}': only unions of null and one type are supported", where);
    }
    RETURN_IF_ERROR(Type(branch, f, where, ns, depth));
    if (nullable) f->required = false;
    return Status::OK();
  }

  // Registers a named type under its name and its full name; returns the
  // namespace its own fields' types are named in.
  std::string Remember(simdjson::dom::element type, const std::string& ns) {
    std::string_view name;
    if (type["name"].get(name)) return ns;
    std::string_view own_ns;
    std::string space = type["namespace"].get(own_ns) ? ns : std::string(own_ns);
    std::string full(name);
    if (const size_t dot = full.rfind('.'); dot != std::string::npos) {
      space = full.substr(0, dot);
    } else if (!space.empty()) {
      full = space + "." + full;
    }
    named_.emplace(full, std::make_pair(type, space));
    named_.emplace(std::string(name), std::make_pair(type, space));
    return space;
  }

  const std::pair<simdjson::dom::element, std::string>* Lookup(std::string_view name,
                                                               const std::string& ns) const {
    auto it = named_.end();
    if (!ns.empty() && name.find('.') == std::string_view::npos) {
      it = named_.find(ns + "." + std::string(name));
    }
    if (it == named_.end()) it = named_.find(std::string(name));
    return it == named_.end() ? nullptr : &it->second;
  }

  std::map<std::string, std::pair<simdjson::dom::element, std::string>> named_;
};

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
  RETURN_IF_ERROR(AvroWalk().Top(root, &schema.fields));
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

simdjson::dom::parser& ThreadJsonParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
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
                    std::string* out);

// The Avro type of f; name is the record name a group gets.
std::string AvroTypeJson(const FieldSpec& f, const std::string& name) {
  switch (f.kind) {
    case FieldKind::kLeaf:
      return AvroLeafType(f.type);
    case FieldKind::kGroup: {
      std::string type;
      AvroRecordJson(f.children, name, &type);
      return type;
    }
    case FieldKind::kList:
      return R"({"type":"array","items":["null",)" + AvroTypeJson(f.children[0], name) + "]}";
    case FieldKind::kMap:
      return R"({"type":"map","values":["null",)" + AvroTypeJson(f.children[0], name) + "]}";
  }
  return AvroLeafType(f.type);
}

void AvroRecordJson(const std::vector<FieldSpec>& fields, const std::string& name,
                    std::string* out) {
  *out += R"({"type":"record","name":)" + JsonQuote(name) + R"(,"fields":[)";
  bool first = true;
  for (const FieldSpec& f : fields) {
    if (!first) *out += ',';
    first = false;
    // Field names are unique in a record and lists and maps hold one item
    // type, so the path of field names makes unique record names.
    const std::string type = AvroTypeJson(f, name + "_" + f.name);
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
    Result<std::string> text = ReadFile(avro_file);
    if (!text.ok()) {
      const std::string topic_key = "secor.parquet.avro.schema.file." + topic;
      return config->BadValue(config->Has(topic_key) ? topic_key : "secor.parquet.avro.schema.file",
                              text.status().message());
    }
    auto parsed = SchemaFromAvro(*text);
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
