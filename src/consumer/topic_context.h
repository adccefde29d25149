// TopicContext: everything that is fixed per topic, built once at the first
// assignment of one of its partitions: how its messages are parsed,
// transformed and written, its upload limits, and its counters.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "consumer/consumer_settings.h"
#include "format/file_format.h"
#include "metrics/metrics.h"
#include "parse/message_parser.h"
#include "upload/upload_policy.h"

namespace secor {

class Config;

struct TopicContext {
  std::string topic;
  std::unique_ptr<MessageParser> parser;
  std::unique_ptr<MessageTransformer> transformer;  // may be null
  std::unique_ptr<FileFormat> format;               // with its schema, codec and delimiter resolved
  std::string extension;
  UploadLimits limits;
  Counter* messages = nullptr;
  Counter* bytes = nullptr;
  Counter* bad_messages = nullptr;
  Counter* filtered = nullptr;

  // Opens a writer of this topic's format at a local path.
  Result<std::unique_ptr<FileWriter>> OpenWriter(const std::string& path) const {
    return format->NewWriter(path);
  }
};

// The context of topic; its counters are registered in metrics. A bad
// parser, format, codec or limit fails naming its key.
Result<std::unique_ptr<TopicContext>> BuildTopicContext(const Config& config,
                                                        const ConsumerSettings& settings,
                                                        const std::string& topic,
                                                        MetricsRegistry& metrics);

}  // namespace secor
