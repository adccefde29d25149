// libFuzzer: SimpleDateFormat patterns and texts ("<pattern>\n<text>"):
// compile, parse, and format what was parsed.
#include <cstddef>
#include <cstdint>

#include "parse/date_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto zone = *secor::TimeZone::Load("America/New_York");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view pattern = in.substr(0, nl);
  std::string_view text = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto format = secor::DateFormat::Compile(pattern);
  if (!format.ok()) return 0;
  auto ms = format->Parse(text, *zone);
  if (ms.ok()) (void)format->Format(*ms, *zone);
  return 0;
}
