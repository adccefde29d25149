// ProtobufType: a topic's protobuf message type, resolved once from a
// descriptor set file so that no generated code is linked in. The parsers
// (for the timestamp field) and the formats (for columns and decoding) share
// it, so a topic's type is configured once.
#pragma once

#include <google/protobuf/descriptor.h>

#include <memory>
#include <string_view>

#include "common/status.h"

namespace secor {

class Config;

// The topic's message type from secor.protobuf.message.class[.topic] (or the
// original's .* form) in secor.protobuf.descriptor.set.file[.topic]. message
// is null when no message class is configured.
struct ProtobufType {
  std::shared_ptr<const google::protobuf::DescriptorPool> pool;
  const google::protobuf::Descriptor* message = nullptr;
};
Result<ProtobufType> LoadProtobufType(const Config& config, std::string_view topic);

}  // namespace secor
