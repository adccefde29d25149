#include "payload/avro_schema.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>

#include "common/strings.h"

namespace secor {

struct AvroSchema::Node {
  enum class Type {
    kNull,
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kRecord,
    kEnum,
    kArray,
    kMap,
    kUnion,
    kFixed,
  };
  Type type = Type::kNull;
  std::string name;  // full name of named types
  std::string logical_type;
  std::vector<std::pair<std::string, const Node*>> fields;  // record
  std::vector<const Node*> branches;                        // union
  std::vector<std::string> symbols;                         // enum
  const Node* items = nullptr;                              // array items, map values
  int64_t size = 0;                                         // fixed
  // Encodes in zero bytes whatever the value (null, empty records, fixed 0):
  // a block of such items cannot be bounded by the bytes left.
  bool always_empty = false;
};

namespace {

using Node = AvroSchema::Node;
using Type = Node::Type;

constexpr int kMaxDepth = 64;

const char* TypeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "boolean";
    case Type::kInt:
      return "int";
    case Type::kLong:
      return "long";
    case Type::kFloat:
      return "float";
    case Type::kDouble:
      return "double";
    case Type::kBytes:
      return "bytes";
    case Type::kString:
      return "string";
    case Type::kRecord:
      return "record";
    case Type::kEnum:
      return "enum";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kUnion:
      return "union";
    case Type::kFixed:
      return "fixed";
  }
  return "?";
}

std::optional<Type> Primitive(std::string_view name) {
  static const std::pair<std::string_view, Type> kPrimitives[] = {
      {"null", Type::kNull},   {"boolean", Type::kBoolean}, {"int", Type::kInt},
      {"long", Type::kLong},   {"float", Type::kFloat},     {"double", Type::kDouble},
      {"bytes", Type::kBytes}, {"string", Type::kString},
  };
  for (const auto& [n, t] : kPrimitives) {
    if (n == name) return t;
  }
  return std::nullopt;
}

}  // namespace

// Turns the JSON schema into nodes. Named types are registered before their
// fields are compiled, so recursive records resolve to themselves.
class AvroSchemaCompiler {
 public:
  explicit AvroSchemaCompiler(std::vector<std::unique_ptr<Node>>* nodes) : nodes_(nodes) {}

  Result<const Node*> Compile(simdjson::dom::element e, const std::string& ns, int depth) {
    if (depth > kMaxDepth)
      return Status::InvalidArgument("avro schema: nested deeper than {}", kMaxDepth);
    switch (e.type()) {
      case simdjson::dom::element_type::STRING: {
        std::string_view name;
        if (e.get_string().get(name) != simdjson::SUCCESS) {
          return Status::InvalidArgument("avro schema: bad string");
        }
        if (std::optional<Type> t = Primitive(name)) return New(*t);
        return Lookup(std::string(name), ns);
      }
      case simdjson::dom::element_type::ARRAY: {
        Node* u = New(Type::kUnion);
        simdjson::dom::array branches;
        if (e.get_array().get(branches) != simdjson::SUCCESS) {
          return Status::InvalidArgument("avro schema: bad union");
        }
        for (simdjson::dom::element b : branches) {
          ASSIGN_OR_RETURN(const Node* branch, Compile(b, ns, depth + 1));
          u->branches.push_back(branch);
        }
        if (u->branches.empty()) return Status::InvalidArgument("avro schema: empty union");
        return static_cast<const Node*>(u);
      }
      case simdjson::dom::element_type::OBJECT: {
        simdjson::dom::object o;
        if (e.get_object().get(o) != simdjson::SUCCESS) {
          return Status::InvalidArgument("avro schema: bad object");
        }
        return CompileObject(o, ns, depth);
      }
      default:
        return Status::InvalidArgument("avro schema: a type must be a string, array or object");
    }
  }

 private:
  Node* New(Type t) {
    nodes_->push_back(std::make_unique<Node>());
    Node* n = nodes_->back().get();
    n->type = t;
    n->always_empty = t == Type::kNull;
    return n;
  }

  Result<const Node*> Lookup(const std::string& name, const std::string& ns) {
    if (name.find('.') == std::string::npos && !ns.empty()) {
      if (auto it = named_.find(ns + "." + name); it != named_.end()) return it->second;
    }
    if (auto it = named_.find(name); it != named_.end()) return it->second;
    return Status::InvalidArgument("avro schema: unknown type '{}'", name);
  }

