#include "consumer/error_file.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "common/base64.h"
#include "common/strings.h"

namespace secor {

Status ErrorFile::Append(const Message& m, const std::string& error) {
  line_.clear();
  fmt::format_to(std::back_inserter(line_),
                 R"({{"offset":{},"partition":{},"timestamp":{},"error":{})", m.offset, m.partition,
                 m.timestamp_ms, JsonQuote(error));
  if (m.has_key) AppendBytes("key", m.key);
  AppendBytes("payload", m.payload);
  line_ += "}\n";
  return file_.Append(line_);
}

// Text stays readable in the file (and in `secor print`); other bytes are
// kept exactly, in base64.
void ErrorFile::AppendBytes(std::string_view name, std::string_view bytes) {
  line_ += ",\"";
  line_ += name;
  if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
    line_ += "_text\":";
    AppendJsonQuoted(&line_, bytes);
  } else {
    line_ += "_base64\":\"";
    line_ += Base64Encode(bytes);
    line_ += '"';
  }
}

}  // namespace secor
