// libFuzzer: the answers of CreateMultipartUpload (UploadId) and of
// CompleteMultipartUpload (result, error inside a 200, or unknown).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/s3/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto id = secor::s3::ParseInitiateMultipartUpload(body);
  if (id.ok() && id->empty()) std::abort();  // an accepted UploadId is never empty
  secor::s3::ErrorDocument error;
  auto outcome = secor::s3::ParseCompleteMultipartUpload(body, &error);
  // A 200 whose body is an error must never read as completed.
  if (outcome == secor::s3::CompleteOutcome::kCompleted &&
      secor::s3::ParseErrorDocument(body, /*root_only=*/true)) {
    std::abort();
  }
  return 0;
}