  static std::optional<std::string_view> StringField(simdjson::dom::object o,
                                                     std::string_view key) {
    std::string_view v;
    if (o[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
  }

  // Full name and the namespace its children inherit.
  Result<std::pair<std::string, std::string>> FullName(simdjson::dom::object o,
                                                       const std::string& ns) {
    std::optional<std::string_view> name = StringField(o, "name");
    if (!name || name->empty())
      return Status::InvalidArgument("avro schema: named type without a name");
    std::string n(*name);
    if (size_t dot = n.rfind('.'); dot != std::string::npos) return std::pair{n, n.substr(0, dot)};
    std::string child_ns = ns;
    if (std::optional<std::string_view> explicit_ns = StringField(o, "namespace")) {
      child_ns = std::string(*explicit_ns);
    }
    return std::pair{child_ns.empty() ? n : child_ns + "." + n, child_ns};
  }

  Status Register(Node* n, const std::string& full) {
    if (!named_.emplace(full, n).second) {
      return Status::InvalidArgument("avro schema: type '{}' defined twice", full);
    }
    n->name = full;
    return Status::OK();
  }

  Result<const Node*> CompileObject(simdjson::dom::object o, const std::string& ns, int depth) {
    simdjson::dom::element type_elem;
    if (o["type"].get(type_elem) != simdjson::SUCCESS) {
      return Status::InvalidArgument("avro schema: object without a type");
    }
    if (type_elem.type() != simdjson::dom::element_type::STRING) {
      return Compile(type_elem, ns, depth + 1);
    }
    std::string_view type;
    if (type_elem.get_string().get(type) != simdjson::SUCCESS) {
      return Status::InvalidArgument("avro schema: bad type name");
    }
    std::string logical(StringField(o, "logicalType").value_or(""));
    if (std::optional<Type> t = Primitive(type)) {
      Node* n = New(*t);
      n->logical_type = logical;
      return static_cast<const Node*>(n);
    }
    if (type == "record" || type == "error") {
      ASSIGN_OR_RETURN(auto names, FullName(o, ns));
      Node* n = New(Type::kRecord);
      RETURN_IF_ERROR(Register(n, names.first));
      simdjson::dom::array fields;
      if (o["fields"].get_array().get(fields) != simdjson::SUCCESS) {
        return Status::InvalidArgument("avro schema: record '{}' without fields", names.first);
      }
      bool empty = true;
      for (simdjson::dom::element f : fields) {
        simdjson::dom::object fo;
        std::string_view fname;
        simdjson::dom::element ftype;
        if (f.get_object().get(fo) != simdjson::SUCCESS ||
            fo["name"].get_string().get(fname) != simdjson::SUCCESS ||
            fo["type"].get(ftype) != simdjson::SUCCESS) {
          return Status::InvalidArgument(
              "avro schema: record '{}' has a field without name or type", names.first);
        }
        ASSIGN_OR_RETURN(const Node* fnode, Compile(ftype, names.second, depth + 1));
        n->fields.emplace_back(std::string(fname), fnode);
        // A field that is the record itself (only through a union or a
        // container in a valid schema) is never empty.
        empty = empty && fnode != n && fnode->always_empty;
      }
      n->always_empty = empty;
      return static_cast<const Node*>(n);
    }
    if (type == "enum") {
      ASSIGN_OR_RETURN(auto names, FullName(o, ns));
      Node* n = New(Type::kEnum);
      RETURN_IF_ERROR(Register(n, names.first));
      simdjson::dom::array symbols;
      if (o["symbols"].get_array().get(symbols) != simdjson::SUCCESS) {
        return Status::InvalidArgument("avro schema: enum '{}' without symbols", names.first);
      }
      for (simdjson::dom::element s : symbols) {
        std::string_view sym;
        if (s.get_string().get(sym) != simdjson::SUCCESS) {
          return Status::InvalidArgument("avro schema: enum '{}' has a non-string symbol",
                                         names.first);
        }
        n->symbols.emplace_back(sym);
      }
      return static_cast<const Node*>(n);
    }
    if (type == "fixed") {
      ASSIGN_OR_RETURN(auto names, FullName(o, ns));
      Node* n = New(Type::kFixed);
      RETURN_IF_ERROR(Register(n, names.first));
      int64_t size;
      if (o["size"].get_int64().get(size) != simdjson::SUCCESS || size < 0) {
        return Status::InvalidArgument("avro schema: fixed '{}' without a valid size", names.first);
      }
      n->size = size;
      n->always_empty = size == 0;
      n->logical_type = logical;
      return static_cast<const Node*>(n);
    }
    if (type == "array" || type == "map") {
      simdjson::dom::element inner;
      if (o[type == "array" ? "items" : "values"].get(inner) != simdjson::SUCCESS) {
        return Status::InvalidArgument("avro schema: {} without {}", type,
                                       type == "array" ? "items" : "values");
      }
      Node* n = New(type == "array" ? Type::kArray : Type::kMap);
      ASSIGN_OR_RETURN(n->items, Compile(inner, ns, depth + 1));
      return static_cast<const Node*>(n);
    }
    // {"type": "SomeNamedType", ...}
    return Lookup(std::string(type), ns);
  }

  std::vector<std::unique_ptr<Node>>* nodes_;
  std::map<std::string, const Node*> named_;
};

namespace {

// Reads one datum; every read is bounds-checked and reports the byte position.
class DatumReader {
 public:
  explicit DatumReader(std::string_view d) : d_(d) {}

  Status Truncated(size_t at) const {
    return Status::Corruption("avro: truncated datum at byte {}", at);
  }

  Result<int64_t> Long() {
    uint64_t v = 0;
    size_t start = pos_;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= d_.size()) return Truncated(start);
      uint8_t b = static_cast<uint8_t>(d_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    }
    return Status::Corruption("avro: varint longer than 10 bytes at byte {}", start);
  }
  Result<uint64_t> Fixed(int bytes) {
    if (d_.size() - pos_ < static_cast<size_t>(bytes)) return Truncated(pos_);
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(d_[pos_ + i]);
    pos_ += bytes;
    return v;
  }
  Result<std::string_view> Bytes(int64_t n) {
    if (n < 0) return Status::Corruption("avro: negative length at byte {}", pos_);
    if (static_cast<uint64_t>(n) > d_.size() - pos_) return Truncated(pos_);
    std::string_view out = d_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  Result<std::string_view> LengthPrefixed() {
    size_t start = pos_;
    ASSIGN_OR_RETURN(int64_t n, Long());
    if (n < 0) return Status::Corruption("avro: negative length at byte {}", start);
    if (static_cast<uint64_t>(n) > d_.size() - pos_) return Truncated(start);
    return Bytes(n);
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return d_.size() - pos_; }

  Status SkipValue(const Node* n, int depth) {
    if (depth > kMaxDepth)
      return Status::Corruption("avro: nesting deeper than {} at byte {}", kMaxDepth, pos_);
    switch (n->type) {
      case Type::kNull:
        return Status::OK();
      case Type::kBoolean:
        return Fixed(1).status();
      case Type::kInt:
      case Type::kLong:
      case Type::kEnum:
        return Long().status();
      case Type::kFloat:
        return Fixed(4).status();
      case Type::kDouble:
        return Fixed(8).status();
      case Type::kBytes:
      case Type::kString:
        return LengthPrefixed().status();
      case Type::kFixed:
        return Bytes(n->size).status();
      case Type::kRecord:
        for (const auto& [name, f] : n->fields) RETURN_IF_ERROR(SkipValue(f, depth + 1));
        return Status::OK();
      case Type::kUnion: {
        ASSIGN_OR_RETURN(const Node* b, Branch(n));
        return SkipValue(b, depth + 1);
      }
      case Type::kArray:
      case Type::kMap:
        while (true) {
          size_t at = pos_;
          ASSIGN_OR_RETURN(int64_t count, Long());
          if (count == 0) return Status::OK();
          if (count < 0) {
            if (count == INT64_MIN)
              return Status::Corruption("avro: bad block count at byte {}", at);
            count = -count;
            // A negative count is followed by the block's size in bytes.
            ASSIGN_OR_RETURN(int64_t size, Long());
            RETURN_IF_ERROR(Bytes(size).status());
            continue;
          }
          if (n->type == Type::kArray && n->items->always_empty) continue;
          if (static_cast<uint64_t>(count) > remaining()) {
            return Status::Corruption("avro: block of {} items exceeds datum at byte {}", count,
                                      at);
          }
          for (int64_t i = 0; i < count; ++i) {
            if (n->type == Type::kMap) RETURN_IF_ERROR(LengthPrefixed().status());
            RETURN_IF_ERROR(SkipValue(n->items, depth + 1));
          }
        }
    }
    return Status::Internal("avro: unknown schema node");
  }

  Result<const Node*> Branch(const Node* u) {
    size_t at = pos_;
    ASSIGN_OR_RETURN(int64_t index, Long());
    if (index < 0 || static_cast<uint64_t>(index) >= u->branches.size()) {
      return Status::Corruption("avro: union branch {} out of range at byte {}", index, at);
    }
    return u->branches[index];
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

std::string PathName(const std::vector<std::string>& path, size_t upto) {
  std::vector<std::string> parts(path.begin(), path.begin() + std::min(upto + 1, path.size()));
  return Join(parts, ".");
}

Result<AvroValue> Scalar(DatumReader& r, const Node* n, const std::vector<std::string>& path) {
  AvroValue v;
  v.logical_type = n->logical_type;
  switch (n->type) {
    case Type::kBoolean: {
      ASSIGN_OR_RETURN(uint64_t b, r.Fixed(1));
      v.kind = AvroValue::Kind::kBool;
      v.long_value = b != 0;
      return v;
    }
    case Type::kInt:
    case Type::kLong: {
      ASSIGN_OR_RETURN(v.long_value, r.Long());
      return v;
    }
    case Type::kFloat: {
      ASSIGN_OR_RETURN(uint64_t bits, r.Fixed(4));
      uint32_t b32 = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &b32, sizeof f);
      v.kind = AvroValue::Kind::kDouble;
      v.double_value = f;
      return v;
    }
    case Type::kDouble: {
      ASSIGN_OR_RETURN(uint64_t bits, r.Fixed(8));
      v.kind = AvroValue::Kind::kDouble;
      std::memcpy(&v.double_value, &bits, sizeof v.double_value);
      return v;
    }
    case Type::kBytes:
    case Type::kString: {
      v.kind = AvroValue::Kind::kString;
      ASSIGN_OR_RETURN(v.string_value, r.LengthPrefixed());
      return v;
    }
    case Type::kFixed: {
      v.kind = AvroValue::Kind::kString;
      ASSIGN_OR_RETURN(v.string_value, r.Bytes(n->size));
      return v;
    }
    case Type::kEnum: {
      size_t at = r.pos();
      ASSIGN_OR_RETURN(int64_t index, r.Long());
      if (index < 0 || static_cast<uint64_t>(index) >= n->symbols.size()) {
        return Status::Corruption("avro: enum index {} out of range at byte {}", index, at);
      }
      v.kind = AvroValue::Kind::kString;
      v.string_value = n->symbols[index];
      return v;
    }
    default:
      return Status::InvalidArgument("avro: field {} is {}, not a scalar",
                                     PathName(path, path.size()), TypeName(n->type));
  }
}

Result<AvroValue> Find(DatumReader& r, const Node* n, const std::vector<std::string>& path,
                       size_t step, int depth) {
  if (depth > kMaxDepth) {
    return Status::Corruption("avro: nesting deeper than {} at byte {}", kMaxDepth, r.pos());
  }
  while (n->type == Type::kUnion) {
    ASSIGN_OR_RETURN(n, r.Branch(n));
  }
  if (n->type == Type::kNull) {
    return Status::NotFound("avro: field {} is null", PathName(path, step == 0 ? 0 : step - 1));
  }
  if (step == path.size()) return Scalar(r, n, path);
  if (n->type != Type::kRecord) {
    return Status::InvalidArgument("avro: field {} is {}, not a record",
                                   PathName(path, step == 0 ? 0 : step - 1), TypeName(n->type));
  }
  for (const auto& [name, f] : n->fields) {
    if (name == path[step]) return Find(r, f, path, step + 1, depth + 1);
    RETURN_IF_ERROR(r.SkipValue(f, depth + 1));
  }
  return Status::NotFound("avro: field {} not found", PathName(path, step));
}

// Values encoded in zero bytes (nulls, empty records) that a datum may hold
// before it is taken for a hostile one: every other value takes at least a
// byte, so the tree stays within the datum's size plus this.
constexpr int64_t kMaxEmptyItems = 1 << 20;

Status DecodeValue(DatumReader& r, const Node* n, DatumTree* out, int32_t parent,
                   std::string_view name, size_t max_nodes, int depth) {
  if (depth > kMaxDepth) {
    return Status::Corruption("avro: nesting deeper than {} at byte {}", kMaxDepth, r.pos());
  }
  while (n->type == Type::kUnion) {
    ASSIGN_OR_RETURN(n, r.Branch(n));
  }
  DatumNode d;
  d.name = name;
  switch (n->type) {
    case Type::kNull:
      break;
    case Type::kBoolean: {
      ASSIGN_OR_RETURN(uint64_t b, r.Fixed(1));
      d.kind = DatumKind::kBool;
      d.i = b != 0;
      break;
    }
    case Type::kInt:
    case Type::kLong: {
      ASSIGN_OR_RETURN(d.i, r.Long());
      d.kind = DatumKind::kInt;
      const std::string& lt = n->logical_type;
      if (n->type == Type::kInt && lt == "date") d.unit = DatumUnit::kDate;
      if (n->type == Type::kLong && lt == "timestamp-millis") d.unit = DatumUnit::kTimestampMillis;
      if (n->type == Type::kLong && lt == "timestamp-micros") d.unit = DatumUnit::kTimestampMicros;
      break;
    }
    case Type::kFloat: {
      ASSIGN_OR_RETURN(uint64_t bits, r.Fixed(4));
      uint32_t b32 = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &b32, sizeof f);
      d.kind = DatumKind::kFloat;
      d.d = f;
      break;
    }
    case Type::kDouble: {
      ASSIGN_OR_RETURN(uint64_t bits, r.Fixed(8));
      d.kind = DatumKind::kFloat;
      std::memcpy(&d.d, &bits, sizeof d.d);
      break;
    }
    case Type::kString:
    case Type::kBytes: {
      d.kind = n->type == Type::kString ? DatumKind::kString : DatumKind::kBytes;
      ASSIGN_OR_RETURN(d.s, r.LengthPrefixed());
      break;
    }
    case Type::kFixed: {
      d.kind = DatumKind::kBytes;
      ASSIGN_OR_RETURN(d.s, r.Bytes(n->size));
      break;
    }
    case Type::kEnum: {
      size_t at = r.pos();
      ASSIGN_OR_RETURN(int64_t index, r.Long());
      if (index < 0 || static_cast<uint64_t>(index) >= n->symbols.size()) {
        return Status::Corruption("avro: enum index {} out of range at byte {}", index, at);
      }
      d.kind = DatumKind::kString;
      d.s = n->symbols[index];
      break;
    }
    case Type::kRecord: {
      d.kind = DatumKind::kRecord;
      int32_t self = out->Add(parent, d);
      for (const auto& [fname, f] : n->fields) {
        RETURN_IF_ERROR(DecodeValue(r, f, out, self, fname, max_nodes, depth + 1));
      }
      return Status::OK();
    }
    case Type::kArray:
    case Type::kMap: {
      const bool is_map = n->type == Type::kMap;
      d.kind = is_map ? DatumKind::kRecord : DatumKind::kList;
      int32_t self = out->Add(parent, d);
      while (true) {
        size_t at = r.pos();
        ASSIGN_OR_RETURN(int64_t count, r.Long());
        if (count == 0) return Status::OK();
        if (count < 0) {
          if (count == INT64_MIN) return Status::Corruption("avro: bad block count at byte {}", at);
          count = -count;
          RETURN_IF_ERROR(r.Long().status());  // the block's size in bytes
        }
        if ((n->items->always_empty && !is_map) ? count > kMaxEmptyItems
                                                : static_cast<uint64_t>(count) > r.remaining()) {
          return Status::Corruption("avro: block of {} items exceeds datum at byte {}", count, at);
        }
        for (int64_t i = 0; i < count; ++i) {
          std::string_view key;
          if (is_map) {
            ASSIGN_OR_RETURN(key, r.LengthPrefixed());
          }
          if (out->size() > max_nodes) {
            return Status::Corruption("avro: more than {} values in a datum of {} bytes at byte {}",
                                      max_nodes, r.pos() + r.remaining(), r.pos());
          }
          RETURN_IF_ERROR(DecodeValue(r, n->items, out, self, key, max_nodes, depth + 1));
        }
      }
    }
    case Type::kUnion:
      break;
  }
  out->Add(parent, d);
  return Status::OK();
}

void PutLong(int64_t v, std::string* out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

void PutBytes(std::string_view b, std::string* out) {
  PutLong(static_cast<int64_t>(b.size()), out);
  out->append(b);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// A value of type t that d can become exactly (exact) or by promotion.
bool Fits(Type t, const DatumNode& d, bool exact) {
  switch (d.kind) {
    case DatumKind::kNull:
      return t == Type::kNull;
    case DatumKind::kBool:
      return t == Type::kBoolean;
    case DatumKind::kInt:
      return t == Type::kLong || t == Type::kInt ||
             (!exact && (t == Type::kFloat || t == Type::kDouble));
    case DatumKind::kFloat:
      return t == Type::kDouble || t == Type::kFloat;
    case DatumKind::kString:
      return t == Type::kString || t == Type::kEnum || (!exact && t == Type::kBytes);
    case DatumKind::kBytes:
      return t == Type::kBytes || t == Type::kFixed || (!exact && t == Type::kString);
    case DatumKind::kRecord:
      return t == Type::kRecord || t == Type::kMap;
    case DatumKind::kList:
      return t == Type::kArray;
  }
  return false;
}

class DatumEncoder {
 public:
  DatumEncoder(const DatumTree& tree, std::string* out) : tree_(tree), out_(out) {}

  // d: the value's node, -1 when the field is missing.
  Status Encode(const Node* n, int32_t d, const std::string& field, int depth) {
    if (depth > kMaxDepth) return Status::InvalidArgument("field '{}': nested too deep", field);
    const bool present = d >= 0 && tree_.at(d).kind != DatumKind::kNull;
    if (n->type == Type::kUnion) {
      int pick = -1;
      for (int pass = 0; pass < 2 && pick < 0; ++pass) {
        for (size_t i = 0; i < n->branches.size() && pick < 0; ++i) {
          const Type bt = n->branches[i]->type;
          if (present ? Fits(bt, tree_.at(d), pass == 0) : bt == Type::kNull) {
            pick = static_cast<int>(i);
          }
        }
      }
      if (pick < 0) {
        if (!present) {
          return Status::InvalidArgument("field '{}' is required but missing or null", field);
        }
        return Status::InvalidArgument("field '{}': a {} fits no branch of its union", field,
                                       DatumKindName(tree_.at(d).kind));
      }
      PutLong(pick, out_);
      return Encode(n->branches[pick], d, field, depth + 1);
    }
    if (n->type == Type::kNull) {
      if (present) return Status::InvalidArgument("field '{}': expected null", field);
      return Status::OK();
    }
    if (!present) {
      return Status::InvalidArgument("field '{}' is required but missing or null", field);
    }
    const DatumNode& v = tree_.at(d);
    if (!Fits(n->type, v, false)) {
      return Status::InvalidArgument("field '{}': expected {}, got {}", field, TypeName(n->type),
                                     DatumKindName(v.kind));
    }
    switch (n->type) {
      case Type::kBoolean:
        out_->push_back(v.i ? 1 : 0);
        return Status::OK();
      case Type::kInt:
      case Type::kLong: {
        ASSIGN_OR_RETURN(int64_t i, Integer(n, v, field));
        if (n->type == Type::kInt && (i < INT32_MIN || i > INT32_MAX)) {
          return Status::InvalidArgument("field '{}': {} is out of int range", field, i);
        }
        PutLong(i, out_);
        return Status::OK();
      }
      case Type::kFloat: {
        const double d = v.kind == DatumKind::kInt ? static_cast<double>(v.i) : v.d;
        // A double beyond float's range has no float value (NaN and infinities do).
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
          return Status::InvalidArgument("field '{}': {} is out of float range", field, d);
        }
        float f = static_cast<float>(d);
        char b[4];
        std::memcpy(b, &f, 4);
        out_->append(b, 4);
        return Status::OK();
      }
      case Type::kDouble: {
        double f = v.kind == DatumKind::kInt ? static_cast<double>(v.i) : v.d;
        char b[8];
        std::memcpy(b, &f, 8);
        out_->append(b, 8);
        return Status::OK();
      }
      case Type::kString:
      case Type::kBytes:
        PutBytes(v.s, out_);
        return Status::OK();
      case Type::kFixed:
        if (static_cast<int64_t>(v.s.size()) != n->size) {
          return Status::InvalidArgument("field '{}': {} bytes for a fixed of {}", field,
                                         v.s.size(), n->size);
        }
        out_->append(v.s);
        return Status::OK();
      case Type::kEnum:
        for (size_t i = 0; i < n->symbols.size(); ++i) {
          if (n->symbols[i] == v.s) {
            PutLong(static_cast<int64_t>(i), out_);
            return Status::OK();
          }
        }
        return Status::InvalidArgument("field '{}': '{}' is not a symbol of enum {}", field, v.s,
                                       n->name);
      case Type::kRecord:
        for (const auto& [fname, f] : n->fields) {
          const std::string path = field.empty() ? fname : fmt::format("{}.{}", field, fname);
          RETURN_IF_ERROR(Encode(f, tree_.Child(d, fname), path, depth + 1));
        }
        return Status::OK();
      case Type::kArray:
      case Type::kMap: {
        int64_t count = 0;
        for (int32_t c = v.first_child; c >= 0; c = tree_.at(c).next) ++count;
        if (count > 0) {
          PutLong(count, out_);
          for (int32_t c = v.first_child; c >= 0; c = tree_.at(c).next) {
            if (n->type == Type::kMap) PutBytes(tree_.at(c).name, out_);
            RETURN_IF_ERROR(Encode(n->items, c, field + "[]", depth + 1));
          }
        }
        PutLong(0, out_);
        return Status::OK();
      }
      default:
        return Status::Internal("avro: cannot encode {}", TypeName(n->type));
    }
  }

 private:
  // An integer for an int/long of n, converted to n's unit when both the
  // value and the schema name one.
  static Result<int64_t> Integer(const Node* n, const DatumNode& v, const std::string& field) {
    if (v.uint64_overflow) {
      return Status::InvalidArgument("field '{}': {} is out of long range", field,
                                     static_cast<uint64_t>(v.i));
    }
    constexpr int64_t kMicrosPerDay = 86'400'000'000;
    int64_t micros = 0;
    bool fits = true;
    switch (v.unit) {
      case DatumUnit::kNone:
        return v.i;
      case DatumUnit::kTimestampMicros:
        micros = v.i;
        break;
      case DatumUnit::kTimestampMillis:
        fits = !__builtin_mul_overflow(v.i, int64_t{1000}, &micros);
        break;
      case DatumUnit::kDate:
        fits = !__builtin_mul_overflow(v.i, kMicrosPerDay, &micros);
        break;
    }
    if (!fits) return Status::InvalidArgument("field '{}': {} is out of range", field, v.i);
    const std::string& lt = n->logical_type;
    if (lt == "timestamp-micros") return micros;
    if (lt == "timestamp-millis") return FloorDiv(micros, 1000);
    if (lt == "date") return FloorDiv(micros, kMicrosPerDay);
    return v.i;
  }

  const DatumTree& tree_;
  std::string* out_;
};

}  // namespace

AvroSchema::AvroSchema() = default;
AvroSchema::~AvroSchema() = default;

Result<std::shared_ptr<const AvroSchema>> AvroSchema::Parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidArgument("avro schema: not JSON: {}", simdjson::error_message(err));
  }
  std::shared_ptr<AvroSchema> schema(new AvroSchema());
  AvroSchemaCompiler compiler(&schema->nodes_);
  ASSIGN_OR_RETURN(schema->root_, compiler.Compile(root, "", 0));
  schema->json_ = std::string(json);
  return std::shared_ptr<const AvroSchema>(std::move(schema));
}

Result<AvroValue> AvroSchema::Read(std::string_view datum,
                                   const std::vector<std::string>& path) const {
  DatumReader r(datum);
  return Find(r, root_, path, 0, 0);
}

Status AvroSchema::Decode(std::string_view datum, DatumTree* out) const {
  out->Clear();
  DatumReader r(datum);
  RETURN_IF_ERROR(DecodeValue(r, root_, out, -1, {}, datum.size() + kMaxEmptyItems, 0));
  if (r.remaining() != 0) {
    return Status::Corruption("avro: {} bytes after the end of the datum at byte {}", r.remaining(),
                              r.pos());
  }
  return Status::OK();
}

Status AvroSchema::Encode(const DatumTree& tree, std::string* out) const {
  if (tree.empty()) return Status::InvalidArgument("avro: nothing to encode");
  DatumEncoder encoder(tree, out);
  return encoder.Encode(root_, 0, "", 0);
}

}  // namespace secor
