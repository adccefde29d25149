#include "support/fake_group_consumer.h"

#include <algorithm>

namespace secor::testing {

FakeGroupConsumer::FakeGroupConsumer(RebalanceListener* listener) : listener_(listener) {}

FakeGroupConsumer::~FakeGroupConsumer() {
  // As the real member: leaving revokes through the listener.
  if (!IsClosed()) (void)Close(std::chrono::seconds(0));
}

void FakeGroupConsumer::SetListener(RebalanceListener* listener) {
  std::lock_guard lock(mu_);
  listener_ = listener;
}

void FakeGroupConsumer::SetResetToEarliest(bool earliest) {
  std::lock_guard lock(mu_);
  reset_to_earliest_ = earliest;
}

FakeGroupConsumer::Log& FakeGroupConsumer::LogOf(const TopicPartition& tp) { return logs_[tp]; }

const FakeGroupConsumer::Log& FakeGroupConsumer::LogOf(const TopicPartition& tp) const {
  static const Log kEmpty;
  auto it = logs_.find(tp);
  return it == logs_.end() ? kEmpty : it->second;
}

int64_t FakeGroupConsumer::ResetOffset(const Log& log) const {
  return reset_to_earliest_ ? log.low : log.high;
}

void FakeGroupConsumer::CreateTopic(const std::string& topic, int32_t partitions) {
  std::lock_guard lock(mu_);
  for (int32_t p = 0; p < partitions; ++p) (void)LogOf({topic, p});
}

int64_t FakeGroupConsumer::Append(const TopicPartition& tp, FakeRecord record) {
  int64_t offset;
  {
    std::lock_guard lock(mu_);
    offset = LogOf(tp).high;
  }
  AppendAt(tp, offset, std::move(record));
  return offset;
}

int64_t FakeGroupConsumer::Append(const TopicPartition& tp, const std::string& payload) {
  FakeRecord record;
  record.payload = payload;
  return Append(tp, std::move(record));
}

int64_t FakeGroupConsumer::AppendAll(const TopicPartition& tp,
                                     const std::vector<std::string>& payloads) {
  int64_t first;
  {
    std::lock_guard lock(mu_);
    Log& log = LogOf(tp);
    first = log.high;
    for (const auto& payload : payloads) {
      auto stored = std::make_shared<Stored>();
      stored->topic = tp.topic;
      stored->partition = tp.partition;
      stored->offset = log.high;
      stored->record.payload = payload;
      log.records.emplace(log.high, std::move(stored));
      ++log.high;
    }
  }
  changed_.notify_all();
  return first;
}

void FakeGroupConsumer::AppendAt(const TopicPartition& tp, int64_t offset, FakeRecord record) {
  {
    std::lock_guard lock(mu_);
    Log& log = LogOf(tp);
    // Kafka never writes below the end of a log.
    if (offset < log.high) offset = log.high;
    auto stored = std::make_shared<Stored>();
    stored->topic = tp.topic;
    stored->partition = tp.partition;
    stored->offset = offset;
    stored->record = std::move(record);
    log.records.emplace(offset, std::move(stored));
    log.high = offset + 1;
  }
  changed_.notify_all();
}

void FakeGroupConsumer::SkipOffsets(const TopicPartition& tp, int64_t n) {
  std::lock_guard lock(mu_);
  LogOf(tp).high += std::max<int64_t>(n, 0);
}

void FakeGroupConsumer::Compact(const TopicPartition& tp, int64_t offset) {
  std::lock_guard lock(mu_);
  LogOf(tp).records.erase(offset);
}

void FakeGroupConsumer::TruncateBefore(const TopicPartition& tp, int64_t offset) {
  std::lock_guard lock(mu_);
  Log& log = LogOf(tp);
  offset = std::min(offset, log.high);
  log.records.erase(log.records.begin(), log.records.lower_bound(offset));
  log.low = std::max(log.low, offset);
}

int64_t FakeGroupConsumer::LowWatermark(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  return LogOf(tp).low;
}

int64_t FakeGroupConsumer::HighWatermark(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  return LogOf(tp).high;
}

void FakeGroupConsumer::SetCommitted(const TopicPartition& tp, int64_t offset) {
  std::lock_guard lock(mu_);
  committed_[tp] = offset;
}

int64_t FakeGroupConsumer::CommittedOffset(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = committed_.find(tp);
  return it == committed_.end() ? -1 : it->second;
}

std::map<TopicPartition, int64_t> FakeGroupConsumer::CommittedOffsets() const {
  std::lock_guard lock(mu_);
  return committed_;
}

std::vector<std::map<TopicPartition, int64_t>> FakeGroupConsumer::CommitHistory() const {
  std::lock_guard lock(mu_);
  return commit_history_;
}

void FakeGroupConsumer::Assign(const std::vector<TopicPartition>& parts) {
  {
    std::lock_guard lock(mu_);
    script_.push_back({true, false, parts});
  }
  changed_.notify_all();
}

void FakeGroupConsumer::AssignAllSubscribed() {
  std::vector<TopicPartition> parts;
  {
    std::lock_guard lock(mu_);
    std::set<TopicPartition> pending;
    for (const auto& r : script_) {
      if (r.assign) pending.insert(r.parts.begin(), r.parts.end());
    }
    for (const auto& [tp, log] : logs_) {
      if (std::find(subscription_.begin(), subscription_.end(), tp.topic) == subscription_.end())
        continue;
      if (!assigned_.count(tp) && !pending.count(tp)) parts.push_back(tp);
    }
  }
  if (!parts.empty()) Assign(parts);
}

void FakeGroupConsumer::Revoke(const std::vector<TopicPartition>& parts, bool lost) {
  {
    std::lock_guard lock(mu_);
    script_.push_back({false, lost, parts});
  }
  changed_.notify_all();
}

void FakeGroupConsumer::FailNextCommits(Status status, int n) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < n; ++i) commit_failures_.push_back(status);
}

