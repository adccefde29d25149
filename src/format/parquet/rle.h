// The RLE / bit-packed hybrid encoding of Parquet: used for definition and
// repetition levels and for dictionary indices. Runs of 8 or more equal
// values become RLE runs; everything else is bit-packed in groups of 8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor::parquet {

// Bits needed to store max_value (0 for 0).
int BitWidth(uint64_t max_value);

// Appends the hybrid encoding of values (each < 2^bit_width) to out, without a
// length prefix.
void RleEncode(const std::vector<uint32_t>& values, int bit_width, std::string* out);

// Decodes exactly n values from in into out (appending); consumed bytes are
// reported in *used when not null.
Status RleDecode(std::string_view in, int bit_width, size_t n, std::vector<uint32_t>* out,
                 size_t* used = nullptr);

// Bit-packs booleans LSB first (the PLAIN encoding of BOOLEAN).
void PackBools(const std::vector<uint8_t>& bits, std::string* out);

}  // namespace secor::parquet
