// libFuzzer: split-by-field on arbitrary JSON; the first directory must never
// escape the topic (no "..", no extra level, no absolute path).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "config/config.h"
#include "parse/message_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto parser = secor::NewMessageParser(
      secor::Config::FromMap({{"secor.message.parser.class", "SplitByFieldMessageParser"},
                              {"message.split.field.name", "event"},
                              {"message.timestamp.required", "false"}}),
      "t");
  secor::Message m;
  m.payload = std::string_view(reinterpret_cast<const char*>(data), size);
  std::string path;
  if (!(*parser)->Partition(m, &path).ok()) return 0;
  const std::string first = path.substr(0, path.find('/'));
  if (first.empty() || first == "." || first == ".." || path.find("/dt=") != first.size())
    std::abort();
  return 0;
}
