// A Parquet reader sufficient for the files this module writes (data page v1,
// PLAIN and dictionary encodings, required/optional fields, groups, and
// 3-level LIST and MAP groups nested to any depth; all our codecs). Rows come
// back one at a time as cells of the top-level fields, assembled from the
// levels of their leaves; a row group is decoded at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/parquet/metadata.h"
#include "format/parquet/writer.h"

namespace secor::parquet {

struct ColumnData {
  std::vector<uint32_t> defs;  // empty when max_def == 0
  std::vector<uint32_t> reps;  // empty when max_rep == 0
  std::vector<int64_t> ints;   // BOOLEAN, INT32, INT64
  std::vector<double> doubles;
  std::vector<std::string> strings;
  size_t num_values = 0;  // level entries (values + nulls)
};

// One top-level field of a row.
struct Cell {
  bool is_null = true;
  int64_t i = 0;      // primitive integer-like value
  std::string bytes;  // primitive BYTE_ARRAY value
  std::string json;   // the value as JSON (any field)
};

class Reader {
 public:
  static Result<std::unique_ptr<Reader>> Open(const std::string& path);
  ~Reader();

  const FileMeta& meta() const { return meta_; }
  const std::vector<LeafDesc>& leaves() const { return leaves_; }
  // Names of the top-level fields, the order of cells in a row.
  const std::vector<std::string>& field_names() const { return field_names_; }
  // Decodes one column chunk.
  Status ReadColumn(size_t row_group, size_t column, ColumnData* out) const;
  // The next row; false at the end. A cell's json renders groups as
  // objects, lists as arrays and maps as objects (keys as strings).
  Result<bool> Next(std::vector<Cell>* row);

 private:
  enum class Kind { kLeaf, kGroup, kList, kMap };
  struct Node {
    const SchemaElement* element = nullptr;
    Kind kind = Kind::kGroup;
    int def = 0;  // definition level of this node when present
    int rep = 0;
    int leaf = -1;  // primitive: leaf index
    // The leaves below, [first_leaf, end_leaf): the first one's levels tell
    // whether a group is there and where a list's items end.
    int first_leaf = 0;
    int end_leaf = 0;
    std::vector<Node> children;
  };
  Reader() = default;
  Status BuildTree();
  Status LoadRowGroup(size_t g);
  Status Assemble(const Node& node, Cell* cell, std::string* json);
  Status AssembleItems(const Node& node, std::string* json);
  Result<int> CurrentDef(int leaf) const;
  Status SkipNode(const Node& node);
  std::string LeafJson(int leaf, size_t value_index, Cell* cell) const;

  std::string path_;
  int fd_ = -1;
  int64_t file_size_ = 0;
  FileMeta meta_;
  std::vector<LeafDesc> leaves_;
  std::vector<std::string> field_names_;
  std::vector<const SchemaElement*> leaf_elements_;
  Node root_;
  size_t row_group_ = 0;
  int64_t row_in_group_ = 0;
  bool loaded_ = false;
  std::vector<ColumnData> data_;
  std::vector<size_t> level_pos_;  // per leaf: next level entry
  std::vector<size_t> value_pos_;  // per leaf: next non-null value
};

}  // namespace secor::parquet
