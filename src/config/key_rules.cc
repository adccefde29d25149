#include "config/key_rules.h"

#include <limits>

#include <fmt/format.h>

#include "common/strings.h"
#include "config/config.h"
#include "config/keys.h"

namespace secor {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Keys whose values outside the range would be accepted by the type alone
// and then misbehave (a negative age, a port that cannot be bound).
const KeyRange kRanges[] = {
    {"kafka.seed.broker.port", 1, 65535},
    {"secor.generation", 0, kMax},
    {"secor.messages.per.second", 0, kMax},
    {"secor.offsets.per.partition", 1, kMax},
    {"secor.consumer.max_bad_messages", -1, kMax},
    {"secor.max.file.size.bytes", 1, kMax},
    {"secor.max.file.age.seconds", 0, kMax},
    {"secor.max.file.count", -1, kMax},
    {"secor.shutdown.timeout.seconds", 0, kMax},
    {"secor.upload.minute_mark", 0, 59},
    {"secor.upload.threads", 1, 1024},
    {"secor.upload.retry.max.backoff.ms", 1, kMax},
    {"secor.compression.threads", 0, 64},
    {"secor.parquet.memory.budget.bytes", 1048576, kMax},
    {"secor.schema.registry.retry.max.backoff.ms", 1, kMax},
    {"secor.http.port", 0, 65535},
    {"ostrich.port", 0, 65535},
    {"secor.http.healthz.max.silence.seconds", 1, kMax},
};

const RequiredKey kRequired[] = {
    {"kafka.bootstrap.servers", "or kafka.seed.broker.host"},
    {"secor.kafka.group", ""},
    {"secor.message.parser.class", ""},
    {"secor.local.path", ""},
    {"secor.output.uri", "or secor.s3.bucket with cloud.service=S3"},
};

std::string RangeText(const KeyRange& r) {
  if (r.max == kMax) return fmt::format("must be {} or more", r.min);
  if (r.name.ends_with(".port")) return fmt::format("must be a TCP port, {} to {}", r.min, r.max);
  return fmt::format("must be {} to {}", r.min, r.max);
}

bool Missing(const Config& config, const RequiredKey& k) {
  if (config.Has(std::string(k.name))) return false;
  if (k.name == "kafka.bootstrap.servers")
    return !config.Has("kafka.seed.broker.host") &&
           !config.Has("kafka.new.consumer.bootstrap.servers");
  if (k.name == "secor.output.uri") {
    // cloud.service other than S3 is reported by the store's own check.
    auto service = config.String("cloud.service");
    bool s3 = !service.ok() || ToLower(*service) == "s3";
    return s3 && !config.Has("secor.s3.bucket");
  }
  return true;
}

}  // namespace

std::span<const KeyRange> KeyRanges() { return kRanges; }

const KeyRange* FindKeyRange(std::string_view key) {
  const KeyInfo* info = FindKey(key);
  if (!info) return nullptr;
  for (const KeyRange& r : kRanges) {
    if (r.name == info->name) return &r;
  }
  return nullptr;
}

std::span<const RequiredKey> RequiredKeys() { return kRequired; }

const RequiredKey* FindRequiredKey(std::string_view name) {
  for (const RequiredKey& k : kRequired) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<Status> MissingRequiredKeys(const Config& config) {
  std::vector<Status> out;
  for (const RequiredKey& k : kRequired) {
    if (!Missing(config, k)) continue;
    std::string where = config.path().empty() ? "" : " in " + config.path();
    out.push_back(
        Status::InvalidArgument("{}: required setting is missing{}{}", k.name, where,
                                k.alternative.empty() ? "" : fmt::format(" ({})", k.alternative)));
  }
  return out;
}

std::vector<Status> CheckKeyValues(const Config& config) {
  std::vector<Status> out;
  for (const auto& [key, shown] : config.RedactedValues()) {
    const KeyInfo* info = FindKey(key);
    if (!info || info->is_prefix || !config.Has(key)) continue;
    Status st;
    switch (info->type) {
      case KeyType::kInt: {
        auto v = config.Int(key);
        if (!v.ok()) {
          st = v.status();
        } else if (const KeyRange* r = FindKeyRange(key); r && (*v < r->min || *v > r->max)) {
          st = config.BadValue(key, RangeText(*r));
        }
        break;
      }
      case KeyType::kBool:
        st = config.Bool(key).status();
        break;
      case KeyType::kDouble:
        st = config.Double(key).status();
        break;
      default:
        st = config.String(key).status();  // ${...} references that do not resolve
        break;
    }
    if (!st.ok()) out.push_back(st);
  }
  return out;
}

std::string LeadingKey(std::string_view message) {
  size_t end = message.find_first_of("=: ");
  if (end == std::string_view::npos || end == 0) return "";
  std::string key(message.substr(0, end));
  return FindKey(key) ? key : "";
}

}  // namespace secor
