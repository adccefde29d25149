// A Parquet file writer with bounded memory: only the page being filled of
// each column lives in RAM (plus each column's dictionary, capped by
// parquet.dictionary.page.size); finished pages are compressed and spilled to
// an unlinked temporary file beside the output until their row group is
// complete, then copied into the output in column order. Output is
// deterministic for the same input (no clocks, no randomness).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "format/parquet/metadata.h"

namespace secor {
class CompressionPool;
}

namespace secor::parquet {

inline constexpr char kCreatedBy[] = "secor-cpp version 0.1.0";

// Memory shared by the pages being filled and the dictionaries of every open
// file. Without it memory grows with the number of open files times the rows
// each holds (every page below parquet.page.size stays in RAM). Past the
// limit, a column that holds more than its fair share (the limit over the
// open columns) closes its page early and freezes its dictionary, which moves
// their bytes to the spill files on disk; so memory stays near twice the
// limit however many files are open.
class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t limit) : limit_(limit) {}
  void Add(int64_t delta) { used_.fetch_add(delta, std::memory_order_relaxed); }
  void AddColumns(int64_t n) { columns_.fetch_add(n, std::memory_order_relaxed); }
  bool Exceeded() const {
    return used_.load(std::memory_order_relaxed) > limit_.load(std::memory_order_relaxed);
  }
  // At start-up (secor.parquet.memory.budget.bytes).
  void set_limit(int64_t limit) { limit_.store(limit, std::memory_order_relaxed); }
  // What one column may hold when the budget is exceeded.
  int64_t FairShare() const;
  int64_t used() const { return used_.load(std::memory_order_relaxed); }
  int64_t limit() const { return limit_.load(std::memory_order_relaxed); }
  // The one every writer of the process uses unless told otherwise.
  static MemoryBudget* Process();

 private:
  std::atomic<int64_t> used_{0};
  std::atomic<int64_t> columns_{0};
  std::atomic<int64_t> limit_;
};

// A fair share is never below this: smaller pages would cost more in headers
// and compression than they save.
inline constexpr int64_t kMinFairShare = 1 << 10;
// Columns update the budget in steps of this many bytes (one shared counter
// touched on every row would cost more than it tells).
inline constexpr int64_t kBudgetStep = 512;

struct WriterOptions {
  int codec = kUncompressed;
  int64_t block_size = 128 << 20;
  int64_t page_size = 1 << 20;
  int64_t dictionary_limit = 1 << 20;
  bool dictionary = true;
  MemoryBudget* budget = MemoryBudget::Process();
  // Pages are compressed here when set, on the writing thread otherwise; the
  // file's bytes are the same either way.
  CompressionPool* pool = nullptr;
};

struct LeafDesc {
  std::vector<std::string> path;
  PhysicalType type = PhysicalType::kByteArray;
  int max_def = 0;
  int max_rep = 0;
};

// One value for a leaf; the member that matches the leaf's physical type is
// read (i for BOOLEAN/INT32/INT64, d for FLOAT/DOUBLE, s for BYTE_ARRAY).
struct Value {
  int64_t i = 0;
  double d = 0;
  std::string_view s;
};

// Pages go here until their row group is written out.
class SpillFile {
 public:
  ~SpillFile();
  Status Open(const std::string& near_path);
  Result<int64_t> Append(std::string_view a, std::string_view b);
  Status ReadAt(int64_t offset, size_t n, std::string* out) const;
  Status Reset();
  int64_t size() const { return size_; }

 private:
  int fd_ = -1;
  int64_t size_ = 0;
};

class ColumnWriter;

// Data pages on their way through the compression pool. The consuming thread
// only encodes a page; the pool compresses it; pages reach the spill file in
// the order they were finished, as the file's columns drain them.
class PageQueue {
 public:
  PageQueue(CompressionPool* pool, SpillFile* spill, MemoryBudget* budget)
      : pool_(pool), spill_(spill), budget_(budget) {}
  ~PageQueue();  // waits for jobs still in the pool: they own their buffers
  PageQueue(const PageQueue&) = delete;
  PageQueue& operator=(const PageQueue&) = delete;

  // Compresses body and stores it as page `index` of column.
  Status Push(ColumnWriter* column, size_t index, int codec, const PageHeader& header,
              std::string body);
  // Spills the compressed pages that are done, in order, waiting for the
  // oldest until at most keep_at_most are left (kNoWait: only those done).
  Status Drain(size_t keep_at_most);
  bool empty() const { return jobs_.empty(); }
  // A file keeps at most this many pages in the pool: a burst into one file
  // waits for its compression instead of buffering without bound.
  static constexpr size_t kMaxPending = 4;

 private:
  struct Job {
    ColumnWriter* column;
    size_t index;
    int codec;
    PageHeader header;
    std::string body, compressed, header_bytes;
    int64_t body_size = 0;
    Status status;
    std::future<void> done;
  };
  CompressionPool* pool_;
  SpillFile* spill_;
  MemoryBudget* budget_;
  std::deque<std::unique_ptr<Job>> jobs_;
};

