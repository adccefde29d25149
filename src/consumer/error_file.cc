#include "consumer/error_file.h"

#include <fmt/format.h>

#include "common/base64.h"
#include "common/strings.h"

namespace secor {

Status ErrorFile::Append(const Message& m, const std::string& error) {
  line_.clear();
  fmt::format_to(std::back_inserter(line_),
                 R"({{"offset":{},"partition":{},"timestamp":{},"error":{})", m.offset, m.partition,
                 m.timestamp_ms, JsonQuote(error));
  if (m.has_key) line_ += ",\"key_base64\":\"" + Base64Encode(m.key) + "\"";
  line_ += ",\"payload_base64\":\"" + Base64Encode(m.payload) + "\"}\n";
  return file_.Append(line_);
}

}  // namespace secor