void FakeGroupConsumer::FailNextWatermarkQueries(Status status, int n) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < n; ++i) watermark_failures_.push_back(status);
}

void FakeGroupConsumer::FailNextCommittedReads(Status status, int n) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < n; ++i) committed_failures_.push_back(status);
}

std::set<TopicPartition> FakeGroupConsumer::Assignment() const {
  std::lock_guard lock(mu_);
  std::set<TopicPartition> out;
  for (const auto& [tp, m] : assigned_) out.insert(tp);
  return out;
}

bool FakeGroupConsumer::IsPaused(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = assigned_.find(tp);
  return it != assigned_.end() && it->second.paused;
}

int64_t FakeGroupConsumer::Position(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = assigned_.find(tp);
  return it == assigned_.end() ? -1 : it->second.position;
}

std::vector<std::string> FakeGroupConsumer::Subscription() const {
  std::lock_guard lock(mu_);
  return subscription_;
}

bool FakeGroupConsumer::RebalancePending() const {
  std::lock_guard lock(mu_);
  return !script_.empty();
}

bool FakeGroupConsumer::IsClosed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool FakeGroupConsumer::CommitsAbandoned() const {
  std::lock_guard lock(mu_);
  return commits_abandoned_;
}

int FakeGroupConsumer::WakeFetchersCalls() const {
  std::lock_guard lock(mu_);
  return wake_calls_;
}

Status FakeGroupConsumer::Subscribe(const std::vector<std::string>& topics) {
  std::lock_guard lock(mu_);
  if (closed_) return Status::Fenced("subscribe: the member is closed");
  subscription_ = topics;
  return Status::OK();
}

Result<std::vector<std::string>> FakeGroupConsumer::ListTopics(int) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [tp, log] : logs_) {
    if (out.empty() || out.back() != tp.topic) out.push_back(tp.topic);
  }
  return out;
}

bool FakeGroupConsumer::DeliverRebalances() {
  bool any = false;
  while (true) {
    Rebalance r;
    RebalanceListener* listener;
    {
      std::lock_guard lock(mu_);
      if (script_.empty() || closed_) return any;
      r = std::move(script_.front());
      script_.pop_front();
      listener = listener_;
    }
    any = true;
    if (!r.assign) {
      // The listener sees the partitions still assigned, as with librdkafka
      // (its revocation callback runs before the unassign).
      if (listener) listener->OnRevoked(r.parts, r.lost);
      std::lock_guard lock(mu_);
      for (const auto& tp : r.parts) assigned_.erase(tp);
      continue;
    }
    {
      // Assigned before the listener runs, so that it may seek or pause.
      std::lock_guard lock(mu_);
      for (const auto& tp : r.parts) {
        const Log& log = LogOf(tp);
        auto c = committed_.find(tp);
        Member m;
        m.position = c != committed_.end() && c->second >= 0 ? c->second : ResetOffset(log);
        assigned_[tp] = m;
      }
    }
    AssignPlan plan;
    if (listener) plan = listener->OnAssigned(r.parts);
    std::lock_guard lock(mu_);
    for (const auto& [tp, start] : plan.starts) {
      auto it = assigned_.find(tp);
      if (it != assigned_.end()) it->second.position = start;
    }
    for (const auto& tp : plan.hold) {
      auto it = assigned_.find(tp);
      if (it != assigned_.end()) it->second.paused = true;
    }
  }
}

