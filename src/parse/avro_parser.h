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
#include "parse/avro_reader.h"
#include "parse/message_parser.h"
#include "parse/time_partitioner.h"

namespace secor {

// Where the schema of a topic's Avro payloads comes from: the registry, by
// the id in each payload's wire-format header (cached per process), or the
// schema file. Resolve gives the schema, the datum without any header, and
// the registry's schema id (-1 with a schema file); a malformed header is
// Corruption, an unreachable registry Unavailable.
class AvroSchemaSource {
 public:
  virtual ~AvroSchemaSource() = default;
  virtual Status Resolve(std::string_view payload, std::shared_ptr<const AvroSchema>* schema,
                         std::string_view* datum, int32_t* schema_id) = 0;
  // The schema of every payload (a schema file), or null (the registry).
  virtual std::shared_ptr<const AvroSchema> fixed_schema() const { return nullptr; }
};
Result<std::shared_ptr<AvroSchemaSource>> NewAvroSchemaSource(const Config& config,
                                                              std::string_view topic);

Result<std::unique_ptr<TimestampExtractor>> NewAvroTimestampExtractor(const Config& config,
                                                                      std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewAvroParser(const Config& config, std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewAvroSplitByFieldParser(const Config& config,
                                                                 std::string_view topic);

}  // namespace secor
