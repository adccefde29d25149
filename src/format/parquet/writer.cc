#include "format/parquet/writer.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "common/file_util.h"
#include "format/compression_pool.h"
#include "format/parquet/compress.h"
#include "format/parquet/rle.h"

namespace secor::parquet {

namespace {

void PutLE32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutLE64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + what, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

}  // namespace

MemoryBudget* MemoryBudget::Process() {
  // 64 MiB: a few full pages per core's worth of open files; SequenceFile
  // blocks have their own 32 MiB. Never destroyed, so that writers closed
  // during exit can still give their share back.
  static auto* budget = new MemoryBudget(64 << 20);
  return budget;
}

int64_t MemoryBudget::FairShare() const {
  int64_t columns = std::max<int64_t>(1, columns_.load(std::memory_order_relaxed));
  return std::max(kMinFairShare, limit() / columns);
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status SpillFile::Open(const std::string& near_path) {
  // Beside the output (same disk the output is sized for), unlinked at once so
  // that a crash leaves nothing behind and no directory listing sees it.
  std::string tmpl = near_path + ".spill-XXXXXX";
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0) return Status::FromErrno("create parquet spill file beside " + near_path, errno);
  ::unlink(tmpl.c_str());
  return Status::OK();
}

Result<int64_t> SpillFile::Append(std::string_view a, std::string_view b) {
  int64_t at = size_;
  // One system call per page (header and body together) in the common case:
  // under memory pressure pages are small and many.
  iovec iov[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
  ssize_t n;
  do {
    n = ::writev(fd_, iov, 2);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::FromErrno("write parquet spill file", errno);
  size_t written = static_cast<size_t>(n);
  if (written < a.size()) {
    RETURN_IF_ERROR(WriteAll(fd_, a.substr(written), "parquet spill file"));
    RETURN_IF_ERROR(WriteAll(fd_, b, "parquet spill file"));
  } else if (written < a.size() + b.size()) {
    RETURN_IF_ERROR(WriteAll(fd_, b.substr(written - a.size()), "parquet spill file"));
  }
  size_ += static_cast<int64_t>(a.size() + b.size());
  return at;
}

Status SpillFile::ReadAt(int64_t offset, size_t n, std::string* out) const {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, offset + static_cast<int64_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return Status::IOError("read parquet spill file: short read");
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

Status SpillFile::Reset() {
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
    return Status::FromErrno("truncate parquet spill file", errno);
  }
  size_ = 0;
  return Status::OK();
}

PageQueue::~PageQueue() {
  for (auto& job : jobs_) {
    job->done.wait();
    if (budget_) budget_->Add(-job->body_size);
  }
}

Status PageQueue::Push(ColumnWriter* column, size_t index, int codec, const PageHeader& header,
                       std::string body) {
  auto job = std::make_unique<Job>();
  job->column = column;
  job->index = index;
  job->codec = codec;
  job->header = header;
  job->body_size = static_cast<int64_t>(body.size());
  job->body = std::move(body);
  if (budget_) budget_->Add(job->body_size);
  Job* j = job.get();
  j->done = pool_->Submit([j] {
    j->status = CompressPage(j->codec, j->body, &j->compressed);
    j->header.compressed_size = static_cast<int32_t>(j->compressed.size());
    j->header_bytes = SerializePageHeader(j->header);
    std::string().swap(j->body);
  });
  jobs_.push_back(std::move(job));
  return Drain(kMaxPending);
}

Status PageQueue::Drain(size_t keep_at_most) {
  return TakeFinishedInOrder(&jobs_, keep_at_most, [this](std::unique_ptr<Job> job) -> Status {
    if (budget_) budget_->Add(-job->body_size);
    RETURN_IF_ERROR(job->status);
    ASSIGN_OR_RETURN(int64_t at, spill_->Append(job->header_bytes, job->compressed));
    job->column->PageStored(
        job->index, at, static_cast<int64_t>(job->header_bytes.size() + job->compressed.size()),
        static_cast<int64_t>(job->header_bytes.size()) + job->body_size, job->body_size);
    return Status::OK();
  });
}

ColumnWriter::ColumnWriter(LeafDesc desc, const WriterOptions* options, SpillFile* spill,
                           PageQueue* queue)
    : desc_(std::move(desc)),
      options_(options),
      spill_(spill),
      queue_(queue),
      use_dict_(options->dictionary && desc_.type != PhysicalType::kBoolean) {
  if (options_->budget) options_->budget->AddColumns(1);
}

ColumnWriter::~ColumnWriter() {
  if (!options_->budget) return;
  options_->budget->Add(-accounted_);
  options_->budget->AddColumns(-1);
}

std::string ColumnWriter::EncodePlain(const Value& v) const {
  std::string out;
  switch (desc_.type) {
    case PhysicalType::kInt32:
      PutLE32(static_cast<uint32_t>(v.i), &out);
      break;
    case PhysicalType::kInt64:
      PutLE64(static_cast<uint64_t>(v.i), &out);
      break;
    case PhysicalType::kFloat: {
      float f = static_cast<float>(v.d);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      PutLE32(bits, &out);
      break;
    }
    case PhysicalType::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &v.d, 8);
      PutLE64(bits, &out);
      break;
    }
    case PhysicalType::kBoolean:
      out.push_back(v.i ? 1 : 0);
      break;
    default:
      out.assign(v.s);
  }
  return out;
}

void ColumnWriter::UpdateStats(const Value& v) {
  if (!minmax_ok_) return;
  switch (desc_.type) {
    case PhysicalType::kByteArray:
      // Long values would bloat the footer; skip min/max for such chunks.
      if (v.s.size() > 256) {
        minmax_ok_ = false;
        return;
      }
      if (!has_minmax_ || v.s < std::string_view(min_s_)) min_s_.assign(v.s);
      if (!has_minmax_ || v.s > std::string_view(max_s_)) max_s_.assign(v.s);
      break;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      if (std::isnan(v.d)) {
        minmax_ok_ = false;
        return;
      }
      if (!has_minmax_ || v.d < min_.d) min_.d = v.d;
      if (!has_minmax_ || v.d > max_.d) max_.d = v.d;
      break;
    default:
      if (!has_minmax_ || v.i < min_.i) min_.i = v.i;
      if (!has_minmax_ || v.i > max_.i) max_.i = v.i;
  }
  has_minmax_ = true;
}

void ColumnWriter::Add(int def, int rep, const Value* v) {
  if (desc_.max_def > 0) defs_.push_back(static_cast<uint32_t>(def));
  if (desc_.max_rep > 0) reps_.push_back(static_cast<uint32_t>(rep));
  ++page_values_;
  ++num_values_;
  if (!v) {
    ++null_count_;
    return;
  }
  UpdateStats(*v);
  if (desc_.type == PhysicalType::kBoolean) {
    bools_.push_back(v->i ? 1 : 0);
    return;
  }
  if (use_dict_) {
    std::string key = EncodePlain(*v);
    auto [it, inserted] = dict_index_.try_emplace(std::move(key), dict_size_);
    if (inserted) {
      if (desc_.type == PhysicalType::kByteArray)
        PutLE32(static_cast<uint32_t>(v->s.size()), &dict_plain_);
      dict_plain_.append(it->first);
      ++dict_size_;
    }
    indices_.push_back(it->second);
    ++dict_values_;
    return;
  }
  if (desc_.type == PhysicalType::kByteArray) PutLE32(static_cast<uint32_t>(v->s.size()), &plain_);
  plain_.append(EncodePlain(*v));
}

// The memory the page's buffers hold: a page closes when it reaches
// parquet.page.size. Levels and dictionary indices stay 32-bit and booleans
// bytes until the page is encoded; counting their encoded size instead let a
// page of nulls hold 16 times the page size in memory, and with hundreds of
// open files the pages being filled are what bounds memory.
int64_t ColumnWriter::PageBytes() const {
  return static_cast<int64_t>(plain_.size() + bools_.size() +
                              (indices_.size() + defs_.size() + reps_.size()) * sizeof(uint32_t));
}

// The dictionary is held twice (its page and the index of its values) plus
// a hash node per value; this is an estimate, close enough for a budget.
int64_t ColumnWriter::DictionaryBytes() const {
  return static_cast<int64_t>(dict_plain_.size() * 2 + dict_size_ * 48);
}

int64_t ColumnWriter::EstimatedChunkBytes() const {
  // A page in the pool counts at more than it can compress to (every codec's
  // bound is under twice the input, plus its header), so that the estimate
  // reaches the row group size no later than the exact sizes do.
  return spilled_bytes_ + 2 * pending_bytes_ + 128 * pending_pages_ + frozen_dict_.second +
         PageBytes() + static_cast<int64_t>(dict_plain_.size());
}

void ColumnWriter::Account() {
  if (!options_->budget) return;
  int64_t now = PageBytes() + DictionaryBytes();
  if (now == accounted_ || (now != 0 && std::abs(now - accounted_) < kBudgetStep)) return;
  options_->budget->Add(now - accounted_);
  accounted_ = now;
}

Status ColumnWriter::EndRow() {
  if (use_dict_ && static_cast<int64_t>(dict_plain_.size()) > options_->dictionary_limit) {
    // Pages written so far keep their dictionary indices; later ones are plain.
    RETURN_IF_ERROR(FreezeDictionary());
  } else if (use_dict_ && !dict_checked_ && dict_values_ >= 4096) {
    // Mostly distinct values (ids, timestamps) gain nothing from a dictionary
    // and would only grow it to the limit: go plain once that shows.
    dict_checked_ = true;
    if (dict_size_ * 4 > dict_values_ * 3) RETURN_IF_ERROR(FreezeDictionary());
  }
  if (PageBytes() >= options_->page_size) RETURN_IF_ERROR(FinishPage());
  Account();
  if (options_->budget && options_->budget->Exceeded()) {
    // Half a share each, so that a column under both halves holds less than
    // its share and one over neither does not close a page per row.
    int64_t half = options_->budget->FairShare() / 2;
    if (PageBytes() >= half) RETURN_IF_ERROR(FinishPage(/*release=*/true));
    if (use_dict_ && DictionaryBytes() >= half) RETURN_IF_ERROR(FreezeDictionary());
    Account();
  }
  return Status::OK();
}

Status ColumnWriter::EncodeDictionaryPage(std::string* header, std::string* compressed) const {
  RETURN_IF_ERROR(CompressPage(options_->codec, dict_plain_, compressed));
  PageHeader h;
  h.type = kDictionaryPage;
  h.num_values = static_cast<int32_t>(dict_size_);
  h.encoding = kPlain;
  h.uncompressed_size = static_cast<int32_t>(dict_plain_.size());
  h.compressed_size = static_cast<int32_t>(compressed->size());
  *header = SerializePageHeader(h);
  return Status::OK();
}

Status ColumnWriter::FreezeDictionary() {
  RETURN_IF_ERROR(FinishPage(/*release=*/true));
  use_dict_ = false;
  if (dict_size_ == 0) return Status::OK();
  // The dictionary is final: its page goes to the spill file now (the chunk
  // still begins with it) and only its size stays in memory.
  std::string header, compressed;
  RETURN_IF_ERROR(EncodeDictionaryPage(&header, &compressed));
  ASSIGN_OR_RETURN(int64_t at, spill_->Append(header, compressed));
  frozen_dict_ = {at, static_cast<int64_t>(header.size() + compressed.size())};
  uncompressed_bytes_ += static_cast<int64_t>(header.size() + dict_plain_.size());
  std::unordered_map<std::string, uint32_t>().swap(dict_index_);
  std::string().swap(dict_plain_);
  Account();
  return Status::OK();
}

Status ColumnWriter::FinishPage(bool release) {
  if (page_values_ == 0) return Status::OK();
  std::string body;
  if (desc_.max_rep > 0) {
    std::string levels;
    RleEncode(reps_, BitWidth(desc_.max_rep), &levels);
    PutLE32(static_cast<uint32_t>(levels.size()), &body);
    body += levels;
  }
  if (desc_.max_def > 0) {
    std::string levels;
    RleEncode(defs_, BitWidth(desc_.max_def), &levels);
    PutLE32(static_cast<uint32_t>(levels.size()), &body);
    body += levels;
  }
  PageHeader h;
  h.type = kDataPage;
  h.num_values = page_values_;
  if (desc_.type == PhysicalType::kBoolean) {
    PackBools(bools_, &body);
    h.encoding = kPlain;
    plain_pages_ = true;
  } else if (use_dict_ && dict_size_ > 0) {
    // Pages of nulls only, before the chunk's first value, are PLAIN (and
    // empty): a chunk of nulls then has no dictionary page at all. An empty
    // dictionary page is legal but trips readers (hyparquet's LZ4 decoder
    // rejects the one-byte LZ4 block of zero bytes, docs/parquet.md).
    int width = std::max(1, BitWidth(dict_size_ > 0 ? dict_size_ - 1 : 0));
    body.push_back(static_cast<char>(width));
    RleEncode(indices_, width, &body);
    h.encoding = kRleDictionary;
    dict_pages_ = true;
  } else {
    body += plain_;
    h.encoding = kPlain;
    plain_pages_ = true;
  }
  h.uncompressed_size = static_cast<int32_t>(body.size());
  const size_t index = pages_.size();
  pages_.emplace_back(-1, 0);  // until the page is stored
  // Pages closed early under the memory budget are small and many: they
  // compress faster here than a hand-off to the pool and back costs.
  if (queue_ && !release) {
    pending_bytes_ += static_cast<int64_t>(body.size());
    ++pending_pages_;
    RETURN_IF_ERROR(queue_->Push(this, index, options_->codec, h, std::move(body)));
  } else {
    std::string compressed;
    RETURN_IF_ERROR(CompressPage(options_->codec, body, &compressed));
    h.compressed_size = static_cast<int32_t>(compressed.size());
    std::string header = SerializePageHeader(h);
    ASSIGN_OR_RETURN(int64_t at, spill_->Append(header, compressed));
    PageStored(index, at, static_cast<int64_t>(header.size() + compressed.size()),
               static_cast<int64_t>(header.size() + body.size()), 0);
  }

  defs_.clear();
  reps_.clear();
  plain_.clear();
  bools_.clear();
  indices_.clear();
  page_values_ = 0;
  // Give back the page buffers: with hundreds of open files, capacity held by
  // idle columns is what bounds memory.
  if (release || plain_.capacity() > (1 << 16)) std::string().swap(plain_);
  if (release || indices_.capacity() > (1 << 14)) std::vector<uint32_t>().swap(indices_);
  if (release) {
    std::vector<uint32_t>().swap(defs_);
    std::vector<uint32_t>().swap(reps_);
    std::vector<uint8_t>().swap(bools_);
  }
  return Status::OK();
}

void ColumnWriter::PageStored(size_t index, int64_t at, int64_t size, int64_t uncompressed,
                              int64_t pending) {
  pages_[index] = {at, size};
  spilled_bytes_ += size;
  uncompressed_bytes_ += uncompressed;
  pending_bytes_ -= pending;
  if (pending > 0) --pending_pages_;
}

Status ColumnWriter::WriteChunk(const std::function<Status(std::string_view)>& out, int64_t offset,
                                ColumnMeta* meta) {
  RETURN_IF_ERROR(FinishPage());
  *meta = ColumnMeta{};
  meta->type = desc_.type;
  meta->path = desc_.path;
  meta->codec = options_->codec;
  meta->num_values = num_values_;
  int64_t pos = offset;
  if (dict_pages_) {
    meta->dictionary_page_offset = pos;
    int64_t size = 0;
    if (frozen_dict_.first >= 0) {
      std::string page;
      RETURN_IF_ERROR(
          spill_->ReadAt(frozen_dict_.first, static_cast<size_t>(frozen_dict_.second), &page));
      RETURN_IF_ERROR(out(page));
      size = frozen_dict_.second;
    } else {
      std::string header, compressed;
      RETURN_IF_ERROR(EncodeDictionaryPage(&header, &compressed));
      RETURN_IF_ERROR(out(header));
      RETURN_IF_ERROR(out(compressed));
      size = static_cast<int64_t>(header.size() + compressed.size());
      uncompressed_bytes_ += static_cast<int64_t>(header.size() + dict_plain_.size());
    }
    pos += size;
    meta->total_compressed_size += size;
  }
  meta->data_page_offset = pos;
  std::string page;
  for (const auto& [at, size] : pages_) {
    if (at < 0) return Status::Internal("parquet: a page of {} was not stored", desc_.path.back());
    RETURN_IF_ERROR(spill_->ReadAt(at, static_cast<size_t>(size), &page));
    RETURN_IF_ERROR(out(page));
  }
  meta->total_compressed_size += spilled_bytes_;
  meta->total_uncompressed_size = uncompressed_bytes_;
  // Levels are RLE; values PLAIN and/or dictionary.
  if (plain_pages_ || dict_pages_) meta->encodings.push_back(kPlain);
  meta->encodings.push_back(kRle);
  if (dict_pages_) meta->encodings.push_back(kRleDictionary);
  meta->stats.null_count = null_count_;
  if (has_minmax_ && minmax_ok_) {
    if (desc_.type == PhysicalType::kByteArray) {
      meta->stats.min_value = min_s_;
      meta->stats.max_value = max_s_;
    } else {
      meta->stats.min_value = EncodePlain(min_);
      meta->stats.max_value = EncodePlain(max_);
    }
  }

  pages_.clear();
  spilled_bytes_ = 0;
  uncompressed_bytes_ = 0;
  num_values_ = 0;
  null_count_ = 0;
  has_minmax_ = false;
  minmax_ok_ = true;
  min_s_.clear();
  max_s_.clear();
  dict_index_.clear();
  std::unordered_map<std::string, uint32_t>().swap(dict_index_);
  std::string().swap(dict_plain_);
  dict_size_ = 0;
  dict_values_ = 0;
  dict_checked_ = false;
  dict_pages_ = false;
  plain_pages_ = false;
  frozen_dict_ = {-1, 0};
  use_dict_ = options_->dictionary && desc_.type != PhysicalType::kBoolean;
  Account();
  return Status::OK();
}

Result<std::vector<LeafDesc>> LeavesOf(const std::vector<SchemaElement>& schema) {
  std::vector<LeafDesc> leaves;
  if (schema.empty() || schema[0].type)
    return Status::InvalidArgument("parquet schema: no root group");
  struct Frame {
    int remaining;
    int def, rep;
    std::vector<std::string> path;
  };
  std::vector<Frame> stack{{schema[0].num_children, 0, 0, {}}};
  for (size_t i = 1; i < schema.size(); ++i) {
    while (!stack.empty() && stack.back().remaining == 0) stack.pop_back();
    if (stack.empty())
      return Status::Corruption("parquet schema: more elements than the tree holds");
    Frame& parent = stack.back();
    parent.remaining--;
    const SchemaElement& e = schema[i];
    Repetition r = e.repetition.value_or(Repetition::kRequired);
    int def = parent.def + (r == Repetition::kRequired ? 0 : 1);
    int rep = parent.rep + (r == Repetition::kRepeated ? 1 : 0);
    std::vector<std::string> path = parent.path;
    path.push_back(e.name);
    if (e.type) {
      leaves.push_back(LeafDesc{std::move(path), *e.type, def, rep});
    } else {
      if (e.num_children <= 0)
        return Status::Corruption("parquet schema: empty group '{}'", e.name);
      stack.push_back(Frame{e.num_children, def, rep, std::move(path)});
    }
  }
  return leaves;
}

Result<std::unique_ptr<Writer>> Writer::Open(const std::string& path,
                                             std::vector<SchemaElement> schema,
                                             const WriterOptions& options) {
  std::unique_ptr<Writer> w(new Writer());
  w->path_ = path;
  w->options_ = options;
  ASSIGN_OR_RETURN(std::vector<LeafDesc> leaves, LeavesOf(schema));
  RETURN_IF_ERROR(MakeDirs(DirName(path)));
  w->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd_ < 0) return Status::FromErrno("create " + path, errno);
  RETURN_IF_ERROR(w->spill_.Open(path));
  if (options.pool) {
    w->queue_ = std::make_unique<PageQueue>(options.pool, &w->spill_, options.budget);
  }
  for (auto& leaf : leaves) {
    w->columns_.push_back(
        std::make_unique<ColumnWriter>(std::move(leaf), &w->options_, &w->spill_, w->queue_.get()));
  }
  w->meta_.schema = std::move(schema);
  w->meta_.created_by = kCreatedBy;
  RETURN_IF_ERROR(w->WriteOut("PAR1"));
  return w;
}

