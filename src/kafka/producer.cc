#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <mutex>

#include "config/keys.h"
#include "kafka/rdkafka_log.h"

namespace secor {
namespace {

// Throughput over latency: the users of this producer write test data in
// bulk. acks=all so that a delivered message is really on the broker.
const std::map<std::string, std::string> kDefaults = {
    {"acks", "all"},
    {"linger.ms", "10"},
    {"batch.num.messages", "10000"},
    {"queue.buffering.max.messages", "1000000"},
    {"queue.buffering.max.kbytes", "1048576"},
    {"log_level", "3"},
};

std::string ErrorText(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + " (" + rd_kafka_err2str(err) + ")";
}

}  // namespace

struct Producer::State {
  rd_kafka_t* rk = nullptr;
  std::mutex mu;  // guards topics and first_error
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics;
  std::string first_error;
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> failed_reported{0};
  std::atomic<uint64_t> produced{0};

  Result<rd_kafka_topic_t*> Topic(const std::string& name);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
};

Producer::Producer(std::unique_ptr<State> state) : s_(std::move(state)) {}

uint64_t Producer::delivered() const { return s_->delivered.load(); }
uint64_t Producer::failed() const { return s_->failed.load(); }

Result<std::unique_ptr<Producer>> Producer::Create(const std::string& bootstrap_servers) {
  return Create(std::map<std::string, std::string>{{"bootstrap.servers", bootstrap_servers}});
}

Result<std::unique_ptr<Producer>> Producer::Create(std::map<std::string, std::string> settings) {
  if (settings["bootstrap.servers"].empty()) {
    return Status::InvalidArgument("producer: bootstrap.servers is empty");
  }
  for (const auto& [k, v] : kDefaults) settings.emplace(k, v);
  std::unique_ptr<Producer> p(new Producer(std::make_unique<State>()));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("producer setting {}={}: {}", k,
                                     IsSecretKey(k) ? std::string("****") : v, errstr);
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &State::OnDelivery);
  rd_kafka_conf_set_log_cb(conf, RdKafkaLogLine);
  rd_kafka_conf_set_error_cb(conf, RdKafkaErrorLine);
  rd_kafka_conf_set_opaque(conf, p->s_.get());
  p->s_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!p->s_->rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument("producer: {}", errstr);
  }
  return p;
}

Producer::~Producer() {
  rd_kafka_t* rk = s_->rk;
  if (!rk) return;
  // Whatever the owner did not Flush is dropped rather than waited for: a
  // destructor must not hang on an unreachable broker.
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  for (auto& [name, rkt] : s_->topics) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
}

void Producer::State::OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<State*>(opaque);
  if (!msg->err) {
    self->delivered.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  self->failed.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(self->mu);
  if (self->first_error.empty()) {
    self->first_error = std::string(rd_kafka_topic_name(msg->rkt)) + " [" +
                        std::to_string(msg->partition) + "]: " + ErrorText(msg->err);
  }
}

Result<rd_kafka_topic_t*> Producer::State::Topic(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = topics.find(name);
  if (it != topics.end()) return it->second;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, name.c_str(), nullptr);
  if (!rkt) {
    return Status::InvalidArgument("topic {}: {}", name, ErrorText(rd_kafka_last_error()));
  }
  topics.emplace(name, rkt);
  return rkt;
}

Status Producer::Produce(const std::string& topic, int32_t partition, std::string_view key,
                         std::string_view payload, int64_t timestamp_ms,
                         const KafkaHeaders& headers) {
  ASSIGN_OR_RETURN(rd_kafka_topic_t * rkt, s_->Topic(topic));
  rd_kafka_t* rk = s_->rk;
  // An empty key is sent as no key, so that the partitioner spreads them.
  void* key_ptr = key.empty() ? nullptr : const_cast<char*>(key.data());
  void* value_ptr = const_cast<char*>(payload.data());
  while (true) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [k, v] : headers) {
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
      }
    }
    rd_kafka_resp_err_t err =
        hdrs ? rd_kafka_producev(
                   rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_ptr, key.size()),
                   RD_KAFKA_V_VALUE(value_ptr, payload.size()), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                   RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)
             : rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key_ptr, key.size()),
                                 RD_KAFKA_V_VALUE(value_ptr, payload.size()),
                                 RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
    if (!err) break;
    // On failure the headers stay ours.
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Serve delivery reports until the local queue has room again.
      rd_kafka_poll(rk, 20);
      continue;
    }
    return Status::Unavailable("produce to {} [{}]: {}", topic, partition, ErrorText(err));
  }
  if ((s_->produced.fetch_add(1, std::memory_order_relaxed) & 1023) == 0) rd_kafka_poll(rk, 0);
  return Status::OK();
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_t* rk = s_->rk;
  rd_kafka_resp_err_t err = rd_kafka_flush(rk, static_cast<int>(timeout.count()));
  uint64_t failed = s_->failed.load();
  uint64_t new_failures = failed - s_->failed_reported.exchange(failed);
  std::string first;
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    first.swap(s_->first_error);
  }
  if (new_failures > 0) {
    return Status::Unavailable("produce: {} message(s) failed delivery; first: {}", new_failures,
                               first);
  }
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    if (std::string refused = BrokerAuthFailure(rk); !refused.empty()) {
      return Status::PermissionDenied("produce: {} message(s) undelivered after {} ms: {}",
                                      rd_kafka_outq_len(rk), timeout.count(), refused);
    }
    return Status::Unavailable("produce: {} message(s) still undelivered after {} ms",
                               rd_kafka_outq_len(rk), timeout.count());
  }
  if (err) return Status::Unavailable("produce: flush: {}", ErrorText(err));
  return Status::OK();
}

Status Producer::CheckReachable(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  RETURN_IF_ERROR(Metadata(s_->rk, true, nullptr, &md,
                           static_cast<int>(std::max<int64_t>(timeout.count(), 1)), "metadata"));
  rd_kafka_metadata_destroy(md);
  return Status::OK();
}

Result<int> Producer::PartitionCount(const std::string& topic, std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(rd_kafka_topic_t * rkt, s_->Topic(topic));
  rd_kafka_t* rk = s_->rk;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const rd_kafka_metadata_t* md = nullptr;
    RETURN_IF_ERROR(Metadata(rk, false, rkt, &md,
                             static_cast<int>(std::max<int64_t>(left.count(), 1)),
                             "metadata of topic " + topic));
    rd_kafka_resp_err_t topic_err =
        md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    int partitions = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    if (!topic_err && partitions > 0) return partitions;
    // A topic being created answers LEADER_NOT_AVAILABLE for a moment.
    bool transient = topic_err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                     (topic_err == RD_KAFKA_RESP_ERR_NO_ERROR && partitions == 0);
    if (!transient || std::chrono::steady_clock::now() >= deadline) {
      if (topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        return Status::NotFound("topic {}: does not exist", topic);
      }
      return Status::Unavailable("metadata of topic {}: {}", topic,
                                 ErrorText(topic_err ? topic_err : RD_KAFKA_RESP_ERR__TIMED_OUT));
    }
    rd_kafka_poll(rk, 100);
  }
}

}  // namespace secor
