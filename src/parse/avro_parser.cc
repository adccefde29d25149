#include "parse/avro_parser.h"

#include <fmt/format.h>

#include <optional>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "parse/date_format.h"
#include "parse/time_zone.h"
#include "payload/avro_source.h"

namespace secor {
namespace {

std::vector<std::string> SplitPath(const std::string& name, const std::string& sep) {
  std::vector<std::string> path;
  if (sep.empty()) return {name};
  size_t start = 0;
  for (size_t at; (at = name.find(sep, start)) != std::string::npos; start = at + sep.size()) {
    path.push_back(name.substr(start, at - start));
  }
  path.push_back(name.substr(start));
  return path;
}

class AvroExtractor : public TimestampExtractor {
 public:
  AvroExtractor(std::shared_ptr<AvroSchemaSource> source, std::vector<std::string> path,
                std::string name, std::string pattern_text, std::optional<DateFormat> pattern,
                std::shared_ptr<const TimeZone> zone)
      : source_(std::move(source)),
        path_(std::move(path)),
        name_(std::move(name)),
        pattern_text_(std::move(pattern_text)),
        pattern_(std::move(pattern)),
        zone_(std::move(zone)) {}

  Result<int64_t> ExtractMillis(const Message& message) override {
    std::shared_ptr<const AvroSchema> schema;
    std::string_view datum;
    int32_t schema_id;
    RETURN_IF_ERROR(source_->Resolve(message.payload, &schema, &datum, &schema_id));
    ASSIGN_OR_RETURN(AvroValue value, schema->Read(datum, path_));
    if (pattern_ && value.kind == AvroValue::Kind::kString) {
      Result<int64_t> ms = pattern_->Parse(value.string_value, *zone_);
      if (!ms.ok()) {
        return Status::InvalidArgument("avro: field {} value '{}' does not match '{}'", name_,
                                       value.string_value, pattern_text_);
      }
      return ms;
    }
    return AvroValueToMillis(value, name_);
  }

 private:
  std::shared_ptr<AvroSchemaSource> source_;
  std::vector<std::string> path_;
  std::string name_;
  std::string pattern_text_;
  std::optional<DateFormat> pattern_;
  std::shared_ptr<const TimeZone> zone_;
};

Result<std::unique_ptr<TimestampExtractor>> NewExtractor(const Config& config,
                                                         std::string_view topic,
                                                         std::shared_ptr<AvroSchemaSource> source) {
  ASSIGN_OR_RETURN(std::string name, config.StringForTopic("message.timestamp.name", topic));
  ASSIGN_OR_RETURN(std::string sep, config.String("message.timestamp.name.separator"));
  ASSIGN_OR_RETURN(TextTimeFormat text_time, LoadTextTimeFormat(config, topic));
  return std::unique_ptr<TimestampExtractor>(new AvroExtractor(
      std::move(source), SplitPath(name, sep), name, std::move(text_time.pattern_text),
      std::move(text_time.pattern), text_time.zone));
}

class AvroSplitParser : public MessageParser {
 public:
  AvroSplitParser(std::shared_ptr<AvroSchemaSource> source, std::vector<std::string> path,
                  std::string name, std::string prefix, std::unique_ptr<MessageParser> time)
      : source_(std::move(source)),
        path_(std::move(path)),
        name_(std::move(name)),
        prefix_(std::move(prefix)),
        time_(std::move(time)) {}

  Status Partition(const Message& message, std::string* path) override {
    std::shared_ptr<const AvroSchema> schema;
    std::string_view datum;
    int32_t schema_id;
    RETURN_IF_ERROR(source_->Resolve(message.payload, &schema, &datum, &schema_id));
    ASSIGN_OR_RETURN(AvroValue value, schema->Read(datum, path_));
    std::string dir;
    switch (value.kind) {
      case AvroValue::Kind::kString:
        dir = std::string(value.string_value);
        break;
      case AvroValue::Kind::kLong:
        dir = std::to_string(value.long_value);
        break;
      case AvroValue::Kind::kBool:
        dir = value.long_value ? "true" : "false";
        break;
      case AvroValue::Kind::kDouble:
        dir = fmt::format("{}", value.double_value);
        break;
    }
    // As the JSON split parser: the value names one directory level and must
    // not climb out of the topic.
    for (char& c : dir) {
      if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
    }
    if (dir.empty() || dir == "." || dir == "..") {
      return Status::InvalidArgument("avro: split field {} value '{}' cannot name a directory",
                                     name_, dir);
    }
    RETURN_IF_ERROR(time_->Partition(message, path));
    path->insert(0, prefix_ + dir + "/");
    return Status::OK();
  }