class ColumnWriter {
 public:
  // queue: null compresses pages on the calling thread.
  ColumnWriter(LeafDesc desc, const WriterOptions* options, SpillFile* spill,
               PageQueue* queue = nullptr);
  ~ColumnWriter();
  ColumnWriter(const ColumnWriter&) = delete;
  ColumnWriter& operator=(const ColumnWriter&) = delete;

  // v is null for a null (def < max_def).
  void Add(int def, int rep, const Value* v);
  // At a row boundary: closes the page when it is full, and falls back to
  // plain encoding when the dictionary outgrew its limit.
  Status EndRow();
  // release: the page closes early under the memory budget. Its buffers'
  // capacity goes back too, and it is compressed on this thread even with a
  // pool (such pages are small and many).
  Status FinishPage(bool release = false);
  // Page bytes buffered in memory plus pages spilled for this chunk (pages in
  // the pool at an upper bound of their compressed size).
  int64_t EstimatedChunkBytes() const;
  // Writes this chunk (dictionary page, then spilled pages) to out at offset;
  // fills meta and resets for the next row group.
  Status WriteChunk(const std::function<Status(std::string_view)>& out, int64_t offset,
                    ColumnMeta* meta);
  const LeafDesc& desc() const { return desc_; }
  // Page index, compressed, is at (at, size) in the spill file; uncompressed
  // counts its header and body before compression.
  void PageStored(size_t index, int64_t at, int64_t size, int64_t uncompressed, int64_t pending);

 private:
  void UpdateStats(const Value& v);
  int64_t PageBytes() const;
  int64_t DictionaryBytes() const;
  // Tells the budget how much memory this column holds now.
  void Account();
  // No more values go to the dictionary: it is spilled as this chunk's
  // dictionary page and its memory given back; later pages are plain.
  Status FreezeDictionary();
  Status EncodeDictionaryPage(std::string* header, std::string* compressed) const;
  std::string EncodePlain(const Value& v) const;

  LeafDesc desc_;
  const WriterOptions* options_;
  SpillFile* spill_;
  PageQueue* queue_;
  int64_t pending_bytes_ = 0;  // bodies of this chunk's pages still in the queue
  int64_t pending_pages_ = 0;

  // The current page.
  std::vector<uint32_t> defs_;
  std::vector<uint32_t> reps_;
  std::string plain_;
  std::vector<uint8_t> bools_;
  std::vector<uint32_t> indices_;
  int32_t page_values_ = 0;

  // The current chunk.
  bool use_dict_;
  std::unordered_map<std::string, uint32_t> dict_index_;
  std::string dict_plain_;
  uint32_t dict_size_ = 0;
  int64_t dict_values_ = 0;  // values dictionary-encoded in this chunk
  bool dict_checked_ = false;
  bool dict_pages_ = false;
  bool plain_pages_ = false;
  std::pair<int64_t, int64_t> frozen_dict_{-1, 0};  // (offset, size) of a spilled dictionary page
  int64_t accounted_ = 0;                           // bytes this column counts in the budget
  std::vector<std::pair<int64_t, int64_t>> pages_;  // (offset, size) in the spill file
  int64_t spilled_bytes_ = 0;
  int64_t uncompressed_bytes_ = 0;
  int64_t num_values_ = 0;
  int64_t null_count_ = 0;
  bool has_minmax_ = false;
  bool minmax_ok_ = true;
  Value min_, max_;
  std::string min_s_, max_s_;
};

class Writer {
 public:
  // schema: depth-first, root first (see metadata.h).
  static Result<std::unique_ptr<Writer>> Open(const std::string& path,
                                              std::vector<SchemaElement> schema,
                                              const WriterOptions& options);
  ~Writer();

  size_t num_columns() const { return columns_.size(); }
  ColumnWriter& column(size_t i) { return *columns_[i]; }
  // After every column got the values of one row.
  Status EndRow();
  uint64_t BytesWritten() const { return static_cast<uint64_t>(file_size_ + spill_.size()); }
  Status Close(const std::vector<std::pair<std::string, std::string>>& key_value);

 private:
  Writer() = default;
  Status FlushRowGroup();
  Status WriteOut(std::string_view data);
  Status FlushOut();

  std::string path_;
  int fd_ = -1;
  int64_t file_size_ = 0;  // including out_buf_
  std::string out_buf_;
  WriterOptions options_;
  SpillFile spill_;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  std::unique_ptr<PageQueue> queue_;  // with options.pool; destroyed before columns_
  FileMeta meta_;
  int64_t rows_in_group_ = 0;
  bool closed_ = false;
};

// Leaves of schema with their levels, in column order.
Result<std::vector<LeafDesc>> LeavesOf(const std::vector<SchemaElement>& schema);

}  // namespace secor::parquet
