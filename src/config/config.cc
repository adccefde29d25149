#include "config/config.h"

#include <algorithm>

#include <cstdlib>

#include "common/file_util.h"
#include "common/logging.h"
#include "common/strings.h"
#include "config/keys.h"
#include "config/properties.h"

namespace secor {
namespace {

constexpr int kMaxIncludeDepth = 16;
constexpr int kMaxExpandDepth = 16;
constexpr int kMaxExpandRefs = 1000;
constexpr size_t kMaxExpandedBytes = 1 << 20;

std::string ResolveRelative(const std::string& base_file, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  std::string dir = DirName(base_file);
  return dir.empty() ? path : JoinPath(dir, path);
}

}  // namespace

Result<Config> Config::Load(const std::string& path, const std::vector<std::string>& overrides) {
  Config config;
  config.path_ = path;
  std::vector<std::string> chain;
  RETURN_IF_ERROR(config.LoadFileInto(path, &chain, 0));
  for (const std::string& o : overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--set {}: expected key=value", o);
    }
    config.Set(std::string(Trim(o.substr(0, eq))), std::string(Trim(o.substr(eq + 1))), "--set");
  }
  return config;
}

Status Config::LoadFileInto(const std::string& path, std::vector<std::string>* chain, int depth) {
  if (depth > kMaxIncludeDepth) {
    return Status::InvalidArgument("include chain deeper than {} at {}", kMaxIncludeDepth, path);
  }
  for (const auto& seen : *chain) {
    if (seen == path) return Status::InvalidArgument("include cycle: {} includes itself", path);
  }
  auto text = ReadFile(path);
  if (!text.ok()) return Status::InvalidArgument("cannot read config {}", text.status().message());
  ASSIGN_OR_RETURN(auto lines, ParseProperties(*text, path));
  chain->push_back(path);
  // Includes load first so that this file's own entries win over them.
  for (const auto& line : lines) {
    if (line.key == "include") {
      for (const auto& inc : Split(line.value, ',', true)) {
        // An escaped newline or other control character in a file name is
        // a mistake, and would break the one-line error about it.
        if (std::any_of(inc.begin(), inc.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
          return Status::InvalidArgument("{}:{}: include {}: control character in a file name",
                                         path, line.line, JsonQuote(inc));
        }
        RETURN_IF_ERROR(
            LoadFileInto(ResolveRelative(path, std::string(Trim(inc))), chain, depth + 1));
      }
    }
  }
  for (const auto& line : lines) {
    if (line.key == "include") continue;
    Set(line.key, line.value, path + ":" + std::to_string(line.line));
  }
  chain->pop_back();
  return Status::OK();
}

Config Config::FromMap(const std::map<std::string, std::string>& values,
                       const std::string& origin) {
  Config c;
  for (const auto& [k, v] : values) c.Set(k, v, origin);
  return c;
}

void Config::Set(const std::string& key, const std::string& value, const std::string& origin) {
  values_[key] = Entry{value, origin};
}

void Config::Unset(const std::string& key) { values_.erase(key); }

bool Config::Has(const std::string& key) const { return values_.count(key) > 0; }

Result<std::string> Config::ExpandValue(const std::string& key, const std::string& value) const {
  int refs = 0;
  return Expand(key, value, 0, &refs);
}

Result<std::string> Config::Expand(const std::string& key, const std::string& value, int depth,
                                   int* refs) const {
  if (value.find("${") == std::string::npos) return value;
  if (depth > kMaxExpandDepth) return BadValue(key, "${...} references nest too deep (a cycle?)");
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t open = value.find("${", pos);
    if (open == std::string::npos) {
      out.append(value, pos);
      break;
    }
    size_t close = value.find('}', open);
    if (close == std::string::npos) return BadValue(key, "unterminated ${");
    out.append(value, pos, open - pos);
    std::string ref = value.substr(open + 2, close - open - 2);
    if (++*refs > kMaxExpandRefs) {
      return BadValue(
          key, fmt::format("expanding it takes more than {} ${{...}} references", kMaxExpandRefs));
    }
    if (StartsWith(ref, "env:")) {
      std::string name = ref.substr(4);
      const char* env = std::getenv(name.c_str());
      if (!env) return BadValue(key, "environment variable " + name + " is not set");
      out.append(env);
    } else {
      auto it = values_.find(ref);
      std::string sub;
      if (it != values_.end()) {
        ASSIGN_OR_RETURN(sub, Expand(ref, it->second.value, depth + 1, refs));
      } else if (const KeyInfo* k = FindKey(ref); k && !k->default_value.empty()) {
        sub = std::string(k->default_value);
      } else {
        return BadValue(key, "refers to ${" + ref + "}, which is not set");
      }
      out.append(sub);
    }
    if (out.size() > kMaxExpandedBytes) {
      return BadValue(key, fmt::format("expands to more than {} bytes", kMaxExpandedBytes));
    }
    pos = close + 1;
  }
  return out;
}

