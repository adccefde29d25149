#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kColumnarKeys[] = {
    {"secor.payload.encoding", "", K::kString,
     "how Parquet and Avro output decode payloads: json, avro (secor.avro.schema.file or "
     "schema.registry.url) or protobuf (secor.protobuf.message.class); default from the factory "
     "class (AvroParquet/AvroFile: avro, ProtobufParquet: protobuf), else json",
     false, true},
    {"secor.parquet.columns", "", K::kString,
     "Parquet columns: path:type[!][=source.path], comma-separated "
     "(docs/parquet.md); unset: raw value column",
     false, true},
    {"secor.parquet.avro.schema.file", "", K::kString,
     "Avro schema (.avsc) whose record fields become the Parquet columns; default with Avro "
     "payloads: the payloads' schema",
     false, true},
    {"secor.parquet.kafka.columns", "", K::kList,
     "extra Kafka metadata columns: any of topic, partition, timestamp, key (the offset is always "
     "stored as __offset)",
     false, true},
    {"parquet.block.size", "134217728", K::kInt,
     "Parquet row group size in bytes (compressed pages buffered on local disk until then)"},
    {"parquet.page.size", "1048576", K::kInt,
     "memory in bytes one Parquet column may buffer for its current data page; the page is then "
     "encoded, compressed and spilled to local disk"},
    {"parquet.dictionary.page.size", "1048576", K::kInt,
     "largest dictionary of a Parquet column chunk; beyond it the column falls back to plain "
     "encoding"},
    {"parquet.enable.dictionary", "true", K::kBool, "dictionary-encode Parquet columns"},
    {"secor.avro.output.schema.file", "", K::kString,
     "Avro schema (.avsc) of Avro container output; default secor.parquet.avro.schema.file, "
     "then the payloads' Avro schema or Protobuf descriptor",
     false, true},
    {"secor.avro.output.block.size", "65536", K::kInt, "Avro container block size in bytes"},
};

std::span<const KeyInfo> ColumnarKeys() { return kColumnarKeys; }

}  // namespace secor::keys_internal
