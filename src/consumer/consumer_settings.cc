#include "consumer/consumer_settings.h"

#include "common/strings.h"
#include "config/config.h"
#include "storage/object_store.h"

namespace secor {
namespace {

// An empty pattern is no pattern (null).
Status CompilePattern(const Config& config, const std::string& key,
                      std::shared_ptr<const RE2>* out) {
  ASSIGN_OR_RETURN(std::string pattern, config.String(key));
  if (pattern.empty()) return Status::OK();
  auto re = std::make_shared<RE2>(pattern, RE2::Quiet);
  if (!re->ok()) return config.BadValue(key, "bad regular expression: " + re->error());
  *out = std::move(re);
  return Status::OK();
}

}  // namespace

Result<TopicSelection> TopicSelection::FromConfig(const Config& config) {
  TopicSelection s;
  RETURN_IF_ERROR(CompilePattern(config, "secor.kafka.topic_filter", &s.filter_));
  // The original's kafka.new.consumer.topic.list: exact names instead of the filter.
  ASSIGN_OR_RETURN(std::string list, config.String("kafka.new.consumer.topic.list"));
  for (const auto& t : Split(list, ',', true)) s.list_.insert(std::string(Trim(t)));
  RETURN_IF_ERROR(CompilePattern(config, "secor.kafka.topic_blacklist", &s.blacklist_));
  return s;
}

bool TopicSelection::Matches(const std::string& topic) const {
  if (StartsWith(topic, "__")) return false;
  if (!list_.empty() ? !list_.count(topic) : filter_ && !RE2::FullMatch(topic, *filter_)) {
    return false;
  }
  return !(blacklist_ && RE2::FullMatch(topic, *blacklist_));
}

Result<ConsumerSettings> ConsumerSettings::FromConfig(const Config& config) {
  ConsumerSettings s;
  ASSIGN_OR_RETURN(s.group, config.Required("secor.kafka.group"));
  ASSIGN_OR_RETURN(s.generation, config.Int("secor.generation"));
  if (s.generation < 0) return config.BadValue("secor.generation", "must not be negative");
  ASSIGN_OR_RETURN(std::string delivery, config.String("secor.delivery"));
  delivery = ToLower(delivery);
  if (delivery == "exactly-once") {
    s.delivery = Delivery::kExactlyOnce;
  } else if (delivery == "at-least-once") {
    s.delivery = Delivery::kAtLeastOnce;
  } else {
    return config.BadValue("secor.delivery", "must be exactly-once or at-least-once");
  }
  ASSIGN_OR_RETURN(s.upload_on_shutdown, config.Bool("secor.upload.on.shutdown"));
  ASSIGN_OR_RETURN(int64_t shutdown_s, config.Int("secor.shutdown.timeout.seconds"));
  if (shutdown_s < 0) {
    return config.BadValue("secor.shutdown.timeout.seconds", "must not be negative");
  }
  s.shutdown_timeout = std::chrono::seconds(shutdown_s);
  ASSIGN_OR_RETURN(int64_t progress_s, config.Int("secor.log.progress.seconds"));
  if (progress_s < 0) return config.BadValue("secor.log.progress.seconds", "must not be negative");
  s.progress_interval = std::chrono::seconds(progress_s);
  ASSIGN_OR_RETURN(s.policy.age_of_youngest, config.Bool("secor.file.age.youngest"));
  ASSIGN_OR_RETURN(s.policy.max_open_files, config.Int("secor.max.file.count"));
  ASSIGN_OR_RETURN(int64_t minute_mark, config.Int("secor.upload.minute_mark"));
  if (minute_mark < 0 || minute_mark > 59) {
    return config.BadValue("secor.upload.minute_mark", "must be a minute, 0 to 59");
  }
  s.policy.minute_mark = static_cast<int>(minute_mark);
  ASSIGN_OR_RETURN(s.messages_per_second, config.Int("secor.messages.per.second"));
  ASSIGN_OR_RETURN(s.max_bad_messages, config.Int("secor.consumer.max_bad_messages"));
  ASSIGN_OR_RETURN(int64_t compression_threads, config.Int("secor.compression.threads"));
  if (compression_threads < 0 || compression_threads > 64) {
    return config.BadValue("secor.compression.threads", "must be 0 to 64");
  }
  s.compression_threads = static_cast<int>(compression_threads);
  ASSIGN_OR_RETURN(s.parquet_memory_budget, config.Int("secor.parquet.memory.budget.bytes"));
  if (s.parquet_memory_budget < (1 << 20)) {
    return config.BadValue("secor.parquet.memory.budget.bytes", "must be at least 1048576");
  }
  ASSIGN_OR_RETURN(int64_t threads, config.Int("secor.upload.threads"));
  if (threads < 1 || threads > 1024) {
    return config.BadValue("secor.upload.threads", "must be 1 to 1024");
  }
  s.upload_threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(s.upload_max_backoff_ms, config.Int("secor.upload.retry.max.backoff.ms"));
  ASSIGN_OR_RETURN(s.parse_max_backoff_ms,
                   config.Int("secor.schema.registry.retry.max.backoff.ms"));
  if (s.parse_max_backoff_ms < 1) {
    return config.BadValue("secor.schema.registry.retry.max.backoff.ms", "must be positive");
  }
  ASSIGN_OR_RETURN(s.topics, TopicSelection::FromConfig(config));
  RETURN_IF_ERROR(CompilePattern(config, "secor.kafka.upload_at_minute_mark.topic_filter",
                                 &s.minute_mark_filter));
  ASSIGN_OR_RETURN(s.writer_name, config.String("secor.writer.id"));
  if (s.writer_name.find(':') != std::string::npos) {
    return config.BadValue("secor.writer.id", "must not contain ':'");
  }
  ASSIGN_OR_RETURN(s.local_path, config.Required("secor.local.path"));
  ASSIGN_OR_RETURN(s.state_path, config.String("secor.round.state.path"));
  ASSIGN_OR_RETURN(s.output_uri, OutputUri(config));
  return s;
}

}  // namespace secor
