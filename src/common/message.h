// Message: one Kafka record as the library sees it. A view: the bytes belong to
// the Kafka client's buffer (or a reader's) and live only as long as it does.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace secor {

struct MessageHeader {
  std::string_view name;
  std::string_view value;
};

struct Message {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view key;
  bool has_key = false;
  std::string_view payload;
  // Kafka record timestamp in milliseconds since the epoch; -1 when absent.
  int64_t timestamp_ms = -1;
  std::vector<MessageHeader> headers;
};

}  // namespace secor
