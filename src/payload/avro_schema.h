// AvroSchema: an Avro schema compiled for reading single fields out of binary
// datums (the payloads of the Avro parsers and of the schema-driven formats).
// Reading walks the datum guided by the schema and skips every field before
// the wanted one, without building records; all reads are bounds-checked and
// nesting is limited, so a malformed or hostile datum gives an error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"
#include "common/status.h"

namespace secor {

struct AvroValue {
  enum class Kind { kLong, kDouble, kString, kBool };
  Kind kind = Kind::kLong;
  int64_t long_value = 0;  // int, long, boolean (0/1)
  double double_value = 0;
  std::string_view string_value;  // string, bytes, enum symbol; a view into the datum or schema
  std::string logical_type;       // of int/long: "timestamp-millis", "timestamp-micros", ...
};

class AvroSchema {
 public:
  struct Node;
  ~AvroSchema();
  AvroSchema(const AvroSchema&) = delete;
  AvroSchema& operator=(const AvroSchema&) = delete;

  // Compiles the JSON form of a schema (.avsc, or a registry's "schema").
  static Result<std::shared_ptr<const AvroSchema>> Parse(std::string_view json);

  // The scalar at path (record field names, outer first) in datum. Unions on
  // the way are followed to the written branch. NotFound when the path is not
  // in the schema or crosses a null.
  Result<AvroValue> Read(std::string_view datum, const std::vector<std::string>& path) const;

  // Decodes the whole datum into out (cleared first): records with their
  // field names, unions as the written branch, enums as their symbol, fixed
  // as bytes, maps as records keyed by the map keys; int/long logical types
  // date and timestamp-millis/-micros set the unit. Corruption when the datum
  // is malformed or has bytes after its end.
  Status Decode(std::string_view datum, DatumTree* out) const;

  // Encodes tree (a record, as Decode makes, possibly from another schema or
  // a Protobuf message) as a datum of this schema, appending to out. Fields
  // are matched by name; a missing or null field takes a union's null branch
  // (else InvalidArgument naming it); integers widen to long and floating
  // point, string and bytes convert both ways, timestamps and dates convert
  // between units when both sides have one. A union takes its first branch
  // of the value's type.
  Status Encode(const DatumTree& tree, std::string* out) const;

  // The schema's JSON text as given to Parse.
  const std::string& json() const { return json_; }

 private:
  AvroSchema();
  std::vector<std::unique_ptr<Node>> nodes_;
  const Node* root_ = nullptr;
  std::string json_;
};

}  // namespace secor
