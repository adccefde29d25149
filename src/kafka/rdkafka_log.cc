#include "kafka/rdkafka_log.h"

#include <spdlog/spdlog.h>

namespace secor {

void RdKafkaLogLine(const rd_kafka_t*, int level, const char* facility, const char* text) {
  // Syslog levels: 3 is an error, 4 a warning, the rest is detail.
  if (level <= 3) {
    spdlog::error("kafka {}: {}", facility, text);
  } else if (level <= 4) {
    spdlog::warn("kafka {}: {}", facility, text);
  } else {
    spdlog::debug("kafka {}: {}", facility, text);
  }
}

}  // namespace secor