Writer::~Writer() {
  if (fd_ >= 0) ::close(fd_);
}

// Pages are copied out one at a time, and under the memory budget they are
// small: they are gathered into writes of up to kOutBuffer bytes.
Status Writer::WriteOut(std::string_view data) {
  constexpr size_t kOutBuffer = 256 << 10;
  file_size_ += static_cast<int64_t>(data.size());
  if (out_buf_.size() + data.size() <= kOutBuffer) {
    out_buf_.append(data);
    return Status::OK();
  }
  RETURN_IF_ERROR(FlushOut());
  if (data.size() >= kOutBuffer) return WriteAll(fd_, data, path_);
  out_buf_.append(data);
  return Status::OK();
}

Status Writer::FlushOut() {
  Status st = WriteAll(fd_, out_buf_, path_);
  out_buf_.clear();
  return st;
}

Status Writer::EndRow() {
  ++rows_in_group_;
  if (queue_) RETURN_IF_ERROR(queue_->Drain(kNoWait));
  auto chunk_bytes = [this]() -> Result<int64_t> {
    int64_t total = 0;
    for (auto& c : columns_) {
      RETURN_IF_ERROR(c->EndRow());
      total += c->EstimatedChunkBytes();
    }
    return total;
  };
  ASSIGN_OR_RETURN(int64_t total, chunk_bytes());
  if (total >= options_.block_size && queue_ && !queue_->empty()) {
    // Pages in the pool count at an upper bound; the row group ends where
    // the exact sizes say, as without the pool, so the bytes are the same.
    RETURN_IF_ERROR(queue_->Drain(0));
    total = 0;
    for (auto& c : columns_) total += c->EstimatedChunkBytes();
  }
  if (total >= options_.block_size) return FlushRowGroup();
  return Status::OK();
}

