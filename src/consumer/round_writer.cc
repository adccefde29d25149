#include "consumer/round_writer.h"

#include "common/file_util.h"
#include "upload/object_names.h"

namespace secor {

RoundWriter::RoundWriter(RoundFileSpec spec, int64_t start, std::string dir)
    : spec_(std::move(spec)), start_(start), dir_(std::move(dir)) {}

RoundWriter::~RoundWriter() {
  // A round that was neither sealed nor dropped leaves no open descriptors;
  // its files stay for Drop or the staging clean-up.
  for (auto& [op, f] : files_) {
    if (f.writer) (void)f.writer->Close();
    if (f.errors) (void)f.errors->Close();
  }
}

Result<RoundWriter::OpenFile*> RoundWriter::FileFor(const std::string& output_partition) {
  auto it = files_.find(output_partition);
  if (it != files_.end()) return &it->second;
  OpenFile f;
  bool is_error = output_partition == kErrorPartition;
  std::string ext = is_error ? ".jsonl" : spec_.extension;
  f.key =
      DataFileKey(spec_.topic, output_partition, spec_.generation, spec_.partition, start_, ext);
  f.local_path = JoinPath(
      dir_,
      JoinPath(output_partition, DataFileName(spec_.generation, spec_.partition, start_, ext)));
  if (is_error) {
    f.errors = std::make_unique<ErrorFile>();
    RETURN_IF_ERROR(f.errors->Open(f.local_path));
  } else {
    ASSIGN_OR_RETURN(f.writer, spec_.open_writer(f.local_path));
  }
  f.created = Clock::now();
  return &files_.emplace(output_partition, std::move(f)).first->second;
}

void RoundWriter::Counted(OpenFile& f, int64_t offset) {
  ++f.messages;
  f.offsets_hash = OffsetsHashAdd(f.offsets_hash, offset);
  uint64_t bytes = f.writer ? f.writer->BytesWritten() : f.errors->size();
  bytes_ += bytes - f.bytes;
  f.bytes = bytes;
}

Status RoundWriter::Append(const Message& m, const std::string& output_partition) {
  if (output_partition == kErrorPartition) return AppendError(m, "");
  ASSIGN_OR_RETURN(OpenFile * f, FileFor(output_partition));
  Status st = f->writer->Append(m);
  if (st.code() == Status::Code::kInvalidArgument) return AppendError(m, st.message());
  RETURN_IF_ERROR(st);
  Counted(*f, m.offset);
  return Status::OK();
}

Status RoundWriter::AppendError(const Message& m, const std::string& error) {
  ASSIGN_OR_RETURN(OpenFile * f, FileFor(std::string(kErrorPartition)));
  RETURN_IF_ERROR(f->errors->Append(m, error));
  Counted(*f, m.offset);
  return Status::OK();
}

Result<std::vector<SealedFile>> RoundWriter::Seal(int64_t end) {
  std::vector<SealedFile> out;
  out.reserve(files_.size());
  for (auto& [op, f] : files_) {
    Status st = f.writer ? f.writer->Close() : f.errors->Close();
    f.writer.reset();
    f.errors.reset();
    if (!st.ok()) return st.WithContext("closing " + f.local_path);
    SealedFile sf;
    sf.local_path = f.local_path;
    sf.key = f.key;
    sf.messages = f.messages;
    sf.offsets_hash = f.offsets_hash;
    sf.metadata = {{"secor-topic", spec_.topic},
                   {"secor-partition", std::to_string(spec_.partition)},
                   {"secor-round-start", std::to_string(start_)},
                   {"secor-round-end", std::to_string(end)},
                   {"secor-messages", std::to_string(f.messages)}};
    out.push_back(std::move(sf));
  }
  files_.clear();
  bytes_ = 0;
  return out;
}

void RoundWriter::Drop() {
  for (auto& [op, f] : files_) {
    if (f.writer) (void)f.writer->Close();
    if (f.errors) (void)f.errors->Close();
  }
  files_.clear();
  bytes_ = 0;
  if (!dir_.empty()) (void)RemoveAll(dir_);
}

RoundSummary RoundWriter::Summary() const {
  RoundSummary s;
  s.files = files_.size();
  s.oldest_file = Clock::time_point::max();
  s.youngest_file = Clock::time_point::min();
  for (const auto& [op, f] : files_) {
    s.bytes += f.writer ? f.writer->BytesWritten() : f.errors->size();
    s.oldest_file = std::min(s.oldest_file, f.created);
    s.youngest_file = std::max(s.youngest_file, f.created);
  }
  return s;
}

}  // namespace secor
