// The built-in codecs. Stream forms are the command-line tools' containers;
// Hadoop forms follow hadoop-common's codec classes:
//   GzipCodec      one gzip member per compressed buffer
//   DefaultCodec   one zlib (RFC 1950) stream per buffer
//   ZStandardCodec one zstd frame per buffer
//   SnappyCodec,   BlockCompressorStream: [BE32 uncompressed length]
//   Lz4Codec       then [BE32 compressed length][raw block] chunks, the input
//                  cut at bufferSize - overhead (256 KiB buffers by default).
#include <lz4.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "common/strings.h"
#include "format/format_internal.h"

namespace secor::format_internal {
namespace {

constexpr size_t kChunk = 1 << 16;

// --- zlib (gzip and zlib wrappers) ---------------------------------------------

class ZlibCompressor : public StreamCompressor {
 public:
  ZlibCompressor(ByteSink* sink, int window_bits, const char* name) : sink_(sink), name_(name) {
    int rc =
        deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
      init_ = Status::Internal("{} compressor init failed: zlib error {}", name_, rc);
    } else {
      live_ = true;
    }
    out_.resize(kChunk);
  }
  ~ZlibCompressor() override {
    if (live_) deflateEnd(&z_);
  }
  Status Write(std::string_view data) override {
    if (data.empty()) return init_;
    return Pump(data, Z_NO_FLUSH);
  }
  Status Finish() override { return Pump({}, Z_FINISH); }

 private:
  Status Pump(std::string_view data, int flush) {
    RETURN_IF_ERROR(init_);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    while (true) {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return Status::Internal("{} compression failed", name_);
      size_t produced = out_.size() - z_.avail_out;
      if (produced > 0) RETURN_IF_ERROR(sink_->Append(std::string_view(out_.data(), produced)));
      if (flush == Z_FINISH) {
        if (rc == Z_STREAM_END) return Status::OK();
      } else if (z_.avail_in == 0 && z_.avail_out != 0) {
        return Status::OK();
      }
    }
  }

  ByteSink* sink_;
  const char* name_;
  z_stream z_{};
  bool live_ = false;
  Status init_;
  std::string out_;
};

// One block of a block-compressed SequenceFile, deflated in one call with a
// z_stream kept per thread: deflateReset gives the same bytes as a fresh
// deflateInit2 without allocating its 256 KiB of state for every block.
Status DeflateBlock(std::string_view in, std::string* out, int window_bits, const char* name) {
  struct Stream {
    z_stream z{};
    bool live = false;
    ~Stream() {
      if (live) deflateEnd(&z);
    }
  };
  thread_local Stream gzip, zlib;
  Stream& s = window_bits > 15 ? gzip : zlib;
  int rc = s.live ? deflateReset(&s.z)
                  : deflateInit2(&s.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8,
                                 Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) return Status::Internal("{} compressor init failed: zlib error {}", name, rc);
  s.live = true;
  size_t start = out->size();
  out->resize(start + deflateBound(&s.z, static_cast<uLong>(in.size())));
  s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.z.avail_in = static_cast<uInt>(in.size());
  s.z.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  s.z.avail_out = static_cast<uInt>(out->size() - start);
  rc = deflate(&s.z, Z_FINISH);
  if (rc != Z_STREAM_END) return Status::Internal("{} compression failed: zlib error {}", name, rc);
  out->resize(out->size() - s.z.avail_out);
  return Status::OK();
}

// Inflates every member/stream of in (window_bits 31: gzip, 15: zlib).
Status InflateAll(std::string_view in, std::string* out, int window_bits, const char* name) {
  if (in.empty()) return Status::Corruption("{} data is empty", name);
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) {
    return Status::Internal("{} decompressor init failed", name);
  }
  std::array<char, kChunk> buf;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  Status st;
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    int rc = inflate(&z, Z_NO_FLUSH);
    out->append(buf.data(), buf.size() - z.avail_out);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // a concatenated member follows
      continue;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (z.avail_in == 0 && z.avail_out != 0) {
        st = Status::Corruption("{} data is truncated", name);
        break;
      }
      continue;
    }
    st = Status::Corruption("{} data is corrupt: {}", name, z.msg ? z.msg : "zlib error");
    break;
  }
  inflateEnd(&z);
  return st;
}

