#include "tools/progress_bar.h"

#include <unistd.h>

#include <fmt/format.h>

namespace secor {

ProgressBar::ProgressBar(std::string what, std::string unit, std::FILE* out)
    : ProgressBar(std::move(what), std::move(unit), out, ::isatty(::fileno(out)) == 1) {}

ProgressBar::ProgressBar(std::string what, std::string unit, std::FILE* out, bool terminal)
    : what_(std::move(what)), unit_(std::move(unit)), out_(out), terminal_(terminal) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done, int64_t total) {
  done_ = done;
  total_ = total;
  auto now = Clock::now();
  auto every = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (now - last_ < every) return;
  last_ = now;
  Show(done, total);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  // A plain run too short for a line stays silent; a bar is completed.
  if (terminal_ && shown_) {
    Show(done_, total_);
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

void ProgressBar::Show(int64_t done, int64_t total) {
  int percent = total > 0 ? static_cast<int>(done * 100 / total) : 0;
  std::string line = fmt::format("{}: {}/{} {} ({}%)", what_, done, total, unit_, percent);
  if (terminal_) {
    constexpr int kWidth = 30;
    int filled = total > 0 ? static_cast<int>(done * kWidth / total) : 0;
    std::fprintf(out_, "\r[%s%s] %s", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), line.c_str());
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  shown_ = true;
}

}  // namespace secor
