// Hadoop SequenceFile (version 6), written as org.apache.hadoop.io.SequenceFile
// .Writer / RecordCompressWriter / BlockCompressWriter write it, so that Hadoop,
// Hive and Spark read Secor output unchanged. Layout in docs/formats.md.
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <future>
#include <memory>

#include "common/strings.h"
#include "format/compression_pool.h"
#include "format/format_internal.h"

namespace secor::format_internal {
namespace {

constexpr std::string_view kMagic("SEQ\x06", 4);
constexpr std::string_view kLongWritable = "org.apache.hadoop.io.LongWritable";
constexpr std::string_view kBytesWritable = "org.apache.hadoop.io.BytesWritable";
constexpr size_t kSyncSize = 16;
// SequenceFile.SYNC_INTERVAL of Hadoop 2 (100 * (4 + 16)); readers need none.
constexpr uint64_t kSyncInterval = 2000;
constexpr uint32_t kSyncEscape = 0xffffffffu;

uint64_t Fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Hadoop draws the marker from MD5(UID + time); any 16 bytes serve readers.
// Hashing the topic and the file's last two path components (partition
// directory and name, not the staging root) keeps reruns byte-identical.
std::string DeriveSyncMarker(const std::string& topic, const std::string& path) {
  std::string id = topic + '\0' + BaseName(DirName(path)) + '/' + BaseName(path);
  uint64_t a = Mix(Fnv1a(id, 0xcbf29ce484222325ull));
  uint64_t b = Mix(Fnv1a(id, 0x84222325cbf29ce4ull) ^ a);
  std::string out;
  PutBE64(&out, a);
  PutBE64(&out, b);
  return out;
}

// MessagePack as msgpack-java's packer writes it: the smallest encoding.
void PackInt(std::string* out, int64_t v) {
  auto put = [out](uint8_t tag, uint64_t x, int bytes) {
    out->push_back(static_cast<char>(tag));
    for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(x >> (8 * i)));
  };
  if (v < -(int64_t{1} << 5)) {
    if (v < -(int64_t{1} << 15)) {
      if (v < -(int64_t{1} << 31)) {
        put(0xd3, static_cast<uint64_t>(v), 8);
      } else {
        put(0xd2, static_cast<uint64_t>(v), 4);
      }
    } else if (v < -(int64_t{1} << 7)) {
      put(0xd1, static_cast<uint64_t>(v), 2);
    } else {
      put(0xd0, static_cast<uint64_t>(v), 1);
    }
  } else if (v < (int64_t{1} << 7)) {
    out->push_back(static_cast<char>(v));
  } else if (v < (int64_t{1} << 8)) {
    put(0xcc, v, 1);
  } else if (v < (int64_t{1} << 16)) {
    put(0xcd, v, 2);
  } else if (v < (int64_t{1} << 32)) {
    put(0xce, v, 4);
  } else {
    put(0xcf, v, 8);
  }
}

void PackBinary(std::string* out, std::string_view b) {
  size_t n = b.size();
  if (n < (1u << 8)) {
    out->push_back(static_cast<char>(0xc4));
    out->push_back(static_cast<char>(n));
  } else if (n < (1u << 16)) {
    out->push_back(static_cast<char>(0xc5));
    out->push_back(static_cast<char>(n >> 8));
    out->push_back(static_cast<char>(n));
  } else {
    out->push_back(static_cast<char>(0xc6));
    PutBE32(out, static_cast<uint32_t>(n));
  }
  out->append(b);
}

// The key of MessagePackSequenceFileReaderWriterFactory: {1: offset,
// 3: timestamp if known, 2: key bytes if any}, in that order.
void PackMsgPackKey(std::string* out, const Message& m) {
  bool has_ts = m.timestamp_ms != -1;
  out->push_back(static_cast<char>(0x80 | (1 + (has_ts ? 1 : 0) + (m.has_key ? 1 : 0))));
  out->push_back(1);
  PackInt(out, m.offset);
  if (has_ts) {
    out->push_back(3);
    PackInt(out, m.timestamp_ms);
  }
  if (m.has_key) {
    out->push_back(2);
    PackBinary(out, m.key);
  }
}

class MsgPackCursor {
 public:
  explicit MsgPackCursor(std::string_view in) : in_(in) {}
  Status Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return Status::Corruption("truncated MessagePack key");
    *b = static_cast<uint8_t>(in_[pos_++]);
    return Status::OK();
  }
  Status Uint(int bytes, uint64_t* v) {
    if (in_.size() - pos_ < static_cast<size_t>(bytes)) {
      return Status::Corruption("truncated MessagePack key");
    }
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v = (*v << 8) | static_cast<uint8_t>(in_[pos_++]);
    return Status::OK();
  }
  Status Int(int64_t* v) {
    uint8_t t = 0;
    RETURN_IF_ERROR(Byte(&t));
    uint64_t u = 0;
    if (t < 0x80) {
      *v = t;
    } else if (t >= 0xe0) {
      *v = static_cast<int8_t>(t);  // NOLINT(bugprone-signed-char-misuse): negative fixint
    } else if (t >= 0xcc && t <= 0xcf) {
      RETURN_IF_ERROR(Uint(1 << (t - 0xcc), &u));
      *v = static_cast<int64_t>(u);
    } else if (t >= 0xd0 && t <= 0xd3) {
      int bytes = 1 << (t - 0xd0);
      RETURN_IF_ERROR(Uint(bytes, &u));
      int shift = 64 - 8 * bytes;
      *v = static_cast<int64_t>(u << shift) >> shift;
    } else {
      return Status::Corruption("MessagePack key: expected an integer, found type 0x{:02x}", t);
    }
    return Status::OK();
  }
  Status MapHeader(uint64_t* n) {
    uint8_t t = 0;
    RETURN_IF_ERROR(Byte(&t));
    if ((t & 0xf0) == 0x80) {
      *n = t & 0x0f;
      return Status::OK();
    }
    if (t == 0xde) return Uint(2, n);
    if (t == 0xdf) return Uint(4, n);
    return Status::Corruption("MessagePack key is not a map (type 0x{:02x})", t);
  }
  // bin or str.
  Status Bytes(std::string* out) {
    uint8_t t = 0;
    RETURN_IF_ERROR(Byte(&t));
    uint64_t n = 0;
    if ((t & 0xe0) == 0xa0) {
      n = t & 0x1f;
    } else if (t == 0xc4 || t == 0xd9) {
      RETURN_IF_ERROR(Uint(1, &n));
    } else if (t == 0xc5 || t == 0xda) {
      RETURN_IF_ERROR(Uint(2, &n));
    } else if (t == 0xc6 || t == 0xdb) {
      RETURN_IF_ERROR(Uint(4, &n));
    } else {
      return Status::Corruption("MessagePack key: expected bytes, found type 0x{:02x}", t);
    }
    if (in_.size() - pos_ < n) return Status::Corruption("truncated MessagePack key");
    out->assign(in_.substr(pos_, n));
    pos_ += n;
    return Status::OK();
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

Status UnpackMsgPackKey(std::string_view in, Record* r) {
  MsgPackCursor c(in);
  uint64_t n = 0;
  RETURN_IF_ERROR(c.MapHeader(&n));
  bool has_offset = false;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t field = 0;
    RETURN_IF_ERROR(c.Int(&field));
    if (field == 1) {
      RETURN_IF_ERROR(c.Int(&r->offset));
      has_offset = true;
    } else if (field == 3) {
      RETURN_IF_ERROR(c.Int(&r->timestamp_ms));
    } else if (field == 2) {
      RETURN_IF_ERROR(c.Bytes(&r->key));
      r->has_key = true;
    } else {
      return Status::Corruption("MessagePack key has unknown field {}", field);
    }
  }
  if (!has_offset) return Status::Corruption("MessagePack key has no offset (field 1)");
  return Status::OK();
}

// Bytes held in the blocks of all block-compressed writers of the process,
// and the budget past which writers flush early (a thousand open files would
// otherwise hold a thousand blocks of up to a megabyte each).
std::atomic<size_t> g_block_bytes{0};
constexpr size_t kBlockBudget = 32 << 20;
constexpr size_t kMinBlock = 32 << 10;

class SequenceFileWriter : public FileWriter {
 public:
  ~SequenceFileWriter() override {
    size_t held = keys_.size() + values_.size();
    for (auto& block : pending_) {
      block->done.wait();  // the job points into this writer's codec
      held += block->raw_bytes;
    }
    g_block_bytes.fetch_sub(held);
  }
  Status Open(const std::string& path, const FormatOptions& options,
              const SequenceFileOptions& seq) {
    ASSIGN_OR_RETURN(codec_, NewCodec(options.codec));
    pool_ = SharedCompressionPool();
    seq_ = seq;
    if (!seq.force_compression) {
      seq_.compression = codec_ ? SequenceCompression::kBlock : SequenceCompression::kNone;
    }
    if (seq_.compression != SequenceCompression::kNone && !codec_) {
      // Hadoop substitutes DefaultCodec when compression has no codec.
      codec_ = NewDeflateCodec();
    }
    if (seq_.compression == SequenceCompression::kNone) codec_.reset();
    sync_ = seq.sync_marker.empty() ? DeriveSyncMarker(options.topic, path) : seq.sync_marker;
    if (sync_.size() != kSyncSize) {
      return Status::InvalidArgument("sequence file sync marker must be 16 bytes, got {}",
                                     sync_.size());
    }
    RETURN_IF_ERROR(file_.Open(path));
    std::string h(kMagic);
    PutHadoopString(&h, seq_.msgpack_key ? kBytesWritable : kLongWritable);
    PutHadoopString(&h, kBytesWritable);
    h.push_back(seq_.compression != SequenceCompression::kNone ? 1 : 0);
    h.push_back(seq_.compression == SequenceCompression::kBlock ? 1 : 0);
    if (codec_) PutHadoopString(&h, codec_->hadoop_class());
    PutBE32(&h, 0);  // metadata: no entries
    h.append(sync_);
    return file_.Append(h);
  }

