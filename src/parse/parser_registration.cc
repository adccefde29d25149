// The one place that lists every built-in parser and transformer, so that
// static linking keeps them all. Aliases are the original's Java class names.
#include "parse/message_parser.h"
#include "parse/offset_parser.h"
#include "parse/plugin.h"
#include "parse/text_parsers.h"
#include "parse/transformers.h"

namespace secor {

void RegisterBinaryParsers();  // binary_parser_registration.cc

void RegisterBuiltinParsers() {
  static const bool done = [] {
    auto& parsers = MessageParserRegistry();
    parsers.Add("offset", {"OffsetMessageParser"}, NewOffsetParser);
    parsers.Add("json", {"JsonMessageParser"}, NewJsonParser);
    parsers.Add("iso8601", {"Iso8601MessageParser"}, NewIso8601Parser);
    parsers.Add("date", {"DateMessageParser"}, NewDateParser);
    parsers.Add("pattern_date", {"PatternDateMessageParser"}, NewPatternDateParser);
    parsers.Add("regex", {"RegexMessageParser"}, NewRegexParser);
    parsers.Add("split_by_field", {"SplitByFieldMessageParser"}, NewSplitByFieldParser);
    parsers.Add("kafka_timestamp", {"KafkaTimestampParser", "KafkaMessageTimestampParser"},
                NewKafkaTimestampParser);
    parsers.Add("plugin", {}, NewPluginParser);

    auto& transformers = MessageTransformerRegistry();
    transformers.Add("identity", {"IdentityMessageTransformer"}, NewIdentityTransformer);
    transformers.Add("json_field_filter", {}, NewJsonFieldFilter);
    transformers.Add("plugin", {}, NewPluginTransformer);

    RegisterBinaryParsers();
    return true;
  }();
  (void)done;
}

}  // namespace secor
