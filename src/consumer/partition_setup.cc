// Assignment, revocation, set-up and replay of source partitions.
#include <chrono>

#include <spdlog/spdlog.h>

#include "consumer/consumer_impl.h"

namespace secor::consumer_internal {

// Where a newly assigned partition starts, following the round protocol:
// the committed offset (or the chain root), then past every decided round
// whose files are all stored, then replay of the decided rounds that are not.
Status ConsumerImpl::SetUpPartition(PartitionState& ps) {
  const TopicPartition tp = ps.tp;
  ps.replay.clear();
  ASSIGN_OR_RETURN(ps.ctx, Context(tp.topic));
  // Short timeouts: a set-up that cannot finish is retried from the consume
  // loop, which must stay responsive (a SIGTERM, other partitions).
  ASSIGN_OR_RETURN(auto committed, kafka_->Committed({tp}, kSetUpTimeoutMs));
  int64_t start = committed[tp];
  int64_t low = 0, high = 0;
  RETURN_IF_ERROR(kafka_->QueryWatermarks(tp, &low, &high, kSetUpTimeoutMs));
  if (start < 0) {
    int64_t reset = auto_offset_reset_ == "latest" ? high : low;
    ASSIGN_OR_RETURN(start, ledger_->CreateOrAdoptRoot(tp.topic, tp.partition, reset, writer_id_));
    spdlog::info(
        "{}/{}: the group has no committed offset; starting at offset {} (the log's {}, "
        "auto.offset.reset; the chain of rounds begins there)",
        tp.topic, tp.partition, start, auto_offset_reset_ == "latest" ? "end" : "start");
  }
  // Decided rounds whose files are all stored are committed and passed; the
  // rest of the chain is replayed: same messages, same files.
  ASSIGN_OR_RETURN(ChainPosition position,
                   ledger_->PositionFrom(tp.topic, tp.partition, start, [&](int64_t next) {
                     Status st = kafka_->Commit({{tp, next}});
                     if (!st.ok()) {
                       spdlog::warn("{}/{}: commit of decided round failed: {}", tp.topic,
                                    tp.partition, st.message());
                     }
                   }));
  start = position.start;
  ps.replay = std::move(position.replay);
  ps.phase = PartitionPhase::kFlowing;
  if (start < low) {
    probe_.offsets_lost.Add();
    if (ps.replaying()) {
      ps.phase = PartitionPhase::kBlocked;
      spdlog::error(
          "{}/{}: round {}..{} was decided but its files are not all stored, and Kafka no longer "
          "holds offset {} (log starts at {}): these messages are lost; the partition is paused. "
          "Use `secor reset-offsets` to move past them",
          tp.topic, tp.partition, ps.replay.front().start, ps.replay.front().end, start, low);
    } else {
      spdlog::error(
          "{}/{}: Kafka no longer holds offsets {}..{} (retention passed them): they "
          "were never stored; continuing at {}",
          tp.topic, tp.partition, start, low - 1, low);
    }
  }
  StartRound(ps, start);
  SetCurrent(tp, ps.epoch);
  if (ps.replaying()) {
    spdlog::info("{}/{}: replaying {} decided round(s) from {}", tp.topic, tp.partition,
                 ps.replay.size(), start);
  }
  return Status::OK();
}

// Set-up needs the broker and the store. One attempt here, inside the
// rebalance callback; when it fails for a reason that may pass (store or
// broker unavailable), the partition is held paused and RetrySetUps tries
// again from the consume loop, so the member keeps polling and stays in the
// group however long the outage lasts.
AssignPlan ConsumerImpl::OnAssigned(const std::vector<TopicPartition>& parts) {
  joined_group_ = true;  // even with no partition: the group has this member
  AssignPlan plan;
  Status outage;  // once one set-up fails for the broker or store, hold the rest
  for (const auto& tp : parts) {
    probe_.rebalances.Add();
    PartitionState ps;
    ps.tp = tp;
    ps.epoch = next_epoch_++;
    Status st = outage.ok() ? SetUpPartition(ps) : outage;
    if (st.ok()) {
      plan.starts[tp] = ps.round_start;
      if (ps.phase == PartitionPhase::kBlocked) {
        // Paused from the start: fetching would only drop messages (nothing
        // past the lost round may be written) and report the lost offsets
        // again with every fetch.
        ps.paused = true;
        plan.hold.push_back(tp);
      }
      spdlog::info("{}/{}: assigned, starting at offset {}", tp.topic, tp.partition,
                   ps.round_start);
    } else if (st.IsRetryable() || st.code() == Status::Code::kFenced) {
      outage = st;
      ps.phase = PartitionPhase::kSettingUp;
      ps.paused = true;
      ps.setup_retry.Start(kFirstSetUpBackoffMs, kMaxSetUpBackoffMs, Clock::now());
      plan.hold.push_back(tp);
      spdlog::warn("{}/{}: assigned, but setting it up failed; holding it paused and retrying: {}",
                   tp.topic, tp.partition, st.message());
    } else {
      setup_error_ = st.WithContext(fmt::format("assignment of {}/{}", tp.topic, tp.partition));
      continue;
    }
    partitions_[tp] = std::move(ps);
    assigned_in_poll_.insert(tp);
  }
  probe_.assigned.Set(static_cast<double>(partitions_.size()));
  return plan;
}

Status ConsumerImpl::RetrySetUps() {
  auto now = Clock::now();
  bool tried = false;
  for (auto& [tp, ps] : partitions_) {
    if (ps.phase != PartitionPhase::kSettingUp || !ps.setup_retry.Due(now)) continue;
    // One attempt per policy tick: a store or broker that is down makes each
    // attempt slow, and the loop has other partitions and signals to serve.
    if (tried || stop_requested_.load()) break;
    tried = true;
    Status st = SetUpPartition(ps);
    if (st.ok()) {
      st = kafka_->Seek(tp, ps.round_start, 0);
      if (st.ok()) {
        UpdatePause(ps);
        spdlog::info("{}/{}: set up after retrying, starting at offset {}", tp.topic, tp.partition,
                     ps.round_start);
        continue;
      }
      ps.phase = PartitionPhase::kSettingUp;
      ClearCurrent(tp);
    }
    // Fenced: the group is moving the partition; the revocation follows.
    if (!st.IsRetryable() && st.code() != Status::Code::kFenced) {
      return st.WithContext(fmt::format("assignment of {}/{}", tp.topic, tp.partition));
    }
    ps.setup_retry.Double(kMaxSetUpBackoffMs, Clock::now());
    spdlog::warn("{}/{}: setting up the assignment failed, retrying in {} ms: {}", tp.topic,
                 tp.partition, ps.setup_retry.delay_ms(), st.message());
  }
  return Status::OK();
}

void ConsumerImpl::OnRevoked(const std::vector<TopicPartition>& parts, bool lost) {
  if (lost) joined_group_ = false;  // the group went on without this member
  for (const auto& tp : parts) {
    probe_.rebalances.Add();
    ClearCurrent(tp);
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) continue;
    // librdkafka keeps a partition's pause across unassign and a later
    // assign, while the next PartitionState starts unpaused and would never
    // resume it: the partition would stall for good. Resume it while it is
    // still assigned.
    if (it->second.paused) (void)kafka_->Resume({tp});
    DropRound(it->second);
    partitions_.erase(it);
    spdlog::info("{}/{}: {}", tp.topic, tp.partition,
                 lost ? "lost (evicted from the group)" : "revoked");
  }
  probe_.assigned.Set(static_cast<double>(partitions_.size()));
}