  Status Append(const Message& m) override {
    key_.clear();
    if (seq_.msgpack_key) {
      packed_.clear();
      PackMsgPackKey(&packed_, m);
      PutBE32(&key_, static_cast<uint32_t>(packed_.size()));
      key_.append(packed_);
    } else {
      PutBE64(&key_, static_cast<uint64_t>(m.offset));
    }
    switch (seq_.compression) {
      case SequenceCompression::kNone: {
        RETURN_IF_ERROR(CheckAndWriteSync());
        head_.clear();
        PutBE32(&head_, static_cast<uint32_t>(key_.size() + 4 + m.payload.size()));
        PutBE32(&head_, static_cast<uint32_t>(key_.size()));
        head_.append(key_);
        PutBE32(&head_, static_cast<uint32_t>(m.payload.size()));
        RETURN_IF_ERROR(file_.Append(head_));
        return file_.Append(m.payload);
      }
      case SequenceCompression::kRecord: {
        value_.clear();
        PutBE32(&value_, static_cast<uint32_t>(m.payload.size()));
        value_.append(m.payload);
        compressed_.clear();
        RETURN_IF_ERROR(codec_->HadoopCompress(value_, &compressed_));
        RETURN_IF_ERROR(CheckAndWriteSync());
        head_.clear();
        PutBE32(&head_, static_cast<uint32_t>(key_.size() + compressed_.size()));
        PutBE32(&head_, static_cast<uint32_t>(key_.size()));
        head_.append(key_);
        RETURN_IF_ERROR(file_.Append(head_));
        return file_.Append(compressed_);
      }
      case SequenceCompression::kBlock: {
        PutVLong(&key_lens_, static_cast<int64_t>(key_.size()));
        keys_.append(key_);
        PutVLong(&value_lens_, static_cast<int64_t>(m.payload.size() + 4));
        PutBE32(&values_, static_cast<uint32_t>(m.payload.size()));
        values_.append(m.payload);
        ++buffered_;
        size_t mine = keys_.size() + values_.size();
        size_t total = g_block_bytes.fetch_add(key_.size() + 4 + m.payload.size()) + key_.size() +
                       4 + m.payload.size();
        if (mine >= seq_.block_size) return FlushBlock();
        // Many open files share one budget: past it, the writer that grows
        // flushes a smaller block and gives its buffers back.
        if (total > kBlockBudget && mine >= kMinBlock) return FlushBlock(/*release=*/true);
        // Blocks compressed in the background go to the file as they finish,
        // not all at Close, so their memory is given back early.
        if (!pending_.empty() && (buffered_ & 63) == 0) return WriteFinishedBlocks(kNoWait);
        return Status::OK();
      }
    }
    return Status::OK();
  }

