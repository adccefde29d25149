// Registers the columnar and schema-driven formats (Parquet, Avro).
#include "format/avro_format.h"
#include "format/file_format.h"
#include "format/parquet_format.h"

namespace secor {

void RegisterColumnarFormats() {
  // The original's Parquet factories differ by payload type; here the schema
  // comes from the configuration (docs/parquet.md), so all resolve to one.
  FileFormatRegistry().Add(
      "parquet",
      {"JsonParquetFileReaderWriterFactory", "AvroParquetFileReaderWriterFactory",
       "ProtobufParquetFileReaderWriterFactory", "ThriftParquetFileReaderWriterFactory"},
      [](const FormatOptions& options, const Config* config) {
        return NewParquetFormat(options, config);
      });
  FileFormatRegistry().Add("avro", {"AvroFileReaderWriterFactory"},
                           [](const FormatOptions& options, const Config* config) {
                             return NewAvroFormat(options, config);
                           });
}

}  // namespace secor
