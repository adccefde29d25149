#include "tools/config_check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <set>

#include "common/strings.h"
#include "config/key_rules.h"
#include "config/keys.h"
#include "consumer/consumer_settings.h"
#include "consumer/topic_context.h"
#include "kafka/client_config.h"
#include "metrics/metrics.h"
#include "storage/object_store.h"

namespace secor {
namespace {

// Stand-ins for missing required keys, so that the builders that read them
// go on to check everything else.
const char* Placeholder(std::string_view key) {
  if (key == "kafka.bootstrap.servers") return "127.0.0.1:9092";
  if (key == "secor.kafka.group") return "secor_check";
  if (key == "secor.message.parser.class") return "OffsetMessageParser";
  if (key == "secor.local.path") return "/tmp/secor-check";
  if (key == "secor.output.uri") return "/tmp/secor-check-output";
  return "";
}

// The local directory an output URI names ("" for another store).
std::string LocalOutputPath(const std::string& uri) {
  if (StartsWith(uri, "file://")) return uri.substr(7);
  if (uri.find("://") == std::string::npos) return uri;
  return "";
}

// The topics that per-topic overrides name ("<key>.<topic>").
std::set<std::string> OverriddenTopics(const Config& config) {
  std::set<std::string> topics;
  for (const auto& [key, shown] : config.RedactedValues()) {
    const KeyInfo* info = FindKey(key);
    if (info && info->per_topic && key.size() > info->name.size() + 1) {
      topics.insert(key.substr(info->name.size() + 1));
    }
  }
  return topics;
}

class Collector {
 public:
  explicit Collector(const Config& config) : repaired_(config) {}

  void Add(const Status& st) {
    std::string key = LeadingKey(st.message());
    if (!key.empty() && !reported_.insert(key).second) return;
    if (!seen_.insert(st.message()).second) return;
    problems_.push_back(st.message());
  }
  // A reported key takes its default (or a stand-in when required) in the
  // configuration the builders read.
  void Repair(const std::string& key) {
    if (const char* p = Placeholder(key); *p) {
      repaired_.Set(key, p, "secor check");
    } else {
      repaired_.Unset(key);
    }
  }
  // Runs build on the repaired configuration until it passes: each failure
  // naming a key is a problem, and the key is repaired for the next run.
  bool Run(const std::function<Status(const Config&)>& build) {
    for (int i = 0; i < 64; ++i) {
      Status st = build(repaired_);
      if (st.ok()) return true;
      std::string key = LeadingKey(st.message());
      bool known = !key.empty() && reported_.count(key) > 0;
      Add(st);
      if (key.empty() || known || repaired_.Values(key).empty()) return false;
      Repair(key);
    }
    return false;
  }
  const Config& repaired() const { return repaired_; }
  std::vector<std::string> Take() { return std::move(problems_); }

 private:
  Config repaired_;
  std::set<std::string> reported_;
  std::set<std::string> seen_;
  std::vector<std::string> problems_;
};

}  // namespace

Status CheckLocalDirectory(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument("not a directory");
    }
    if (::access(path.c_str(), W_OK | X_OK) != 0) {
      return Status::InvalidArgument("the directory is not writable");
    }
    return Status::OK();
  }
  // The nearest existing ancestor must be a directory we may create in.
  std::string parent = path;
  while (true) {
    while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
    size_t slash = parent.rfind('/');
    if (slash == std::string::npos) {
      parent.assign(1, '.');
    } else {
      parent.resize(slash == 0 ? 1 : slash);  // keeps "/" for a top-level path
    }
    if (::stat(parent.c_str(), &st) == 0) break;
    if (parent == "/" || parent == ".") break;
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("cannot be created: {} is not a directory", parent);
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    return Status::InvalidArgument("cannot be created: {} is not writable", parent);
  }
  return Status::OK();
}

std::vector<std::string> ValidateConsumeConfig(const Config& config) {
  Collector c(config);
  for (const Status& st : MissingRequiredKeys(config)) {
    c.Add(st);
    c.Repair(LeadingKey(st.message()));
  }
  for (const Status& st : CheckKeyValues(config)) {
    c.Add(st);
    c.Repair(LeadingKey(st.message()));
  }
  c.Run([](const Config& cfg) { return cfg.CheckUnsupportedKeys(); });

  ConsumerSettings settings;
  bool have_settings = c.Run([&settings](const Config& cfg) {
    auto s = ConsumerSettings::FromConfig(cfg);
    if (!s.ok()) return s.status();
    settings = std::move(s).value();
    return Status::OK();
  });
  if (have_settings) {
    MetricsRegistry metrics;
    std::set<std::string> topics = OverriddenTopics(config);
    topics.insert("");
    for (const std::string& topic : topics) {
      c.Run([&](const Config& cfg) {
        return BuildTopicContext(cfg, settings, topic, metrics).status();
      });
    }
    c.Run([&settings](const Config& cfg) {
      return ConsumerClientSettings(cfg, settings.group).status();
    });
  }
  // The staging directory and a local output root must be creatable; only
  // where the user set them (a stand-in is not the user's problem).
  if (config.Has("secor.local.path")) {
    c.Run([](const Config& cfg) -> Status {
      ASSIGN_OR_RETURN(std::string path, cfg.String("secor.local.path"));
      Status st = CheckLocalDirectory(path);
      return st.ok() ? st : cfg.BadValue("secor.local.path", st.message());
    });
  }
  if (config.Has("secor.output.uri")) {
    c.Run([](const Config& cfg) -> Status {
      ASSIGN_OR_RETURN(std::string uri, cfg.String("secor.output.uri"));
      std::string path = LocalOutputPath(uri);
      if (path.empty()) return Status::OK();
      Status st = CheckLocalDirectory(path);
      return st.ok() ? st : cfg.BadValue("secor.output.uri", st.message());
    });
  }
  return c.Take();
}

}  // namespace secor
