#include "format/parquet/metadata.h"

#include "format/parquet/thrift_compact.h"

namespace secor::parquet {

namespace {

void WriteLogical(CompactWriter& w, const SchemaElement& e) {
  // LogicalType is a union: exactly one member struct is set.
  switch (e.logical) {
    case LogicalKind::kNone:
      return;
    case LogicalKind::kString:
      w.FieldStruct(10);
      w.FieldStruct(1);
      w.EndStruct();
      w.EndStruct();
      return;
    case LogicalKind::kList:
      w.FieldStruct(10);
      w.FieldStruct(3);
      w.EndStruct();
      w.EndStruct();
      return;
    case LogicalKind::kMap:
      w.FieldStruct(10);
      w.FieldStruct(2);
      w.EndStruct();
      w.EndStruct();
      return;
    case LogicalKind::kDate:
      w.FieldStruct(10);
      w.FieldStruct(6);
      w.EndStruct();
      w.EndStruct();
      return;
    case LogicalKind::kTimestampMillis:
    case LogicalKind::kTimestampMicros:
      w.FieldStruct(10);
      w.FieldStruct(8);
      w.FieldBool(1, true);  // isAdjustedToUTC
      w.FieldStruct(2);      // unit
      w.FieldStruct(e.logical == LogicalKind::kTimestampMillis ? 1 : 2);
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      return;
    case LogicalKind::kInteger:
      w.FieldStruct(10);
      w.FieldStruct(10);
      w.FieldByte(1, e.int_bits);
      w.FieldBool(2, true);  // isSigned
      w.EndStruct();
      w.EndStruct();
      return;
  }
}

std::optional<int32_t> ConvertedFor(const SchemaElement& e) {
  switch (e.logical) {
    case LogicalKind::kString:
      return kUtf8;
    case LogicalKind::kList:
      return kList;
    case LogicalKind::kMap:
      return kMap;
    case LogicalKind::kDate:
      return kDate;
    case LogicalKind::kTimestampMillis:
      return kTimestampMillis;
    case LogicalKind::kTimestampMicros:
      return kTimestampMicros;
    case LogicalKind::kInteger:
      return e.int_bits == 64 ? kInt64Converted : kInt32Converted;
    case LogicalKind::kNone:
      break;
  }
  return std::nullopt;
}

void WriteStats(CompactWriter& w, int16_t id, const Statistics& s) {
  w.FieldStruct(id);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  w.EndStruct();
}

}  // namespace

std::string SerializeFileMeta(const FileMeta& m) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldI32(1, m.version);
  w.FieldList(2, CType::kStruct, static_cast<uint32_t>(m.schema.size()));
  for (const SchemaElement& e : m.schema) {
    w.ElemStructBegin();
    if (e.type) w.FieldI32(1, static_cast<int32_t>(*e.type));
    if (e.repetition) w.FieldI32(3, static_cast<int32_t>(*e.repetition));
    w.FieldBinary(4, e.name);
    if (!e.type) w.FieldI32(5, e.num_children);
    if (auto c = ConvertedFor(e)) w.FieldI32(6, *c);
    WriteLogical(w, e);
    w.EndStruct();
  }
  w.FieldI64(3, m.num_rows);
  w.FieldList(4, CType::kStruct, static_cast<uint32_t>(m.row_groups.size()));
  for (const RowGroupMeta& rg : m.row_groups) {
    w.ElemStructBegin();
    w.FieldList(1, CType::kStruct, static_cast<uint32_t>(rg.columns.size()));
    for (const ColumnMeta& c : rg.columns) {
      w.ElemStructBegin();  // ColumnChunk
      w.FieldI64(2, c.dictionary_page_offset.value_or(c.data_page_offset));
      w.FieldStruct(3);  // ColumnMetaData
      w.FieldI32(1, static_cast<int32_t>(c.type));
      w.FieldList(2, CType::kI32, static_cast<uint32_t>(c.encodings.size()));
      for (int32_t e : c.encodings) w.ElemI32(e);
      w.FieldList(3, CType::kBinary, static_cast<uint32_t>(c.path.size()));
      for (const auto& p : c.path) w.ElemBinary(p);
      w.FieldI32(4, c.codec);
      w.FieldI64(5, c.num_values);
      w.FieldI64(6, c.total_uncompressed_size);
      w.FieldI64(7, c.total_compressed_size);
      w.FieldI64(9, c.data_page_offset);
      if (c.dictionary_page_offset) w.FieldI64(11, *c.dictionary_page_offset);
      WriteStats(w, 12, c.stats);
      w.EndStruct();
      w.EndStruct();
    }
    w.FieldI64(2, rg.total_byte_size);
    w.FieldI64(3, rg.num_rows);
    w.FieldI64(5, rg.file_offset);
    w.FieldI64(6, rg.total_compressed_size);
    w.FieldI16(7, rg.ordinal);
    w.EndStruct();
  }
  if (!m.key_value.empty()) {
    w.FieldList(5, CType::kStruct, static_cast<uint32_t>(m.key_value.size()));
    for (const auto& [k, v] : m.key_value) {
      w.ElemStructBegin();
      w.FieldBinary(1, k);
      w.FieldBinary(2, v);
      w.EndStruct();
    }
  }
  w.FieldBinary(6, m.created_by);
  // column_orders: TYPE_ORDER for every leaf, so readers trust min/max.
  uint32_t leaves = 0;
  for (const auto& e : m.schema) leaves += e.type ? 1 : 0;
  w.FieldList(7, CType::kStruct, leaves);
  for (uint32_t i = 0; i < leaves; ++i) {
    w.ElemStructBegin();
    w.FieldStruct(1);
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
  return std::move(w.out());
}

namespace {

void ParseLogical(CompactReader& r, SchemaElement* e) {
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1:
        e->logical = LogicalKind::kString;
        r.Skip(t);
        break;
      case 2:
        e->logical = LogicalKind::kMap;
        r.Skip(t);
        break;
      case 3:
        e->logical = LogicalKind::kList;
        r.Skip(t);
        break;
      case 6:
        e->logical = LogicalKind::kDate;
        r.Skip(t);
        break;
      case 8: {
        e->logical = LogicalKind::kTimestampMillis;
        r.BeginStruct();
        int16_t id2;
        CType t2;
        while (r.NextField(&id2, &t2)) {
          if (id2 == 2) {
            r.BeginStruct();
            int16_t id3;
            CType t3;
            while (r.NextField(&id3, &t3)) {
              if (id3 == 2) e->logical = LogicalKind::kTimestampMicros;
              r.Skip(t3);
            }
            r.EndStruct();
          } else {
            r.Skip(t2);
          }
        }
        r.EndStruct();
        break;
      }
      case 10: {
        e->logical = LogicalKind::kInteger;
        r.BeginStruct();
        int16_t id2;
        CType t2;
        while (r.NextField(&id2, &t2)) {
          if (id2 == 1) {
            e->int_bits = static_cast<int8_t>(r.ReadInt());
          } else {
            r.Skip(t2);
          }
        }
        r.EndStruct();
        break;
      }
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
}

void ParseStats(CompactReader& r, Statistics* s) {
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    if (id == 3) {
      s->null_count = r.ReadInt();
    } else if (id == 5) {
      s->max_value = std::string(r.ReadBinary());
    } else if (id == 6) {
      s->min_value = std::string(r.ReadBinary());
    } else {
      r.Skip(t);
    }
  }
  r.EndStruct();
}

void ParseColumnMeta(CompactReader& r, ColumnMeta* c) {
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1:
        c->type = static_cast<PhysicalType>(r.ReadInt());
        break;
      case 2: {
        CType et;
        uint32_t n;
        r.ReadListHeader(&et, &n);
        for (uint32_t i = 0; i < n && r.ok(); ++i)
          c->encodings.push_back(static_cast<int32_t>(r.ReadVarintZigZag()));
        break;
      }
      case 3: {
        CType et;
        uint32_t n;
        r.ReadListHeader(&et, &n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) c->path.emplace_back(r.ReadBinary());
        break;
      }
      case 4:
        c->codec = static_cast<int32_t>(r.ReadInt());
        break;
      case 5:
        c->num_values = r.ReadInt();
        break;
      case 6:
        c->total_uncompressed_size = r.ReadInt();
        break;
      case 7:
        c->total_compressed_size = r.ReadInt();
        break;
      case 9:
        c->data_page_offset = r.ReadInt();
        break;
      case 11:
        c->dictionary_page_offset = r.ReadInt();
        break;
      case 12:
        ParseStats(r, &c->stats);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
}

}  // namespace

