// MessagePackParser: the payload is a MessagePack map; the message time is
// the value under message.timestamp.name (nested maps joined by
// message.timestamp.name.separator): an integer or float epoch in any unit,
// or a string holding one (or a date in message.timestamp.input.pattern).
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "parse/message_parser.h"
#include "parse/time_partitioner.h"

namespace secor {

Result<std::unique_ptr<TimestampExtractor>> NewMsgpackTimestampExtractor(const Config& config,
                                                                         std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewMsgpackParser(const Config& config,
                                                        std::string_view topic);

}  // namespace secor
