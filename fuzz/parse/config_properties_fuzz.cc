// libFuzzer: the .properties loader (the config domain's entry point for files).
#include <cstddef>
#include <cstdint>

#include "config/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)secor::ParseProperties(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  return 0;
}
