// libFuzzer: the Thrift skipping decoder on arbitrary payloads, both
// protocols, a top-level and a nested path; it must return a value or a
// Status, never crash, loop or read out of bounds.
#include <cstddef>
#include <cstdint>

#include "parse/thrift_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  for (auto protocol : {secor::ThriftProtocol::kBinary, secor::ThriftProtocol::kCompact}) {
    (void)secor::ReadThriftInteger(payload, protocol, {12}, true);
    (void)secor::ReadThriftInteger(payload, protocol, {4, 2}, false);
  }
  return 0;
}