class GzipCodec : public Codec {
 public:
  std::string name() const override { return "gzip"; }
  std::string extension() const override { return ".gz"; }
  std::string hadoop_class() const override { return "org.apache.hadoop.io.compress.GzipCodec"; }
  std::unique_ptr<StreamCompressor> NewStreamCompressor(ByteSink* sink) const override {
    return std::make_unique<ZlibCompressor>(sink, 15 + 16, "gzip");
  }
  Status DecompressStream(std::string_view in, std::string* out) const override {
    return InflateAll(in, out, 15 + 16, "gzip");
  }
  Status HadoopCompress(std::string_view in, std::string* out) const override {
    return DeflateBlock(in, out, 15 + 16, "gzip");
  }
  Status HadoopDecompress(std::string_view in, std::string* out) const override {
    return InflateAll(in, out, 15 + 16, "gzip");
  }
};

class DeflateCodec : public Codec {
 public:
  std::string name() const override { return "deflate"; }
  std::string extension() const override { return ".deflate"; }
  std::string hadoop_class() const override { return "org.apache.hadoop.io.compress.DefaultCodec"; }
  bool members_concatenate() const override { return false; }
  std::unique_ptr<StreamCompressor> NewStreamCompressor(ByteSink* sink) const override {
    return std::make_unique<ZlibCompressor>(sink, 15, "deflate");
  }
  Status DecompressStream(std::string_view in, std::string* out) const override {
    return InflateAll(in, out, 15, "deflate");
  }
  Status HadoopCompress(std::string_view in, std::string* out) const override {
    return DeflateBlock(in, out, 15, "deflate");
  }
  Status HadoopDecompress(std::string_view in, std::string* out) const override {
    return InflateAll(in, out, 15, "deflate");
  }
};

// --- zstd ------------------------------------------------------------------------

class ZstdCompressor : public StreamCompressor {
 public:
  explicit ZstdCompressor(ByteSink* sink) : sink_(sink), ctx_(ZSTD_createCCtx()) {
    // A content checksum lets zstd -d (and our reader) catch damaged files.
    if (ctx_) ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1);
    out_.resize(ZSTD_CStreamOutSize());
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(ctx_); }
  Status Write(std::string_view data) override { return Pump(data, ZSTD_e_continue); }
  Status Finish() override { return Pump({}, ZSTD_e_end); }

 private:
  Status Pump(std::string_view data, ZSTD_EndDirective mode) {
    if (!ctx_) return Status::Internal("zstd compressor init failed");
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    while (true) {
      ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
      size_t rc = ZSTD_compressStream2(ctx_, &ob, &in, mode);
      if (ZSTD_isError(rc))
        return Status::Internal("zstd compression failed: {}", ZSTD_getErrorName(rc));
      if (ob.pos > 0) RETURN_IF_ERROR(sink_->Append(std::string_view(out_.data(), ob.pos)));
      bool done = mode == ZSTD_e_end ? rc == 0 : in.pos == in.size;
      if (done) return Status::OK();
    }
  }
  ByteSink* sink_;
  ZSTD_CCtx* ctx_;
  std::string out_;
};

