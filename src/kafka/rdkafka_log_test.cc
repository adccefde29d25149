#include "kafka/rdkafka_log.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace secor
