#include "tools/command.h"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "common/strings.h"
#include "config/keys.h"
#include "config/keys_java.h"

namespace secor {

void ConfigFlags::AddTo(CLI::App* sub, bool config_required) {
  auto* opt = sub->add_option("-c,--config", config_path, "properties file");
  if (config_required) opt->required();
  sub->add_option("--set", overrides, "override a setting: key=value (repeatable)");
  sub->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  sub->add_flag("--log-json", log_json, "log JSON lines");
}

Result<Config> LoadConfig(const ConfigFlags& flags, bool stop_on_unsupported) {
  // A configuration that fails to load is reported in the format asked for.
  if (flags.log_json) RETURN_IF_ERROR(InitLogging({"info", true}));
  Config config;
  if (!flags.config_path.empty()) {
    ASSIGN_OR_RETURN(config, Config::Load(flags.config_path, flags.overrides));
  } else {
    std::map<std::string, std::string> values;
    for (const auto& o : flags.overrides) {
      size_t eq = o.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Status::InvalidArgument("--set {}: expected key=value", o);
      }
      values[std::string(Trim(o.substr(0, eq)))] = std::string(Trim(o.substr(eq + 1)));
    }
    config = Config::FromMap(values, "--set");
  }
  LogOptions log;
  ASSIGN_OR_RETURN(log.level, config.String("secor.log.level"));
  ASSIGN_OR_RETURN(log.json, config.Bool("secor.log.json"));
  if (!flags.log_level.empty()) log.level = flags.log_level;
  if (flags.log_json) log.json = true;
  RETURN_IF_ERROR(InitLogging(log));
  // Every value of a secret key (expanded) is kept out of the log.
  std::vector<std::string> secrets;
  for (const auto& [key, shown] : config.RedactedValues()) {
    if (!IsSecretKey(key)) continue;
    auto value = config.String(key);
    // Too short or a plain flag value: redacting it would garble every line.
    if (value.ok() && value->size() >= 4 && *value != "true" && *value != "false")
      secrets.push_back(*value);
    // A JAAS login line holds its password in quotes; the password alone
    // (as librdkafka's sasl.password) must not show either.
    if (value.ok() && key.find("sasl.jaas") != std::string::npos) {
      for (size_t pos = value->find("password=\""); pos != std::string::npos;
           pos = value->find("password=\"", pos + 1)) {
        size_t begin = pos + 10, end = value->find('"', begin);
        if (end != std::string::npos && end - begin >= 4) {
          secrets.push_back(value->substr(begin, end - begin));
        }
      }
    }
  }
  AddLogSecrets(secrets);
  for (const auto& notice : config.LoadNotices()) spdlog::warn("{}", notice);
  for (const auto& warning : config.SecretFileWarnings()) spdlog::warn("{}", warning);
  for (const auto& key : config.UnknownKeys()) {
    spdlog::warn("unknown configuration key {} ({}): ignored; check the spelling", key,
                 config.Origin(key));
  }
  // Keys of the Java Secor with no effect here: each Kafka client setting on
  // its own line with the reason (a security or fetch setting matters), the
  // rest in one line.
  std::vector<std::string> others;
  for (const auto& key : config.NotApplicableKeys()) {
    if (StartsWith(key, "kafka.")) {
      spdlog::info("{} ({}): not applicable here: {}", key, config.Origin(key),
                   FindJavaKey(key)->note);
    } else {
      others.push_back(key);
    }
  }
  if (!others.empty()) {
    spdlog::info("keys of the Java Secor with no effect here (docs/compatibility.md): {}",
                 Join(others, ", "));
  }
  if (stop_on_unsupported) RETURN_IF_ERROR(config.CheckUnsupportedKeys());
  return config;
}

int Fail(const std::string& command, const Status& status, int code) {
  if (LoggingJson()) {
    spdlog::error("secor {}: {}", command, status.message());
  } else {
    std::string line = RedactSecrets("secor " + command + ": " + status.message());
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  return code;
}

}  // namespace secor