  uint64_t BytesWritten() const override { return file_.size(); }

  Status Close() override {
    if (seq_.compression == SequenceCompression::kBlock) {
      RETURN_IF_ERROR(FlushBlock());
      RETURN_IF_ERROR(WriteFinishedBlocks(0));
    }
    return SyncAndClose(&file_);
  }

 private:
  // Writer.sync(): an escape and the marker, unless one ends right here.
  Status WriteSync() {
    if (last_sync_pos_ == file_.size()) return Status::OK();
    head_.clear();
    PutBE32(&head_, kSyncEscape);
    head_.append(sync_);
    RETURN_IF_ERROR(file_.Append(head_));
    last_sync_pos_ = file_.size();
    return Status::OK();
  }
  Status CheckAndWriteSync() {
    if (file_.size() >= last_sync_pos_ + kSyncInterval) return WriteSync();
    return Status::OK();
  }
  Status WriteCompressed(std::string_view compressed) {
    head_.clear();
    PutVLong(&head_, static_cast<int64_t>(compressed.size()));
    RETURN_IF_ERROR(file_.Append(head_));
    return file_.Append(compressed);
  }
  Status WriteBlockHead(int64_t records) {
    RETURN_IF_ERROR(WriteSync());
    head_.clear();
    PutVLong(&head_, records);
    return file_.Append(head_);
  }

