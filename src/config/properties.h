// Java .properties parsing: key=value, key:value or "key value"; # and !
// comments; backslash continuations and escapes (\t \n \uXXXX). Lines keep
// their order, repeated keys included (Config decides which value counts).
// Values keep an escaped comma as backslash-comma so that Config can split them into
// lists at unescaped commas (SplitListValue), as Commons Configuration does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor {

struct PropertyLine {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line where the entry starts
};

// Parses text; `origin` names the file in error messages.
Result<std::vector<PropertyLine>> ParseProperties(std::string_view text, const std::string& origin);

}  // namespace secor
