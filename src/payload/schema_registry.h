// SchemaRegistryClient: Avro schemas by id from a Confluent schema registry
// (GET <url>/schemas/ids/<id>), for payloads in Confluent's wire format:
// magic byte 0, the schema id as 4 bytes big-endian, then the Avro datum.
// Schemas never change under an id, so each is fetched once per process and
// cached; failed fetches are retried a few times, then the message fails.
// Failure codes: Unavailable when the registry is unreachable or answers 5xx
// or 429 (retryable: the consumer holds the partition and tries again later),
// NotFound for an unknown id, InvalidArgument, PermissionDenied or Corruption
// for other answers (the message goes to the error output).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"
#include "payload/avro_schema.h"

namespace secor {

class SchemaRegistryClient {
 public:
  // attempts >= 1; timeout_ms bounds one request.
  SchemaRegistryClient(std::string url, int attempts, int64_t timeout_ms);

  // The client of url shared by every parser of the process, so a schema is
  // fetched once however many topics and threads use it.
  static std::shared_ptr<SchemaRegistryClient> Shared(const std::string& url, int attempts,
                                                      int64_t timeout_ms);

  // The schema with this id, from the cache or the registry. Thread-safe.
  Result<std::shared_ptr<const AvroSchema>> Get(int32_t id);

  // Caches a schema under id as if fetched (fuzzing: no network).
  void Preload(int32_t id, std::shared_ptr<const AvroSchema> schema);

  // Splits a wire-format payload into schema id and datum.
  static Status SplitWireFormat(std::string_view payload, int32_t* id, std::string_view* datum);

  // HTTP requests made so far (for tests and metrics).
  int64_t requests() const;

 private:
  Result<std::string> FetchOnce(int32_t id, bool* retryable);

  std::string url_;  // without a trailing slash
  const int attempts_;
  const int64_t timeout_ms_;
  mutable std::mutex mu_;
  std::map<int32_t, std::shared_ptr<const AvroSchema>> cache_;
  int64_t requests_ = 0;
};

}  // namespace secor
