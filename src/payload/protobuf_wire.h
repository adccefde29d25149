// ProtobufWire: the protobuf wire format read in place (varints, fixed-width
// values, length-delimited fields, skipping of fields and groups). Every
// hand-written reading of protobuf payloads goes through it, so bounds checks,
// nesting limits and error texts are one implementation. All reads stay in
// [pos, end) and errors name the byte position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace secor {

class ProtobufWire {
 public:
  // Groups nest at most this deep; deeper input is Corruption.
  static constexpr int kMaxDepth = 64;

  // data must outlive the reader.
  explicit ProtobufWire(std::string_view data) : data_(data) {}

  std::string_view data() const { return data_; }

  // Each read starts at *pos, stops before end and advances *pos past what
  // it read; Corruption when the input ends early or is malformed.
  Result<uint64_t> Varint(size_t* pos, size_t end) const;
  // A length prefix, checked against what is left before end.
  Result<uint64_t> Length(size_t* pos, size_t end) const;
  // A little-endian fixed-width value of 4 or 8 bytes.
  Result<uint64_t> Fixed(size_t* pos, size_t end, int bytes) const;
  // Skips the value of a field whose tag (number, wire type) was just read;
  // depth is the nesting of the field, for the group limit.
  Status SkipField(int wire, uint32_t number, size_t* pos, size_t end, int depth) const;

  Status Truncated(size_t pos) const;

 private:
  std::string_view data_;
};

}  // namespace secor
