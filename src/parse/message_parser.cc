#include "parse/message_parser.h"

#include "common/strings.h"
#include "config/config.h"

namespace secor {

void RegisterBuiltinParsers();  // parser_registration.cc

Result<int64_t> MessageParser::MessageTime(const Message&) {
  return Status::NotFound("the parser's partitions are not times");
}

Registry<MessageParserFactory>& MessageParserRegistry() {
  static Registry<MessageParserFactory> registry;
  return registry;
}

Registry<MessageTransformerFactory>& MessageTransformerRegistry() {
  static Registry<MessageTransformerFactory> registry;
  return registry;
}

Result<std::unique_ptr<MessageParser>> NewMessageParser(const Config& config,
                                                        std::string_view topic) {
  RegisterBuiltinParsers();
  const std::string key = "secor.message.parser.class";
  ASSIGN_OR_RETURN(std::string name, config.StringForTopic(key, topic));
  if (name.empty()) return config.Required(key).status();
  const MessageParserFactory* factory = MessageParserRegistry().Find(name);
  if (!factory) {
    return config.BadValue(
        key, "unknown parser (known: " + Join(MessageParserRegistry().Names(), ", ") + ")");
  }
  return (*factory)(config, topic);
}

Result<std::unique_ptr<MessageTransformer>> NewMessageTransformer(const Config& config,
                                                                  std::string_view topic) {
  RegisterBuiltinParsers();
  const std::string key = "secor.message.transformer.class";
  ASSIGN_OR_RETURN(std::string name, config.StringForTopic(key, topic));
  if (name.empty() || MessageTransformerRegistry().CanonicalName(name) == "identity") {
    return std::unique_ptr<MessageTransformer>();
  }
  const MessageTransformerFactory* factory = MessageTransformerRegistry().Find(name);
  if (!factory) {
    return config.BadValue(key, "unknown transformer (known: " +
                                    Join(MessageTransformerRegistry().Names(), ", ") + ")");
  }
  return (*factory)(config, topic);
}

}  // namespace secor
