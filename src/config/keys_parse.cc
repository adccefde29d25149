#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kParseKeys[] = {
    {"secor.message.parser.class", "", K::kClass,
     "message parser; OffsetMessageParser for the backup group", false, true},
    {"secor.message.transformer.class", "", K::kClass,
     "message transformer or filter; empty for none", false, true},
    {"message.timestamp.name", "timestamp", K::kString, "field holding the message time", false,
     true},
    {"message.timestamp.name.separator", ".", K::kString, "separator of nested field names", false,
     true},
    {"message.timestamp.id", "1", K::kInt, "Thrift field id of the timestamp"},
    {"message.timestamp.type", "i64", K::kString, "Thrift type of the timestamp: i32 or i64"},
    {"message.timestamp.input.pattern", "", K::kString,
     "SimpleDateFormat pattern of string timestamps", false, true},
    {"message.timestamp.required", "true", K::kBool,
     "a message without a timestamp is an error (else it goes to the epoch)", false, true},
    {"message.timestamp.min.year", "2000", K::kInt,
     "a message time before this year (UTC) goes to the error output", false, true},
    {"message.timestamp.max.year", "2100", K::kInt,
     "a message time after this year (UTC) goes to the error output", false, true},
    {"secor.parser.timezone", "UTC", K::kString, "time zone of the output partitions", false, true},
    {"partitioner.granularity.date.prefix", "dt=", K::kString, "prefix of the date directory",
     false, true, false, true},
    {"partitioner.granularity.date.format", "yyyy-MM-dd", K::kString,
     "format of the date directory", false, true},
    {"partitioner.granularity.hour.prefix", "hr=", K::kString, "prefix of the hour directory",
     false, true, false, true},
    {"partitioner.granularity.hour.format", "HH", K::kString, "format of the hour directory", false,
     true},
    {"partitioner.granularity.minute.prefix", "min=", K::kString, "prefix of the minute directory",
     false, true, false, true},
    {"partitioner.granularity.minute.format", "mm", K::kString, "format of the minute directory",
     false, true},
    {"partitioner.granularity.min.format", "mm", K::kString,
     "the original's name for the minute format; used when partitioner.granularity.minute.format "
     "is unset",
     false, true},
    {"partitioner.granularity.hour", "false", K::kBool, "add an hour directory", false, true},
    {"partitioner.granularity.minute", "false", K::kBool, "add a minute directory", false, true},
    {"message.split.field.name", "", K::kString,
     "SplitByFieldMessageParser: JSON field (path) whose value is the first directory", false,
     true},
    {"secor.partition.output_dt_format", "yyyy-MM-dd", K::kString,
     "PatternDateMessageParser: SimpleDateFormat of the whole partition directory", false, true},
    {"secor.message.parser.plugin.path", "", K::kString,
     "parser plug-in: shared library implementing src/parse/plugin_api.h (parser class 'plugin')",
     false, true},
    {"secor.message.transformer.plugin.path", "", K::kString,
     "transformer plug-in: shared library implementing src/parse/plugin_api.h (transformer class "
     "'plugin')",
     false, true},
    {"secor.plugin.", "", K::kString,
     "settings handed to plug-ins, prefix stripped (secor.plugin.foo=1 reaches the plug-in as "
     "foo=1)",
     false, false, true},
    {"secor.message.filter.field", "", K::kString,
     "json_field_filter: JSON field (path, message.timestamp.name.separator) to test", false, true},
    {"secor.message.filter.values", "", K::kList,
     "json_field_filter: comma-separated values that match", false, true},
    {"secor.message.filter.mode", "drop", K::kString,
     "json_field_filter: drop matching messages (drop) or keep only them (keep)", false, true},
    {"secor.message.filter.missing", "keep", K::kString,
     "json_field_filter: what happens to messages without the field or not JSON: keep, drop or "
     "error",
     false, true},
};

std::span<const KeyInfo> ParseKeys() { return kParseKeys; }

}  // namespace secor::keys_internal
