// TimePartitioner: turns an instant into the output partition directories,
// "dt=2026-11-25[/hr=13[/min=05]]", with the configured prefixes, formats
// (Java SimpleDateFormat syntax), granularity and time zone
// (secor.parser.timezone, daylight-saving changes from the tz database).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "parse/date_format.h"
#include "parse/message_parser.h"
#include "parse/time_zone.h"

namespace secor {

class Config;

// One directory level of an output partition: prefix, then the time in format.
struct PartitionLevel {
  std::string prefix;
  DateFormat format;
};

// What a TimePartitioner is built from, already resolved and compiled: a
// parser that partitions differently from the configuration (the date-only
// ones) builds its own instead of rewriting the configuration.
struct PartitionerOptions {
  std::shared_ptr<const TimeZone> zone;
  std::vector<PartitionLevel> levels;  // outermost (the date) first
};

// secor.parser.timezone and partitioner.granularity.* (per topic); errors
// name the key.
Result<PartitionerOptions> LoadPartitionerOptions(const Config& config, std::string_view topic);
// The same with the date level only, whatever the hour and minute keys say.
Result<PartitionerOptions> LoadDatePartitionerOptions(const Config& config, std::string_view topic);
// The time zone of topic's partitions (secor.parser.timezone).
Result<std::shared_ptr<const TimeZone>> LoadPartitionerZone(const Config& config,
                                                            std::string_view topic);

class TimePartitioner {
 public:
  virtual ~TimePartitioner() = default;
  static std::unique_ptr<TimePartitioner> New(PartitionerOptions options);
  // New with LoadPartitionerOptions.
  static Result<std::unique_ptr<TimePartitioner>> FromConfig(const Config& config,
                                                             std::string_view topic);
  // Sets *path to the directories of the instant epoch_millis.
  virtual void PathFor(int64_t epoch_millis, std::string* path) const = 0;
};

// Extracts the message time; the parsers of each payload kind implement it.
class TimestampExtractor {
 public:
  virtual ~TimestampExtractor() = default;
  // Milliseconds since the epoch, or an error saying why the message has none.
  virtual Result<int64_t> ExtractMillis(const Message& message) = 0;
};

// A MessageParser from an extractor and a partitioner. With kafka.useTimestamp
// the Kafka record timestamp is used instead of the extractor.
Result<std::unique_ptr<MessageParser>> NewTimeParser(const Config& config, std::string_view topic,
                                                     std::unique_ptr<TimestampExtractor> extractor);
// The same with a partitioner of its own instead of the configured one.
Result<std::unique_ptr<MessageParser>> NewTimeParser(const Config& config, std::string_view topic,
                                                     std::unique_ptr<TimestampExtractor> extractor,
                                                     PartitionerOptions partitioner);

// How the binary parsers read a time held as text in a field:
// message.timestamp.input.pattern (per topic, SimpleDateFormat syntax; empty
// for a number) in the zone secor.parser.timezone.
struct TextTimeFormat {
  std::string pattern_text;
  std::optional<DateFormat> pattern;
  std::shared_ptr<const TimeZone> zone;
};
// Errors name the key that holds a bad pattern or zone.
Result<TextTimeFormat> LoadTextTimeFormat(const Config& config, std::string_view topic);

// A numeric epoch timestamp in seconds, milliseconds, microseconds or
// nanoseconds, told apart by magnitude, as milliseconds.
int64_t EpochToMillis(int64_t value);
int64_t EpochToMillis(double value);

}  // namespace secor
