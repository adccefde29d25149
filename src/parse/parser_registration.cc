// The one place that lists every built-in parser and transformer, so that
// static linking keeps them all.
#include "parse/message_parser.h"
#include "parse/offset_parser.h"

namespace secor {

void RegisterBinaryParsers();  // binary_parser_registration.cc

void RegisterBuiltinParsers() {
  static const bool done = [] {
    auto& parsers = MessageParserRegistry();
    parsers.Add("offset", {"OffsetMessageParser"}, NewOffsetParser);
    RegisterBinaryParsers();
    return true;
  }();
  (void)done;
}

}  // namespace secor