Status Writer::FlushRowGroup() {
  if (rows_in_group_ == 0) return Status::OK();
  // Every page of the group in the spill file before its chunks are copied.
  for (auto& c : columns_) RETURN_IF_ERROR(c->FinishPage());
  if (queue_) RETURN_IF_ERROR(queue_->Drain(0));
  RowGroupMeta rg;
  rg.num_rows = rows_in_group_;
  rg.file_offset = file_size_;
  rg.ordinal = static_cast<int16_t>(meta_.row_groups.size());
  for (auto& c : columns_) {
    ColumnMeta cm;
    // Pages are copied one at a time: a chunk may be as large as a row group.
    RETURN_IF_ERROR(
        c->WriteChunk([this](std::string_view d) { return WriteOut(d); }, file_size_, &cm));
    rg.total_byte_size += cm.total_uncompressed_size;
    rg.total_compressed_size += cm.total_compressed_size;
    rg.columns.push_back(std::move(cm));
  }
  RETURN_IF_ERROR(FlushOut());
  std::string().swap(out_buf_);  // not held by every open file between row groups
  RETURN_IF_ERROR(spill_.Reset());
  meta_.num_rows += rows_in_group_;
  meta_.row_groups.push_back(std::move(rg));
  rows_in_group_ = 0;
  return Status::OK();
}

Status Writer::Close(const std::vector<std::pair<std::string, std::string>>& key_value) {
  if (closed_) return Status::InvalidArgument("parquet writer for {} is already closed", path_);
  closed_ = true;
  RETURN_IF_ERROR(FlushRowGroup());
  meta_.key_value = key_value;
  std::string footer = SerializeFileMeta(meta_);
  std::string tail;
  PutLE32(static_cast<uint32_t>(footer.size()), &tail);
  tail += "PAR1";
  RETURN_IF_ERROR(WriteOut(footer));
  RETURN_IF_ERROR(WriteOut(tail));
  RETURN_IF_ERROR(FlushOut());
  if (::fsync(fd_) != 0) return Status::FromErrno("fsync " + path_, errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Status::FromErrno("close " + path_, errno);
  return Status::OK();
}

}  // namespace secor::parquet