  // One block on its way through the compression pool: its four raw buffers
  // (key lengths, keys, value lengths, values) and what they compress to.
  struct PendingBlock {
    std::string raw[4];
    std::string compressed[4];
    int64_t records = 0;
    size_t raw_bytes = 0;  // still counted in g_block_bytes
    Status status;
    std::future<void> done;
  };
  // A writer keeps at most this many blocks in the pool: a burst into one
  // file waits for its compression instead of buffering without bound.
  static constexpr size_t kMaxPendingBlocks = 2;

  // BlockCompressWriter.sync(): marker, record count, then key lengths, keys,
  // value lengths and values, each compressed on its own.
  Status FlushBlock(bool release = false) {
    if (buffered_ == 0) return Status::OK();
    if (pool_ == nullptr) {
      g_block_bytes.fetch_sub(keys_.size() + values_.size());
      RETURN_IF_ERROR(WriteBlockHead(buffered_));
      // One scratch buffer for all writers of the thread, not one per file.
      thread_local std::string compressed;
      for (const std::string* raw : {&key_lens_, &keys_, &value_lens_, &values_}) {
        compressed.clear();
        RETURN_IF_ERROR(codec_->HadoopCompress(*raw, &compressed));
        RETURN_IF_ERROR(WriteCompressed(compressed));
      }
      key_lens_.clear();
      keys_.clear();
      value_lens_.clear();
      values_.clear();
    } else {
      std::unique_ptr<PendingBlock> block = std::move(spare_);
      if (!block) block = std::make_unique<PendingBlock>();
      block->records = buffered_;
      block->raw_bytes = keys_.size() + values_.size();
      // Swapping hands the buffers to the job and takes back the capacity of
      // a block written earlier, so a steady writer does not allocate.
      block->raw[0].swap(key_lens_);
      block->raw[1].swap(keys_);
      block->raw[2].swap(value_lens_);
      block->raw[3].swap(values_);
      PendingBlock* job = block.get();
      const Codec* codec = codec_.get();
      job->done = pool_->Submit([job, codec] {
        for (int i = 0; i < 4 && job->status.ok(); ++i) {
          job->compressed[i].clear();
          job->status = codec->HadoopCompress(job->raw[i], &job->compressed[i]);
        }
      });
      pending_.push_back(std::move(block));
    }
    if (release) {
      std::string().swap(keys_);
      std::string().swap(values_);
    }
    buffered_ = 0;
    return pool_ == nullptr ? Status::OK() : WriteFinishedBlocks(kMaxPendingBlocks);
  }

