// AvroMessageParser and AvroSplitByFieldMessageParser: payloads are Avro
// binary datums. With schema.registry.url they are in Confluent's wire format
// and the schema comes from the registry by the id in the payload; otherwise
// the topic's schema file (secor.avro.schema.file, or the original's
// secor.avro.message.schema.<topic>) describes every payload.
//
// The message time is the field message.timestamp.name (nested records
// joined by message.timestamp.name.separator): int/long (timestamp-millis,
// timestamp-micros and timestamp-nanos logical types by their unit, plain
// numbers by magnitude), float/double, or a string holding a number or a date
// in message.timestamp.input.pattern. The split parser puts the value of
// message.split.field.name first, as "<partitioner.granularity.field.prefix><value>".
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "parse/message_parser.h"
#include "parse/time_partitioner.h"
#include "payload/avro_schema.h"
#include "payload/avro_source.h"

namespace secor {

// Milliseconds since the epoch of a timestamp value: logical timestamp types
// by their unit, other numbers by magnitude (EpochToMillis), strings holding a
// number likewise. name is for the error message.
Result<int64_t> AvroValueToMillis(const AvroValue& value, std::string_view name);

Result<std::unique_ptr<TimestampExtractor>> NewAvroTimestampExtractor(const Config& config,
                                                                      std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewAvroParser(const Config& config, std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewAvroSplitByFieldParser(const Config& config,
                                                                 std::string_view topic);

}  // namespace secor
