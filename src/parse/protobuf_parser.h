// ProtobufMessageParser: the message time is a field of a protobuf message,
// named by a path (message.timestamp.name, nested parts joined by
// message.timestamp.name.separator). The message type
// (secor.protobuf.message.class) is looked up in a descriptor set file
// (secor.protobuf.descriptor.set.file, from protoc --descriptor_set_out
// --include_imports), so no generated code is linked in. Fields may be
// integers of any encoding, double/float, strings (numbers, or dates in
// message.timestamp.input.pattern) or google.protobuf.Timestamp.
//
// Without a message type the original's fallback applies: the timestamp is
// the payload's first field, a varint.
#pragma once

#include <google/protobuf/descriptor.h>

#include <memory>
#include <string_view>

#include "common/status.h"
#include "parse/message_parser.h"
#include "parse/time_partitioner.h"
#include "payload/protobuf_type.h"

namespace secor {

Result<std::unique_ptr<TimestampExtractor>> NewProtobufTimestampExtractor(const Config& config,
                                                                          std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewProtobufParser(const Config& config,
                                                         std::string_view topic);

}  // namespace secor