  // Writes the compressed blocks that are done, in submission order, waiting
  // for the oldest ones until at most keep_at_most remain in the pool.
  Status WriteFinishedBlocks(size_t keep_at_most) {
    return TakeFinishedInOrder(&pending_, keep_at_most,
                               [this](std::unique_ptr<PendingBlock> block) {
                                 g_block_bytes.fetch_sub(block->raw_bytes);
                                 block->raw_bytes = 0;
                                 RETURN_IF_ERROR(block->status);
                                 RETURN_IF_ERROR(WriteBlockHead(block->records));
                                 for (const auto& compressed : block->compressed)
                                   RETURN_IF_ERROR(WriteCompressed(compressed));
                                 // The raw buffers' capacity goes back to the writer at its next
                                 // block, as a writer without the pool keeps its own; compressed
                                 // bytes do not stay behind in every open file.
                                 for (auto& raw : block->raw) raw.clear();
                                 for (auto& compressed : block->compressed)
                                   std::string().swap(compressed);
                                 spare_ = std::move(block);
                                 return Status::OK();
                               });
  }

  BufferedFile file_;
  std::unique_ptr<Codec> codec_;
  SequenceFileOptions seq_;
  std::string sync_;
  uint64_t last_sync_pos_ = 0;
  // Reused across records so appends do not allocate once warmed up.
  std::string key_, packed_, head_, value_, compressed_;
  std::string key_lens_, keys_, value_lens_, values_;
  int64_t buffered_ = 0;
  CompressionPool* pool_ = nullptr;  // null: compress on the writing thread
  std::deque<std::unique_ptr<PendingBlock>> pending_;
  std::unique_ptr<PendingBlock> spare_;  // a written block, kept for its buffers
};

class SequenceFileReader : public FileReader {
 public:
  Status Open(const std::string& path) {
    path_ = path;
    ASSIGN_OR_RETURN(data_, ReadFile(path));
    Status st = ReadHeader();
    if (!st.ok()) return Status(st.code(), path + ": " + st.message());
    return Status::OK();
  }

  Result<bool> Next(Record* r) override {
    Status st = NextRecord(r);
    if (st.ok()) return !done_;
    return Status(st.code(), fmt::format("{} at byte {}: {}", path_, pos_, st.message()));
  }

 private:
  Status Need(size_t n, const char* what) {
    if (data_.size() - pos_ < n) return Status::Corruption("truncated {}", what);
    return Status::OK();
  }

  Status ReadHeader() {
    if (data_.size() < 4 || std::string_view(data_).substr(0, 3) != "SEQ") {
      return Status::Corruption("not a SequenceFile (no SEQ magic)");
    }
    if (data_[3] != 6) {
      return Status::InvalidArgument("SequenceFile version {} is not supported (only 6)",
                                     static_cast<int>(data_[3]));
    }
    pos_ = 4;
    std::string key_class, value_class;
    RETURN_IF_ERROR(GetHadoopString(data_, &pos_, &key_class));
    RETURN_IF_ERROR(GetHadoopString(data_, &pos_, &value_class));
    if (key_class == kLongWritable) {
      msgpack_key_ = false;
    } else if (key_class == kBytesWritable) {
      msgpack_key_ = true;
    } else {
      return Status::InvalidArgument("unsupported SequenceFile key class {}", key_class);
    }
    if (value_class != kBytesWritable) {
      return Status::InvalidArgument("unsupported SequenceFile value class {}", value_class);
    }
    RETURN_IF_ERROR(Need(2, "header"));
    compressed_ = data_[pos_++] != 0;
    block_ = data_[pos_++] != 0;
    if (compressed_) {
      std::string codec_class;
      RETURN_IF_ERROR(GetHadoopString(data_, &pos_, &codec_class));
      ASSIGN_OR_RETURN(codec_, NewCodec(codec_class));
      if (!codec_) return Status::InvalidArgument("SequenceFile codec {} unknown", codec_class);
    }
    RETURN_IF_ERROR(Need(4, "header metadata"));
    uint32_t entries = GetBE32(data_.data() + pos_);
    pos_ += 4;
    std::string ignored;
    for (uint32_t i = 0; i < entries; ++i) {
      RETURN_IF_ERROR(GetHadoopString(data_, &pos_, &ignored));
      RETURN_IF_ERROR(GetHadoopString(data_, &pos_, &ignored));
    }
    RETURN_IF_ERROR(Need(kSyncSize, "header sync marker"));
    sync_ = data_.substr(pos_, kSyncSize);
    pos_ += kSyncSize;
    return Status::OK();
  }