Result<std::optional<std::string>> Config::Lookup(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string v, ExpandValue(key, it->second.value));
  return std::optional<std::string>(std::move(v));
}

Result<std::string> Config::StringWithDefault(const std::string& key,
                                              const std::string* fallback) const {
  ASSIGN_OR_RETURN(auto v, Lookup(key));
  if (v) return *v;
  if (fallback) return *fallback;
  const KeyInfo* info = FindKey(key);
  if (!info) return Status::Internal("configuration key {} is not in the key table", key);
  return std::string(info->default_value);
}

Result<std::string> Config::String(const std::string& key) const {
  return StringWithDefault(key, nullptr);
}

Result<std::string> Config::StringOr(const std::string& key, const std::string& fallback) const {
  return StringWithDefault(key, &fallback);
}

Result<std::string> Config::Required(const std::string& key) const {
  ASSIGN_OR_RETURN(std::string v, String(key));
  if (v.empty()) {
    return Status::InvalidArgument("{}: required setting is missing{}", key,
                                   path_.empty() ? "" : " in " + path_);
  }
  return v;
}

Result<int64_t> Config::Int(const std::string& key) const {
  ASSIGN_OR_RETURN(std::string v, String(key));
  if (v.empty()) return BadValue(key, "an integer is required");
  auto n = ParseInt64(v);
  if (!n) return BadValue(key, "not an integer");
  return *n;
}

Result<int64_t> Config::IntOr(const std::string& key, int64_t fallback) const {
  ASSIGN_OR_RETURN(auto v, Lookup(key));
  if (!v || Trim(*v).empty()) return fallback;
  auto n = ParseInt64(*v);
  if (!n) return BadValue(key, "not an integer");
  return *n;
}

Result<double> Config::Double(const std::string& key) const {
  ASSIGN_OR_RETURN(std::string v, String(key));
  auto d = ParseDouble(v);
  if (!d) return BadValue(key, "not a number");
  return *d;
}

Result<bool> Config::Bool(const std::string& key) const {
  ASSIGN_OR_RETURN(std::string v, String(key));
  auto b = ParseBool(v);
  if (!b) return BadValue(key, "not a boolean (true or false)");
  return *b;
}

Result<bool> Config::BoolOr(const std::string& key, bool fallback) const {
  ASSIGN_OR_RETURN(auto v, Lookup(key));
  if (!v) return fallback;
  auto b = ParseBool(*v);
  if (!b) return BadValue(key, "not a boolean (true or false)");
  return *b;
}

Result<std::string> Config::StringForTopic(const std::string& key, std::string_view topic) const {
  std::string specific = key + "." + std::string(topic);
  if (Has(specific)) return StringOr(specific, "");
  return String(key);
}

Result<int64_t> Config::IntForTopic(const std::string& key, std::string_view topic) const {
  std::string specific = key + "." + std::string(topic);
  if (Has(specific)) return IntOr(specific, 0);
  return Int(key);
}

Result<bool> Config::BoolForTopic(const std::string& key, std::string_view topic) const {
  std::string specific = key + "." + std::string(topic);
  if (Has(specific)) return BoolOr(specific, false);
  return Bool(key);
}

std::string Config::Origin(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? "default" : it->second.origin;
}

Result<std::map<std::string, std::string>> Config::WithPrefix(const std::string& prefix) const {
  std::map<std::string, std::string> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end(); ++it) {
    if (!StartsWith(it->first, prefix)) break;
    ASSIGN_OR_RETURN(std::string v, ExpandValue(it->first, it->second.value));
    out[it->first.substr(prefix.size())] = std::move(v);
  }
  return out;
}

std::vector<std::string> Config::UnknownKeys() const {
  std::vector<std::string> out;
  for (const auto& [k, e] : values_) {
    if (!FindKey(k)) out.push_back(k);
  }
  return out;
}

std::map<std::string, std::string> Config::RedactedValues() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, e] : values_) out[k] = IsSecretKey(k) ? "****" : RedactSecrets(e.value);
  return out;
}

Status Config::BadValue(const std::string& key, const std::string& why) const {
  auto it = values_.find(key);
  std::string shown =
      it == values_.end() ? "" : (IsSecretKey(key) ? "****" : RedactSecrets(it->second.value));
  return Status::InvalidArgument("{}={} ({}): {}", key, shown, Origin(key), why);
}

}  // namespace secor
