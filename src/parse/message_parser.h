// MessageParser: finds the output partition of a message, e.g.
// "dt=2026-11-25/hr=13" or "offset=0". It must be a pure function of the
// record (payload, key, headers, Kafka timestamp, offset), never of the wall
// clock: the exactly-once protocol relies on every replay putting a message in
// the same file. A message it cannot parse gets a non-OK Status and goes to the
// topic's error output.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/message.h"
#include "common/registry.h"
#include "common/status.h"

namespace secor {

class Config;

class MessageParser {
 public:
  virtual ~MessageParser() = default;
  // Sets *path to the output partition directory (no leading or trailing '/').
  virtual Status Partition(const Message& message, std::string* path) = 0;
  // Whether the partitions are times (dt=/hr=/min=), which the finalizer closes.
  virtual bool PartitionsByTime() const { return false; }
  // The message's time in ms since the epoch as Partition sees it, for the
  // finalizer; an error for parsers whose partitions are not times.
  virtual Result<int64_t> MessageTime(const Message& message);
};

// Builds a parser for one topic from the configuration (per-topic keys apply).
using MessageParserFactory =
    std::function<Result<std::unique_ptr<MessageParser>>(const Config&, std::string_view topic)>;

Registry<MessageParserFactory>& MessageParserRegistry();

// The parser named by secor.message.parser.class (per topic), or an error
// naming the key and the known parsers.
Result<std::unique_ptr<MessageParser>> NewMessageParser(const Config& config,
                                                        std::string_view topic);

// MessageTransformer: rewrites or filters a message before it is parsed and
// written (secor.message.transformer.class). Also a pure function of the record.
class MessageTransformer {
 public:
  virtual ~MessageTransformer() = default;
  // Returns false to drop the message (it is counted as filtered). Otherwise
  // *payload holds the bytes to store.
  virtual Result<bool> Transform(const Message& message, std::string* payload) = 0;
};

using MessageTransformerFactory = std::function<Result<std::unique_ptr<MessageTransformer>>(
    const Config&, std::string_view topic)>;

Registry<MessageTransformerFactory>& MessageTransformerRegistry();

// nullptr when no transformer is configured.
Result<std::unique_ptr<MessageTransformer>> NewMessageTransformer(const Config& config,
                                                                  std::string_view topic);

}  // namespace secor