  Status CheckSync() {
    RETURN_IF_ERROR(Need(kSyncSize, "sync marker"));
    if (std::string_view(data_).substr(pos_, kSyncSize) != sync_) {
      return Status::Corruption("sync marker mismatch");
    }
    pos_ += kSyncSize;
    return Status::OK();
  }

  Status DecodeKeyValue(std::string_view key, std::string_view value, Record* r) {
    *r = Record();
    if (msgpack_key_) {
      if (key.size() < 4 || GetBE32(key.data()) != key.size() - 4) {
        return Status::Corruption("bad BytesWritable key");
      }
      RETURN_IF_ERROR(UnpackMsgPackKey(key.substr(4), r));
    } else {
      if (key.size() != 8) return Status::Corruption("LongWritable key of {} bytes", key.size());
      r->offset = static_cast<int64_t>(GetBE64(key.data()));
    }
    if (value.size() < 4 || GetBE32(value.data()) != value.size() - 4) {
      return Status::Corruption("bad BytesWritable value");
    }
    r->payload.assign(value.substr(4));
    return Status::OK();
  }

  Status NextRecord(Record* r) {
    if (block_) return NextFromBlock(r);
    while (true) {
      if (pos_ == data_.size()) {
        done_ = true;
        return Status::OK();
      }
      RETURN_IF_ERROR(Need(4, "record length"));
      uint32_t len = GetBE32(data_.data() + pos_);
      pos_ += 4;
      if (len == kSyncEscape) {
        RETURN_IF_ERROR(CheckSync());
        continue;
      }
      RETURN_IF_ERROR(Need(4, "key length"));
      uint32_t klen = GetBE32(data_.data() + pos_);
      pos_ += 4;
      if (klen > len) return Status::Corruption("key length {} > record length {}", klen, len);
      RETURN_IF_ERROR(Need(len, "record"));
      std::string_view key = std::string_view(data_).substr(pos_, klen);
      std::string_view value = std::string_view(data_).substr(pos_ + klen, len - klen);
      pos_ += len;
      if (compressed_) {
        scratch_.clear();
        RETURN_IF_ERROR(codec_->HadoopDecompress(value, &scratch_));
        value = scratch_;
      }
      return DecodeKeyValue(key, value, r);
    }
  }

  Status ReadBuffer(std::string* out) {
    int64_t len = 0;
    RETURN_IF_ERROR(GetVLong(data_, &pos_, &len));
    if (len < 0) return Status::Corruption("negative block buffer length");
    RETURN_IF_ERROR(Need(len, "block buffer"));
    out->clear();
    RETURN_IF_ERROR(codec_->HadoopDecompress(std::string_view(data_).substr(pos_, len), out));
    pos_ += len;
    return Status::OK();
  }

