#include "config/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/file_util.h"
#include "common/logging.h"
#include "common/strings.h"
#include "config/keys.h"
#include "config/keys_java.h"
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

// How a key's values become its one value, as the Java Secor read the key.
enum class ListRule {
  kWhole,  // a key the original did not have: the first value, commas and all
  kFirst,  // the original's getString: the first element of the first value
  kAll,    // the original's getStringArray: every element of every value
};

ListRule RuleFor(const std::string& key) {
  const JavaKeyInfo* java = FindJavaKey(key);
  if (!java) return ListRule::kWhole;
  return java->array ? ListRule::kAll : ListRule::kFirst;
}

std::string OneValue(ListRule rule, const std::string& raw) {
  if (rule == ListRule::kWhole) return UnescapeListValue(raw);
  auto elements = SplitListValue(raw);
  // A value without a comma stays whole: a delimiter of "\n" or "\t" is not
  // trimmed away.
  return elements.size() == 1 ? UnescapeListValue(raw) : elements.front();
}

// Keys of the original that this version reads under its own name: when the
// new key is unset, the old one counts. A prefix pair maps key families.
struct Alias {
  std::string_view key;
  std::string_view original;
  bool prefix = false;
};
constexpr Alias kAliases[] = {
    {"secor.qubole.api.token", "qubole.api.token"},
    {"secor.hive.prefix", "hive.table.prefix"},
    {"secor.hive.table.name.", "hive.table.name.", true},
    {"secor.text.delimiter", "secor.file.writer.Delimiter"},
    {"secor.text.delimiter", "secor.file.reader.Delimiter"},
    {"statsd.dogstatsd", "statsd.dogstatsd.tags.enabled"},
};

std::string Shown(const std::string& key, const std::string& value) {
  return JsonQuote(IsSecretKey(key) && !value.empty() ? "****" : RedactSecrets(value));
}

// value with every ${...} reference taken out.
std::string WithoutReferences(std::string_view value) {
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t open = value.find("${", pos);
    size_t close = open == std::string_view::npos ? open : value.find('}', open);
    if (close == std::string_view::npos) {
      out.append(value.substr(pos));
      break;
    }
    out.append(value.substr(pos, open - pos));
    pos = close + 1;
  }
  return out;
}

// A JAAS line (`...LoginModule required username="u" password="p";`): the
// value of an option named like a password or secret, written out.
bool JaasHoldsLiteralSecret(std::string_view value) {
  auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  };
  for (size_t eq = value.find('='); eq != std::string_view::npos; eq = value.find('=', eq + 1)) {
    size_t end = eq;
    while (end > 0 && value[end - 1] == ' ') --end;
    size_t start = end;
    while (start > 0 && name_char(value[start - 1])) --start;
    std::string name = ToLower(value.substr(start, end - start));
    if (name.find("password") == std::string::npos && name.find("secret") == std::string::npos) {
      continue;
    }
    size_t v = eq + 1;
    while (v < value.size() && value[v] == ' ') ++v;
    std::string_view option;
    if (v < value.size() && value[v] == '"') {
      size_t close = value.find('"', v + 1);
      option = value.substr(v + 1, close == std::string_view::npos ? close : close - v - 1);
    } else {
      size_t stop = value.find_first_of(" ;", v);
      option = value.substr(v, stop == std::string_view::npos ? stop : stop - v);
    }
    if (!Trim(WithoutReferences(option)).empty()) return true;
  }
  return false;
}

}  // namespace

bool HoldsLiteralSecret(const std::string& key, std::string_view value) {
  if (!IsSecretKey(key)) return false;
  // Where a secret is, not what it is.
  for (std::string_view place : {".url", ".uri", ".endpoint", ".location", ".file", ".path"}) {
    if (EndsWith(key, place)) return false;
  }
  if (key.find("sasl.jaas") != std::string::npos) return JaasHoldsLiteralSecret(value);
  return !Trim(WithoutReferences(value)).empty();
}

