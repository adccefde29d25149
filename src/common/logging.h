// Logging setup: leveled, one event a line, optionally JSON lines. The rest of
// the code logs through spdlog's default logger (SPDLOG_* / spdlog::info).
// Every line passes through RedactSecrets, so a secret that slips into a
// message (a URL's password, a configured credential) is never printed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace secor {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error
  bool json = false;           // JSON lines instead of plain text
};

// Installs the process-wide logger writing to standard error.
Status InitLogging(const LogOptions& options);

// Whether InitLogging chose JSON lines.
bool LoggingJson();

// Adds strings (configured secret values) that log lines must never show.
void AddLogSecrets(const std::vector<std::string>& secrets);

// text with the password of every "scheme://user:password@host" and every
// registered secret replaced by "****".
std::string RedactSecrets(std::string_view text);

}  // namespace secor
