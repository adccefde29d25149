#include "payload/schema_registry.h"

#include <simdjson.h>

#include <chrono>
#include <thread>

#include "common/logging.h"
#include "net/http_client.h"

namespace secor {

SchemaRegistryClient::SchemaRegistryClient(std::string url, int attempts, int64_t timeout_ms)
    : url_(std::move(url)), attempts_(attempts < 1 ? 1 : attempts), timeout_ms_(timeout_ms) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

std::shared_ptr<SchemaRegistryClient> SchemaRegistryClient::Shared(const std::string& url,
                                                                   int attempts,
                                                                   int64_t timeout_ms) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<SchemaRegistryClient>> clients;
  std::lock_guard<std::mutex> lock(mu);
  auto& client = clients[url];
  if (!client) client = std::make_shared<SchemaRegistryClient>(url, attempts, timeout_ms);
  return client;
}

Status SchemaRegistryClient::SplitWireFormat(std::string_view payload, int32_t* id,
                                             std::string_view* datum) {
  if (payload.size() < 5) {
    return Status::Corruption(
        "avro: payload of {} bytes is too short for the schema registry "
        "wire format",
        payload.size());
  }
  if (payload[0] != 0) {
    return Status::Corruption("avro: unknown magic byte {} (schema registry wire format has 0)",
                              static_cast<uint8_t>(payload[0]));
  }
  uint32_t v = 0;
  for (int i = 1; i <= 4; ++i) v = (v << 8) | static_cast<uint8_t>(payload[i]);
  *id = static_cast<int32_t>(v);
  *datum = payload.substr(5);
  return Status::OK();
}

void SchemaRegistryClient::Preload(int32_t id, std::shared_ptr<const AvroSchema> schema) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_[id] = std::move(schema);
}

int64_t SchemaRegistryClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

Result<std::string> SchemaRegistryClient::FetchOnce(int32_t id, bool* retryable) {
  *retryable = true;
  const std::string url = url_ + "/schemas/ids/" + std::to_string(id);
  Result<net::HttpResponse> resp = net::SendServiceHttp(
      "GET", url, "", {{"Accept", "application/vnd.schemaregistry.v1+json"}}, timeout_ms_);
  ++requests_;
  // Every transport failure is worth retrying, so the partition is held
  // rather than its messages sent to the error output.
  if (!resp.ok()) return resp.status().WithContext("schema registry");
  const long code = resp->status;
  const std::string& body = resp->body;
  if (code == 404) {
    *retryable = false;
    return Status::NotFound("schema registry: schema {} not found at {}", id, RedactSecrets(url_));
  }
  if (code != 200) {
    // The code must say the same as *retryable: the consumer holds a
    // partition on a retryable status (Status::IsRetryable) and sends the
    // message to the error output on any other.
    *retryable = code >= 500 || code == 429;
    const std::string shown = RedactSecrets(url);
    if (*retryable) return Status::Unavailable("schema registry: GET {}: HTTP {}", shown, code);
    if (code == 401 || code == 403) {
      return Status::PermissionDenied("schema registry: GET {}: HTTP {}", shown, code);
    }
    return Status::InvalidArgument("schema registry: GET {}: HTTP {}", shown, code);
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  std::string_view schema;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc["schema"].get_string().get(schema) != simdjson::SUCCESS) {
    *retryable = false;
    return Status::Corruption("schema registry: GET {}: no \"schema\" string in the response",
                              RedactSecrets(url));
  }
  return std::string(schema);
}

Result<std::shared_ptr<const AvroSchema>> SchemaRegistryClient::Get(int32_t id) {
  // Held across the fetch: concurrent misses on one id make one request.
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  Status last;
  for (int attempt = 0; attempt < attempts_; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50 << attempt));
    bool retryable = false;
    Result<std::string> text = FetchOnce(id, &retryable);
    if (text.ok()) {
      Result<std::shared_ptr<const AvroSchema>> schema = AvroSchema::Parse(*text);
      if (!schema.ok())
        return schema.status().WithContext(fmt::format("schema registry: schema {}", id));
      cache_[id] = *schema;
      return schema;
    }
    last = text.status();
    if (!retryable) return last;
  }
  return Status(last.code(), fmt::format("{} (after {} attempts)", last.message(), attempts_));
}

}  // namespace secor