// Starts the partition over as if newly assigned (paused, set up again by
// RetrySetUps from the committed offset and the markers), after a broker or
// store error in the middle of a change of round.
void ConsumerImpl::HoldForSetUp(PartitionState& ps, const Status& why) {
  DropRound(ps);
  ClearParseHold(ps);
  ClearCurrent(ps.tp);
  ps.epoch = next_epoch_++;
  ps.phase = PartitionPhase::kSettingUp;
  ps.replay.clear();
  ps.pending_rounds = 0;
  ps.setup_retry.Start(kFirstSetUpBackoffMs, kMaxSetUpBackoffMs, Clock::now());
  UpdatePause(ps);
  spdlog::warn("{}/{}: holding the partition paused and setting it up again: {}", ps.tp.topic,
               ps.tp.partition, why.message());
}

// Another writer decided the round this state sealed at start: drop what
// this state holds and replay the chain the others decided.
Status ConsumerImpl::ResetToReplay(PartitionState& ps, int64_t start) {
  DropRound(ps);
  ClearParseHold(ps);
  ps.epoch = next_epoch_++;
  SetCurrent(ps.tp, ps.epoch);
  ps.pending_rounds = 0;
  ps.replay.clear();
  ASSIGN_OR_RETURN(ChainPosition position,
                   ledger_->ReplayFrom(ps.tp.topic, ps.tp.partition, start));
  ps.replay = std::move(position.replay);
  StartRound(ps, start);
  RETURN_IF_ERROR(kafka_->Seek(ps.tp, start, 0));
  UpdatePause(ps);
  spdlog::info("{}/{}: replaying {} round(s) decided by other writers from {}", ps.tp.topic,
               ps.tp.partition, ps.replay.size(), start);
  return Status::OK();
}

}  // namespace secor::consumer_internal
