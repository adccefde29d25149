// libFuzzer: the regex parser on arbitrary log lines.
#include <cstddef>
#include <cstdint>

#include "config/config.h"
#include "parse/message_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto parser = secor::NewMessageParser(
      secor::Config::FromMap({{"secor.message.parser.class", "RegexMessageParser"},
                              {"message.timestamp.input.pattern", "^\\S+ \\S+ (-?[0-9.eE+]+)"}}),
      "t");
  secor::Message m;
  m.payload = std::string_view(reinterpret_cast<const char*>(data), size);
  std::string path;
  (void)(*parser)->Partition(m, &path);
  return 0;
}