std::vector<std::string> SplitListValue(std::string_view raw) {
  std::vector<std::string> out;
  std::string token;
  bool escaped = false;
  auto finish = [&] {
    out.emplace_back(Trim(token));
    token.clear();
  };
  for (char c : raw) {
    if (escaped) {
      if (c != ',' && c != '\\') token.push_back('\\');
      token.push_back(c);
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ',') {
      finish();
    } else {
      token.push_back(c);
    }
  }
  if (escaped) token.push_back('\\');
  finish();
  return out;
}

std::string UnescapeListValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == ',' || raw[i + 1] == '\\')) ++i;
    out.push_back(raw[i]);
  }
  return out;
}

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
  config.MakeNotices();
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
  struct stat st {};
  bool warned = std::any_of(secret_file_warnings_.begin(), secret_file_warnings_.end(),
                            [&](const std::string& w) { return StartsWith(w, path + " can be"); });
  if (!warned && ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    std::vector<std::string> keys;
    for (const auto& line : lines) {
      if (HoldsLiteralSecret(line.key, line.value)) {
        keys.push_back(fmt::format("{} (line {})", line.key, line.line));
      }
    }
    if (!keys.empty()) {
      secret_file_warnings_.push_back(fmt::format(
          "{} can be read by every user of this machine (mode {:04o}) and holds secrets: {}; "
          "chmod 600 it, or keep the secrets out of it with ${{env:NAME}} or an include= of a "
          "file only secor can read (docs/configuration.md)",
          path, st.st_mode & 07777, Join(keys, ", ")));
    }
  }
  chain->push_back(path);
  // As in Commons Configuration, an include loads at its line: what it sets
  // comes after the lines above it and before those below.
  for (const auto& line : lines) {
    if (ToLower(line.key) != "include") {
      Add(line.key, line.value, path + ":" + std::to_string(line.line));
      continue;
    }
    for (const auto& inc : SplitListValue(line.value)) {
      if (inc.empty()) continue;
      // An escaped newline or other control character in a file name is
      // a mistake, and would break the one-line error about it.
      if (std::any_of(inc.begin(), inc.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return Status::InvalidArgument("{}:{}: include {}: control character in a file name", path,
                                       line.line, JsonQuote(inc));
      }
      RETURN_IF_ERROR(LoadFileInto(ResolveRelative(path, inc), chain, depth + 1));
    }
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

void Config::Resolve(const std::string& key, Entry* entry) {
  ListRule rule = RuleFor(key);
  entry->origin = entry->values.front().origin;
  const KeyInfo* info = FindKey(key);
  bool empty_is_value = info && info->empty_is_value;
  if (rule != ListRule::kAll) {
    entry->value = OneValue(rule, entry->values.front().raw);
    entry->set = empty_is_value || !entry->value.empty();
    return;
  }
  std::vector<std::string> all;
  for (const Value& v : entry->values) {
    for (auto& element : SplitListValue(v.raw)) {
      if (!element.empty()) all.push_back(std::move(element));
    }
  }
  entry->value = Join(all, ",");
  entry->set = empty_is_value || !entry->value.empty();
}

void Config::Set(const std::string& key, const std::string& value, const std::string& origin) {
  Entry& e = values_[key];
  e.values = {Value{value, origin}};
  Resolve(key, &e);
}

void Config::Add(const std::string& key, const std::string& value, const std::string& origin) {
  Entry& e = values_[key];
  e.values.push_back(Value{value, origin});
  Resolve(key, &e);
}

void Config::Unset(const std::string& key) { values_.erase(key); }

const Config::Entry* Config::Find(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end() && it->second.set) return &it->second;
  for (const Alias& a : kAliases) {
    std::string original;
    if (a.prefix && StartsWith(key, a.key)) {
      original = std::string(a.original) + key.substr(a.key.size());
    } else if (!a.prefix && key == a.key) {
      original = a.original;
    } else {
      continue;
    }
    auto old = values_.find(original);
    if (old != values_.end() && old->second.set) return &old->second;
  }
  return it == values_.end() ? nullptr : &it->second;
}

bool Config::Has(const std::string& key) const {
  const Entry* e = Find(key);
  return e && e->set;
}

std::vector<Config::Value> Config::Values(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::vector<Value>() : it->second.values;
}

void Config::MakeNotices() {
  notices_.clear();
  for (const auto& [key, e] : values_) {
    ListRule rule = RuleFor(key);
    if (rule == ListRule::kFirst) {
      auto elements = SplitListValue(e.values.front().raw);
      if (elements.size() > 1) {
        notices_.push_back(fmt::format(
            "{}={} ({}): only {} is used: the Java Secor read this key as one value, cut at the "
            "first unescaped comma; write \\, for a comma",
            key, Shown(key, UnescapeListValue(e.values.front().raw)), e.origin,
            Shown(key, e.value)));
      }
    }
    if (rule == ListRule::kAll || e.values.size() < 2) continue;
    bool differ = false;
    for (const Value& v : e.values) differ = differ || OneValue(rule, v.raw) != e.value;
    if (!differ) continue;
    std::vector<std::string> ignored;
    for (size_t i = 1; i < e.values.size(); ++i) {
      ignored.push_back(
          fmt::format("{} ({})", Shown(key, OneValue(rule, e.values[i].raw)), e.values[i].origin));
    }
    notices_.push_back(fmt::format(
        "{} is set {} times: {} ({}) is used, {} ignored (the first value loaded wins, as in the "
        "Java Secor)",
        key, e.values.size(), Shown(key, e.value), e.origin, Join(ignored, ", ")));
  }
}

std::vector<std::string> Config::NotApplicableKeys() const {
  std::vector<std::string> out;
  for (const auto& [key, e] : values_) {
    const JavaKeyInfo* java = FindJavaKey(key);
    if (java && java->status == JavaKeyStatus::kNotApplicable && e.set) {
      out.push_back(key);
    }
  }
  return out;
}

Status Config::CheckUnsupportedKeys() const {
  for (const auto& [key, e] : values_) {
    const JavaKeyInfo* java = FindJavaKey(key);
    if (java && java->status == JavaKeyStatus::kUnsupported && !e.value.empty() &&
        ToLower(e.value) != ToLower(java->inert)) {
      return BadValue(key, std::string(java->note));
    }
  }
  return Status::OK();
}

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
      const Entry* e = Find(ref);
      std::string sub;
      if (e && e->set) {
        ASSIGN_OR_RETURN(sub, Expand(ref, e->value, depth + 1, refs));
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
  const Entry* e = Find(key);
  if (!e || !e->set) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string v, ExpandValue(key, e->value));
  if (v.empty() && !e->value.empty()) return std::optional<std::string>();
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
  const Entry* e = Find(key);
  return e ? e->origin : "default";
}

Result<std::map<std::string, std::string>> Config::WithPrefix(const std::string& prefix) const {
  std::map<std::string, std::string> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end(); ++it) {
    if (!StartsWith(it->first, prefix)) break;
    if (!it->second.set) continue;  // empty means unset
    ASSIGN_OR_RETURN(std::string v, ExpandValue(it->first, it->second.value));
    out[it->first.substr(prefix.size())] = std::move(v);
  }
  return out;
}

std::vector<std::string> Config::UnknownKeys() const {
  std::vector<std::string> out;
  for (const auto& [k, e] : values_) {
    if (!FindKey(k) && !FindJavaKey(k)) out.push_back(k);
  }
  return out;
}

std::map<std::string, std::string> Config::RedactedValues() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, e] : values_) out[k] = IsSecretKey(k) ? "****" : RedactSecrets(e.value);
  return out;
}

Status Config::BadValue(const std::string& key, const std::string& why) const {
  const Entry* e = Find(key);
  std::string shown = !e ? "" : (IsSecretKey(key) ? "****" : RedactSecrets(e->value));
  return Status::InvalidArgument("{}={} ({}): {}", key, shown, Origin(key), why);
}

}  // namespace secor
