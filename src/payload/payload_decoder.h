// How binary payloads are decoded for the schema-driven formats (Parquet,
// Avro; secor.payload.encoding): JSON text, or Avro / Protobuf binary decoded
// into a DatumTree (common/datum.h) whose values keep their binary types. Avro
// schemas come from the parser's keys (secor.avro.schema.file or the schema
// registry), Protobuf message types from secor.protobuf.message.class in the
// descriptor set, so a topic is described once for partitioning and output.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/datum.h"
#include "common/status.h"

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace secor {

class Config;

enum class PayloadEncoding { kJson, kAvro, kProtobuf };

const char* PayloadEncodingName(PayloadEncoding encoding);

// secor.payload.encoding[.topic]; unset, the original's factory class names
// decide (AvroParquetFileReaderWriterFactory and AvroFileReaderWriterFactory:
// avro, ProtobufParquetFileReaderWriterFactory: protobuf), else json.
Result<PayloadEncoding> LoadPayloadEncoding(const Config* config, const std::string& topic);

// Decodes the payloads of one protobuf message type with DynamicMessage and
// reflection. Maps become records whose children are named by the keys
// (integer and bool keys in decimal and true/false), sorted by key.
class ProtobufDecoder {
 public:
  // message_type must outlive the decoder.
  static std::unique_ptr<ProtobufDecoder> New(const google::protobuf::Descriptor* message_type);
  virtual ~ProtobufDecoder() = default;
  // InvalidArgument naming the problem when payload is not a valid message.
  // Strings in tree stay valid until the next Decode.
  virtual Status Decode(std::string_view payload, DatumTree* tree) = 0;
};

// The message-level error of a payload that cannot be decoded: Unavailable
// (the schema registry is unreachable: retry later, the message is not bad)
// stays as is; anything else becomes InvalidArgument, which sends the message
// to the error output.
Status PayloadError(const Status& st, int64_t offset);

}  // namespace secor
