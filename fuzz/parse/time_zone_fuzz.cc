// libFuzzer: TZif files (including the POSIX TZ footer) and lookups in them.
#include <cstddef>
#include <cstdint>

#include "parse/time_zone.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto zone = secor::TimeZone::FromTzif(
      "fuzz", std::string_view(reinterpret_cast<const char*>(data), size));
  if (!zone.ok()) return 0;
  for (int64_t t : {int64_t{-5000000000}, int64_t{0}, int64_t{1718476205}, int64_t{4102444800}}) {
    (void)(*zone)->Lookup(t);
    (void)(*zone)->LocalToUtc(t);
  }
  return 0;
}
