// ThriftMessageParser: the message time is an i32 or i64 field of a Thrift
// struct, found by field id (message.timestamp.id, a dotted list of ids for a
// field in nested structs) in the binary or compact protocol
// (secor.thrift.protocol.class). No generated code is needed: the decoder
// walks the struct and skips every other field.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parse/message_parser.h"
#include "parse/time_partitioner.h"

namespace secor {

enum class ThriftProtocol { kBinary, kCompact };

// Reads the integer field at path (field ids from the outer struct inwards) of
// the struct serialized in payload. want_i64 picks the expected type; an i32
// found where an i64 is wanted (or the reverse) is accepted and widened, any
// other type is an error. NotFound when the field is absent.
Result<int64_t> ReadThriftInteger(std::string_view payload, ThriftProtocol protocol,
                                  const std::vector<int16_t>& path, bool want_i64);

// Parses "binary", "compact" or a Java protocol class name
// (org.apache.thrift.protocol.TCompactProtocol); "" means binary.
Result<ThriftProtocol> ParseThriftProtocol(std::string_view name);

Result<std::unique_ptr<TimestampExtractor>> NewThriftTimestampExtractor(const Config& config,
                                                                        std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewThriftParser(const Config& config,
                                                       std::string_view topic);

}  // namespace secor
