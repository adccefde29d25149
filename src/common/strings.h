// Small string helpers used across domains.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secor {

std::vector<std::string> Split(std::string_view s, char sep, bool skip_empty = false);
std::string_view Trim(std::string_view s);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string ToLower(std::string_view s);

// Parses the whole string as a base-10 integer; nullopt on any junk.
std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);
// true/false/yes/no/1/0, case-insensitive.
std::optional<bool> ParseBool(std::string_view s);

// Offset zero-padded to 20 digits, as in every object name.
std::string PadOffset(int64_t offset);

// Hex of bytes, lower case.
std::string HexEncode(std::string_view bytes);

// Quotes a string for a JSON document (with the surrounding quotes). The one
// JSON string escaper: control characters as \n, \r, \t or \u00XX.
std::string JsonQuote(std::string_view s);
// JsonQuote appended to *out, for writers that build long lines in place.
void AppendJsonQuoted(std::string* out, std::string_view s);

}  // namespace secor
