// libFuzzer: a ListObjectsV2 page as any store or proxy could answer it; the
// parser must return a page or a Status, never crash, and a page it accepts
// must hold what the consumer's List reads without surprises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/s3/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = secor::s3::ParseListObjectsV2(body);
  if (page.ok()) {
    size_t total = 0;
    for (const auto& o : page->objects) total += o.key.size();
    for (const auto& p : page->common_prefixes) total += p.size();
    // Text comes from the input, never more of it than it had.
    if (total + page->next_token.size() > size) std::abort();
  }
  return 0;
}