void FakeGroupConsumer::Fetch(size_t max, std::vector<PolledMessage>* out) {
  std::lock_guard lock(mu_);
  if (closed_ || assigned_.empty()) return;
  std::vector<TopicPartition> order;
  for (const auto& [tp, m] : assigned_) order.push_back(tp);
  // Start at a different partition each time so that none starves.
  size_t first = next_partition_++ % order.size();
  std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(first), order.end());
  for (const auto& tp : order) {
    Member& m = assigned_[tp];
    if (m.paused) continue;
    const Log& log = LogOf(tp);
    m.fetched = true;
    m.cached_low = log.low;
    m.cached_high = log.high;
    if (out->size() >= max) continue;
    if (m.forced_position >= 0 && m.forced_position < log.high) {
      m.position = m.forced_position;
      m.forced_position = -1;
    }
    if (m.position < log.low || m.position > log.high) {
      // What librdkafka reports before it applies auto.offset.reset.
      std::string text = "fetch " + tp.topic + "/" + std::to_string(tp.partition) + " at offset " +
                         std::to_string(m.position) + ": out of range (" + std::to_string(log.low) +
                         ".." + std::to_string(log.high) + ")";
      m.position = ResetOffset(log);
      out->emplace_back(PollError::kOffsetOutOfRange, text,
                        PolledMessage::Owner(nullptr, [](void*) {}));
      continue;
    }
    for (auto it = log.records.lower_bound(m.position);
         it != log.records.end() && out->size() < max; ++it) {
      const Stored& s = *it->second;
      Message view;
      view.topic = s.topic;
      view.partition = s.partition;
      view.offset = s.offset;
      view.has_key = s.record.has_key;
      view.key = s.record.key;
      view.payload = s.record.payload;
      view.timestamp_ms = s.record.timestamp_ms;
      for (const auto& [name, value] : s.record.headers) view.headers.push_back({name, value});
      // The view points into the stored record, which the message keeps
      // alive even if the test compacts or truncates the log meanwhile.
      PolledMessage::Owner owner(new std::shared_ptr<const Stored>(it->second), [](void* p) {
        delete static_cast<std::shared_ptr<const Stored>*>(p);
      });
      out->emplace_back(view, std::move(owner));
      m.position = s.offset + 1;
    }
  }
}

PolledMessage FakeGroupConsumer::Poll(int timeout_ms) {
  std::vector<PolledMessage> one;
  PollBatch(timeout_ms, 1, &one);
  if (one.empty()) return {};
  return std::move(one.front());
}

void FakeGroupConsumer::PollBatch(int timeout_ms, size_t max, std::vector<PolledMessage>* out) {
  out->clear();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  {
    std::lock_guard lock(mu_);
    ++polls_;
  }
  while (true) {
    // As with librdkafka, a poll that serves a rebalance returns before the
    // new assignment has been fetched.
    if (DeliverRebalances()) return;
    Fetch(max, out);
    if (!out->empty()) return;
    std::unique_lock lock(mu_);
    // Woken by an append, a scripted rebalance or a resume; a poll with
    // nothing to deliver otherwise waits out its timeout, as a real one.
    ++waiting_polls_;
    bool timed_out = changed_.wait_until(lock, deadline) == std::cv_status::timeout;
    --waiting_polls_;
    if (timed_out) return;
  }
}

int64_t FakeGroupConsumer::Polls() const {
  std::lock_guard lock(mu_);
  return polls_;
}

int FakeGroupConsumer::WaitingPolls() const {
  std::lock_guard lock(mu_);
  return waiting_polls_;
}

