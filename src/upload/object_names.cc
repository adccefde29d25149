#include "upload/object_names.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace secor {

std::string DataFileName(int64_t generation, int32_t kafka_partition, int64_t start_offset,
                         std::string_view extension) {
  return fmt::format("{}_{}_{:020d}{}", generation, kafka_partition, start_offset, extension);
}

std::string DataFileKey(std::string_view topic, std::string_view output_partition,
                        int64_t generation, int32_t kafka_partition, int64_t start_offset,
                        std::string_view extension) {
  std::string key(topic);
  key += '/';
  if (!output_partition.empty()) {
    key += output_partition;
    key += '/';
  }
  key += DataFileName(generation, kafka_partition, start_offset, extension);
  return key;
}

std::optional<DataFileId> ParseDataFileName(std::string_view name) {
  size_t first = name.find('_');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = name.find('_', first + 1);
  if (second == std::string_view::npos || name.size() < second + 1 + 20) return std::nullopt;
  auto gen = ParseInt64(name.substr(0, first));
  auto part = ParseInt64(name.substr(first + 1, second - first - 1));
  std::string_view digits = name.substr(second + 1, 20);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto offset = ParseInt64(digits);
  if (!gen || !part || !offset) return std::nullopt;
  DataFileId id;
  id.generation = *gen;
  id.kafka_partition = static_cast<int32_t>(*part);
  id.start_offset = *offset;
  id.extension = std::string(name.substr(second + 21));
  return id;
}

}  // namespace secor
