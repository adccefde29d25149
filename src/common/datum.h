// DatumTree: a decoded binary payload (an Avro datum, a Protobuf message) as a
// generic value tree, what the schema-driven writers (Parquet, Avro) read
// instead of JSON. Values keep their binary types: integers are int64 (never
// through a double), bytes stay bytes, timestamps and dates carry their unit.
// Nodes live in one vector and link by index, so decoding a message reuses
// the memory of the previous one; strings are views into the payload (or
// into storage that the decoder keeps alive until the next message).
// A map is a kRecord whose children's names are the keys (Avro maps and
// Protobuf map fields alike): the schema, not the tree, tells a map from a
// record, and both encode and shred from the same shape.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace secor {

enum class DatumKind : uint8_t { kNull, kBool, kInt, kFloat, kString, kBytes, kRecord, kList };

// What an integer means (Avro logical types, google.protobuf.Timestamp).
enum class DatumUnit : uint8_t { kNone, kDate, kTimestampMillis, kTimestampMicros };

struct DatumNode {
  DatumKind kind = DatumKind::kNull;
  DatumUnit unit = DatumUnit::kNone;
  // An unsigned 64-bit value above INT64_MAX: i holds its bits, and no signed
  // column can take it.
  bool uint64_overflow = false;
  std::string_view name;  // field name inside a record
  int64_t i = 0;          // kBool (0/1), kInt
  double d = 0;           // kFloat
  std::string_view s;     // kString, kBytes
  int32_t first_child = -1;
  int32_t last_child = -1;
  int32_t next = -1;  // next sibling
};

class DatumTree {
 public:
  void Clear() {
    nodes_.clear();
    owned_.clear();
  }
  bool empty() const { return nodes_.empty(); }
  // The root is the first node added (with parent -1).
  const DatumNode& root() const { return nodes_.front(); }
  const DatumNode& at(int32_t i) const { return nodes_[static_cast<size_t>(i)]; }
  size_t size() const { return nodes_.size(); }

  // Appends n as the last child of parent (-1: the root); returns its index.
  int32_t Add(int32_t parent, const DatumNode& n) {
    const auto index = static_cast<int32_t>(nodes_.size());
    nodes_.push_back(n);
    if (parent >= 0) {
      DatumNode& p = nodes_[static_cast<size_t>(parent)];
      if (p.last_child >= 0) {
        nodes_[static_cast<size_t>(p.last_child)].next = index;
      } else {
        p.first_child = index;
      }
      p.last_child = index;
    }
    return index;
  }
  // Sets a node's value after it was added (records and lists are added
  // before their children, scalars sometimes too).
  DatumNode& mutable_at(int32_t i) { return nodes_[static_cast<size_t>(i)]; }

  // The child of a record named name, or -1.
  int32_t Child(int32_t record, std::string_view name) const {
    for (int32_t c = at(record).first_child; c >= 0; c = at(c).next) {
      if (at(c).name == name) return c;
    }
    return -1;
  }

  // Keeps s alive until Clear and returns a view of it.
  std::string_view Own(std::string s) {
    owned_.push_back(std::move(s));
    return owned_.back();
  }

 private:
  std::vector<DatumNode> nodes_;
  std::deque<std::string> owned_;
};

inline const char* DatumKindName(DatumKind kind) {
  switch (kind) {
    case DatumKind::kNull:
      return "null";
    case DatumKind::kBool:
      return "boolean";
    case DatumKind::kInt:
      return "integer";
    case DatumKind::kFloat:
      return "floating point";
    case DatumKind::kString:
      return "string";
    case DatumKind::kBytes:
      return "bytes";
    case DatumKind::kRecord:
      return "record";
    case DatumKind::kList:
      return "list";
  }
  return "?";
}

}  // namespace secor
