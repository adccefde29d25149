// OffsetMessageParser (the backup group): the output partition is the offset
// bucket "<secor.offsets.prefix><offset rounded down to secor.offsets.per.partition>".
#pragma once

#include "parse/message_parser.h"

namespace secor {

Result<std::unique_ptr<MessageParser>> NewOffsetParser(const Config& config,
                                                       std::string_view topic);

}  // namespace secor
