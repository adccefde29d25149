// libFuzzer: the round-marker decoder (src/upload/round_ledger.h) on any
// object a store could hand back under a marker's key (a truncated write, a
// foreign object, a marker from another version). It must return a marker
// or a Status; a marker it accepts must encode and decode back to itself, or
// a replaying writer would check its files against something else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "upload/round_ledger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto marker = secor::DecodeMarker(json);
  if (!marker.ok()) return 0;
  if (marker->end < marker->start) std::abort();  // refused by the decoder
  auto again = secor::DecodeMarker(secor::EncodeMarker(*marker));
  if (!again.ok()) std::abort();
  if (again->start != marker->start || again->end != marker->end || again->files != marker->files ||
      again->writer != marker->writer || again->created_ms != marker->created_ms) {
    std::abort();
  }
  return 0;
}
