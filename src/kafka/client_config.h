// Translates a Secor configuration into librdkafka client settings: bootstrap
// servers, the group, manual commits, cooperative-sticky assignment, and every
// pass-through key (kafka.new.consumer.*, kafka.fetch.*, kafka.client.*).
#pragma once

#include <map>
#include <string>

#include "common/status.h"

namespace secor {

class Config;

// "host:port,..." from kafka.bootstrap.servers or kafka.seed.broker.host/port.
Result<std::string> BootstrapServers(const Config& config);

// Settings for a consumer-group member of group.
Result<std::map<std::string, std::string>> ConsumerClientSettings(const Config& config,
                                                                  const std::string& group);

// Settings for a plain client (producer, lag queries): bootstrap and
// pass-through. A non-empty bootstrap (a tool's -b) replaces the configured
// servers, which then need not be set; every other setting still applies.
Result<std::map<std::string, std::string>> PlainClientSettings(const Config& config,
                                                               const std::string& bootstrap = "");

}  // namespace secor
