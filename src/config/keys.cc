#include "config/keys.h"

#include <vector>

#include "config/keys_internal.h"

namespace secor {

std::span<const KeyInfo> KnownKeys() {
  static const std::vector<KeyInfo> all = [] {
    std::vector<KeyInfo> v;
    for (auto part :
         {keys_internal::CoreKeys(), keys_internal::StorageKeys(), keys_internal::FormatKeys(),
          keys_internal::ParseKeys(), keys_internal::OpsKeys(), keys_internal::BinaryParseKeys(),
          keys_internal::ColumnarKeys()}) {
      v.insert(v.end(), part.begin(), part.end());
    }
    return v;
  }();
  return all;
}

const KeyInfo* FindKey(std::string_view key) {
  const KeyInfo* per_topic_match = nullptr;
  for (const KeyInfo& k : KnownKeys()) {
    if (k.name == key) return &k;
    if (k.is_prefix && key.starts_with(k.name)) return &k;
    if (k.per_topic && key.size() > k.name.size() + 1 && key.starts_with(k.name) &&
        key[k.name.size()] == '.') {
      // Prefer the longest per-topic base: "a.b.<topic>" over "a.<...>".
      if (!per_topic_match || k.name.size() > per_topic_match->name.size()) per_topic_match = &k;
    }
  }
  return per_topic_match;
}

bool IsSecretKey(std::string_view key) {
  const KeyInfo* k = FindKey(key);
  if (k && k->secret) return true;
  // Anything that looks like a credential in a passed-through client setting.
  for (std::string_view word : {"password", "secret", "token", "sasl.jaas", "credential"}) {
    if (key.find(word) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace secor
