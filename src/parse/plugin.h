// Parsers and transformers from plug-in shared libraries (plugin_api.h),
// registered as "plugin" in both registries.
#pragma once

#include <string>

#include "parse/message_parser.h"

namespace secor {

Result<std::unique_ptr<MessageParser>> NewPluginParser(const Config& config,
                                                       std::string_view topic);
Result<std::unique_ptr<MessageTransformer>> NewPluginTransformer(const Config& config,
                                                                 std::string_view topic);

}  // namespace secor