Status ZstdDecompressAll(std::string_view in, std::string* out) {
  if (in.empty()) return Status::Corruption("zstd data is empty");
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (!ctx) return Status::Internal("zstd decompressor init failed");
  std::string buf(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t rc = 0;
  Status st;
  while (true) {
    ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(ctx, &ob, &ib);
    if (ZSTD_isError(rc)) {
      st = Status::Corruption("zstd data is corrupt: {}", ZSTD_getErrorName(rc));
      break;
    }
    out->append(buf.data(), ob.pos);
    if (ib.pos == ib.size && ob.pos < ob.size) break;
  }
  ZSTD_freeDCtx(ctx);
  if (st.ok() && rc != 0) st = Status::Corruption("zstd data is truncated");
  return st;
}

class ZstdCodec : public Codec {
 public:
  std::string name() const override { return "zstd"; }
  std::string extension() const override { return ".zst"; }
  std::string hadoop_class() const override {
    return "org.apache.hadoop.io.compress.ZStandardCodec";
  }
  std::unique_ptr<StreamCompressor> NewStreamCompressor(ByteSink* sink) const override {
    return std::make_unique<ZstdCompressor>(sink);
  }
  Status DecompressStream(std::string_view in, std::string* out) const override {
    return ZstdDecompressAll(in, out);
  }
  Status HadoopCompress(std::string_view in, std::string* out) const override {
    // One frame per block, from a context kept per thread (creating one per
    // block costs more than compressing a small block).
    struct Context {
      ZSTD_CCtx* ctx = ZSTD_createCCtx();
      ~Context() { ZSTD_freeCCtx(ctx); }
    };
    thread_local Context c;
    if (!c.ctx) return Status::Internal("zstd compressor init failed");
    ZSTD_CCtx_reset(c.ctx, ZSTD_reset_session_only);
    ZSTD_CCtx_setParameter(c.ctx, ZSTD_c_checksumFlag, 1);
    size_t start = out->size();
    out->resize(start + ZSTD_compressBound(in.size()));
    size_t n =
        ZSTD_compress2(c.ctx, out->data() + start, out->size() - start, in.data(), in.size());
    if (ZSTD_isError(n))
      return Status::Internal("zstd compression failed: {}", ZSTD_getErrorName(n));
    out->resize(start + n);
    return Status::OK();
  }
  Status HadoopDecompress(std::string_view in, std::string* out) const override {
    return ZstdDecompressAll(in, out);
  }
};

// --- Hadoop BlockCompressorStream layout (snappy, lz4) ----------------------------

using RawCompress = void (*)(std::string_view in, std::string* out);
using RawDecompress = Status (*)(std::string_view in, size_t capacity, std::string* out);

// One write of in to a fresh BlockCompressorStream, then finish(): a single
// [length][chunk] when in fits max_input, else the whole length once followed
// by one chunk per max_input slice.
void HadoopBlockCompress(std::string_view in, size_t max_input, RawCompress compress,
                         std::string* out) {
  PutBE32(out, static_cast<uint32_t>(in.size()));
  std::string chunk;
  for (size_t pos = 0; pos < in.size(); pos += max_input) {
    chunk.clear();
    compress(in.substr(pos, max_input), &chunk);
    PutBE32(out, static_cast<uint32_t>(chunk.size()));
    out->append(chunk);
  }
}

Status HadoopBlockDecompress(std::string_view in, RawDecompress decompress, const char* name,
                             std::string* out) {
  size_t pos = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return Status::Corruption("{} block is truncated", name);
    size_t total = GetBE32(in.data() + pos);
    pos += 4;
    size_t done = 0;
    while (done < total) {
      if (in.size() - pos < 4) return Status::Corruption("{} block is truncated", name);
      size_t clen = GetBE32(in.data() + pos);
      pos += 4;
      if (in.size() - pos < clen) return Status::Corruption("{} block is truncated", name);
      size_t before = out->size();
      RETURN_IF_ERROR(decompress(in.substr(pos, clen), total - done, out));
      pos += clen;
      size_t produced = out->size() - before;
      if (produced == 0) return Status::Corruption("{} block has an empty chunk", name);
      done += produced;
    }
  }
  return Status::OK();
}

void SnappyRaw(std::string_view in, std::string* out) {
  snappy::Compress(in.data(), in.size(), out);
}
Status SnappyRawDecompress(std::string_view in, size_t capacity, std::string* out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n) || n > capacity) {
    return Status::Corruption("snappy chunk is corrupt");
  }
  size_t before = out->size();
  out->resize(before + n);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data() + before)) {
    out->resize(before);
    return Status::Corruption("snappy chunk is corrupt");
  }
  return Status::OK();
}

