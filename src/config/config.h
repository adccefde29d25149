// Config: the merged settings of one run. Sources, weakest first: the key
// table's defaults, the include= chain (an including file wins over what it
// includes), the file itself, --set overrides. Values may refer to other keys
// as ${key} and to the environment as ${env:NAME} (keep secrets out of files).
// Every typed getter reports a bad value in one line naming key and origin.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor {

class Config {
 public:
  Config() = default;

  // Loads path and its include= chain, then applies overrides ("key=value").
  static Result<Config> Load(const std::string& path, const std::vector<std::string>& overrides);
  // For tests and tools: settings from a map, with origin "origin".
  static Config FromMap(const std::map<std::string, std::string>& values,
                        const std::string& origin = "test");

  void Set(const std::string& key, const std::string& value, const std::string& origin);
  void Unset(const std::string& key);

  bool Has(const std::string& key) const;
  // The value with ${...} expanded, or nullopt when unset (defaults ignored).
  Result<std::optional<std::string>> Lookup(const std::string& key) const;

  // Typed getters. Unset keys take the key table's default (see keys.h); a key
  // unknown to the table must use the *Or forms.
  Result<std::string> String(const std::string& key) const;
  Result<std::string> Required(const std::string& key) const;
  Result<int64_t> Int(const std::string& key) const;
  Result<double> Double(const std::string& key) const;
  Result<bool> Bool(const std::string& key) const;
  Result<std::string> StringOr(const std::string& key, const std::string& fallback) const;
  Result<int64_t> IntOr(const std::string& key, int64_t fallback) const;
  Result<bool> BoolOr(const std::string& key, bool fallback) const;

  // Per-topic forms: "key.<topic>" wins over "key".
  Result<std::string> StringForTopic(const std::string& key, std::string_view topic) const;
  Result<int64_t> IntForTopic(const std::string& key, std::string_view topic) const;
  Result<bool> BoolForTopic(const std::string& key, std::string_view topic) const;

  // Where key was set: "file:line", "--set", or "default".
  std::string Origin(const std::string& key) const;
  // The file that was loaded ("" when built from a map).
  const std::string& path() const { return path_; }

  // All set keys starting with prefix, prefix stripped, values expanded.
  Result<std::map<std::string, std::string>> WithPrefix(const std::string& prefix) const;
  // Set keys that the key table does not know (typos, or settings of a newer version).
  std::vector<std::string> UnknownKeys() const;
  // All set keys (raw values), for dumps; secrets shown as "****".
  std::map<std::string, std::string> RedactedValues() const;

  // Error for a bad value of key: "<key>=<value> (<origin>): <why>".
  Status BadValue(const std::string& key, const std::string& why) const;

 private:
  struct Entry {
    std::string value;
    std::string origin;
  };
  Status LoadFileInto(const std::string& path, std::vector<std::string>* chain, int depth);
  // refs counts the references expanded for one top-level value: a value
  // like "${a}${a}" whose a is "${b}${b}" doubles at each level, and depth
  // alone would allow billions of them.
  Result<std::string> Expand(const std::string& key, const std::string& value, int depth,
                             int* refs) const;
  Result<std::string> ExpandValue(const std::string& key, const std::string& value) const;
  Result<std::string> StringWithDefault(const std::string& key, const std::string* fallback) const;

  std::map<std::string, Entry> values_;
  std::string path_;
};

}  // namespace secor