  // The field's directory comes before the time: not a layout the finalizer walks.
  bool PartitionsByTime() const override { return false; }
  Result<int64_t> MessageTime(const Message& message) override {
    return time_->MessageTime(message);
  }

 private:
  std::shared_ptr<AvroSchemaSource> source_;
  std::vector<std::string> path_;
  std::string name_;
  std::string prefix_;
  std::unique_ptr<MessageParser> time_;
};

}  // namespace

Result<int64_t> AvroValueToMillis(const AvroValue& value, std::string_view name) {
  switch (value.kind) {
    case AvroValue::Kind::kLong: {
      const std::string& lt = value.logical_type;
      const int64_t v = value.long_value;
      if (lt == "timestamp-millis" || lt == "local-timestamp-millis") return v;
      if (lt == "timestamp-micros" || lt == "local-timestamp-micros") {
        return v / 1000 - (v % 1000 < 0 ? 1 : 0);
      }
      if (lt == "timestamp-nanos" || lt == "local-timestamp-nanos") {
        return v / 1'000'000 - (v % 1'000'000 < 0 ? 1 : 0);
      }
      if (lt == "date") {
        // Days since the epoch: a corrupt or hostile datum may hold any long.
        int64_t ms = 0;
        if (__builtin_mul_overflow(v, int64_t{86'400'000}, &ms)) {
          return Status::InvalidArgument("avro: field {} date {} is out of range", name, v);
        }
        return ms;
      }
      return EpochToMillis(v);
    }
    case AvroValue::Kind::kDouble:
      return EpochToMillis(value.double_value);
    case AvroValue::Kind::kString:
      if (std::optional<int64_t> i = ParseInt64(Trim(value.string_value))) return EpochToMillis(*i);
      if (std::optional<double> d = ParseDouble(Trim(value.string_value))) return EpochToMillis(*d);
      return Status::InvalidArgument("avro: field {} value '{}' is not a number", name,
                                     value.string_value);
    case AvroValue::Kind::kBool:
      break;
  }
  return Status::InvalidArgument("avro: field {} is boolean, not a timestamp", name);
}

Result<std::unique_ptr<TimestampExtractor>> NewAvroTimestampExtractor(const Config& config,
                                                                      std::string_view topic) {
  ASSIGN_OR_RETURN(std::shared_ptr<AvroSchemaSource> source, NewAvroSchemaSource(config, topic));
  return NewExtractor(config, topic, std::move(source));
}

Result<std::unique_ptr<MessageParser>> NewAvroParser(const Config& config, std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor, NewAvroTimestampExtractor(config, topic));
  return NewTimeParser(config, topic, std::move(extractor));
}

Result<std::unique_ptr<MessageParser>> NewAvroSplitByFieldParser(const Config& config,
                                                                 std::string_view topic) {
  const std::string key = "message.split.field.name";
  ASSIGN_OR_RETURN(std::string field, config.StringForTopic(key, topic));
  if (field.empty()) return config.Required(key).status();
  ASSIGN_OR_RETURN(std::string sep, config.String("message.timestamp.name.separator"));
  // The original's default prefix is "<field>=" (Hive style), unlike the JSON split parser.
  std::string prefix = field + "=";
  if (config.Has("partitioner.granularity.field.prefix") ||
      config.Has("partitioner.granularity.field.prefix." + std::string(topic))) {
    ASSIGN_OR_RETURN(prefix, config.StringForTopic("partitioner.granularity.field.prefix", topic));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<AvroSchemaSource> source, NewAvroSchemaSource(config, topic));
  ASSIGN_OR_RETURN(auto extractor, NewExtractor(config, topic, source));
  ASSIGN_OR_RETURN(auto time, NewTimeParser(config, topic, std::move(extractor)));
  return std::unique_ptr<MessageParser>(new AvroSplitParser(
      std::move(source), SplitPath(field, sep), field, prefix, std::move(time)));
}

}  // namespace secor
