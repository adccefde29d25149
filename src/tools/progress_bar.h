// ProgressBar: how far a long tool has got (secor verify over many files).
// On a terminal it redraws one line ("verify: 120/400 files (30%)") at most
// ten times a second; otherwise (a log, a pipe) it writes a plain line at most
// every ten seconds, so that logs stay short and readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace secor {

class ProgressBar {
 public:
  // what: the tool ("verify"); unit: what is counted ("files").
  ProgressBar(std::string what, std::string unit, std::FILE* out = stderr);
  // Tells for which output it draws a bar instead of lines (tests).
  ProgressBar(std::string what, std::string unit, std::FILE* out, bool terminal);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(int64_t done, int64_t total);
  // The last state, shown once more, and the bar's line ended.
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  void Show(int64_t done, int64_t total);

  std::string what_, unit_;
  std::FILE* out_;
  bool terminal_;
  bool shown_ = false;
  bool finished_ = false;
  int64_t done_ = 0, total_ = 0;
  Clock::time_point last_ = Clock::now();
};

}  // namespace secor