void Lz4Raw(std::string_view in, std::string* out) {
  int bound = LZ4_compressBound(static_cast<int>(in.size()));
  out->resize(bound);
  int n = LZ4_compress_default(in.data(), out->data(), static_cast<int>(in.size()), bound);
  out->resize(n > 0 ? n : 0);
}
Status Lz4RawDecompress(std::string_view in, size_t capacity, std::string* out) {
  // capacity is what the block header announces (up to 4 GiB, from the
  // file); an LZ4 block expands at most about 255 times, so room beyond that
  // could never be filled (a corrupt header made this allocate gigabytes:
  // fuzz/format/sequence_file_reader_fuzz.cc).
  capacity = std::min(capacity, in.size() * 255 + 64);
  size_t before = out->size();
  out->resize(before + capacity);
  int n = LZ4_decompress_safe(in.data(), out->data() + before, static_cast<int>(in.size()),
                              static_cast<int>(capacity));
  if (n < 0) {
    out->resize(before);
    return Status::Corruption("lz4 chunk is corrupt");
  }
  out->resize(before + n);
  return Status::OK();
}

// --- snappy framing format (stream form) ----------------------------------------

// CRC-32C (Castagnoli), slicing by 8.
struct Crc32cTables {
  uint32_t t[8][256];
  Crc32cTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

uint32_t Crc32c(std::string_view data) {
  static const Crc32cTables tables;
  const auto& t = tables.t;
  uint32_t crc = 0xffffffffu;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    uint32_t lo =
        crc ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

uint32_t MaskedCrc(std::string_view data) {
  uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

constexpr std::string_view kSnappyStreamId("\xff\x06\x00\x00sNaPpY", 10);
constexpr size_t kSnappyFrameMax = 65536;

void PutChunkHeader(std::string* out, uint8_t type, size_t len, uint32_t crc) {
  char h[8] = {static_cast<char>(type),      static_cast<char>(len),
               static_cast<char>(len >> 8),  static_cast<char>(len >> 16),
               static_cast<char>(crc),       static_cast<char>(crc >> 8),
               static_cast<char>(crc >> 16), static_cast<char>(crc >> 24)};
  out->append(h, 8);
}

class SnappyFramedCompressor : public StreamCompressor {
 public:
  explicit SnappyFramedCompressor(ByteSink* sink) : sink_(sink) {
    pending_.reserve(kSnappyFrameMax);
  }
  Status Write(std::string_view data) override {
    while (!data.empty()) {
      size_t take = std::min(data.size(), kSnappyFrameMax - pending_.size());
      pending_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (pending_.size() == kSnappyFrameMax) RETURN_IF_ERROR(EmitChunk());
    }
    return Status::OK();
  }
  Status Finish() override {
    if (!pending_.empty() || !started_) RETURN_IF_ERROR(EmitChunk());
    return Status::OK();
  }

 private:
  Status EmitChunk() {
    frame_.clear();
    if (!started_) {
      frame_.append(kSnappyStreamId);
      started_ = true;
    }
    if (!pending_.empty()) {
      uint32_t crc = MaskedCrc(pending_);
      compressed_.clear();
      snappy::Compress(pending_.data(), pending_.size(), &compressed_);
      // The format allows either chunk type; stored is smaller for noise.
      if (compressed_.size() < pending_.size()) {
        PutChunkHeader(&frame_, 0x00, compressed_.size() + 4, crc);
        frame_.append(compressed_);
      } else {
        PutChunkHeader(&frame_, 0x01, pending_.size() + 4, crc);
        frame_.append(pending_);
      }
      pending_.clear();
    }
    return sink_->Append(frame_);
  }

  ByteSink* sink_;
  bool started_ = false;
  std::string pending_;
  std::string compressed_;
  std::string frame_;
};

Status SnappyFramedDecompress(std::string_view in, std::string* out) {
  if (!StartsWith(in, kSnappyStreamId)) {
    return Status::Corruption("snappy stream does not start with the stream identifier");
  }
  size_t pos = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return Status::Corruption("snappy stream is truncated");
    const auto* h = reinterpret_cast<const unsigned char*>(in.data() + pos);
    uint8_t type = h[0];
    size_t len = size_t{h[1]} | size_t{h[2]} << 8 | size_t{h[3]} << 16;
    pos += 4;
    if (in.size() - pos < len) return Status::Corruption("snappy stream is truncated");
    std::string_view body = in.substr(pos, len);
    pos += len;
    if (type == 0xff) {
      if (body != kSnappyStreamId.substr(4))
        return Status::Corruption("bad snappy stream identifier");
    } else if (type == 0x00 || type == 0x01) {
      if (len < 4) return Status::Corruption("snappy chunk is too short");
      uint32_t crc = static_cast<uint32_t>(static_cast<unsigned char>(body[0])) |
                     static_cast<uint32_t>(static_cast<unsigned char>(body[1])) << 8 |
                     static_cast<uint32_t>(static_cast<unsigned char>(body[2])) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(body[3])) << 24;
      body.remove_prefix(4);
      size_t before = out->size();
      if (type == 0x00) {
        RETURN_IF_ERROR(SnappyRawDecompress(body, kSnappyFrameMax, out));
      } else {
        out->append(body);
      }
      if (MaskedCrc(std::string_view(*out).substr(before)) != crc) {
        return Status::Corruption("snappy chunk checksum mismatch");
      }
    } else if (type < 0x80) {
      return Status::Corruption("snappy stream has reserved chunk type {}", type);
    }  // 0x80..0xfe: skippable
  }
  return Status::OK();
}

constexpr size_t kHadoopBuffer = 256 * 1024;

class SnappyCodec : public Codec {
 public:
  std::string name() const override { return "snappy"; }
  std::string extension() const override { return ".snappy"; }
  std::string hadoop_class() const override { return "org.apache.hadoop.io.compress.SnappyCodec"; }
  std::unique_ptr<StreamCompressor> NewStreamCompressor(ByteSink* sink) const override {
    return std::make_unique<SnappyFramedCompressor>(sink);
  }
  Status DecompressStream(std::string_view in, std::string* out) const override {
    return SnappyFramedDecompress(in, out);
  }
  Status HadoopCompress(std::string_view in, std::string* out) const override {
    // SnappyCodec: compressionOverhead = bufferSize / 6 + 32.
    HadoopBlockCompress(in, kHadoopBuffer - (kHadoopBuffer / 6 + 32), SnappyRaw, out);
    return Status::OK();
  }
  Status HadoopDecompress(std::string_view in, std::string* out) const override {
    return HadoopBlockDecompress(in, SnappyRawDecompress, "snappy", out);
  }
};

// --- lz4 frame (stream form) -------------------------------------------------------

class Lz4FrameCompressor : public StreamCompressor {
 public:
  explicit Lz4FrameCompressor(ByteSink* sink) : sink_(sink) {
    if (LZ4F_isError(LZ4F_createCompressionContext(&ctx_, LZ4F_VERSION))) ctx_ = nullptr;
    prefs_.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs_.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    out_.resize(LZ4F_compressBound(kChunk, &prefs_) + LZ4F_HEADER_SIZE_MAX);
  }
  ~Lz4FrameCompressor() override {
    if (ctx_) LZ4F_freeCompressionContext(ctx_);
  }
  Status Write(std::string_view data) override {
    RETURN_IF_ERROR(Begin());
    while (!data.empty()) {
      size_t take = std::min(data.size(), kChunk);
      size_t n = LZ4F_compressUpdate(ctx_, out_.data(), out_.size(), data.data(), take, nullptr);
      if (LZ4F_isError(n))
        return Status::Internal("lz4 compression failed: {}", LZ4F_getErrorName(n));
      if (n > 0) RETURN_IF_ERROR(sink_->Append(std::string_view(out_.data(), n)));
      data.remove_prefix(take);
    }
    return Status::OK();
  }
  Status Finish() override {
    RETURN_IF_ERROR(Begin());
    size_t n = LZ4F_compressEnd(ctx_, out_.data(), out_.size(), nullptr);
    if (LZ4F_isError(n))
      return Status::Internal("lz4 compression failed: {}", LZ4F_getErrorName(n));
    return sink_->Append(std::string_view(out_.data(), n));
  }

