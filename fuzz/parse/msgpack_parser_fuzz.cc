// libFuzzer: the MessagePack parser on arbitrary payloads (nested key, hourly
// partitions); it must return a path or a Status, never crash or allocate
// beyond what the payload can describe.
#include <cstddef>
#include <cstdint>

#include "config/config.h"
#include "parse/message_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto parser = secor::NewMessageParser(
      secor::Config::FromMap({{"secor.message.parser.class", "MessagePackParser"},
                              {"message.timestamp.name", "meta.ts"},
                              {"partitioner.granularity.hour", "true"}}),
      "t");
  secor::Message m;
  m.payload = std::string_view(reinterpret_cast<const char*>(data), size);
  std::string path;
  (void)(*parser)->Partition(m, &path);
  return 0;
}
