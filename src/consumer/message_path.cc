// The message path: admitting, writing and holding messages, sealing rounds.
#include <chrono>

#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "consumer/consumer_impl.h"
#include "upload/object_names.h"

namespace secor::consumer_internal {

void ConsumerImpl::StartRound(PartitionState& ps, int64_t start) {
  ps.round_start = start;
  ps.last_offset = -1;
  RoundFileSpec spec;
  spec.topic = ps.tp.topic;
  spec.partition = ps.tp.partition;
  spec.generation = settings_.generation;
  spec.extension = ps.ctx->extension;
  const TopicContext* ctx = ps.ctx;
  spec.open_writer = [ctx](const std::string& path) { return ctx->OpenWriter(path); };
  ps.round =
      std::make_unique<RoundWriter>(std::move(spec), start,
                                    fmt::format("{}/{}/{}/{}_{}", staging_->dir(), ps.tp.topic,
                                                ps.tp.partition, ps.epoch, start));
}

void ConsumerImpl::DropRound(PartitionState& ps) {
  if (ps.round) ps.round->Drop();
  CountOpenFiles();
}

size_t ConsumerImpl::OpenFileCount() const {
  size_t n = 0;
  for (const auto& [tp, ps] : partitions_) n += ps.round ? ps.round->file_count() : 0;
  return n;
}

void ConsumerImpl::CountOpenFiles() {
  size_t open = OpenFileCount();
  probe_.open_files.Set(static_cast<double>(open));
  if (policy_->TooManyFiles(open)) too_many_files_ = true;
}

Status ConsumerImpl::Process(const Message& raw) {
  auto it = partitions_.find({std::string(raw.topic), raw.partition});
  if (it == partitions_.end()) return Status::OK();  // not ours (any more)
  PartitionState& ps = it->second;
  if (!Admit(ps, raw)) return Status::OK();
  // A replayed round ends at its marker's end; a gap may hide the end itself.
  if (ps.replaying() && raw.offset > ps.replay.front().end) RETURN_IF_ERROR(SealRound(ps));
  RETURN_IF_ERROR(Write(ps, raw));
  if (ps.phase == PartitionPhase::kParseHeld || ps.last_offset != raw.offset) {
    return Status::OK();  // held: nothing was decided for this message
  }
  if (ps.replaying()) {
    return raw.offset == ps.replay.front().end ? SealRound(ps) : Status::OK();
  }
  // The size and file count policies are decided per message, so that a
  // burst cannot carry a round far past its limit before the periodic check
  // (age, minute mark) runs.
  if (too_many_files_) return SealEverything();
  if (policy_->SealForSize(ps.round->SizeSoFar(), ps.ctx->limits)) return SealRound(ps);
  return Status::OK();
}

// Whether m is the message this partition needs next; seeks back when the
// fetch went past it.
bool ConsumerImpl::Admit(PartitionState& ps, const Message& m) {
  if (ps.phase != PartitionPhase::kFlowing) return false;
  if (m.offset < ps.round_start || m.offset <= ps.last_offset) return false;  // re-delivered
  if (ps.held_offset >= 0 && m.offset > ps.held_offset) {
    // The fetch resumed past the held message (a pause saves the position
    // of the last message handed out, which may lie beyond it): it must not
    // be skipped, so seek back to it once more.
    if (!ps.held_resought) {
      ps.held_resought = true;
      spdlog::warn("{}/{}: fetch resumed at offset {} past the held offset {}; seeking back",
                   ps.tp.topic, ps.tp.partition, m.offset, ps.held_offset);
      Status st = kafka_->Seek(ps.tp, ps.held_offset, 0);
      if (!st.ok()) HoldForSetUp(ps, st);
    }
    return false;
  }
  const int64_t expected = ps.NextOffset();
  switch (ps.gaps.OnMessage(m.offset, expected, Clock::now())) {
    case OffsetGapTracker::Verdict::kNext:
      return true;
    case OffsetGapTracker::Verdict::kSeekBack:
      SeekBackToGap(ps, m.offset);
      return false;
    case OffsetGapTracker::Verdict::kDrop:
      return false;
    case OffsetGapTracker::Verdict::kAccept:
      spdlog::warn("{}/{}: offsets {}..{} are not in the log; going on at {}", ps.tp.topic,
                   ps.tp.partition, expected, m.offset - 1, m.offset);
      return true;
  }
  return false;
}

// Transforms, parses and appends raw to the current round, or to its error
// output; or holds the partition at raw when the parser may succeed later.
Status ConsumerImpl::Write(PartitionState& ps, const Message& raw) {
  TopicContext& ctx = *ps.ctx;
  const Message* m = &raw;
  Message transformed;
  std::string error;
  if (ctx.transformer) {
    auto keep = ctx.transformer->Transform(raw, &transformed_);
    if (!keep.ok()) {
      error = "transformer: " + keep.status().message();
    } else if (!*keep) {
      ctx.messages->Add();
      ctx.bytes->Add(static_cast<double>(raw.payload.size()));
      ctx.filtered->Add();
      if (ps.held_offset >= 0) ClearParseHold(ps);  // decided: nothing is held any more
      ps.last_offset = raw.offset;
      return Status::OK();
    } else {
      transformed = raw;
      transformed.payload = transformed_;
      m = &transformed;
    }
  }
  if (error.empty()) {
    Status st = ctx.parser->Partition(*m, &partition_path_);
    if (st.IsRetryable()) return HoldForParse(ps, raw, st);
    if (!st.ok()) {
      error = st.message();
    } else if (partition_path_.find("..") != std::string::npos ||
               StartsWith(partition_path_, "/") || StartsWith(partition_path_, "_")) {
      error = "parser returned an unsafe output partition '" + partition_path_ + "'";
    }
  }
  // Counted once the message is decided, not each time a hold reads it again.
  ctx.messages->Add();
  ctx.bytes->Add(static_cast<double>(raw.payload.size()));
  if (ps.held_offset >= 0) {
    spdlog::info("{}/{}: the held message at offset {} is parsed; the partition flows again",
                 ps.tp.topic, ps.tp.partition, raw.offset);
    ClearParseHold(ps);
  }
  size_t files_before = ps.round->file_count();
  if (!error.empty()) {
    ctx.bad_messages->Add();
    double decayed = bad_count_.Add(Clock::now());
    ReportBadMessage(raw, error);
    RETURN_IF_ERROR(ps.round->AppendError(raw, error));
    if (settings_.max_bad_messages >= 0 &&
        decayed > static_cast<double>(settings_.max_bad_messages)) {
      return Status::InvalidArgument(
          "too many messages could not be parsed (decayed count {:.0f} > "
          "secor.consumer.max_bad_messages={}); last: {}/{} offset {}: {}",
          decayed, settings_.max_bad_messages, raw.topic, raw.partition, raw.offset, error);
    }
  } else {
    RETURN_IF_ERROR(ps.round->Append(*m, partition_path_));
  }
  if (ps.round->file_count() != files_before) CountOpenFiles();
  ps.last_offset = raw.offset;
  return Status::OK();
}

// The parser failed on m for a reason that may pass: m is neither written
// nor sent to the error output. The partition is paused and sought back to
// m (the pause first: it saves the fetch position the seek then replaces),
// and ReleaseParseHolds resumes it after a backoff. The consume loop keeps
// polling meanwhile, so other partitions flow and the member stays in the
// group; no commit can pass m because no round holds it.
Status ConsumerImpl::HoldForParse(PartitionState& ps, const Message& m, const Status& why) {
  probe_.parse_retries.Add();
  if (ps.held_offset == m.offset) {
    ps.parse_retry.Double(settings_.parse_max_backoff_ms, Clock::now());
  } else {
    ps.parse_retry.Start(kFirstParseBackoffMs, settings_.parse_max_backoff_ms, Clock::now());
  }
  ps.phase = PartitionPhase::kParseHeld;
  ps.held_offset = m.offset;
  ps.held_resought = false;
  spdlog::warn(
      "{}/{} offset {}: parser failed, holding the partition at this offset and "
      "retrying in {} ms: {}",
      ps.tp.topic, ps.tp.partition, m.offset, ps.parse_retry.delay_ms(), why.message());
  UpdatePause(ps);
  Status st = kafka_->Seek(ps.tp, m.offset, 0);
  if (!st.ok()) HoldForSetUp(ps, st);
  return Status::OK();
}

// Resumes held partitions whose backoff has passed; the held message is read
// again and parsed from Process.
void ConsumerImpl::ReleaseParseHolds() {
  auto now = Clock::now();
  for (auto& [tp, ps] : partitions_) {
    // Messages of the last batch past the held offset were fetched before
    // the seek back; a later one means the fetch skipped it again.
    ps.held_resought = false;
    if (ps.phase != PartitionPhase::kParseHeld || !ps.parse_retry.Due(now)) continue;
    ps.phase = PartitionPhase::kFlowing;
    UpdatePause(ps);
  }
}

void ConsumerImpl::ClearParseHold(PartitionState& ps) {
  if (ps.phase == PartitionPhase::kParseHeld) ps.phase = PartitionPhase::kFlowing;
  ps.held_offset = -1;
  ps.held_resought = false;
}

// Seeks back to the gap's first offset, having received offset past it
// (see OffsetGapTracker).
void ConsumerImpl::SeekBackToGap(PartitionState& ps, int64_t offset) {
  spdlog::warn("{}/{}: got offset {} while {} comes next; seeking back (attempt {})", ps.tp.topic,
               ps.tp.partition, offset, ps.gaps.gap_offset(), ps.gaps.seeks());
  Status st = kafka_->Seek(ps.tp, ps.gaps.gap_offset(), 0);
  if (!st.ok()) HoldForSetUp(ps, st);
}

void ConsumerImpl::RetryGapSeeks() {
  auto now = Clock::now();
  for (auto& [tp, ps] : partitions_) {
    bool active = ps.phase != PartitionPhase::kSettingUp && ps.phase != PartitionPhase::kBlocked;
    if (ps.gaps.SeekDue(ps.NextOffset(), active, ps.paused, now)) {
      SeekBackToGap(ps, ps.gaps.gap_next());
    }
  }
}

// secor.max.file.count: more files are open than allowed, so every partition
// in normal mode uploads what it holds.
Status ConsumerImpl::SealEverything() {
  too_many_files_ = false;
  for (auto& [tp, ps] : partitions_) {
    if (!ps.round || ps.round->file_count() == 0 || ps.replaying()) continue;
    RETURN_IF_ERROR(SealRound(ps));
  }
  return Status::OK();
}

// Closes the current round's files and hands the round to the uploader.
Status ConsumerImpl::SealRound(PartitionState& ps) {
  bool replay = ps.replaying();
  // An empty normal round has nothing to decide; a replayed round is sealed
  // even when Kafka no longer returns its messages, so that the file check
  // below reports the difference instead of mixing rounds.
  if (ps.last_offset < 0 && !replay) return Status::OK();
  SealedRound round;
  round.topic = ps.tp.topic;
  round.partition = ps.tp.partition;
  round.start = ps.round_start;
  round.end = replay ? ps.replay.front().end : ps.last_offset;
  round.epoch = ps.epoch;
  round.local_dir = ps.round->dir();
  ASSIGN_OR_RETURN(round.files, ps.round->Seal(round.end));
  if (replay) {
    std::vector<MarkerFile> derived;
    derived.reserve(round.files.size());
    for (const auto& f : round.files) derived.push_back({f.key, f.messages, f.offsets_hash});
    RETURN_IF_ERROR(
        RoundLedger::CheckReplay(ps.tp.topic, ps.tp.partition, ps.replay.front(), derived));
    round.replay = true;
    ps.replay.pop_front();
  }
  int64_t next = round.end + 1;
  uploader_->Submit(std::move(round));
  ++ps.pending_rounds;
  probe_.rounds_in_flight.Add(1);
  StartRound(ps, next);
  CountOpenFiles();
  UpdatePause(ps);
  return Status::OK();
}

Status ConsumerImpl::CheckPolicies() {
  RETURN_IF_ERROR(RetrySetUps());
  ReleaseParseHolds();
  RetryGapSeeks();
  auto now = Clock::now();
  int64_t now_wall_ms = WallMs();
  bool seal_all = policy_->TooManyFiles(OpenFileCount());
  for (auto& [tp, ps] : partitions_) {
    if (!ps.round || ps.round->file_count() == 0 || ps.replaying()) continue;
    if (seal_all || policy_->SealOnTick(ps.round->Summary(), ps.ctx->limits, now, now_wall_ms)) {
      RETURN_IF_ERROR(SealRound(ps));
    }
  }
  // After the seals: a round handed to the uploader shows as in flight, so
  // the status never has an upload done while its round still looks open.
  PublishStatus();
  LogProgressIfDue(now);
  return Status::OK();
}

void ConsumerImpl::LogProgressIfDue(Clock::time_point now) {
  if (settings_.progress_interval.count() == 0 ||
      now - progress_at_ < settings_.progress_interval) {
    return;
  }
  double bytes = 0;
  for (const auto& [topic, ctx] : topics_) {
    if (!topic.empty()) bytes += ctx->bytes->value();
  }
  int64_t lag = 0, open_messages = 0;
  for (const auto& [tp, ps] : partitions_) {
    int64_t low = -1, high = -1;
    if (ps.phase != PartitionPhase::kSettingUp && kafka_->CachedWatermarks(tp, &low, &high) &&
        high >= 0) {
      lag += std::max<int64_t>(0, high - ps.NextOffset());
    }
    if (ps.round) open_messages += ps.round->messages();
  }
  const double seconds = std::chrono::duration<double>(now - progress_at_).count();
  const int64_t messages = total_ - progress_messages_;
  spdlog::info(
      "progress: {} message(s), {} bytes in the last {:.0f} s ({:.0f} msg/s); {} partition(s), "
      "lag {}; {} open file(s) holding {} message(s); {} round(s) being uploaded",
      messages, static_cast<int64_t>(bytes - progress_bytes_), seconds,
      static_cast<double>(messages) / seconds, partitions_.size(), lag, OpenFileCount(),
      open_messages, static_cast<int64_t>(probe_.rounds_in_flight.value()));
  progress_at_ = now;
  progress_messages_ = total_;
  progress_bytes_ = bytes;
}

// Backpressure: a partition whose rounds pile up (store slow or down) stops
// fetching until they drain, so local disk use stays bounded. A partition
// that is not flowing is paused too.
void ConsumerImpl::UpdatePause(PartitionState& ps) {
  bool want = ps.WantsPause(settings_.max_pending_rounds);
  if (want == ps.paused) return;
  if (want) {
    if (kafka_->Pause({ps.tp}).ok()) ps.paused = true;
    return;
  }
  // At the offset this state needs next: messages dropped while the
  // partition was paused (not set up, held) must be fetched again.
  Status st = kafka_->ResumeAt(ps.tp, ps.ResumeOffset());
  // Failed, it may still be paused: setting it up again pauses it for sure.
  ps.paused = false;
  if (!st.ok()) HoldForSetUp(ps, st);
}

// A message sent to the error output is shown in the log and on /status:
// the first at once, then at most one every ten seconds with the number
// passed over in between, so a burst cannot flood either.
void ConsumerImpl::ReportBadMessage(const Message& m, const std::string& error) {
  auto now = Clock::now();
  if (bad_reported_at_ != Clock::time_point() && now - bad_reported_at_ < kBadReportInterval) {
    ++bad_unreported_;
    spdlog::debug("{}/{} offset {}: {}", m.topic, m.partition, m.offset, error);
    return;
  }
  std::string text = fmt::format("{}/{} offset {}: sent to the error output: {}", m.topic,
                                 m.partition, m.offset, error);
  if (bad_unreported_ > 0) {
    text += fmt::format(" ({} more since the last report)", bad_unreported_);
  }
  bad_reported_at_ = now;
  bad_unreported_ = 0;
  spdlog::info("{}", text);
  status_.RecordError({WallMs(), "warning", text});
}

}  // namespace secor::consumer_internal
