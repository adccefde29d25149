#include "format/parquet/rle.h"

namespace secor::parquet {

int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutRle(uint32_t value, size_t count, int bit_width, std::string* out) {
  PutVarint(static_cast<uint64_t>(count) << 1, out);
  int bytes = (bit_width + 7) / 8;
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// values.size() is a multiple of 8.
void PutBitPacked(const uint32_t* values, size_t count, int bit_width, std::string* out) {
  PutVarint(((count / 8) << 1) | 1, out);
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < count; ++i) {
    acc |= static_cast<uint64_t>(values[i]) << bits;
    bits += bit_width;
    while (bits >= 8) {
      out->push_back(static_cast<char>(acc & 0xff));
      acc >>= 8;
      bits -= 8;
    }
  }
  // count * bit_width is a multiple of 8 since count is a multiple of 8.
}

}  // namespace

void RleEncode(const std::vector<uint32_t>& values, int bit_width, std::string* out) {
  if (bit_width == 0) {
    // Every value is 0: one RLE run with a zero-byte value.
    if (!values.empty()) PutVarint(static_cast<uint64_t>(values.size()) << 1, out);
    return;
  }
  std::vector<uint32_t> literal;
  size_t i = 0;
  const size_t n = values.size();
  while (i < n) {
    size_t run = 1;
    while (i + run < n && values[i + run] == values[i]) ++run;
    if (run >= 8) {
      // The literals before an RLE run must fill whole groups of 8; borrow
      // from the run to pad them.
      while (literal.size() % 8 != 0) {
        literal.push_back(values[i]);
        ++i;
        --run;
      }
      if (run >= 8) {
        if (!literal.empty()) {
          PutBitPacked(literal.data(), literal.size(), bit_width, out);
          literal.clear();
        }
        PutRle(values[i], run, bit_width, out);
        i += run;
        continue;
      }
    }
    for (size_t k = 0; k < run; ++k) literal.push_back(values[i + k]);
    i += run;
  }
  if (!literal.empty()) {
    while (literal.size() % 8 != 0) literal.push_back(0);
    PutBitPacked(literal.data(), literal.size(), bit_width, out);
  }
}

Status RleDecode(std::string_view in, int bit_width, size_t n, std::vector<uint32_t>* out,
                 size_t* used) {
  if (bit_width < 0 || bit_width > 32) return Status::Corruption("bad RLE bit width {}", bit_width);
  size_t pos = 0;
  size_t done = 0;
  const int vbytes = (bit_width + 7) / 8;
  while (done < n) {
    uint64_t header = 0;
    int shift = 0;
    while (true) {
      if (pos >= in.size() || shift > 35) return Status::Corruption("truncated RLE run header");
      uint8_t b = static_cast<uint8_t>(in[pos++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (header & 1) {
      size_t count = (header >> 1) * 8;
      size_t bytes = (header >> 1) * bit_width;
      if (bytes > in.size() - pos) return Status::Corruption("truncated bit-packed run");
      uint64_t acc = 0;
      int bits = 0;
      size_t p = pos;
      uint32_t mask = bit_width == 32 ? 0xffffffffu : ((1u << bit_width) - 1);
      for (size_t k = 0; k < count; ++k) {
        while (bits < bit_width) {
          acc |= static_cast<uint64_t>(static_cast<uint8_t>(in[p++])) << bits;
          bits += 8;
        }
        if (done < n) {
          out->push_back(static_cast<uint32_t>(acc & mask));
          ++done;
        }
        acc >>= bit_width;
        bits -= bit_width;
      }
      pos += bytes;
    } else {
      size_t count = header >> 1;
      if (static_cast<size_t>(vbytes) > in.size() - pos)
        return Status::Corruption("truncated RLE run");
      uint32_t v = 0;
      for (int k = 0; k < vbytes; ++k)
        v |= static_cast<uint32_t>(static_cast<uint8_t>(in[pos + k])) << (8 * k);
      pos += vbytes;
      if (count == 0) return Status::Corruption("empty RLE run");
      for (size_t k = 0; k < count && done < n; ++k, ++done) out->push_back(v);
    }
  }
  if (used) *used = pos;
  return Status::OK();
}

void PackBools(const std::vector<uint8_t>& bits, std::string* out) {
  uint8_t cur = 0;
  int nb = 0;
  for (uint8_t b : bits) {
    if (b) cur |= static_cast<uint8_t>(1u << nb);
    if (++nb == 8) {
      out->push_back(static_cast<char>(cur));
      cur = 0;
      nb = 0;
    }
  }
  if (nb) out->push_back(static_cast<char>(cur));
}

}  // namespace secor::parquet
