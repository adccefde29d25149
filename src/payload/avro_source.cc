#include "payload/avro_source.h"

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "payload/schema_registry.h"

namespace secor {
namespace {

class FileSchemaSource : public AvroSchemaSource {
 public:
  explicit FileSchemaSource(std::shared_ptr<const AvroSchema> schema)
      : schema_(std::move(schema)) {}
  Status Resolve(std::string_view payload, std::shared_ptr<const AvroSchema>* schema,
                 std::string_view* datum, int32_t* schema_id) override {
    *schema = schema_;
    *datum = payload;
    *schema_id = -1;
    return Status::OK();
  }
  std::shared_ptr<const AvroSchema> fixed_schema() const override { return schema_; }

 private:
  std::shared_ptr<const AvroSchema> schema_;
};

class RegistrySchemaSource : public AvroSchemaSource {
 public:
  explicit RegistrySchemaSource(std::shared_ptr<SchemaRegistryClient> client)
      : client_(std::move(client)) {}
  Status Resolve(std::string_view payload, std::shared_ptr<const AvroSchema>* schema,
                 std::string_view* datum, int32_t* schema_id) override {
    RETURN_IF_ERROR(SchemaRegistryClient::SplitWireFormat(payload, schema_id, datum));
    ASSIGN_OR_RETURN(*schema, client_->Get(*schema_id));
    return Status::OK();
  }

 private:
  std::shared_ptr<SchemaRegistryClient> client_;
};

}  // namespace

std::string AvroSchemaKey(const Config& config, std::string_view topic) {
  Result<std::string> url = config.String("schema.registry.url");
  if (!url.ok() || !Trim(*url).empty()) return "schema.registry.url";
  const std::string t(topic);
  for (const std::string& k :
       {"secor.avro.schema.file." + t, std::string("secor.avro.schema.file"),
        "secor.avro.message.schema." + t, std::string("secor.avro.message.schema.*")}) {
    if (config.Has(k)) return k;
  }
  return "";
}

Result<std::shared_ptr<AvroSchemaSource>> NewAvroSchemaSource(const Config& config,
                                                              std::string_view topic) {
  ASSIGN_OR_RETURN(std::string url, config.String("schema.registry.url"));
  if (!Trim(url).empty()) {
    ASSIGN_OR_RETURN(int64_t attempts, config.Int("secor.schema.registry.retries"));
    ASSIGN_OR_RETURN(int64_t timeout, config.Int("secor.schema.registry.timeout.ms"));
    if (attempts < 1) return config.BadValue("secor.schema.registry.retries", "must be at least 1");
    if (timeout < 1) return config.BadValue("secor.schema.registry.timeout.ms", "must be positive");
    return std::shared_ptr<AvroSchemaSource>(new RegistrySchemaSource(
        SchemaRegistryClient::Shared(std::string(Trim(url)), static_cast<int>(attempts), timeout)));
  }
  const std::string key = AvroSchemaKey(config, topic);
  if (key.empty()) {
    return Status::InvalidArgument(
        "Avro parser for topic {}: set schema.registry.url or secor.avro.schema.file", topic);
  }
  ASSIGN_OR_RETURN(std::string path, config.StringOr(key, ""));
  Result<std::string> text = ReadFile(std::string(Trim(path)));
  if (!text.ok()) return config.BadValue(key, text.status().message());
  Result<std::shared_ptr<const AvroSchema>> schema = AvroSchema::Parse(*text);
  if (!schema.ok()) return config.BadValue(key, schema.status().message());
  return std::shared_ptr<AvroSchemaSource>(new FileSchemaSource(*schema));
}

}  // namespace secor