Result<std::map<TopicPartition, int64_t>> FakeGroupConsumer::Committed(
    const std::vector<TopicPartition>& parts, int) {
  std::lock_guard lock(mu_);
  if (!committed_failures_.empty()) {
    Status st = committed_failures_.front();
    committed_failures_.pop_front();
    return st;
  }
  std::map<TopicPartition, int64_t> out;
  for (const auto& tp : parts) {
    auto it = committed_.find(tp);
    out[tp] = it == committed_.end() ? -1 : it->second;
  }
  return out;
}

void FakeGroupConsumer::AbandonCommits() {
  std::lock_guard lock(mu_);
  commits_abandoned_ = true;
}

Status FakeGroupConsumer::Commit(const std::map<TopicPartition, int64_t>& offsets,
                                 std::chrono::milliseconds) {
  std::lock_guard lock(mu_);
  if (commits_abandoned_) return Status::Aborted("commit: shutting down");
  if (!commit_failures_.empty()) {
    Status st = commit_failures_.front();
    commit_failures_.pop_front();
    return st;
  }
  if (closed_) return Status::Fenced("commit: the member is closed");
  for (const auto& [tp, off] : offsets) committed_[tp] = off;
  commit_history_.push_back(offsets);
  return Status::OK();
}

void FakeGroupConsumer::ForcePosition(const TopicPartition& tp, int64_t offset) {
  std::lock_guard lock(mu_);
  auto it = assigned_.find(tp);
  if (it != assigned_.end()) it->second.forced_position = offset;
}

std::vector<std::pair<TopicPartition, int64_t>> FakeGroupConsumer::SeekHistory() const {
  std::lock_guard lock(mu_);
  return seek_history_;
}

Status FakeGroupConsumer::Seek(const TopicPartition& tp, int64_t offset, int) {
  std::lock_guard lock(mu_);
  seek_history_.emplace_back(tp, offset);
  auto it = assigned_.find(tp);
  if (it == assigned_.end()) {
    return Status::IOError("seek {}/{} to {}: not assigned", tp.topic, tp.partition, offset);
  }
  it->second.position = offset;
  return Status::OK();
}

Status FakeGroupConsumer::Pause(const std::vector<TopicPartition>& parts) {
  std::lock_guard lock(mu_);
  for (const auto& tp : parts) {
    auto it = assigned_.find(tp);
    if (it != assigned_.end()) it->second.paused = true;
  }
  return Status::OK();
}

Status FakeGroupConsumer::Resume(const std::vector<TopicPartition>& parts) {
  {
    std::lock_guard lock(mu_);
    for (const auto& tp : parts) {
      auto it = assigned_.find(tp);
      if (it != assigned_.end()) it->second.paused = false;
    }
  }
  changed_.notify_all();
  return Status::OK();
}

Status FakeGroupConsumer::ResumeAt(const TopicPartition& tp, int64_t offset) {
  RETURN_IF_ERROR(Resume({tp}));
  return Seek(tp, offset, 0);
}

void FakeGroupConsumer::WakeFetchers(const std::vector<TopicPartition>&) {
  std::lock_guard lock(mu_);
  ++wake_calls_;
}

Status FakeGroupConsumer::QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high,
                                          int) {
  std::lock_guard lock(mu_);
  if (!watermark_failures_.empty()) {
    Status st = watermark_failures_.front();
    watermark_failures_.pop_front();
    return st;
  }
  const Log& log = LogOf(tp);
  *low = log.low;
  *high = log.high;
  return Status::OK();
}

bool FakeGroupConsumer::CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high) {
  std::lock_guard lock(mu_);
  auto it = assigned_.find(tp);
  if (it == assigned_.end() || !it->second.fetched) return false;
  *low = it->second.cached_low;
  *high = it->second.cached_high;
  return true;
}

Status FakeGroupConsumer::Close(std::chrono::milliseconds) {
  std::vector<TopicPartition> parts;
  RebalanceListener* listener;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::OK();
    // Rebalances still scripted never reach a member that leaves.
    script_.clear();
    for (const auto& [tp, m] : assigned_) parts.push_back(tp);
    listener = listener_;
  }
  if (listener && !parts.empty()) listener->OnRevoked(parts, false);
  {
    std::lock_guard lock(mu_);
    assigned_.clear();
    closed_ = true;
  }
  changed_.notify_all();
  return Status::OK();
}

}  // namespace secor::testing
