// The table of configuration keys this implementation knows: name, default,
// type and a one-line description. docs/configuration.md documents the same
// table (a test checks that every key here appears there).
#pragma once

#include <span>
#include <string_view>

namespace secor {

enum class KeyType { kString, kInt, kBool, kDouble, kClass, kList };

struct KeyInfo {
  std::string_view name;
  std::string_view default_value;  // "" means no default
  KeyType type;
  std::string_view description;
  bool secret = false;     // never printed
  bool per_topic = false;  // may be overridden as "<name>.<topic>"
  bool is_prefix = false;  // a family: every key starting with name
  // An empty value is a value (no prefix), not "unset, take the default".
  bool empty_is_value = false;
};

std::span<const KeyInfo> KnownKeys();
// The entry for key (exact, prefix family, or per-topic override), or nullptr.
const KeyInfo* FindKey(std::string_view key);
bool IsSecretKey(std::string_view key);

}  // namespace secor
