// Registry<Factory>: the named implementations of one interface (stores,
// formats, codecs, parsers, metrics sinks). Lookups accept the built-in name,
// an alias, or a Java class name of the original Secor: the package part is
// dropped and the simple name matched, so old .properties files keep working.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace secor {

template <typename Factory>
class Registry {
 public:
  void Add(const std::string& name, const std::vector<std::string>& aliases, Factory factory) {
    entries_[ToLower(name)] = Entry{name, std::move(factory)};
    for (const auto& alias : aliases) aliases_[ToLower(alias)] = ToLower(name);
  }

  // nullptr when nothing matches.
  const Factory* Find(std::string_view name_or_class) const {
    std::string key = ToLower(Trim(name_or_class));
    if (const Factory* f = FindExact(key)) return f;
    size_t dot = key.rfind('.');
    if (dot != std::string::npos) return FindExact(key.substr(dot + 1));
    return nullptr;
  }

  // The canonical name for name_or_class, or "" when unknown.
  std::string CanonicalName(std::string_view name_or_class) const {
    std::string key = ToLower(Trim(name_or_class));
    for (int pass = 0; pass < 2; ++pass) {
      if (auto it = entries_.find(key); it != entries_.end()) return it->second.name;
      if (auto it = aliases_.find(key); it != aliases_.end()) return entries_.at(it->second).name;
      size_t dot = key.rfind('.');
      if (dot == std::string::npos) break;
      key = key.substr(dot + 1);
    }
    return "";
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const auto& [k, e] : entries_) out.push_back(e.name);
    return out;
  }

 private:
  struct Entry {
    std::string name;
    Factory factory;
  };
  const Factory* FindExact(const std::string& key) const {
    if (auto it = entries_.find(key); it != entries_.end()) return &it->second.factory;
    if (auto it = aliases_.find(key); it != aliases_.end()) return &entries_.at(it->second).factory;
    return nullptr;
  }
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> aliases_;
};

}  // namespace secor
