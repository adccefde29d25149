// AvroSchemaSource: where the schema of a topic's Avro payloads comes from,
// resolved once from the configuration and shared by the Avro parsers and the
// schema-driven formats, so a topic is described once for both.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "payload/avro_schema.h"

namespace secor {

class Config;

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
// Reads the schema file (or sets up the registry client) once; errors name
// the key.
Result<std::shared_ptr<AvroSchemaSource>> NewAvroSchemaSource(const Config& config,
                                                              std::string_view topic);

// The key that gives topic's Avro schema (schema.registry.url, or the schema
// file key that applies), "" when none is set.
std::string AvroSchemaKey(const Config& config, std::string_view topic);

}  // namespace secor
