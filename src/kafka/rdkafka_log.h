// Routes librdkafka's own log lines through the process logger (leveled, JSON
// when asked, redacted like every other line), and turns its reports of a
// refused login or a failed TLS handshake into one clear line per broker
// (repeats at most once a minute) that the clients can also ask for.
// Internal to src/kafka.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <string>

#include "common/status.h"

namespace secor {

void RdKafkaLogLine(const rd_kafka_t* rk, int level, const char* facility, const char* text);

// The error callback of every client: librdkafka's error reports (it retries
// by itself) as warnings, except those a refusal above already told.
void RdKafkaErrorLine(rd_kafka_t* rk, int err, const char* reason, void* opaque);

// The last refused login or failed TLS handshake librdkafka reported for rk
// ("" if none): a wrong password or an untrusted certificate, which retrying
// does not mend. ForgetClient drops what was recorded for a destroyed handle.
std::string BrokerAuthFailure(const rd_kafka_t* rk);
void ForgetClient(const rd_kafka_t* rk);

// Replaces the clock of the once-a-minute repeats (nullptr: the real one)
// and forgets what was reported.
void SetRefusalClockForTest(std::function<std::chrono::steady_clock::time_point()> clock);

// rd_kafka_metadata for up to timeout_ms, asked in short slices so that a
// refused login or TLS handshake ends the wait early: that gives
// PermissionDenied naming the broker and the problem; another failure gives
// Unavailable. what names the request ("listing topics").
Status Metadata(rd_kafka_t* rk, bool all_topics, rd_kafka_topic_t* only,
                const rd_kafka_metadata_t** md, int timeout_ms, const std::string& what);

}  // namespace secor
