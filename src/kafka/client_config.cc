#include "kafka/client_config.h"

#include "common/strings.h"
#include "config/config.h"

namespace secor {
namespace {

// Java client settings that librdkafka spells differently or does not have.
Status TranslateJavaSetting(const Config& config, const std::string& full_key,
                            const std::string& key, const std::string& value,
                            std::map<std::string, std::string>* out) {
  if (key == "sasl.jaas.config") {
    // org.apache.kafka.common.security.plain.PlainLoginModule required
    //   username="u" password="p";
    auto field = [&](const std::string& name) -> std::string {
      size_t pos = value.find(name + "=\"");
      if (pos == std::string::npos) return "";
      pos += name.size() + 2;
      size_t end = value.find('"', pos);
      return end == std::string::npos ? "" : value.substr(pos, end - pos);
    };
    std::string user = field("username"), pass = field("password");
    if (user.empty()) {
      return config.BadValue(full_key,
                             "only PLAIN/SCRAM login modules with username=\"...\" "
                             "password=\"...\" are supported; set sasl.username and "
                             "sasl.password instead");
    }
    (*out)["sasl.username"] = user;
    (*out)["sasl.password"] = pass;
    return Status::OK();
  }
  if (key == "ssl.truststore.location" || key == "ssl.keystore.location") {
    if (EndsWith(ToLower(value), ".jks")) {
      return config.BadValue(full_key,
                             "Java keystores (.jks) cannot be read by librdkafka; "
                             "convert to PEM and set ssl.ca.location / "
                             "ssl.certificate.location / ssl.key.location");
    }
    (*out)[key == "ssl.truststore.location" ? "ssl.ca.location" : "ssl.keystore.location"] = value;
    return Status::OK();
  }
  static const char* kIgnored[] = {"key.deserializer",
                                   "value.deserializer",
                                   "ssl.truststore.password",
                                   "ssl.truststore.type",
                                   "enable.auto.commit",
                                   "max.poll.records",
                                   "partition.assignment.strategy"};
  for (const char* ignored : kIgnored) {
    if (key == ignored) return Status::OK();
  }
  if (key == "ssl.keystore.password") {
    (*out)["ssl.keystore.password"] = value;
    return Status::OK();
  }
  (*out)[key] = value;
  return Status::OK();
}

Status AddPassThrough(const Config& config, std::map<std::string, std::string>* out) {
  ASSIGN_OR_RETURN(auto fetch, config.WithPrefix("kafka.fetch."));
  for (const auto& [k, v] : fetch) {
    // The original's kafka.fetch.message.max.bytes etc. map to fetch.*.
    (*out)["fetch." + k] = v;
  }
  for (const char* prefix : {"kafka.new.consumer.", "kafka.client."}) {
    ASSIGN_OR_RETURN(auto settings, config.WithPrefix(prefix));
    for (const auto& [k, v] : settings) {
      RETURN_IF_ERROR(TranslateJavaSetting(config, prefix + k, k, v, out));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::string> BootstrapServers(const Config& config) {
  ASSIGN_OR_RETURN(std::string servers, config.String("kafka.bootstrap.servers"));
  if (!servers.empty()) return servers;
  ASSIGN_OR_RETURN(auto passed, config.Lookup("kafka.new.consumer.bootstrap.servers"));
  if (passed && !passed->empty()) return *passed;
  ASSIGN_OR_RETURN(std::string host, config.String("kafka.seed.broker.host"));
  if (host.empty()) {
    return Status::InvalidArgument(
        "kafka.bootstrap.servers: required setting is missing (or set kafka.seed.broker.host){}",
        config.path().empty() ? "" : " in " + config.path());
  }
  ASSIGN_OR_RETURN(int64_t port, config.Int("kafka.seed.broker.port"));
  return host + ":" + std::to_string(port);
}

Result<std::map<std::string, std::string>> PlainClientSettings(const Config& config) {
  std::map<std::string, std::string> out;
  RETURN_IF_ERROR(AddPassThrough(config, &out));
  ASSIGN_OR_RETURN(out["bootstrap.servers"], BootstrapServers(config));
  // Consumer-group settings make no sense on a plain client.
  for (const char* k : {"group.id", "auto.offset.reset", "session.timeout.ms",
                        "heartbeat.interval.ms", "max.poll.interval.ms", "enable.auto.commit",
                        "enable.auto.offset.store", "group.instance.id"}) {
    out.erase(k);
  }
  return out;
}

Result<std::map<std::string, std::string>> ConsumerClientSettings(const Config& config,
                                                                  const std::string& group) {
  std::map<std::string, std::string> out;
  RETURN_IF_ERROR(AddPassThrough(config, &out));
  ASSIGN_OR_RETURN(out["bootstrap.servers"], BootstrapServers(config));
  if (!out.count("auto.offset.reset")) {
    ASSIGN_OR_RETURN(auto old, config.Lookup("kafka.consumer.auto.offset.reset"));
    out["auto.offset.reset"] = old ? *old : "earliest";
  }
  // Java spellings of the reset policy.
  if (out["auto.offset.reset"] == "smallest") out["auto.offset.reset"] = "earliest";
  if (out["auto.offset.reset"] == "largest") out["auto.offset.reset"] = "latest";
  out["group.id"] = group;
  // Offsets are committed by the round protocol, only after upload.
  out["enable.auto.commit"] = "false";
  out["enable.auto.offset.store"] = "false";
  out["partition.assignment.strategy"] = "cooperative-sticky";
  if (!out.count("client.id")) out["client.id"] = "secor";
  return out;
}

}  // namespace secor
