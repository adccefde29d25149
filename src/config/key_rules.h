// Rules on the values of keys beyond their type (keys.h): the ranges of
// numeric keys and the keys `secor consume` cannot run without. `secor check`
// and the start-up of `secor consume` apply them to every key at once, so a
// file with several mistakes is reported whole rather than one run per
// mistake; `secor keys --markdown` shows them in docs/configuration.md.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor {

class Config;

// An integer key's accepted values, inclusive; a per-topic override
// ("<name>.<topic>") takes the same range.
struct KeyRange {
  std::string_view name;
  int64_t min;
  int64_t max;
};

// A key secor consume needs; alternative names what may stand for it.
struct RequiredKey {
  std::string_view name;
  std::string_view alternative;  // "" when nothing else will do
};

std::span<const KeyRange> KeyRanges();
// The range of key (or of the key it overrides per topic), or nullptr.
const KeyRange* FindKeyRange(std::string_view key);
std::span<const RequiredKey> RequiredKeys();
// Whether name is required, and the alternative ("" none) when it is.
const RequiredKey* FindRequiredKey(std::string_view name);

// Every required key that is missing: "<key>: required setting is missing
// (or ...)", one status per key, in table order.
std::vector<Status> MissingRequiredKeys(const Config& config);
// Every set key whose value does not parse as its type (integer, boolean,
// number) or lies outside its range, one status per key naming key, value
// and origin, in key order.
std::vector<Status> CheckKeyValues(const Config& config);

// The key an error message starts with ("<key>=<value> (...)" or "<key>: ..."),
// or "" when it starts with no known key.
std::string LeadingKey(std::string_view message);

}  // namespace secor
