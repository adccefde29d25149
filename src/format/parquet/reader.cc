#include "format/parquet/reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>

#include "common/strings.h"
#include "format/parquet/compress.h"
#include "format/parquet/rle.h"

namespace secor::parquet {

namespace {

uint32_t GetLE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

Status PreadAll(int fd, int64_t offset, size_t n, std::string* out, const std::string& path) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out->data() + done, n - done, offset + static_cast<int64_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno("read " + path, errno);
    if (r == 0) return Status::Corruption("{}: truncated parquet file", path);
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

std::string DoubleJson(double d) {
  if (!std::isfinite(d)) return "null";
  return fmt::format("{}", d);
}

// Decodes n PLAIN values of type t from data into out.
Status DecodePlain(PhysicalType t, std::string_view data, size_t n, ColumnData* out) {
  size_t pos = 0;
  auto need = [&](size_t k) { return data.size() - pos >= k; };
  for (size_t i = 0; i < n; ++i) {
    switch (t) {
      case PhysicalType::kBoolean:
        if (i / 8 >= data.size()) return Status::Corruption("parquet: truncated boolean page");
        out->ints.push_back((static_cast<uint8_t>(data[i / 8]) >> (i % 8)) & 1);
        break;
      case PhysicalType::kInt32:
        if (!need(4)) return Status::Corruption("parquet: truncated INT32 page");
        out->ints.push_back(static_cast<int32_t>(GetLE32(data.data() + pos)));
        pos += 4;
        break;
      case PhysicalType::kInt64: {
        if (!need(8)) return Status::Corruption("parquet: truncated INT64 page");
        int64_t v;
        std::memcpy(&v, data.data() + pos, 8);
        out->ints.push_back(v);
        pos += 8;
        break;
      }
      case PhysicalType::kFloat: {
        if (!need(4)) return Status::Corruption("parquet: truncated FLOAT page");
        float f;
        std::memcpy(&f, data.data() + pos, 4);
        out->doubles.push_back(f);
        pos += 4;
        break;
      }
      case PhysicalType::kDouble: {
        if (!need(8)) return Status::Corruption("parquet: truncated DOUBLE page");
        double d;
        std::memcpy(&d, data.data() + pos, 8);
        out->doubles.push_back(d);
        pos += 8;
        break;
      }
      case PhysicalType::kByteArray: {
        if (!need(4)) return Status::Corruption("parquet: truncated BYTE_ARRAY page");
        uint32_t len = GetLE32(data.data() + pos);
        pos += 4;
        if (!need(len)) return Status::Corruption("parquet: truncated BYTE_ARRAY value");
        out->strings.emplace_back(data.substr(pos, len));
        pos += len;
        break;
      }
      default:
        return Status::Corruption("parquet: unsupported physical type {}", static_cast<int>(t));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Reader>> Reader::Open(const std::string& path) {
  std::unique_ptr<Reader> r(new Reader());
  r->path_ = path;
  r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r->fd_ < 0) return Status::FromErrno("open " + path, errno);
  off_t size = ::lseek(r->fd_, 0, SEEK_END);
  if (size < 12) return Status::Corruption("{}: too short for a parquet file", path);
  r->file_size_ = size;
  std::string tail;
  RETURN_IF_ERROR(PreadAll(r->fd_, size - 8, 8, &tail, path));
  std::string head;
  RETURN_IF_ERROR(PreadAll(r->fd_, 0, 4, &head, path));
  if (tail.substr(4) != "PAR1" || head != "PAR1")
    return Status::Corruption("{}: not a parquet file", path);
  uint32_t footer_len = GetLE32(tail.data());
  if (footer_len > static_cast<uint64_t>(size) - 12)
    return Status::Corruption("{}: bad footer length", path);
  std::string footer;
  RETURN_IF_ERROR(PreadAll(r->fd_, size - 8 - footer_len, footer_len, &footer, path));
  auto meta = ParseFileMeta(footer);
  if (!meta.ok()) return meta.status().WithContext(path);
  r->meta_ = std::move(meta).value();
  auto leaves = LeavesOf(r->meta_.schema);
  if (!leaves.ok()) return leaves.status().WithContext(path);
  r->leaves_ = std::move(leaves).value();
  RETURN_IF_ERROR(r->BuildTree());
  return r;
}

Reader::~Reader() {
  if (fd_ >= 0) ::close(fd_);
}

Status Reader::BuildTree() {
  size_t next = 1;
  int leaf = 0;
  std::function<Status(Node*, int)> build = [&](Node* parent, int count) -> Status {
    for (int k = 0; k < count; ++k) {
      if (next >= meta_.schema.size())
        return Status::Corruption("{}: schema tree is truncated", path_);
      Node n;
      n.element = &meta_.schema[next++];
      n.first_leaf = leaf;
      Repetition rep = n.element->repetition.value_or(Repetition::kRequired);
      n.def = parent->def + (rep == Repetition::kRequired ? 0 : 1);
      n.rep = parent->rep + (rep == Repetition::kRepeated ? 1 : 0);
      // Repeated nodes only as the middle level of a LIST or MAP.
      const bool in_container = parent->kind == Kind::kList || parent->kind == Kind::kMap;
      if (rep == Repetition::kRepeated && !in_container) {
        return Status::Corruption("{}: unsupported repeated field '{}'", path_, n.element->name);
      }
      if (n.element->type) {
        if (rep == Repetition::kRepeated)
          return Status::Corruption("{}: unsupported repeated leaf", path_);
        n.kind = Kind::kLeaf;
        n.leaf = leaf++;
        leaf_elements_.push_back(n.element);
      } else {
        if (n.element->logical == LogicalKind::kList) n.kind = Kind::kList;
        if (n.element->logical == LogicalKind::kMap) n.kind = Kind::kMap;
        RETURN_IF_ERROR(build(&n, n.element->num_children));
        // LIST: group (LIST) { repeated group list { element } }
        // MAP: group (MAP) { repeated group key_value { key; value } }
        if (n.kind == Kind::kList || n.kind == Kind::kMap) {
          const bool list = n.kind == Kind::kList;
          if (n.children.size() != 1 || n.children[0].kind == Kind::kLeaf ||
              n.children[0].rep != n.rep + 1 || n.children[0].children.size() != (list ? 1u : 2u) ||
              (!list && n.children[0].children[0].kind != Kind::kLeaf)) {
            return Status::Corruption("{}: unsupported {} layout in '{}'", path_,
                                      list ? "LIST" : "MAP", n.element->name);
          }
        }
      }
      n.end_leaf = leaf;
      parent->children.push_back(std::move(n));
    }
    return Status::OK();
  };
  root_.element = &meta_.schema[0];
  RETURN_IF_ERROR(build(&root_, meta_.schema[0].num_children));
  root_.end_leaf = leaf;
  for (const Node& n : root_.children) field_names_.push_back(n.element->name);
  return Status::OK();
}

Status Reader::ReadColumn(size_t g, size_t c, ColumnData* out) const {
  *out = ColumnData{};
  // The footer's row groups come from the file: one that lists fewer column
  // chunks than the schema has leaves is corrupt, not a reason to throw.
  if (g >= meta_.row_groups.size() || c >= meta_.row_groups[g].columns.size() ||
      c >= leaves_.size()) {
    return Status::Corruption("{}: row group {} has no column chunk {} ({} in the schema)", path_,
                              g, c, leaves_.size());
  }
  const ColumnMeta& cm = meta_.row_groups[g].columns[c];
  const LeafDesc& leaf = leaves_[c];
  int64_t start = cm.dictionary_page_offset.value_or(cm.data_page_offset);
  if (cm.dictionary_page_offset && *cm.dictionary_page_offset > cm.data_page_offset)
    start = cm.data_page_offset;
  // Offsets and sizes come from the footer: a chunk must lie within the file.
  if (start < 0 || cm.total_compressed_size < 0 || start > file_size_ ||
      cm.total_compressed_size > file_size_ - start) {
    return Status::Corruption("{}: column chunk {} of row group {} at {} (+{}) is outside the file",
                              path_, c, g, start, cm.total_compressed_size);
  }
  std::string chunk;
  RETURN_IF_ERROR(
      PreadAll(fd_, start, static_cast<size_t>(cm.total_compressed_size), &chunk, path_));
  const std::string where = fmt::format("{}: column {}", path_, Join(leaf.path, "."));
  ColumnData dict;
  bool have_dict = false;
  size_t pos = 0;
  std::string page;
  while (out->num_values < static_cast<size_t>(cm.num_values)) {
    if (pos >= chunk.size()) return Status::Corruption("{}: column chunk ends early", where);
    size_t hsize = 0;
    auto h = ParsePageHeader(std::string_view(chunk).substr(pos), &hsize);
    if (!h.ok()) return h.status().WithContext(where);
    pos += hsize;
    if (h->compressed_size < 0 || static_cast<size_t>(h->compressed_size) > chunk.size() - pos) {
      return Status::Corruption("{}: page runs past the chunk", where);
    }
    // The decompressed size sizes a buffer before anything is decompressed:
    // a negative or absurd one (a corrupt header) is refused, not allocated.
    // Pages are kilobytes to a few megabytes; 256 MiB is far beyond any.
    if (h->uncompressed_size < 0 || h->uncompressed_size > (int64_t{1} << 28)) {
      return Status::Corruption("{}: page claims {} bytes uncompressed", where,
                                h->uncompressed_size);
    }
    std::string_view raw = std::string_view(chunk).substr(pos, h->compressed_size);
    pos += h->compressed_size;
    auto st = DecompressPage(cm.codec, raw, static_cast<size_t>(h->uncompressed_size), &page);
    if (!st.ok()) return st.WithContext(where);
    std::string_view body = page;
    if (h->type == kDictionaryPage) {
      RETURN_IF_ERROR(DecodePlain(leaf.type, body, static_cast<size_t>(h->num_values), &dict)
                          .WithContext(where));
      have_dict = true;
      continue;
    }
    if (h->type != kDataPage)
      return Status::Corruption("{}: unsupported page type {}", where, h->type);
    size_t n = static_cast<size_t>(h->num_values);
    auto levels = [&](int max, std::vector<uint32_t>* to) -> Status {
      if (max == 0) return Status::OK();
      if (body.size() < 4) return Status::Corruption("{}: truncated levels", where);
      uint32_t len = GetLE32(body.data());
      if (len > body.size() - 4) return Status::Corruption("{}: truncated levels", where);
      RETURN_IF_ERROR(RleDecode(body.substr(4, len), BitWidth(max), n, to).WithContext(where));
      body.remove_prefix(4 + len);
      return Status::OK();
    };
    size_t defs_before = out->defs.size();
    RETURN_IF_ERROR(levels(leaf.max_rep, &out->reps));
    RETURN_IF_ERROR(levels(leaf.max_def, &out->defs));
    size_t present = n;
    if (leaf.max_def > 0) {
      present = 0;
      for (size_t i = defs_before; i < out->defs.size(); ++i) {
        present += out->defs[i] == static_cast<uint32_t>(leaf.max_def) ? 1 : 0;
      }
    }
    if (h->encoding == kPlain) {
      RETURN_IF_ERROR(DecodePlain(leaf.type, body, present, out).WithContext(where));
    } else if (h->encoding == kRleDictionary || h->encoding == kPlainDictionary) {
      if (!have_dict) return Status::Corruption("{}: dictionary page missing", where);
      if (body.empty() && present > 0)
        return Status::Corruption("{}: empty dictionary indices", where);
      std::vector<uint32_t> idx;
      if (present > 0) {
        RETURN_IF_ERROR(RleDecode(body.substr(1), static_cast<uint8_t>(body[0]), present, &idx)
                            .WithContext(where));
      }
      for (uint32_t k : idx) {
        size_t dsize = leaf.type == PhysicalType::kByteArray ? dict.strings.size()
                       : (leaf.type == PhysicalType::kFloat || leaf.type == PhysicalType::kDouble)
                           ? dict.doubles.size()
                           : dict.ints.size();
        if (k >= dsize) return Status::Corruption("{}: dictionary index {} out of range", where, k);
        if (leaf.type == PhysicalType::kByteArray) {
          out->strings.push_back(dict.strings[k]);
        } else if (leaf.type == PhysicalType::kFloat || leaf.type == PhysicalType::kDouble) {
          out->doubles.push_back(dict.doubles[k]);
        } else {
          out->ints.push_back(dict.ints[k]);
        }
      }
    } else {
      return Status::Corruption("{}: unsupported encoding {}", where, h->encoding);
    }
    out->num_values += n;
  }
  return Status::OK();
}

Status Reader::LoadRowGroup(size_t g) {
  data_.assign(leaves_.size(), ColumnData{});
  for (size_t c = 0; c < leaves_.size(); ++c) RETURN_IF_ERROR(ReadColumn(g, c, &data_[c]));
  level_pos_.assign(leaves_.size(), 0);
  value_pos_.assign(leaves_.size(), 0);
  row_in_group_ = 0;
  loaded_ = true;
  return Status::OK();
}

std::string Reader::LeafJson(int leaf, size_t v, Cell* cell) const {
  const LeafDesc& d = leaves_[leaf];
  const ColumnData& data = data_[leaf];
  const SchemaElement* e = leaf_elements_[leaf];
  switch (d.type) {
    case PhysicalType::kBoolean:
      if (cell) cell->i = data.ints[v];
      return data.ints[v] ? "true" : "false";
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      if (cell) cell->i = data.ints[v];
      if (e && e->logical == LogicalKind::kDate) {
        // Days since the epoch as an ISO date.
        int64_t z = data.ints[v] + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int64_t dd = doy - (153 * mp + 2) / 5 + 1;
        int64_t mm = mp < 10 ? mp + 3 : mp - 9;
        return fmt::format("\"{:04}-{:02}-{:02}\"", y + (mm <= 2), mm, dd);
      }
      return std::to_string(data.ints[v]);
    case PhysicalType::kFloat:
      return DoubleJson(static_cast<float>(data.doubles[v]));
    case PhysicalType::kDouble:
      return DoubleJson(data.doubles[v]);
    default:
      if (cell) cell->bytes = data.strings[v];
      return JsonQuote(data.strings[v]);
  }
}

Result<int> Reader::CurrentDef(int leaf) const {
  const ColumnData& data = data_[leaf];
  const size_t lp = level_pos_[leaf];
  if (lp >= data.num_values) {
    return Status::Corruption("{}: column {} has too few values", path_,
                              Join(leaves_[leaf].path, "."));
  }
  return leaves_[leaf].max_def == 0 ? 0 : static_cast<int>(data.defs[lp]);
}

// A node that is null, or a list or map that is empty, has one level entry
// (without a value) in each of its leaves.
Status Reader::SkipNode(const Node& node) {
  for (int leaf = node.first_leaf; leaf < node.end_leaf; ++leaf) {
    ASSIGN_OR_RETURN(int def, CurrentDef(leaf));
    if (def == leaves_[leaf].max_def) value_pos_[leaf]++;
    level_pos_[leaf]++;
  }
  return Status::OK();
}

Status Reader::Assemble(const Node& node, Cell* cell, std::string* json) {
  if (node.kind == Kind::kLeaf) {
    ASSIGN_OR_RETURN(int def, CurrentDef(node.leaf));
    ++level_pos_[node.leaf];
    if (def != leaves_[node.leaf].max_def) {
      *json += "null";
      return Status::OK();
    }
    if (cell) cell->is_null = false;
    *json += LeafJson(node.leaf, value_pos_[node.leaf]++, cell);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(int def, CurrentDef(node.first_leaf));
  if (def < node.def) {
    RETURN_IF_ERROR(SkipNode(node));
    *json += "null";
    return Status::OK();
  }
  if (cell) cell->is_null = false;
  if (node.kind != Kind::kGroup) return AssembleItems(node, json);
  *json += '{';
  for (size_t i = 0; i < node.children.size(); ++i) {
    if (i) *json += ',';
    *json += JsonQuote(node.children[i].element->name);
    *json += ':';
    RETURN_IF_ERROR(Assemble(node.children[i], nullptr, json));
  }
  *json += '}';
  return Status::OK();
}

// The items of a present list or map: each starts where the first leaf's
// repetition level reaches the repeated group's; an item consumes at least
// one entry of that leaf, so the loop ends.
Status Reader::AssembleItems(const Node& node, std::string* json) {
  const bool map = node.kind == Kind::kMap;
  const Node& repeated = node.children[0];
  *json += map ? '{' : '[';
  ASSIGN_OR_RETURN(int def, CurrentDef(node.first_leaf));
  if (def < repeated.def) {
    RETURN_IF_ERROR(SkipNode(node));  // empty
  } else {
    const ColumnData& first = data_[node.first_leaf];
    bool more = true;
    for (bool first_item = true; more; first_item = false) {
      if (!first_item) *json += ',';
      if (map) {
        // JSON keys are strings: a key of another type is quoted.
        const size_t at = json->size();
        RETURN_IF_ERROR(Assemble(repeated.children[0], nullptr, json));
        if ((*json)[at] != '"') {
          std::string key = json->substr(at);
          json->resize(at);
          *json += JsonQuote(key);
        }
        *json += ':';
        RETURN_IF_ERROR(Assemble(repeated.children[1], nullptr, json));
      } else {
        RETURN_IF_ERROR(Assemble(repeated.children[0], nullptr, json));
      }
      const size_t lp = level_pos_[node.first_leaf];
      more = lp < first.num_values && first.reps[lp] >= static_cast<uint32_t>(repeated.rep);
    }
  }
  *json += map ? '}' : ']';
  return Status::OK();
}

Result<bool> Reader::Next(std::vector<Cell>* row) {
  while (!loaded_ || row_in_group_ >= meta_.row_groups[row_group_].num_rows) {
    if (loaded_) ++row_group_;
    loaded_ = false;
    if (row_group_ >= meta_.row_groups.size()) return false;
    RETURN_IF_ERROR(LoadRowGroup(row_group_));
  }
  row->assign(root_.children.size(), Cell{});
  for (size_t i = 0; i < root_.children.size(); ++i) {
    RETURN_IF_ERROR(Assemble(root_.children[i], &(*row)[i], &(*row)[i].json));
  }
  ++row_in_group_;
  return true;
}

}  // namespace secor::parquet
