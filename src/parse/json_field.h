// JsonFieldReader: finds one field of a JSON object by a path of names
// ("message.timestamp.name" split on "message.timestamp.name.separator") with
// simdjson On Demand, which only scans the document as far as that field. The
// text parsers, split-by-field and the JSON filter share it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor {

class JsonFieldReader {
 public:
  struct Field {
    enum Kind { kString, kNumber, kOther } kind = kOther;
    // Unescaped string content, or the number's JSON text. Valid until the next Read.
    std::string_view text;
  };

  // path is split on separator; a leading "$." (JSONPath root) is dropped.
  JsonFieldReader(std::string_view path, std::string_view separator);
  ~JsonFieldReader();
  JsonFieldReader(const JsonFieldReader&) = delete;
  JsonFieldReader& operator=(const JsonFieldReader&) = delete;

  // NotFound "field <path> missing" when absent or null; Corruption
  // "not JSON at byte N: ..." when the payload is not a JSON object.
  Status Read(std::string_view payload, Field* field);
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<std::string> parts_;
  std::string buffer_;  // the payload plus simdjson's padding
  struct State;         // simdjson's parser; its namespace is an alias, so no forward declaration
  std::unique_ptr<State> state_;
};

}  // namespace secor
