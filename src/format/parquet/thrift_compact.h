// A minimal Thrift compact-protocol encoder and decoder, just enough for the
// Parquet footer and page headers. Field ids are written as deltas, so each
// struct tracks the last id it wrote (or read).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor::parquet {

// Compact protocol type ids.
enum class CType : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactWriter {
 public:
  void BeginStruct();  // nested struct: saves the enclosing last field id
  void EndStruct();    // writes the stop byte and restores it
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldBool(int16_t id, bool v);
  void FieldByte(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldBinary(int16_t id, std::string_view v);
  // Begins a struct-typed field; follow with the fields and EndStruct().
  void FieldStruct(int16_t id);
  // Begins a list-typed field of n elements of type elem.
  void FieldList(int16_t id, CType elem, uint32_t n);
  // List elements.
  void ElemI32(int32_t v) { Varint(ZigZag(v)); }
  void ElemBinary(std::string_view v);
  void ElemStructBegin() { BeginStruct(); }

  void Varint(uint64_t v);
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

  std::string& out() { return out_; }

 private:
  void FieldHeader(int16_t id, CType type);
  std::string out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> stack_;
};

// Decoder over one buffer. Errors are sticky: check ok() after decoding.
class CompactReader {
 public:
  explicit CompactReader(std::string_view in) : in_(in) {}

  // Reads the next field header of the current struct; false at its stop byte.
  bool NextField(int16_t* id, CType* type);
  void BeginStruct();
  void EndStruct();
  int64_t ReadInt();  // i16/i32/i64/byte (byte is not zigzag)
  int64_t ReadVarintZigZag();
  bool ReadBool(CType type) { return type == CType::kTrue; }  // field form
  std::string_view ReadBinary();
  double ReadDouble();
  // List header: element type and count.
  void ReadListHeader(CType* elem, uint32_t* n);
  // Skips one value of type t (structs and lists recursively).
  void Skip(CType t, int depth = 0);

  uint64_t Varint();
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  Status status(std::string_view what) const;

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
  int16_t last_id_ = 0;
  std::vector<int16_t> stack_;
  CType byte_type_ = CType::kStop;  // set while reading a kByte field
};

}  // namespace secor::parquet
