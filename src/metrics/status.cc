#include "metrics/status.h"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>

#include "common/logging.h"
#include "common/strings.h"

namespace secor {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t AssignmentStatus::Lag() const {
  if (high_watermark < 0) return 0;
  int64_t next = last_offset >= 0 ? last_offset + 1 : round_start;
  return std::max<int64_t>(0, high_watermark - next);
}

StatusBoard& StatusBoard::Global() {
  static StatusBoard* board = new StatusBoard();
  return *board;
}

void StatusBoard::Publish(ConsumerSnapshot snapshot) {
  std::lock_guard lock(mu_);
  consumer_ = std::move(snapshot);
  published_ms_ = NowMillis();
}

void StatusBoard::SetRunning(bool running) {
  std::lock_guard lock(mu_);
  running_ = running;
}

void StatusBoard::RecordUpload(UploadRecord record) {
  std::lock_guard lock(mu_);
  uploads_.push_front(std::move(record));
  if (uploads_.size() > kKeep) uploads_.pop_back();
}

void StatusBoard::RecordError(ErrorRecord record) {
  std::lock_guard lock(mu_);
  errors_.push_front(std::move(record));
  if (errors_.size() > kKeep) errors_.pop_back();
}

StatusBoard::View StatusBoard::Get() const {
  std::lock_guard lock(mu_);
  View v;
  v.consumer = consumer_;
  v.running = running_;
  v.published_ms = published_ms_;
  v.uploads.assign(uploads_.begin(), uploads_.end());
  v.errors.assign(errors_.begin(), errors_.end());
  return v;
}

std::string StatusJson(const StatusBoard::View& view, int64_t now_ms) {
  const ConsumerSnapshot& c = view.consumer;
  std::string out = fmt::format(
      "{{\"group\":{},\"writer_id\":{},\"output\":{},\"staging_dir\":{},\"running\":{},"
      "\"snapshot_age_ms\":{},\"joined_group\":{},\"store_problem\":{},\"open_files\":{},"
      "\"rounds_in_flight\":{},\"assignments\":[",
      JsonQuote(c.group), JsonQuote(c.writer_id), JsonQuote(c.output), JsonQuote(c.staging_dir),
      view.running ? "true" : "false", view.published_ms ? now_ms - view.published_ms : -1,
      c.joined_group ? "true" : "false", JsonQuote(c.store_problem), c.open_files,
      c.rounds_in_flight);
  for (size_t i = 0; i < c.assignments.size(); ++i) {
    const auto& a = c.assignments[i];
    out += fmt::format(
        "{}{{\"topic\":{},\"partition\":{},\"round_start\":{},\"last_offset\":{},\"mode\":\"{}\","
        "\"open_files\":{},\"pending_rounds\":{},\"paused\":{},\"high_watermark\":{},\"lag\":{}}}",
        i ? "," : "", JsonQuote(a.topic), a.partition, a.round_start, a.last_offset,
        a.replay ? "replay" : "normal", a.open_files, a.pending_rounds, a.paused ? "true" : "false",
        a.high_watermark, a.Lag());
  }
  out += "],\"last_uploads\":[";
  for (size_t i = 0; i < view.uploads.size(); ++i) {
    const auto& u = view.uploads[i];
    out += fmt::format(
        "{}{{\"time_ms\":{},\"topic\":{},\"partition\":{},\"start\":{},\"end\":{},\"files\":{},"
        "\"replay\":{},\"ok\":{},\"error\":{}}}",
        i ? "," : "", u.time_ms, JsonQuote(u.topic), u.partition, u.start, u.end, u.files,
        u.replay ? "true" : "false", u.error.empty() ? "true" : "false", JsonQuote(u.error));
  }
  out += "],\"recent_errors\":[";
  for (size_t i = 0; i < view.errors.size(); ++i) {
    const auto& e = view.errors[i];
    out += fmt::format("{}{{\"time_ms\":{},\"level\":{},\"message\":{}}}", i ? "," : "", e.time_ms,
                       JsonQuote(e.level), JsonQuote(e.message));
  }
  out += "]}";
  return out;
}

namespace {

class StatusLogSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < spdlog::level::warn) return;
    ErrorRecord r;
    r.time_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    auto level = spdlog::level::to_string_view(msg.level);
    r.level.assign(level.data(), level.size());
    // The page shows what the log would: never a secret.
    r.message = RedactSecrets(std::string_view(msg.payload.data(), msg.payload.size()));
    StatusBoard::Global().RecordError(std::move(r));
  }
  void flush_() override {}
};

}  // namespace

std::shared_ptr<spdlog::sinks::sink> NewStatusLogSink() {
  return std::make_shared<StatusLogSink>();
}

}  // namespace secor
