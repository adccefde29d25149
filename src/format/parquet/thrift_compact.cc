#include "format/parquet/thrift_compact.h"

#include <cstring>

namespace secor::parquet {

void CompactWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void CompactWriter::BeginStruct() {
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void CompactWriter::EndStruct() {
  out_.push_back(0);
  last_id_ = stack_.empty() ? 0 : stack_.back();
  if (!stack_.empty()) stack_.pop_back();
}

void CompactWriter::FieldHeader(int16_t id, CType type) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_.push_back(static_cast<char>(type));
    Varint(ZigZag(id));
  }
  last_id_ = id;
}

void CompactWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, CType::kI32);
  Varint(ZigZag(v));
}

void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, CType::kI64);
  Varint(ZigZag(v));
}

void CompactWriter::FieldBool(int16_t id, bool v) {
  FieldHeader(id, v ? CType::kTrue : CType::kFalse);
}

void CompactWriter::FieldByte(int16_t id, int8_t v) {
  FieldHeader(id, CType::kByte);
  out_.push_back(static_cast<char>(v));
}

void CompactWriter::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, CType::kI16);
  Varint(ZigZag(v));
}

void CompactWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, CType::kBinary);
  ElemBinary(v);
}

void CompactWriter::ElemBinary(std::string_view v) {
  Varint(v.size());
  out_.append(v);
}

void CompactWriter::FieldStruct(int16_t id) {
  FieldHeader(id, CType::kStruct);
  BeginStruct();
}

void CompactWriter::FieldList(int16_t id, CType elem, uint32_t n) {
  FieldHeader(id, CType::kList);
  if (n < 15) {
    out_.push_back(static_cast<char>((n << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_.push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(elem)));
    Varint(n);
  }
}

uint64_t CompactReader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= in_.size()) {
      ok_ = false;
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(in_[pos_++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ok_ = false;
  return 0;
}

int64_t CompactReader::ReadVarintZigZag() {
  uint64_t v = Varint();
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

int64_t CompactReader::ReadInt() {
  if (byte_type_ == CType::kByte) {
    byte_type_ = CType::kStop;
    if (pos_ >= in_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<int8_t>(in_[pos_++]);
  }
  return ReadVarintZigZag();
}

bool CompactReader::NextField(int16_t* id, CType* type) {
  if (!ok_ || pos_ >= in_.size()) {
    ok_ = false;
    return false;
  }
  uint8_t b = static_cast<uint8_t>(in_[pos_++]);
  if (b == 0) return false;
  *type = static_cast<CType>(b & 0x0f);
  int delta = b >> 4;
  if (delta) {
    *id = static_cast<int16_t>(last_id_ + delta);
  } else {
    *id = static_cast<int16_t>(ReadVarintZigZag());
  }
  last_id_ = *id;
  byte_type_ = *type == CType::kByte ? CType::kByte : CType::kStop;
  return ok_;
}

void CompactReader::BeginStruct() {
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void CompactReader::EndStruct() {
  last_id_ = stack_.empty() ? 0 : stack_.back();
  if (!stack_.empty()) stack_.pop_back();
}

std::string_view CompactReader::ReadBinary() {
  uint64_t n = Varint();
  if (!ok_ || n > in_.size() - pos_) {
    ok_ = false;
    return {};
  }
  std::string_view v = in_.substr(pos_, n);
  pos_ += n;
  return v;
}

double CompactReader::ReadDouble() {
  if (in_.size() - pos_ < 8) {
    ok_ = false;
    return 0;
  }
  double d;
  std::memcpy(&d, in_.data() + pos_, 8);
  pos_ += 8;
  return d;
}

void CompactReader::ReadListHeader(CType* elem, uint32_t* n) {
  *elem = CType::kStop;
  *n = 0;
  if (pos_ >= in_.size()) {
    ok_ = false;
    return;
  }
  uint8_t b = static_cast<uint8_t>(in_[pos_++]);
  *elem = static_cast<CType>(b & 0x0f);
  *n = b >> 4;
  if (*n == 15) *n = static_cast<uint32_t>(Varint());
}

void CompactReader::Skip(CType t, int depth) {
  if (depth > 32) {
    ok_ = false;
    return;
  }
  switch (t) {
    case CType::kTrue:
    case CType::kFalse:
      break;
    case CType::kByte:
      if (byte_type_ == CType::kByte) {
        ReadInt();
      } else {
        pos_++;  // list element byte
      }
      break;
    case CType::kI16:
    case CType::kI32:
    case CType::kI64:
      Varint();
      break;
    case CType::kDouble:
      ReadDouble();
      break;
    case CType::kBinary:
      ReadBinary();
      break;
    case CType::kList:
    case CType::kSet: {
      CType elem = CType::kStop;
      uint32_t n = 0;
      ReadListHeader(&elem, &n);
      for (uint32_t i = 0; i < n && ok_; ++i) {
        if (elem == CType::kTrue || elem == CType::kFalse) {
          pos_++;
        } else {
          Skip(elem, depth + 1);
        }
      }
      break;
    }
    case CType::kMap: {
      uint64_t n = Varint();
      if (n == 0) break;
      if (pos_ >= in_.size()) {
        ok_ = false;
        break;
      }
      uint8_t kv = static_cast<uint8_t>(in_[pos_++]);
      for (uint64_t i = 0; i < n && ok_; ++i) {
        Skip(static_cast<CType>(kv >> 4), depth + 1);
        Skip(static_cast<CType>(kv & 0x0f), depth + 1);
      }
      break;
    }
    case CType::kStruct: {
      BeginStruct();
      int16_t id;
      CType ft;
      while (NextField(&id, &ft)) Skip(ft, depth + 1);
      EndStruct();
      break;
    }
    default:
      ok_ = false;
  }
  if (pos_ > in_.size()) ok_ = false;
}

Status CompactReader::status(std::string_view what) const {
  if (ok_) return Status::OK();
  return Status::Corruption("malformed thrift in {} near byte {}", what, pos_);
}

}  // namespace secor::parquet
