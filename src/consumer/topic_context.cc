#include "consumer/topic_context.h"

#include "config/config.h"

namespace secor {

Result<std::unique_ptr<TopicContext>> BuildTopicContext(const Config& config,
                                                        const ConsumerSettings& settings,
                                                        const std::string& topic,
                                                        MetricsRegistry& metrics) {
  auto ctx = std::make_unique<TopicContext>();
  ctx->topic = topic;
  ASSIGN_OR_RETURN(ctx->parser, NewMessageParser(config, topic));
  ASSIGN_OR_RETURN(ctx->transformer, NewMessageTransformer(config, topic));
  ASSIGN_OR_RETURN(ctx->format, NewTopicFileFormat(config, topic));
  ASSIGN_OR_RETURN(ctx->extension, config.StringForTopic("secor.file.extension", topic));
  if (ctx->extension.empty()) ctx->extension = ctx->format->DefaultExtension();
  ASSIGN_OR_RETURN(ctx->limits.max_round_bytes,
                   config.IntForTopic("secor.max.file.size.bytes", topic));
  ASSIGN_OR_RETURN(int64_t age_s, config.IntForTopic("secor.max.file.age.seconds", topic));
  ctx->limits.max_age_ms = age_s * 1000;
  ctx->limits.at_minute_mark = settings.policy.minute_mark > 0 && settings.minute_mark_filter &&
                               RE2::FullMatch(topic, *settings.minute_mark_filter);
  Labels labels{{"topic", topic}};
  ctx->messages = &metrics.GetCounter("secor_consumer_messages_total", "Messages consumed", labels);
  ctx->bytes = &metrics.GetCounter("secor_consumer_bytes_total", "Payload bytes consumed", labels);
  ctx->bad_messages = &metrics.GetCounter("secor_consumer_bad_messages_total",
                                          "Messages sent to the error output", labels);
  ctx->filtered = &metrics.GetCounter("secor_consumer_filtered_messages_total",
                                      "Messages dropped by the transformer", labels);
  return ctx;
}

}  // namespace secor