  Status NextFromBlock(Record* r) {
    if (block_left_ == 0) {
      if (pos_ == data_.size()) {
        done_ = true;
        return Status::OK();
      }
      RETURN_IF_ERROR(Need(4, "block sync escape"));
      if (GetBE32(data_.data() + pos_) != kSyncEscape) {
        return Status::Corruption("block does not start with a sync marker");
      }
      pos_ += 4;
      RETURN_IF_ERROR(CheckSync());
      int64_t n = 0;
      RETURN_IF_ERROR(GetVLong(data_, &pos_, &n));
      if (n <= 0) return Status::Corruption("block of {} records", n);
      RETURN_IF_ERROR(ReadBuffer(&key_lens_));
      RETURN_IF_ERROR(ReadBuffer(&keys_));
      RETURN_IF_ERROR(ReadBuffer(&value_lens_));
      RETURN_IF_ERROR(ReadBuffer(&values_));
      block_left_ = n;
      kl_pos_ = k_pos_ = vl_pos_ = v_pos_ = 0;
    }
    int64_t klen = 0, vlen = 0;
    RETURN_IF_ERROR(GetVLong(key_lens_, &kl_pos_, &klen));
    RETURN_IF_ERROR(GetVLong(value_lens_, &vl_pos_, &vlen));
    if (klen < 0 || keys_.size() - k_pos_ < static_cast<uint64_t>(klen) || vlen < 0 ||
        values_.size() - v_pos_ < static_cast<uint64_t>(vlen)) {
      return Status::Corruption("block lengths exceed its data");
    }
    std::string_view key = std::string_view(keys_).substr(k_pos_, klen);
    std::string_view value = std::string_view(values_).substr(v_pos_, vlen);
    k_pos_ += klen;
    v_pos_ += vlen;
    --block_left_;
    return DecodeKeyValue(key, value, r);
  }

  std::string path_;
  std::string data_;
  size_t pos_ = 0;
  bool done_ = false;
  bool msgpack_key_ = false;
  bool compressed_ = false;
  bool block_ = false;
  std::unique_ptr<Codec> codec_;
  std::string sync_;
  std::string scratch_;
  std::string key_lens_, keys_, value_lens_, values_;
  size_t kl_pos_ = 0, k_pos_ = 0, vl_pos_ = 0, v_pos_ = 0;
  int64_t block_left_ = 0;
};

class SequenceFileFormat : public FileFormat {
 public:
  SequenceFileFormat(bool msgpack, FormatOptions options)
      : msgpack_(msgpack), options_(std::move(options)) {}
  std::string name() const override { return msgpack_ ? "sequencefile-msgpack" : "sequencefile"; }
  std::string DefaultExtension() const override {
    auto c = NewCodec(options_.codec);
    return c.ok() && *c ? (*c)->extension() : "";
  }
  Result<std::unique_ptr<FileWriter>> NewWriter(const std::string& path) const override {
    SequenceFileOptions seq;
    seq.msgpack_key = msgpack_;
    return NewSequenceFileWriter(path, options_, seq);
  }
  Result<std::unique_ptr<FileReader>> NewReader(const std::string& path) const override {
    return NewSequenceFileReader(path);
  }

 private:
  bool msgpack_;
  FormatOptions options_;
};

// SequenceFile has no keys of its own: only the codec needs checking.
Result<std::unique_ptr<FileFormat>> NewSequenceFormat(bool msgpack, const FormatOptions& options) {
  RETURN_IF_ERROR(NewCodec(options.codec).status());
  return std::unique_ptr<FileFormat>(new SequenceFileFormat(msgpack, options));
}

}  // namespace

Result<std::unique_ptr<FileWriter>> NewSequenceFileWriter(const std::string& path,
                                                          const FormatOptions& options,
                                                          const SequenceFileOptions& seq) {
  auto w = std::make_unique<SequenceFileWriter>();
  RETURN_IF_ERROR(w->Open(path, options, seq));
  return std::unique_ptr<FileWriter>(std::move(w));
}

Result<std::unique_ptr<FileReader>> NewSequenceFileReader(const std::string& path) {
  auto r = std::make_unique<SequenceFileReader>();
  RETURN_IF_ERROR(r->Open(path));
  return std::unique_ptr<FileReader>(std::move(r));
}

Result<std::unique_ptr<FileFormat>> NewSequenceFileFormat(const FormatOptions& options,
                                                          const Config*) {
  return NewSequenceFormat(false, options);
}
Result<std::unique_ptr<FileFormat>> NewMsgPackSequenceFileFormat(const FormatOptions& options,
                                                                 const Config*) {
  return NewSequenceFormat(true, options);
}

}  // namespace secor::format_internal
