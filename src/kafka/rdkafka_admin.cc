// KafkaAdmin over librdkafka: a consumer handle with the group's id that
// never subscribes, so commits go out as a simple (generation-less) commit.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>

#include "kafka/kafka_admin.h"
#include "kafka/rdkafka_log.h"

namespace secor {
namespace {

class RdKafkaAdmin : public KafkaAdmin {
 public:
  RdKafkaAdmin(rd_kafka_t* rk, std::string group) : rk_(rk), group_(std::move(group)) {}
  ~RdKafkaAdmin() override {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    ForgetClient(rk_);
  }
  RdKafkaAdmin(const RdKafkaAdmin&) = delete;
  RdKafkaAdmin& operator=(const RdKafkaAdmin&) = delete;

  Result<std::vector<std::string>> ListTopics(int timeout_ms) override {
    const rd_kafka_metadata_t* md = nullptr;
    RETURN_IF_ERROR(Metadata(rk_, true, nullptr, &md, timeout_ms, "listing topics"));
    std::vector<std::string> out;
    out.reserve(static_cast<size_t>(md->topic_cnt));
    for (int i = 0; i < md->topic_cnt; ++i) out.emplace_back(md->topics[i].topic);
    rd_kafka_metadata_destroy(md);
    return out;
  }

  Result<std::vector<int32_t>> Partitions(const std::string& topic, int timeout_ms) override {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    Status got = Metadata(rk_, false, rkt, &md, timeout_ms, "metadata of topic " + topic);
    rd_kafka_topic_destroy(rkt);
    RETURN_IF_ERROR(got);
    std::vector<int32_t> out;
    Status st;
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (md->topics[i].err) {
        st = Status::NotFound("topic {}: {}", topic, rd_kafka_err2str(md->topics[i].err));
      }
      for (int p = 0; p < md->topics[i].partition_cnt; ++p)
        out.push_back(md->topics[i].partitions[p].id);
    }
    rd_kafka_metadata_destroy(md);
    if (!st.ok()) return st;
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<std::map<int32_t, int64_t>> Committed(const std::string& topic,
                                               const std::vector<int32_t>& partitions,
                                               int timeout_ms) override {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
    for (int32_t p : partitions) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list, timeout_ms);
    if (err) {
      rd_kafka_topic_partition_list_destroy(list);
      return Status::Unavailable("committed offsets of group {} on {}: {}", group_, topic,
                                 rd_kafka_err2str(err));
    }
    std::map<int32_t, int64_t> out;
    for (int i = 0; i < list->cnt; ++i) {
      // Negative values are librdkafka's "invalid"/"stored" sentinels.
      out[list->elems[i].partition] = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
    }
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  Status QueryWatermarks(const std::string& topic, int32_t partition, int64_t* low, int64_t* high,
                         int timeout_ms) override {
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, low, high, timeout_ms);
    if (err) {
      return Status::Unavailable("watermarks of {}/{}: {}", topic, partition,
                                 rd_kafka_err2str(err));
    }
    return Status::OK();
  }

  Result<int64_t> OffsetForTime(const std::string& topic, int32_t partition, int64_t ms,
                                int timeout_ms) override {
    auto* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = ms;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk_, list, timeout_ms);
    int64_t off = list->elems[0].offset;
    if (!err) err = list->elems[0].err;
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
      return Status::Unavailable("offset for time {} of {}/{}: {}", ms, topic, partition,
                                 rd_kafka_err2str(err));
    }
    return off < 0 ? -1 : off;
  }

  Result<StoredRecord> RecordAt(const std::string& topic, int32_t partition, int64_t offset,
                                int timeout_ms) override;

  Status Commit(const std::map<std::pair<std::string, int32_t>, int64_t>& offsets) override {
    if (offsets.empty()) return Status::OK();
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    for (const auto& [tp, off] : offsets)
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = off;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
      return Status::Unavailable("committing offsets of group {}: {}", group_,
                                 rd_kafka_err2str(err));
    }
    return Status::OK();
  }

 private:
  rd_kafka_t* rk_;
  std::string group_;
};

Result<StoredRecord> RdKafkaAdmin::RecordAt(const std::string& topic, int32_t partition,
                                            int64_t offset, int timeout_ms) {
  // A direct assignment, not a subscription: the group never sees this client.
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return Status::Unavailable("reading {}/{}: {}", topic, partition, rd_kafka_err2str(err));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Result<StoredRecord> result = Status::Unavailable("no message at {}/{} offset {} within {} ms",
                                                    topic, partition, offset, timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 200);
    if (!m) continue;
    bool done = false;
    if (!m->err && m->partition == partition && rd_kafka_topic_name(m->rkt) == topic &&
        m->offset >= offset) {
      StoredRecord record;
      record.offset = m->offset;
      rd_kafka_timestamp_type_t type;
      record.timestamp_ms = rd_kafka_message_timestamp(m, &type);
      record.has_key = m->key != nullptr;
      if (m->key) record.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) record.payload.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* headers = nullptr;
      if (!rd_kafka_message_headers(m, &headers)) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
          record.headers.emplace_back(
              name, value ? std::string(static_cast<const char*>(value), size) : std::string());
        }
      }
      result = std::move(record);
      done = true;
    } else if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      result = Status::Unavailable("reading {}/{} offset {}: {}", topic, partition, offset,
                                   rd_kafka_message_errstr(m));
      done = true;
    }
    rd_kafka_message_destroy(m);
    if (done) break;
  }
  rd_kafka_assign(rk_, nullptr);
  return result;
}

}  // namespace

Result<std::unique_ptr<KafkaAdmin>> KafkaAdmin::Create(
    const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("kafka setting {}: {}", k, errstr);
    }
  }
  rd_kafka_conf_set_log_cb(conf, RdKafkaLogLine);
  rd_kafka_conf_set_error_cb(conf, RdKafkaErrorLine);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) return Status::InvalidArgument("kafka client: {}", errstr);
  auto group = settings.find("group.id");
  return std::unique_ptr<KafkaAdmin>(
      new RdKafkaAdmin(rk, group == settings.end() ? std::string() : group->second));
}

}  // namespace secor
