// libFuzzer: the JSON timestamp parser on arbitrary payloads (nested path,
// DST zone, minute directories); it must return a path or a Status, never crash.
#include <cstddef>
#include <cstdint>

#include "config/config.h"
#include "parse/message_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto parser = secor::NewMessageParser(
      secor::Config::FromMap({{"secor.message.parser.class", "JsonMessageParser"},
                              {"message.timestamp.name", "a.ts"},
                              {"secor.parser.timezone", "America/New_York"},
                              {"partitioner.granularity.minute", "true"}}),
      "t");
  secor::Message m;
  m.payload = std::string_view(reinterpret_cast<const char*>(data), size);
  std::string path;
  (void)(*parser)->Partition(m, &path);
  return 0;
}
