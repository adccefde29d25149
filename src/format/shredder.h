// Shredder: turns one message into the leaf columns of a Parquet file, as
// (definition level, repetition level, value) entries per leaf: the record
// shredding of the Dremel paper, for groups, lists and maps nested to any
// depth. One plan serves all payload encodings: JSON messages (simdjson) and
// decoded Avro or Protobuf payloads (DatumTree) are walked by the same code
// through a small accessor each.
//
// Lists and maps follow the Parquet spec's LogicalTypes.md (3-level):
//   <opt|req> group name (LIST) { repeated group list { optional <element> } }
//   <opt|req> group name (MAP) { repeated group key_value {
//       required binary key (STRING); optional <value> } }
// so an empty list or map is told apart from a null one, and a null element
// or map value from a missing one.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "common/datum.h"
#include "common/status.h"
#include "format/parquet/metadata.h"
#include "format/parquet/writer.h"
#include "format/schema.h"

namespace secor {

// One leaf entry of a message. The entries of a message are collected first
// and given to the columns only when the whole message fitted, so that a
// message that does not fit leaves no trace in the file.
struct LeafEntry {
  int leaf;
  int def;
  int rep;
  bool null;
  parquet::Value v;
};

// The Parquet leaf element of a column of type.
parquet::SchemaElement LeafElement(const std::string& name, ColumnType type, bool required);

class Shredder {
 public:
  // Appends the Parquet schema elements of fields (depth first, as
  // parquet::Writer::Open takes them) to elements and plans how messages fill
  // them. first_leaf: the number of leaf columns before these fields.
  // optional_groups: see TableSchema.
  void Build(const std::vector<FieldSpec>& fields, bool optional_groups, int first_leaf,
             std::vector<parquet::SchemaElement>* elements);

  // Appends the entries of one message to out (which the caller reuses, so
  // that shredding allocates nothing once it has grown). InvalidArgument
  // naming the field (items[].name, labels{} for map values) when a value
  // does not fit its column; out then holds a partial message.
  Status Shred(simdjson::dom::element root, std::vector<LeafEntry>* out) const;
  Status Shred(const DatumTree& tree, std::vector<LeafEntry>* out) const;

  struct Node {
    FieldKind kind = FieldKind::kLeaf;
    ColumnType type = ColumnType::kString;
    bool nullable = false;  // optional in the Parquet schema
    bool required = false;  // a missing value is an error (leaves, lists, maps)
    int def = 0;            // definition level of a present (non-null) value
    int rep = 0;            // lists and maps: repetition level of their items
    int first_leaf = 0;     // the leaf columns below: [first_leaf, end_leaf);
    int end_leaf = 0;       // a map's key is its first leaf
    std::string name;       // for errors
    std::vector<std::string> source;
    std::vector<Node> children;  // group fields; the list element; the map value
  };

 private:
  std::vector<Node> fields_;
};

}  // namespace secor
