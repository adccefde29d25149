#include "kafka/rdkafka_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace secor {
namespace {

// librdkafka's FAIL lines (2.0.2 against Apache Kafka 3.9) as the clients
// record them: the broker's address and the reason, without the thread and
// the timing.
TEST(RdKafkaLogTest, RefusedLoginAndTlsFailureAreRecordedPerClient) {
  const auto* login = reinterpret_cast<const rd_kafka_t*>(0x1000);
  const auto* tls = reinterpret_cast<const rd_kafka_t*>(0x2000);
  EXPECT_EQ(BrokerAuthFailure(login), "");
  RdKafkaLogLine(login, 3, "FAIL",
                 "[thrd:sasl_ssl://127.0.0.1:9093/bootstrap]: sasl_ssl://127.0.0.1:9093/bootstrap: "
                 "SASL authentication error: Authentication "
                 "failed during authentication due to invalid credentials with SASL mechanism "
                 "SCRAM-SHA-512 (after 323ms in state AUTH_REQ, 1 identical error(s) suppressed)");
  EXPECT_EQ(BrokerAuthFailure(login),
            "broker 127.0.0.1:9093 refused the login: SASL authentication error: Authentication "
            "failed during authentication due to invalid credentials with SASL mechanism "
            "SCRAM-SHA-512; check the SASL user name, password and mechanism");
  RdKafkaLogLine(tls, 3, "FAIL",
                 "sasl_ssl://127.0.0.1:9093/1: SSL handshake failed: error:0A000086:SSL "
                 "routines::certificate verify failed: broker certificate could not be verified "
                 "(after 36ms in state SSL_HANDSHAKE)");
  EXPECT_EQ(BrokerAuthFailure(tls),
            "TLS handshake with broker 127.0.0.1:9093 failed: SSL handshake failed: "
            "error:0A000086:SSL routines::certificate verify failed: broker certificate could "
            "not be verified; check the CA file (ssl.ca.location, "
            "kafka.new.consumer.ssl.truststore.location) and the broker's certificate");
  ForgetClient(login);
  EXPECT_EQ(BrokerAuthFailure(login), "");
  EXPECT_NE(BrokerAuthFailure(tls), "");
  ForgetClient(tls);
  // Other failures (a broker down) are no refusal.
  RdKafkaLogLine(login, 3, "FAIL",
                 "127.0.0.1:9092/1: Connect to ipv4#127.0.0.1:9092 failed: Connection refused "
                 "(after 0ms in state CONNECT)");
  EXPECT_EQ(BrokerAuthFailure(login), "");
}

// The first refusal of a broker is logged at once, repeats at most once a
// minute with the number passed over; another broker has its own line.
TEST(RdKafkaLogTest, RepeatsAreLoggedAtMostOnceAMinute) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  sink->set_pattern("%v");
  spdlog::default_logger()->sinks().push_back(sink);
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  SetRefusalClockForTest([&now] { return now; });
  const auto* rk = reinterpret_cast<const rd_kafka_t*>(0x3000);
  auto refuse = [&](const char* broker) {
    RdKafkaLogLine(rk, 3, "FAIL",
                   (std::string("[thrd:x]: sasl_ssl://") + broker +
                    "/bootstrap: SASL authentication error: Authentication failed (after 3ms in "
                    "state AUTH_REQ)")
                       .c_str());
  };
  refuse("a:1");
  now += std::chrono::seconds(10);
  refuse("a:1");
  refuse("b:2");
  now += std::chrono::seconds(49);
  refuse("a:1");
  now += std::chrono::seconds(1);  // a minute after the first line
  refuse("a:1");
  const std::string tail =
      " refused the login: SASL authentication error: Authentication failed; check the SASL "
      "user name, password and mechanism";
  std::vector<std::string> want = {
      "kafka: broker a:1" + tail + "; retrying with backoff",
      "kafka: broker b:2" + tail + "; retrying with backoff",
      "kafka: broker a:1" + tail + "; still retrying (2 more attempt(s) in the last minute)",
  };
  std::vector<std::string> got = sink->last_formatted();
  for (auto& line : got) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  }
  EXPECT_EQ(got, want);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  SetRefusalClockForTest(nullptr);
  ForgetClient(rk);
}

}  // namespace
}  // namespace secor
