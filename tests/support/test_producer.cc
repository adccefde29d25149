#include "support/test_producer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace secor::testing {

namespace {

constexpr int kTimeoutMs = 30000;

// The delivery report's error, stored in the message's opaque pointer.
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->_private) *static_cast<rd_kafka_resp_err_t*>(m->_private) = m->err;
}

// Fails the calling test on a transactional API error and frees it.
void Check(rd_kafka_error_t* error, const char* what) {
  if (!error) return;
  ADD_FAILURE() << what << ": " << rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
}

}  // namespace

TestProducer::TestProducer(const std::string& bootstrap, const std::string& transactional_id) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << "producer setting " << k << ": " << err;
    }
  };
  set("bootstrap.servers", bootstrap);
  set("log_level", "3");
  set("enable.idempotence", "true");
  // One record per request: each Send is its own batch, so an aborted
  // transaction leaves one offset per record and the test knows each offset.
  set("linger.ms", "0");
  if (!transactional_id.empty()) {
    set("transactional.id", transactional_id);
    set("transaction.timeout.ms", "60000");
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) {
    ADD_FAILURE() << "producer: " << err;
    rd_kafka_conf_destroy(conf);
  }
}

TestProducer::~TestProducer() {
  if (!rk_) return;
  rd_kafka_flush(rk_, kTimeoutMs);
  rd_kafka_destroy(rk_);
}

void TestProducer::InitTransactions() {
  if (rk_) Check(rd_kafka_init_transactions(rk_, kTimeoutMs), "init_transactions");
}

void TestProducer::Begin() {
  if (rk_) Check(rd_kafka_begin_transaction(rk_), "begin_transaction");
}

void TestProducer::Commit() {
  if (rk_) Check(rd_kafka_commit_transaction(rk_, kTimeoutMs), "commit_transaction");
}

void TestProducer::Abort() {
  if (rk_) Check(rd_kafka_abort_transaction(rk_, kTimeoutMs), "abort_transaction");
}

void TestProducer::Send(const std::string& topic, int32_t partition, const TestRecord& record) {
  if (!rk_) return;
  rd_kafka_resp_err_t delivered = RD_KAFKA_RESP_ERR__IN_PROGRESS;
  // librdkafka tells null from empty by the pointer.
  const void* key = record.key ? record.key->data() : nullptr;
  size_t key_size = record.key ? record.key->size() : 0;
  void* value = record.value ? const_cast<char*>(record.value->data()) : nullptr;
  size_t value_size = record.value ? record.value->size() : 0;
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
      RD_KAFKA_V_VALUE(value, value_size), RD_KAFKA_V_OPAQUE(&delivered), RD_KAFKA_V_END);
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR)
      << "produce to " << topic << ": " << rd_kafka_err2str(err);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (delivered == RD_KAFKA_RESP_ERR__IN_PROGRESS &&
         std::chrono::steady_clock::now() < deadline) {
    rd_kafka_poll(rk_, 100);
  }
  ASSERT_EQ(delivered, RD_KAFKA_RESP_ERR_NO_ERROR)
      << "delivery to " << topic << ": " << rd_kafka_err2str(delivered);
}

}  // namespace secor::testing
