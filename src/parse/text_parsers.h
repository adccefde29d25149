// The parsers of text payloads (the partition group): JSON timestamps,
// ISO-8601, SimpleDateFormat patterns, regular expressions, split-by-field,
// and the Kafka record timestamp. Registered in parser_registration.cc under
// their own names and the original's Java class names; docs/parsers.md has
// the keys and examples.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "parse/message_parser.h"
#include "parse/time_zone.h"

namespace secor {

// "2024-06-15", "2024-06-15T18:30:05.042+05:30", "20240615T183005Z",
// "2024-06-15 18:30"; times without an offset are read in zone.
Result<int64_t> ParseIso8601(std::string_view text, const TimeZone& zone);

Result<std::unique_ptr<MessageParser>> NewJsonParser(const Config& config, std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewIso8601Parser(const Config& config,
                                                        std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewDateParser(const Config& config, std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewPatternDateParser(const Config& config,
                                                            std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewRegexParser(const Config& config, std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewSplitByFieldParser(const Config& config,
                                                             std::string_view topic);
Result<std::unique_ptr<MessageParser>> NewKafkaTimestampParser(const Config& config,
                                                               std::string_view topic);

}  // namespace secor
