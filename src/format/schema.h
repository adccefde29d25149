// TableSchema: how a message maps to typed columns of a columnar file.
// It comes from the configuration, either a column list
//   secor.parquet.columns = ts:timestamp_millis=timestamp, user.id:int64!, tags:list<string>
// (entry = column path ':' type ['!' = required] ['=' JSON source path]; dots in
// the column path make nested groups; types nest as list<T> and map<string,T>)
// or an Avro schema file, or it is derived from the payloads' Avro schema or
// Protobuf descriptor; with none, the table is "raw": one binary `value`
// column holding the payload.
// The Kafka offset is always stored in the `__offset` column; the other Kafka
// metadata columns (__topic, __partition, __timestamp, __key) are opt-in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/status.h"

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace secor {

class Config;

enum class ColumnType {
  kString,
  kBinary,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kBool,
  kTimestampMillis,
  kTimestampMicros,
  kDate,
};

const char* ColumnTypeName(ColumnType type);

enum class FieldKind : uint8_t {
  kLeaf,   // a value of `type`
  kGroup,  // a record: children are its fields
  kList,   // children[0] is the element (any kind), named "element"
  kMap,    // string keys; children[0] is the value (any kind), named "value"
};

// One column or nested field. Lists and maps nest to any depth: a list of
// records is a kList whose element is a kGroup, a map of lists a kMap whose
// value is a kList. List elements and map values are always nullable.
struct FieldSpec {
  std::string name;
  FieldKind kind = FieldKind::kLeaf;
  ColumnType type = ColumnType::kString;  // kLeaf only
  // Leaves, lists and maps: a missing or null value is an error instead of a
  // null. Groups of JSON messages are always present (a missing JSON object
  // gives a group of null fields); with TableSchema::optional_groups a group
  // that is not required is null as a whole when its record is null or
  // missing. Ignored for list elements and map values.
  bool required = false;
  // Where the value is: a path of JSON object keys (or record field names)
  // from the value of the enclosing group, list element or map value (the
  // message at the top). Empty: that value itself, as for list elements and
  // map values, and for the groups a column list makes, which are only
  // containers (their leaves give their whole path from the message root).
  std::vector<std::string> source;
  std::vector<FieldSpec> children;
};

struct TableSchema {
  bool raw = true;                // one `value` column with the payload bytes
  std::vector<FieldSpec> fields;  // user columns (not raw)
  bool meta_topic = false;
  bool meta_partition = false;
  bool meta_timestamp = false;
  bool meta_key = false;
  // Groups may be null (decoded Avro and Protobuf payloads, whose records are
  // null or present as a whole); JSON messages have always-present groups.
  bool optional_groups = false;
};

inline constexpr char kOffsetColumn[] = "__offset";

// Parses the column list syntax above.
Result<TableSchema> ParseColumnList(std::string_view spec);
// Maps an Avro record schema (JSON text) to columns: null unions become
// optional, records nested groups, arrays lists and maps maps (of any item
// type, records and arrays included), logical types timestamp-millis/-micros
// and date their column types. Named types may be referred to by name.
Result<TableSchema> SchemaFromAvro(std::string_view avro_json);
// An Avro record schema (JSON) with table's columns (not the Kafka metadata
// columns): optional columns and groups become unions with null (default
// null), lists arrays and maps maps of nullable items, timestamps and dates
// longs and ints with their logical types. Nested records are named
// <name>_<path> (field names; list elements and map values add nothing).
std::string AvroSchemaFromTable(const TableSchema& table, const std::string& full_name);

// Maps a protobuf message type to columns: nested messages become optional
// groups, repeated fields lists (of groups for messages), map<K, V> maps
// with string keys, google.protobuf.Timestamp a timestamp_micros column,
// enums strings, bytes binary, unsigned integers int64. Fields with presence
// (messages, proto2/proto3 `optional`, oneofs) are optional; proto3 plain
// scalars are required and hold their default when unset. A recursive
// message type is refused with an error naming it.
Result<TableSchema> SchemaFromProtobuf(const google::protobuf::Descriptor* message_type);

// The schema of topic's files from the configuration (raw when config is null
// or no schema key is set), with the Kafka metadata columns requested by
// secor.parquet.kafka.columns.
Result<TableSchema> LoadTableSchema(const Config* config, const std::string& topic);

// A column value converted from JSON; i holds integers, booleans, dates
// (days) and timestamps (in the column's unit), d floating point, s strings
// and bytes (pointing into the parsed document).
struct ScalarValue {
  int64_t i = 0;
  double d = 0;
  std::string_view s;
};

// Converts a JSON scalar to type: numbers for numeric types, strings for
// string/binary, ISO-8601 strings or integers (in the column's unit) for
// timestamps, "YYYY-MM-DD" or integer days for dates. The error names field.
Status ConvertJsonScalar(simdjson::dom::element e, ColumnType type, std::string_view field,
                         ScalarValue* out);

// Parses "YYYY-MM-DD[THH:MM:SS[.fraction]][Z|+HH:MM|-HH:MM]" into microseconds
// since the epoch (UTC).
bool ParseIsoMicros(std::string_view s, int64_t* micros);

// This thread's JSON parser. Writers share it rather than hold one each: a
// parser keeps buffers sized to the largest message it has seen, and a
// process may have thousands of files open. What it parses is valid until
// the thread's next parse, so use it within one call.
simdjson::dom::parser& ThreadJsonParser();

// Walks a dotted JSON path from root; false when a step is missing or null.
bool FindJsonPath(simdjson::dom::element root, const std::vector<std::string>& path,
                  simdjson::dom::element* out);

}  // namespace secor