Result<FileMeta> ParseFileMeta(std::string_view data) {
  CompactReader r(data);
  FileMeta m;
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    if (id == 1) {
      m.version = static_cast<int32_t>(r.ReadInt());
    } else if (id == 2) {
      CType et;
      uint32_t n;
      r.ReadListHeader(&et, &n);
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        SchemaElement e;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1) {
            e.type = static_cast<PhysicalType>(r.ReadInt());
          } else if (fid == 3) {
            e.repetition = static_cast<Repetition>(r.ReadInt());
          } else if (fid == 4) {
            e.name = std::string(r.ReadBinary());
          } else if (fid == 5) {
            e.num_children = static_cast<int32_t>(r.ReadInt());
          } else if (fid == 10) {
            ParseLogical(r, &e);
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        m.schema.push_back(std::move(e));
      }
    } else if (id == 3) {
      m.num_rows = r.ReadInt();
    } else if (id == 4) {
      CType et;
      uint32_t n;
      r.ReadListHeader(&et, &n);
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        RowGroupMeta rg;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1) {
            CType ct;
            uint32_t nc;
            r.ReadListHeader(&ct, &nc);
            for (uint32_t k = 0; k < nc && r.ok(); ++k) {
              ColumnMeta c;
              r.BeginStruct();
              int16_t cid;
              CType cft;
              while (r.NextField(&cid, &cft)) {
                if (cid == 3) {
                  ParseColumnMeta(r, &c);
                } else {
                  r.Skip(cft);
                }
              }
              r.EndStruct();
              rg.columns.push_back(std::move(c));
            }
          } else if (fid == 2) {
            rg.total_byte_size = r.ReadInt();
          } else if (fid == 3) {
            rg.num_rows = r.ReadInt();
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        m.row_groups.push_back(std::move(rg));
      }
    } else if (id == 5) {
      CType et;
      uint32_t n;
      r.ReadListHeader(&et, &n);
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        std::pair<std::string, std::string> kv;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1) {
            kv.first = std::string(r.ReadBinary());
          } else if (fid == 2) {
            kv.second = std::string(r.ReadBinary());
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        m.key_value.push_back(std::move(kv));
      }
    } else if (id == 6) {
      m.created_by = std::string(r.ReadBinary());
    } else {
      r.Skip(t);
    }
  }
  RETURN_IF_ERROR(r.status("parquet footer"));
  return m;
}

