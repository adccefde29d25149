#include "payload/protobuf_wire.h"

namespace secor {

Status ProtobufWire::Truncated(size_t pos) const {
  return Status::Corruption("protobuf: truncated payload at byte {}", pos);
}

Result<uint64_t> ProtobufWire::Varint(size_t* pos, size_t end) const {
  uint64_t v = 0;
  size_t start = *pos;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= end) return Truncated(start);
    uint8_t b = static_cast<uint8_t>(data_[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return Status::Corruption("protobuf: varint longer than 10 bytes at byte {}", start);
}

Result<uint64_t> ProtobufWire::Length(size_t* pos, size_t end) const {
  size_t start = *pos;
  ASSIGN_OR_RETURN(uint64_t len, Varint(pos, end));
  if (len > end - *pos) return Truncated(start);
  return len;
}

Result<uint64_t> ProtobufWire::Fixed(size_t* pos, size_t end, int bytes) const {
  if (end - *pos < static_cast<size_t>(bytes)) return Truncated(*pos);
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(data_[*pos + i]);
  *pos += bytes;
  return v;
}

Status ProtobufWire::SkipField(int wire, uint32_t number, size_t* pos, size_t end,
                               int depth) const {
  switch (wire) {
    case 0:
      return Varint(pos, end).status();
    case 1:
      return Fixed(pos, end, 8).status();
    case 5:
      return Fixed(pos, end, 4).status();
    case 2: {
      ASSIGN_OR_RETURN(uint64_t len, Length(pos, end));
      *pos += len;
      return Status::OK();
    }
    case 3: {  // a group: fields up to the matching end-group tag
      if (depth + 1 > kMaxDepth) {
        return Status::Corruption("protobuf: nesting deeper than {} at byte {}", kMaxDepth, *pos);
      }
      while (true) {
        size_t tag_pos = *pos;
        ASSIGN_OR_RETURN(uint64_t tag, Varint(pos, end));
        int inner_wire = static_cast<int>(tag & 7);
        if (inner_wire == 4) {
          if ((tag >> 3) != number) {
            return Status::Corruption("protobuf: unmatched end of group at byte {}", tag_pos);
          }
          return Status::OK();
        }
        RETURN_IF_ERROR(
            SkipField(inner_wire, static_cast<uint32_t>(tag >> 3), pos, end, depth + 1));
      }
    }
    default:
      return Status::Corruption("protobuf: invalid wire type {} at byte {}", wire, *pos);
  }
}

}  // namespace secor
