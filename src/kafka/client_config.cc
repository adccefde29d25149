#include "kafka/client_config.h"

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "config/keys_java.h"

namespace secor {
namespace {

// Java client settings that librdkafka spells differently.
struct Renamed {
  std::string_view java;
  std::string_view librdkafka;
};
constexpr Renamed kRenamed[] = {
    {"sasl.mechanism", "sasl.mechanisms"},
    {"request.timeout.ms", "socket.timeout.ms"},
    {"fetch.max.wait.ms", "fetch.wait.max.ms"},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
    {"send.buffer.bytes", "socket.send.buffer.bytes"},
    {"ssl.truststore.certificates", "ssl.ca.pem"},
    {"ssl.keystore.certificate.chain", "ssl.certificate.pem"},
    {"ssl.keystore.key", "ssl.key.pem"},
};

// Read by the key and trust store translation below, or by the consumer
// (topic.list), never passed on as they are.
constexpr std::string_view kHandledElsewhere[] = {
    "ssl.keystore.location",   "ssl.keystore.password", "ssl.keystore.type",
    "ssl.truststore.location", "ssl.truststore.type",   "topic.list",
};

// sasl.jaas.config: PLAIN and SCRAM logins carry a user name and password,
// a Kerberos login a keytab and principal.
Status TranslateJaas(const Config& config, const std::string& full_key, const std::string& value,
                     std::map<std::string, std::string>* out) {
  auto field = [&](const std::string& name) -> std::string {
    size_t pos = value.find(name + "=\"");
    if (pos == std::string::npos) return "";
    pos += name.size() + 2;
    size_t end = value.find('"', pos);
    return end == std::string::npos ? "" : value.substr(pos, end - pos);
  };
  if (value.find("Krb5LoginModule") != std::string::npos) {
    if (std::string keytab = field("keyTab"); !keytab.empty()) {
      (*out)["sasl.kerberos.keytab"] = keytab;
    }
    if (std::string principal = field("principal"); !principal.empty()) {
      (*out)["sasl.kerberos.principal"] = principal;
    }
    return Status::OK();
  }
  std::string user = field("username"), pass = field("password");
  if (user.empty()) {
    return config.BadValue(full_key,
                           "only PlainLoginModule/ScramLoginModule with username=\"...\" "
                           "password=\"...\" and Krb5LoginModule are understood; set "
                           "kafka.client.sasl.username and kafka.client.sasl.password instead");
  }
  (*out)["sasl.username"] = user;
  (*out)["sasl.password"] = pass;
  return Status::OK();
}

// A Java client setting (prefix stripped) as librdkafka settings; settings
// that librdkafka has under the same name pass unchanged.
Status TranslateJavaSetting(const Config& config, const std::string& full_key,
                            const std::string& key, const std::string& value,
                            std::map<std::string, std::string>* out) {
  // Not applicable keys were named once at start-up (Config::NotApplicableKeys).
  const JavaKeyInfo* java = FindJavaKey(full_key);
  if (java && java->status == JavaKeyStatus::kNotApplicable) return Status::OK();
  for (std::string_view k : kHandledElsewhere) {
    if (key == k) return Status::OK();
  }
  if (key == "sasl.jaas.config") return TranslateJaas(config, full_key, value, out);
  for (const Renamed& r : kRenamed) {
    if (key == r.java) {
      (*out)[std::string(r.librdkafka)] = value;
      return Status::OK();
    }
  }
  (*out)[key] = value;
  return Status::OK();
}

enum class StoreType { kPem, kPkcs12, kJks };

// The type of a Java key or trust store: ssl.*.type when set, else the
// file's first bytes, else its extension.
Result<StoreType> StoreTypeOf(const Config& config, const std::string& type_key,
                              const std::string& location) {
  ASSIGN_OR_RETURN(auto type, config.Lookup(type_key));
  if (type) {
    std::string t = ToLower(*type);
    if (t == "pem") return StoreType::kPem;
    if (t == "pkcs12") return StoreType::kPkcs12;
    if (t == "jks" || t == "jceks") return StoreType::kJks;
    return config.BadValue(type_key, "unknown store type (PEM, PKCS12 or JKS)");
  }
  if (auto head = ReadFile(location); head.ok() && !head->empty()) {
    std::string_view h = Trim(std::string_view(*head).substr(0, 64));
    if (StartsWith(h, "-----BEGIN")) return StoreType::kPem;
    if (StartsWith(*head, "\xFE\xED\xFE\xED") || StartsWith(*head, "\xCE\xCE\xCE\xCE")) {
      return StoreType::kJks;
    }
    if (static_cast<unsigned char>((*head)[0]) == 0x30) return StoreType::kPkcs12;
  }
  std::string lower = ToLower(location);
  if (EndsWith(lower, ".jks") || EndsWith(lower, ".keystore") || EndsWith(lower, ".truststore")) {
    return StoreType::kJks;
  }
  if (EndsWith(lower, ".p12") || EndsWith(lower, ".pfx") || EndsWith(lower, ".pkcs12")) {
    return StoreType::kPkcs12;
  }
  return StoreType::kPem;
}

// ssl.truststore.* and ssl.keystore.* of the Java client as librdkafka's
// PEM (or, for the key store, PKCS#12) settings.
Status TranslateStores(const Config& config, std::map<std::string, std::string>* out) {
  const std::string p = "kafka.new.consumer.";
  ASSIGN_OR_RETURN(auto trust, config.Lookup(p + "ssl.truststore.location"));
  if (trust) {
    ASSIGN_OR_RETURN(StoreType type, StoreTypeOf(config, p + "ssl.truststore.type", *trust));
    if (type == StoreType::kJks) {
      return config.BadValue(
          p + "ssl.truststore.location",
          fmt::format("a JKS trust store cannot be read by librdkafka; convert it to PEM with "
                      "`keytool -importkeystore -srckeystore {0} -destkeystore truststore.p12 "
                      "-deststoretype PKCS12 && openssl pkcs12 -in truststore.p12 -nokeys -out "
                      "ca.pem` and set {1}ssl.truststore.location=ca.pem",
                      *trust, p));
    }
    if (type == StoreType::kPkcs12) {
      return config.BadValue(
          p + "ssl.truststore.location",
          fmt::format("a PKCS12 trust store cannot be read by librdkafka; convert it to PEM "
                      "with `openssl pkcs12 -in {0} -nokeys -out ca.pem` and set "
                      "{1}ssl.truststore.location=ca.pem",
                      *trust, p));
    }
    (*out)["ssl.ca.location"] = *trust;
  }
  ASSIGN_OR_RETURN(auto keystore, config.Lookup(p + "ssl.keystore.location"));
  if (keystore) {
    ASSIGN_OR_RETURN(StoreType type, StoreTypeOf(config, p + "ssl.keystore.type", *keystore));
    if (type == StoreType::kJks) {
      return config.BadValue(
          p + "ssl.keystore.location",
          fmt::format("a JKS key store cannot be read by librdkafka; convert it to PKCS12 with "
                      "`keytool -importkeystore -srckeystore {0} -destkeystore keystore.p12 "
                      "-deststoretype PKCS12` and set {1}ssl.keystore.location=keystore.p12 "
                      "(or to PEM with `openssl pkcs12 -in keystore.p12 -nodes -out "
                      "keystore.pem`)",
                      *keystore, p));
    }
    if (type == StoreType::kPkcs12) {
      (*out)["ssl.keystore.location"] = *keystore;
      ASSIGN_OR_RETURN(auto password, config.Lookup(p + "ssl.keystore.password"));
      if (password) (*out)["ssl.keystore.password"] = *password;
    } else {
      // A PEM key store holds the private key and the certificate chain in
      // one file; OpenSSL reads each part from it.
      (*out)["ssl.certificate.location"] = *keystore;
      (*out)["ssl.key.location"] = *keystore;
    }
  }
  return Status::OK();
}

Status AddPassThrough(const Config& config, std::map<std::string, std::string>* out) {
  // The original's kafka.socket.receive.buffer.bytes (old consumer).
  ASSIGN_OR_RETURN(auto rcvbuf, config.Lookup("kafka.socket.receive.buffer.bytes"));
  if (rcvbuf) (*out)["socket.receive.buffer.bytes"] = *rcvbuf;
  ASSIGN_OR_RETURN(auto fetch, config.WithPrefix("kafka.fetch."));
  for (const auto& [k, v] : fetch) {
    // The original's kafka.fetch.message.max.bytes etc. map to fetch.*.
    (*out)["fetch." + k] = v;
  }
  ASSIGN_OR_RETURN(auto java, config.WithPrefix("kafka.new.consumer."));
  for (const auto& [k, v] : java) {
    RETURN_IF_ERROR(TranslateJavaSetting(config, "kafka.new.consumer." + k, k, v, out));
  }
  RETURN_IF_ERROR(TranslateStores(config, out));
  // kafka.client.X is librdkafka's X, except the original's class name.
  ASSIGN_OR_RETURN(auto client, config.WithPrefix("kafka.client."));
  for (const auto& [k, v] : client) {
    if (k != "className") (*out)[k] = v;
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

Result<std::map<std::string, std::string>> PlainClientSettings(const Config& config,
                                                               const std::string& bootstrap) {
  std::map<std::string, std::string> out;
  RETURN_IF_ERROR(AddPassThrough(config, &out));
  if (bootstrap.empty()) {
    ASSIGN_OR_RETURN(out["bootstrap.servers"], BootstrapServers(config));
  } else {
    out["bootstrap.servers"] = bootstrap;
  }
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