std::string SerializePageHeader(const PageHeader& h) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldI32(1, h.type);
  w.FieldI32(2, h.uncompressed_size);
  w.FieldI32(3, h.compressed_size);
  if (h.type == kDataPage) {
    w.FieldStruct(5);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, h.encoding);
    w.FieldI32(3, h.def_encoding);
    w.FieldI32(4, h.rep_encoding);
    w.EndStruct();
  } else if (h.type == kDictionaryPage) {
    w.FieldStruct(7);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, h.encoding);
    w.EndStruct();
  }
  w.EndStruct();
  return std::move(w.out());
}

Result<PageHeader> ParsePageHeader(std::string_view data, size_t* size) {
  CompactReader r(data);
  PageHeader h;
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    if (id == 1) {
      h.type = static_cast<int32_t>(r.ReadInt());
    } else if (id == 2) {
      h.uncompressed_size = static_cast<int32_t>(r.ReadInt());
    } else if (id == 3) {
      h.compressed_size = static_cast<int32_t>(r.ReadInt());
    } else if (id == 5 || id == 7) {
      r.BeginStruct();
      int16_t fid;
      CType ft;
      while (r.NextField(&fid, &ft)) {
        if (fid == 1) {
          h.num_values = static_cast<int32_t>(r.ReadInt());
        } else if (fid == 2) {
          h.encoding = static_cast<int32_t>(r.ReadInt());
        } else if (fid == 3 && id == 5) {
          h.def_encoding = static_cast<int32_t>(r.ReadInt());
        } else if (fid == 4 && id == 5) {
          h.rep_encoding = static_cast<int32_t>(r.ReadInt());
        } else {
          r.Skip(ft);
        }
      }
      r.EndStruct();
    } else {
      r.Skip(t);
    }
  }
  RETURN_IF_ERROR(r.status("parquet page header"));
  *size = r.pos();
  return h;
}

}  // namespace secor::parquet
