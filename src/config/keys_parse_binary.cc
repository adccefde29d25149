#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kBinaryParseKeys[] = {
    {"secor.thrift.protocol.class", "", K::kClass,
     "Thrift protocol of the payload: binary (default) or compact, or the Java "
     "TBinaryProtocol/TCompactProtocol class",
     false, true},
    {"secor.protobuf.descriptor.set.file", "", K::kString,
     "protobuf descriptor set (protoc --descriptor_set_out --include_imports) holding the message "
     "type",
     false, true},
    {"secor.protobuf.message.class", "", K::kString,
     "protobuf message type of the topic: full name (pkg.Msg) or Java class name; empty: timestamp "
     "is the first field, a varint",
     false, true},
    {"secor.avro.schema.file", "", K::kString,
     "Avro schema (.avsc) of the topic's payloads when no schema registry is used", false, true},
    {"secor.avro.message.schema", "", K::kString,
     "the original's form of secor.avro.schema.file: secor.avro.message.schema.<topic>, or .* for "
     "every topic",
     false, true},
    {"schema.registry.url", "", K::kString,
     "Confluent schema registry base URL; payloads are in its wire format (magic 0, schema id, "
     "datum)"},
    {"secor.schema.registry.retries", "3", K::kInt,
     "attempts to fetch a schema from the registry before the message fails"},
    {"secor.schema.registry.timeout.ms", "10000", K::kInt,
     "timeout of one schema registry request"},
    {"secor.schema.registry.retry.max.backoff.ms", "30000", K::kInt,
     "longest wait before a message whose parser failed for a reason that may pass (schema "
     "registry unreachable, HTTP 5xx or 429) is read again; its partition is held at that offset "
     "meanwhile, starting at 500 ms and doubling"},
    {"partitioner.granularity.field.prefix", "", K::kString,
     "prefix of the split-by-field directory of AvroSplitByFieldMessageParser; default <field "
     "name>=",
     false, true, false, true},
};

std::span<const KeyInfo> BinaryParseKeys() { return kBinaryParseKeys; }

}  // namespace secor::keys_internal
