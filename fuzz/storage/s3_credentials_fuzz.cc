// libFuzzer: the credential answers: STS AssumeRoleWithWebIdentity (XML) and
// the container / instance metadata documents (JSON, simdjson).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/s3/credentials.h"
#include "storage/s3/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)secor::s3::ParseStsCredentials(body);
  auto doc = secor::s3::ParseCredentialDocument(body);
  if (doc.ok() && !doc->expiration.empty()) (void)secor::s3::ParseIso8601(doc->expiration);
  return 0;
}
