// Routes librdkafka's own log lines through the process logger (leveled, JSON
// when asked, redacted like every other line). Internal to src/kafka.
#pragma once

#include <librdkafka/rdkafka.h>

namespace secor {

void RdKafkaLogLine(const rd_kafka_t* rk, int level, const char* facility, const char* text);

}  // namespace secor
