// Registers the parsers of binary payloads (Thrift, Protobuf, MessagePack,
// Avro). Aliases are the original's Java class names.
#include "parse/avro_parser.h"
#include "parse/message_parser.h"
#include "parse/msgpack_parser.h"
#include "parse/protobuf_parser.h"
#include "parse/thrift_parser.h"

namespace secor {

void RegisterBinaryParsers() {
  auto& parsers = MessageParserRegistry();
  parsers.Add("thrift", {"ThriftMessageParser"}, NewThriftParser);
  parsers.Add("protobuf", {"ProtobufMessageParser"}, NewProtobufParser);
  parsers.Add("msgpack", {"MessagePackParser", "MessagePackMessageParser"}, NewMsgpackParser);
  parsers.Add("avro", {"AvroMessageParser"}, NewAvroParser);
  parsers.Add("avro_split_by_field", {"AvroSplitByFieldMessageParser"}, NewAvroSplitByFieldParser);
}

}  // namespace secor
