// Logging setup: leveled, one event a line, optionally JSON lines. The rest of
// the code logs through spdlog's default logger (SPDLOG_* / spdlog::info).
#pragma once

#include <string>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace secor {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error
  bool json = false;           // JSON lines instead of plain text
};

// Installs the process-wide logger writing to standard error.
Status InitLogging(const LogOptions& options);

}  // namespace secor
