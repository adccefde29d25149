#include "common/logging.h"

#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "common/strings.h"

namespace secor {
namespace {

std::mutex g_secrets_mu;
std::vector<std::string>& Secrets() {
  static std::vector<std::string> secrets;
  return secrets;
}
bool g_json = false;

// The password of "scheme://user:password@" up to the '@' of the authority.
void RedactUrlPasswords(std::string* s) {
  for (size_t pos = s->find("://"); pos != std::string::npos; pos = s->find("://", pos + 3)) {
    size_t start = pos + 3;
    size_t end = s->find_first_of("/?#\" \t\r\n'<>", start);
    if (end == std::string::npos) end = s->size();
    size_t at = s->rfind('@', end);
    if (at == std::string::npos || at < start) continue;
    size_t colon = s->find(':', start);
    if (colon == std::string::npos || colon > at) continue;
    s->replace(colon + 1, at - colon - 1, "****");
  }
}

// A flag that prints the message after RedactSecrets: %* as a JSON string
// (every line stays valid JSON whatever the message holds), %& as it is.
class RedactedMessageFlag : public spdlog::custom_flag_formatter {
 public:
  explicit RedactedMessageFlag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string text = RedactSecrets(std::string_view(msg.payload.data(), msg.payload.size()));
    if (json_) text = JsonQuote(text);
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RedactedMessageFlag>(json_);
  }

 private:
  bool json_;
};

}  // namespace

void AddLogSecrets(const std::vector<std::string>& secrets) {
  std::lock_guard lock(g_secrets_mu);
  for (const auto& s : secrets) {
    if (!s.empty()) Secrets().push_back(s);
  }
}

std::string RedactSecrets(std::string_view text) {
  std::string out(text);
  RedactUrlPasswords(&out);
  std::lock_guard lock(g_secrets_mu);
  for (const auto& secret : Secrets()) {
    for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 4)) {
      out.replace(pos, secret.size(), "****");
    }
  }
  return out;
}

bool LoggingJson() { return g_json; }

Status InitLogging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return Status::InvalidArgument("unknown log level '{}' (trace, debug, info, warn, error)",
                                   options.level);
  }
  spdlog::drop("secor");
  auto logger = spdlog::stderr_logger_mt("secor");
  logger->set_level(level);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (options.json) {
    formatter->add_flag<RedactedMessageFlag>('*', true).set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","pid":%P,"msg":%*})");
  } else {
    formatter->add_flag<RedactedMessageFlag>('&', false)
        .set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %L %P %&");
  }
  logger->set_formatter(std::move(formatter));
  g_json = options.json;
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return Status::OK();
}

}  // namespace secor
