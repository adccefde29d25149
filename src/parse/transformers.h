// Built-in message transformers: identity and json_field_filter (drop or keep
// messages by the value of one JSON field). Plug-in transformers: plugin.h.
#pragma once

#include "parse/message_parser.h"

namespace secor {

Result<std::unique_ptr<MessageTransformer>> NewIdentityTransformer(const Config& config,
                                                                   std::string_view topic);
Result<std::unique_ptr<MessageTransformer>> NewJsonFieldFilter(const Config& config,
                                                               std::string_view topic);

}  // namespace secor
