// Object names of data files, exactly as the original Secor lays them out:
// <topic>/<output partition>/<generation>_<kafka partition>_<offset as 20 digits><extension>
// (only the offset is zero-padded). Keys are relative to the output root.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace secor {

// The output partition of messages that could not be parsed or written.
inline constexpr std::string_view kErrorPartition = "_errors";

std::string DataFileName(int64_t generation, int32_t kafka_partition, int64_t start_offset,
                         std::string_view extension);
std::string DataFileKey(std::string_view topic, std::string_view output_partition,
                        int64_t generation, int32_t kafka_partition, int64_t start_offset,
                        std::string_view extension);

struct DataFileId {
  int64_t generation = 0;
  int32_t kafka_partition = 0;
  int64_t start_offset = 0;
  std::string extension;
};

// Parses a file name (no directories); nullopt when it is not a data file name.
std::optional<DataFileId> ParseDataFileName(std::string_view name);

}  // namespace secor
