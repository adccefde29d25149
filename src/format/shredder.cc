#include "format/shredder.h"

#include <cmath>
#include <limits>
#include <string_view>

namespace secor {

using parquet::LogicalKind;
using parquet::PhysicalType;
using parquet::Repetition;
using parquet::SchemaElement;

SchemaElement LeafElement(const std::string& name, ColumnType type, bool required) {
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

namespace {

using Node = Shredder::Node;

SchemaElement GroupElement(const std::string& name, Repetition repetition, size_t children,
                           LogicalKind logical = LogicalKind::kNone) {
  SchemaElement g;
  g.name = name;
  g.repetition = repetition;
  g.num_children = static_cast<int32_t>(children);
  g.logical = logical;
  return g;
}

// Plans f (named parquet_name in the file) below a parent whose present
// value has definition level parent_def and whose items repeat at
// parent_rep; appends its schema elements.
Node Plan(const FieldSpec& f, const std::string& parquet_name, const std::string& name,
          bool nullable, int parent_def, int parent_rep, bool optional_groups, int* leaf,
          std::vector<SchemaElement>* out) {
  Node n;
  n.kind = f.kind;
  n.type = f.type;
  n.nullable = nullable;
  n.required = !nullable && f.kind != FieldKind::kGroup;
  n.def = parent_def + (nullable ? 1 : 0);
  n.rep = parent_rep;
  n.first_leaf = *leaf;
  n.name = name;
  n.source = f.source;
  const Repetition repetition = nullable ? Repetition::kOptional : Repetition::kRequired;
  switch (f.kind) {
    case FieldKind::kLeaf:
      out->push_back(LeafElement(parquet_name, f.type, !nullable));
      ++*leaf;
      break;
    case FieldKind::kGroup:
      out->push_back(GroupElement(parquet_name, repetition, f.children.size()));
      for (const FieldSpec& c : f.children) {
        const bool c_nullable =
            c.kind == FieldKind::kGroup ? optional_groups && !c.required : !c.required;
        n.children.push_back(Plan(c, c.name, name + "." + c.name, c_nullable, n.def, parent_rep,
                                  optional_groups, leaf, out));
      }
      break;
    case FieldKind::kList:
    case FieldKind::kMap: {
      const bool list = f.kind == FieldKind::kList;
      out->push_back(
          GroupElement(parquet_name, repetition, 1, list ? LogicalKind::kList : LogicalKind::kMap));
      out->push_back(
          GroupElement(list ? "list" : "key_value", Repetition::kRepeated, list ? 1 : 2));
      // Items: one definition level for "the list has this item", one more
      // for "the item is not null".
      n.rep = parent_rep + 1;
      if (!list) {
        out->push_back(LeafElement("key", ColumnType::kString, true));
        ++*leaf;
      }
      // Schema builders give lists and maps exactly one child.
      const FieldSpec& item = f.children.at(0);
      n.children.push_back(Plan(item, list ? "element" : "value", name + (list ? "[]" : "{}"), true,
                                n.def + 1, n.rep, optional_groups, leaf, out));
      break;
    }
  }
  n.end_leaf = *leaf;
  return n;
}

const char* JsonTypeName(simdjson::dom::element e) {
  return e.is_string()   ? "string"
         : e.is_bool()   ? "boolean"
         : e.is_number() ? "number"
         : e.is_array()  ? "array"
         : e.is_object() ? "object"
                         : "null";
}

// JSON messages: a value is an element; missing (or null) is ok == false.
class JsonAccess {
 public:
  struct Ref {
    simdjson::dom::element e;
    bool ok = false;
  };

  static Ref Locate(Ref ctx, const std::vector<std::string>& path) {
    if (!ctx.ok) return ctx;
    simdjson::dom::element at = ctx.e;
    for (const std::string& step : path) {
      simdjson::dom::object obj;
      if (at.get(obj) || obj.at_key(step).get(at)) return Ref{};
    }
    if (at.is_null()) return Ref{};
    return Ref{at, true};
  }
  static bool Present(Ref r) { return r.ok; }

  static Status Scalar(Ref r, ColumnType type, const std::string& field, parquet::Value* out) {
    ScalarValue sv;
    RETURN_IF_ERROR(ConvertJsonScalar(r.e, type, field, &sv));
    *out = parquet::Value{sv.i, sv.d, sv.s};
    return Status::OK();
  }

  template <class F>
  static Status ForEachItem(Ref r, const std::string& field, F&& f) {
    simdjson::dom::array arr;
    if (r.e.get(arr)) {
      return Status::InvalidArgument("field '{}': expected a list, got {}", field,
                                     JsonTypeName(r.e));
    }
    for (simdjson::dom::element item : arr) RETURN_IF_ERROR(f(Ref{item, true}));
    return Status::OK();
  }

  template <class F>
  static Status ForEachEntry(Ref r, const std::string& field, F&& f) {
    simdjson::dom::object obj;
    if (r.e.get(obj)) {
      return Status::InvalidArgument("field '{}': expected a map (JSON object), got {}", field,
                                     JsonTypeName(r.e));
    }
    for (simdjson::dom::key_value_pair kv : obj) RETURN_IF_ERROR(f(kv.key, Ref{kv.value, true}));
    return Status::OK();
  }
};

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

// Decoded payloads: a value is a node index, -1 when missing (or null).
// Fields are found by name, so a message written with another (compatible)
// schema than the file's lands in the right columns. Maps are records whose
// children's names are the keys (common/datum.h).
class DatumAccess {
 public:
  using Ref = int32_t;
  explicit DatumAccess(const DatumTree& tree) : tree_(tree) {}

  Ref Locate(Ref ctx, const std::vector<std::string>& path) const {
    Ref at = ctx;
    for (size_t k = 0; at >= 0 && k < path.size(); ++k) {
      at = tree_.at(at).kind == DatumKind::kRecord ? tree_.Child(at, path[k]) : -1;
    }
    if (at >= 0 && tree_.at(at).kind == DatumKind::kNull) return -1;
    return at;
  }
  static bool Present(Ref r) { return r >= 0; }

  Status Scalar(Ref r, ColumnType type, const std::string& field, parquet::Value* out) const {
    return ConvertDatum(tree_.at(r), type, field, out);
  }

  template <class F>
  Status ForEachItem(Ref r, const std::string& field, F&& f) const {
    const DatumNode& n = tree_.at(r);
    if (n.kind != DatumKind::kList) {
      return Status::InvalidArgument("field '{}': expected a list, got {}", field,
                                     DatumKindName(n.kind));
    }
    for (int32_t c = n.first_child; c >= 0; c = tree_.at(c).next) RETURN_IF_ERROR(f(c));
    return Status::OK();
  }

  template <class F>
  Status ForEachEntry(Ref r, const std::string& field, F&& f) const {
    const DatumNode& n = tree_.at(r);
    if (n.kind != DatumKind::kRecord) {
      return Status::InvalidArgument("field '{}': expected a map, got {}", field,
                                     DatumKindName(n.kind));
    }
    for (int32_t c = n.first_child; c >= 0; c = tree_.at(c).next) {
      RETURN_IF_ERROR(f(tree_.at(c).name, c));
    }
    return Status::OK();
  }

 private:
  const DatumTree& tree_;
};

template <class Access>
class Walk {
 public:
  using Ref = typename Access::Ref;
  Walk(const Access& access, std::vector<LeafEntry>* out) : a_(access), out_(out) {}

  // Fills the leaves of n from its value in ctx (the value of the enclosing
  // group, element or map value); rep: the repetition level of the first
  // entry of every leaf (where in the enclosing lists this value starts).
  Status Field(const Node& n, Ref ctx, int rep) {
    const Ref v = a_.Locate(ctx, n.source);
    if (!Access::Present(v)) {
      // A group that cannot be null is there with its fields missing.
      if (n.kind == FieldKind::kGroup && !n.nullable) return Fields(n, v, rep);
      if (n.required) {
        return Status::InvalidArgument("field '{}' is required but missing or null", n.name);
      }
      Nulls(n, n.def - 1, rep);
      return Status::OK();
    }
    switch (n.kind) {
      case FieldKind::kLeaf: {
        parquet::Value value;
        RETURN_IF_ERROR(a_.Scalar(v, n.type, n.name, &value));
        out_->push_back(LeafEntry{n.first_leaf, n.def, rep, false, value});
        return Status::OK();
      }
      case FieldKind::kGroup:
        return Fields(n, v, rep);
      case FieldKind::kList: {
        const Node& element = n.children[0];
        int r = rep;  // the first item continues where the list starts
        bool any = false;
        RETURN_IF_ERROR(a_.ForEachItem(v, n.name, [&](Ref item) {
          any = true;
          Status st = Field(element, item, r);
          r = n.rep;
          return st;
        }));
        if (!any) Nulls(n, n.def, rep);  // present but empty
        return Status::OK();
      }
      case FieldKind::kMap: {
        const Node& value = n.children[0];
        int r = rep;
        bool any = false;
        RETURN_IF_ERROR(a_.ForEachEntry(v, n.name, [&](std::string_view key, Ref item) {
          any = true;
          out_->push_back(LeafEntry{n.first_leaf, n.def + 1, r, false, parquet::Value{0, 0, key}});
          Status st = Field(value, item, r);
          r = n.rep;
          return st;
        }));
        if (!any) Nulls(n, n.def, rep);
        return Status::OK();
      }
    }
    return Status::OK();
  }

  Status Fields(const Node& n, Ref ctx, int rep) {
    for (const Node& c : n.children) RETURN_IF_ERROR(Field(c, ctx, rep));
    return Status::OK();
  }

 private:
  // Every leaf below n gets one null entry at level def.
  void Nulls(const Node& n, int def, int rep) {
    for (int leaf = n.first_leaf; leaf < n.end_leaf; ++leaf) {
      out_->push_back(LeafEntry{leaf, def, rep, true, {}});
    }
  }

  const Access& a_;
  std::vector<LeafEntry>* out_;
};

}  // namespace

void Shredder::Build(const std::vector<FieldSpec>& fields, bool optional_groups, int first_leaf,
                     std::vector<SchemaElement>* elements) {
  fields_.clear();
  int leaf = first_leaf;
  for (const FieldSpec& f : fields) {
    const bool nullable =
        f.kind == FieldKind::kGroup ? optional_groups && !f.required : !f.required;
    fields_.push_back(Plan(f, f.name, f.name, nullable, 0, 0, optional_groups, &leaf, elements));
  }
}

Status Shredder::Shred(simdjson::dom::element root, std::vector<LeafEntry>* out) const {
  JsonAccess access;
  Walk<JsonAccess> walk(access, out);
  for (const Node& n : fields_) RETURN_IF_ERROR(walk.Field(n, JsonAccess::Ref{root, true}, 0));
  return Status::OK();
}

Status Shredder::Shred(const DatumTree& tree, std::vector<LeafEntry>* out) const {
  DatumAccess access(tree);
  Walk<DatumAccess> walk(access, out);
  const int32_t root = !tree.empty() && tree.root().kind == DatumKind::kRecord ? 0 : -1;
  for (const Node& n : fields_) RETURN_IF_ERROR(walk.Field(n, root, 0));
  return Status::OK();
}

}  // namespace secor