 private:
  Status Begin() {
    if (!ctx_) return Status::Internal("lz4 compressor init failed");
    if (begun_) return Status::OK();
    begun_ = true;
    size_t n = LZ4F_compressBegin(ctx_, out_.data(), out_.size(), &prefs_);
    if (LZ4F_isError(n))
      return Status::Internal("lz4 compression failed: {}", LZ4F_getErrorName(n));
    return sink_->Append(std::string_view(out_.data(), n));
  }
  ByteSink* sink_;
  LZ4F_cctx* ctx_ = nullptr;
  LZ4F_preferences_t prefs_{};
  bool begun_ = false;
  std::string out_;
};

Status Lz4FrameDecompress(std::string_view in, std::string* out) {
  if (in.empty()) return Status::Corruption("lz4 data is empty");
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Status::Internal("lz4 decompressor init failed");
  }
  std::array<char, kChunk> buf;
  const char* src = in.data();
  size_t remaining = in.size();
  size_t hint = 1;
  Status st;
  while (true) {
    size_t dst_size = buf.size();
    size_t src_size = remaining;
    hint = LZ4F_decompress(ctx, buf.data(), &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      st = Status::Corruption("lz4 data is corrupt: {}", LZ4F_getErrorName(hint));
      break;
    }
    out->append(buf.data(), dst_size);
    src += src_size;
    remaining -= src_size;
    if (remaining == 0 && dst_size < buf.size()) break;
  }
  LZ4F_freeDecompressionContext(ctx);
  if (st.ok() && hint != 0) st = Status::Corruption("lz4 data is truncated");
  return st;
}

