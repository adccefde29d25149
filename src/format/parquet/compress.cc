#include "format/parquet/compress.h"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "common/strings.h"
#include "format/parquet/metadata.h"

namespace secor::parquet {

Result<int> CodecFromName(const std::string& name) {
  std::string n = ToLower(name);
  if (n.empty() || n == "none" || n == "uncompressed") return static_cast<int>(kUncompressed);
  if (n == "snappy") return static_cast<int>(kSnappy);
  if (n == "zstd" || n == "zst") return static_cast<int>(kZstd);
  if (n == "gzip" || n == "gz") return static_cast<int>(kGzip);
  if (n == "lz4") return static_cast<int>(kLz4Raw);
  return Status::InvalidArgument("parquet: unsupported codec '{}' (none, snappy, zstd, gzip, lz4)",
                                 name);
}

namespace {

// Pages can be small (many open files share a memory budget), so each thread
// keeps its compression state instead of allocating it for every page: zlib's
// is 256 KiB, zstd's more. Reset state gives the same bytes as fresh state.
struct DeflateState {
  z_stream zs{};
  bool ok = false;
  DeflateState() { ok = deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~DeflateState() {
    if (ok) deflateEnd(&zs);
  }
  DeflateState(const DeflateState&) = delete;
  DeflateState& operator=(const DeflateState&) = delete;
};

Status GzipCompress(std::string_view in, std::string* out) {
  thread_local DeflateState state;
  if (!state.ok) return Status::Internal("parquet: deflateInit2 failed");
  z_stream& zs = state.zs;
  deflateReset(&zs);
  out->resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  if (rc != Z_STREAM_END) return Status::Internal("parquet: gzip compression failed");
  out->resize(n);
  return Status::OK();
}

struct ZstdState {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZstdState() = default;
  ~ZstdState() { ZSTD_freeCCtx(ctx); }
  ZstdState(const ZstdState&) = delete;
  ZstdState& operator=(const ZstdState&) = delete;
};

Status GzipDecompress(std::string_view in, size_t size, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("parquet: inflateInit2 failed");
  out->resize(size);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = inflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || n != size) return Status::Corruption("parquet: bad gzip page");
  return Status::OK();
}

}  // namespace

Status CompressPage(int codec, std::string_view in, std::string* out) {
  out->clear();
  switch (codec) {
    case kUncompressed:
      out->assign(in);
      return Status::OK();
    case kSnappy:
      snappy::Compress(in.data(), in.size(), out);
      return Status::OK();
    case kZstd: {
      out->resize(ZSTD_compressBound(in.size()));
      thread_local ZstdState state;
      if (!state.ctx) return Status::Internal("parquet: zstd: out of memory");
      size_t n = ZSTD_compressCCtx(state.ctx, out->data(), out->size(), in.data(), in.size(), 3);
      if (ZSTD_isError(n)) return Status::Internal("parquet: zstd: {}", ZSTD_getErrorName(n));
      out->resize(n);
      return Status::OK();
    }
    case kGzip:
      return GzipCompress(in, out);
    case kLz4Raw: {
      out->resize(LZ4_compressBound(static_cast<int>(in.size())));
      int n = LZ4_compress_default(in.data(), out->data(), static_cast<int>(in.size()),
                                   static_cast<int>(out->size()));
      if (n <= 0) return Status::Internal("parquet: lz4 compression failed");
      out->resize(n);
      return Status::OK();
    }
  }
  return Status::InvalidArgument("parquet: unsupported codec {}", codec);
}

Status DecompressPage(int codec, std::string_view in, size_t size, std::string* out) {
  out->clear();
  switch (codec) {
    case kUncompressed:
      out->assign(in);
      return Status::OK();
    case kSnappy:
      if (!snappy::Uncompress(in.data(), in.size(), out) || out->size() != size) {
        return Status::Corruption("parquet: bad snappy page");
      }
      return Status::OK();
    case kZstd: {
      out->resize(size);
      size_t n = ZSTD_decompress(out->data(), size, in.data(), in.size());
      if (ZSTD_isError(n) || n != size) return Status::Corruption("parquet: bad zstd page");
      return Status::OK();
    }
    case kGzip:
      return GzipDecompress(in, size, out);
    case kLz4Raw: {
      out->resize(size);
      int n = LZ4_decompress_safe(in.data(), out->data(), static_cast<int>(in.size()),
                                  static_cast<int>(size));
      if (n < 0 || static_cast<size_t>(n) != size)
        return Status::Corruption("parquet: bad lz4 page");
      return Status::OK();
    }
  }
  return Status::Corruption("parquet: unsupported codec {} in file", codec);
}

}  // namespace secor::parquet
