// The subset of the Parquet Thrift metadata (parquet.thrift) this module
// writes and reads: FileMetaData with its schema and row groups, and page
// headers. Serialized with the compact protocol (thrift_compact.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor::parquet {

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

// ConvertedType values (the legacy annotation, written beside LogicalType for
// older readers).
enum ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kList = 3,
  kDate = 6,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kInt32Converted = 17,
  kInt64Converted = 18,
};

enum class LogicalKind {
  kNone,
  kString,
  kList,
  kDate,
  kTimestampMillis,
  kTimestampMicros,
  kInteger,
  kMap,
};

enum Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kRleDictionary = 8,
};

enum CompressionCodec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

struct SchemaElement {
  std::string name;
  std::optional<PhysicalType> type;  // leaves only
  std::optional<Repetition> repetition;
  int32_t num_children = 0;  // groups only (> 0)
  LogicalKind logical = LogicalKind::kNone;
  int8_t int_bits = 0;  // for kInteger
};

struct Statistics {
  std::optional<std::string> min_value;
  std::optional<std::string> max_value;
  std::optional<int64_t> null_count;
};

struct ColumnMeta {
  PhysicalType type = PhysicalType::kByteArray;
  std::vector<int32_t> encodings;
  std::vector<std::string> path;
  int32_t codec = kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  Statistics stats;
};

struct RowGroupMeta {
  std::vector<ColumnMeta> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  int64_t file_offset = 0;
  int64_t total_compressed_size = 0;
  int16_t ordinal = 0;
};

struct FileMeta {
  int32_t version = 1;
  std::vector<SchemaElement> schema;  // depth-first, root first
  int64_t num_rows = 0;
  std::vector<RowGroupMeta> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value;
  std::string created_by;
};

struct PageHeader {
  int32_t type = kDataPage;
  int32_t uncompressed_size = 0;
  int32_t compressed_size = 0;
  // Data page v1 / dictionary page.
  int32_t num_values = 0;
  int32_t encoding = kPlain;
  int32_t def_encoding = kRle;
  int32_t rep_encoding = kRle;
};

std::string SerializeFileMeta(const FileMeta& meta);
Result<FileMeta> ParseFileMeta(std::string_view data);

std::string SerializePageHeader(const PageHeader& header);
// Parses a page header at the start of data; *size gets its length.
Result<PageHeader> ParsePageHeader(std::string_view data, size_t* size);

}  // namespace secor::parquet
