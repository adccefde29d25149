// Config: the merged settings of one run, read as the Java Secor's Commons
// Configuration 1.x read them: files load in order with each include= expanded
// at its line, a repeated key keeps every value in load order and the FIRST
// loaded counts (keys the original read as arrays take every element of every
// value), values split into lists at unescaped commas (\, escapes one) and
// other keys of the original take the first element, --set replaces every
// value of its key. An empty value means unset: the key table's default
// applies (except for keys where empty is a value, e.g. a directory prefix). Values may refer to
// other keys as ${key} and to the environment as
// ${env:NAME} (keep secrets out of files). Every typed getter reports a bad
// value in one line naming key and origin.
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

  // One value of a key as loaded: the raw text (escaped commas kept) and where.
  struct Value {
    std::string raw;
    std::string origin;  // "file:line", "--set", ...
  };

  // Loads path and its include= chain, then applies overrides ("key=value").
  static Result<Config> Load(const std::string& path, const std::vector<std::string>& overrides);
  // For tests and tools: settings from a map, with origin "origin".
  static Config FromMap(const std::map<std::string, std::string>& values,
                        const std::string& origin = "test");

  // Replaces every value of key (the original's setProperty, -D / --set).
  void Set(const std::string& key, const std::string& value, const std::string& origin);
  // Adds one more value of key after those loaded before (a file line).
  void Add(const std::string& key, const std::string& value, const std::string& origin);
  void Unset(const std::string& key);

  // Set to a non-empty value (directly or through an alias of the original).
  bool Has(const std::string& key) const;
  // Every value of key in load order, as loaded (empty when never set).
  std::vector<Value> Values(const std::string& key) const;
  // The value with ${...} expanded, or nullopt when unset or empty (defaults ignored).
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

  // Where the value of key that counts was set: "file:line", "--set", or "default".
  std::string Origin(const std::string& key) const;
  // Notices of the load, one line each: a key whose files disagree (the value
  // used and those ignored, with file:line), a value of the original's
  // single-value key cut at an unescaped comma.
  const std::vector<std::string>& LoadNotices() const { return notices_; }
  // One warning per loaded file that every user of the machine may read
  // (mode o+r) and that writes out a secret (a secret key with a value that
  // is more than ${...} references): the file, its mode and the keys with
  // their lines, never a value. chmod 600, ${env:NAME} or an include= of a
  // private file keep secrets out of reach (docs/configuration.md).
  const std::vector<std::string>& SecretFileWarnings() const { return secret_file_warnings_; }
  // Keys of the Java Secor set to a value that has no effect here, with the
  // reason (keys_java.h), sorted.
  std::vector<std::string> NotApplicableKeys() const;
  // A key of the Java Secor set to a value this version cannot honour yet
  // (e.g. secor.s3.alternative.path): an error naming key, value and file.
  Status CheckUnsupportedKeys() const;
  // The file that was loaded ("" when built from a map).
  const std::string& path() const { return path_; }

  // All set keys starting with prefix, prefix stripped, values expanded.
  Result<std::map<std::string, std::string>> WithPrefix(const std::string& prefix) const;
  // Set keys that neither the key table nor the Java Secor's keys know (typos,
  // or settings of a newer version).
  std::vector<std::string> UnknownKeys() const;
  // All set keys (raw values), for dumps; secrets shown as "****".
  std::map<std::string, std::string> RedactedValues() const;

  // Error for a bad value of key: "<key>=<value> (<origin>): <why>".
  Status BadValue(const std::string& key, const std::string& why) const;

 private:
  struct Entry {
    std::vector<Value> values;  // load order
    std::string value;          // the value that counts (escapes removed)
    std::string origin;         // where it came from
    bool set = false;           // value is non-empty, or empty is a value of the key
  };
  static void Resolve(const std::string& key, Entry* entry);
  // The entry of key, or of the original's name for it when key is unset.
  const Entry* Find(const std::string& key) const;
  void MakeNotices();
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
  std::vector<std::string> notices_;
  std::vector<std::string> secret_file_warnings_;
};

// Whether value, the raw value of key in a file, writes out a secret: key is
// a secret one (not a URL, path or file name of one) and value holds more
// than ${...} references; in a JAAS config only password and secret options
// count.
bool HoldsLiteralSecret(const std::string& key, std::string_view value);

// Splits a value at unescaped commas and trims each element; backslash-comma
// is a comma and two backslashes one backslash inside an element (Commons
// Configuration's rule).
std::vector<std::string> SplitListValue(std::string_view raw);
// The value with its list escapes removed, not split.
std::string UnescapeListValue(std::string_view raw);

}  // namespace secor