class Lz4Codec : public Codec {
 public:
  std::string name() const override { return "lz4"; }
  std::string extension() const override { return ".lz4"; }
  std::string hadoop_class() const override { return "org.apache.hadoop.io.compress.Lz4Codec"; }
  std::unique_ptr<StreamCompressor> NewStreamCompressor(ByteSink* sink) const override {
    return std::make_unique<Lz4FrameCompressor>(sink);
  }
  Status DecompressStream(std::string_view in, std::string* out) const override {
    return Lz4FrameDecompress(in, out);
  }
  Status HadoopCompress(std::string_view in, std::string* out) const override {
    // Lz4Codec: compressionOverhead = bufferSize / 255 + 16.
    HadoopBlockCompress(in, kHadoopBuffer - (kHadoopBuffer / 255 + 16), Lz4Raw, out);
    return Status::OK();
  }
  Status HadoopDecompress(std::string_view in, std::string* out) const override {
    return HadoopBlockDecompress(in, Lz4RawDecompress, "lz4", out);
  }
};

}  // namespace

std::unique_ptr<Codec> NewGzipCodec() { return std::make_unique<GzipCodec>(); }
std::unique_ptr<Codec> NewDeflateCodec() { return std::make_unique<DeflateCodec>(); }
std::unique_ptr<Codec> NewZstdCodec() { return std::make_unique<ZstdCodec>(); }
std::unique_ptr<Codec> NewSnappyCodec() { return std::make_unique<SnappyCodec>(); }
std::unique_ptr<Codec> NewLz4Codec() { return std::make_unique<Lz4Codec>(); }

Result<std::unique_ptr<Codec>> CodecForHadoopClass(const std::string& name) {
  return NewCodec(name);
}

std::string DetectStreamCodec(std::string_view head) {
  if (StartsWith(head, "\x1f\x8b")) return "gzip";
  if (StartsWith(head, "\x28\xb5\x2f\xfd")) return "zstd";
  if (StartsWith(head, "\x04\x22\x4d\x18")) return "lz4";
  if (StartsWith(head, kSnappyStreamId)) return "snappy";
  if (head.size() >= 2 && head[0] == 0x78 &&
      (head[1] == 0x01 || head[1] == static_cast<char>(0x9c) ||
       head[1] == static_cast<char>(0xda))) {
    return "deflate";
  }
  return "";
}

}  // namespace secor::format_internal
