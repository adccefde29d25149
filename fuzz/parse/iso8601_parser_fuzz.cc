// libFuzzer: ISO-8601 strings, straight and through the JSON field parser.
#include <cstddef>
#include <cstdint>

#include "config/config.h"
#include "parse/text_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto zone = *secor::TimeZone::Load("Europe/Berlin");
  static auto parser = secor::NewMessageParser(
      secor::Config::FromMap({{"secor.message.parser.class", "Iso8601MessageParser"}}), "t");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)secor::ParseIso8601(text, *zone);
  secor::Message m;
  m.payload = text;
  std::string path;
  (void)(*parser)->Partition(m, &path);
  return 0;
}
