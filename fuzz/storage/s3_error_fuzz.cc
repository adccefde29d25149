// libFuzzer: an S3 answer's body read as an error document, the way the
// client reads it after an error status (an <Error> anywhere) and after a 2xx
// (only a document that is an <Error>).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/s3/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto anywhere = secor::s3::ParseErrorDocument(body, /*root_only=*/false);
  auto root = secor::s3::ParseErrorDocument(body, /*root_only=*/true);
  // An error document at the root is also one anywhere, with the same code.
  if (root && (!anywhere || anywhere->code != root->code)) std::abort();
  return 0;
}
