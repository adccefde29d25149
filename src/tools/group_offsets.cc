#include "tools/group_offsets.h"

#include <algorithm>
#include <chrono>

#include <librdkafka/rdkafka.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "config/config.h"
#include "kafka/client_config.h"

namespace secor {
namespace {

// librdkafka's own lines go through the process logger: leveled, JSON when
// asked, and redacted like every other line.
void OnLog(const rd_kafka_t*, int level, const char* facility, const char* text) {
  if (level <= 3) {
    spdlog::error("kafka {}: {}", facility, text);
  } else if (level <= 4) {
    spdlog::warn("kafka {}: {}", facility, text);
  } else {
    spdlog::debug("kafka {}: {}", facility, text);
  }
}

}  // namespace

GroupOffsets::~GroupOffsets() {
  if (rk_) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

Result<std::unique_ptr<GroupOffsets>> GroupOffsets::Create(const Config& config,
                                                           const std::string& group) {
  ASSIGN_OR_RETURN(auto settings, PlainClientSettings(config));
  settings["group.id"] = group;
  settings["enable.auto.commit"] = "false";
  settings["enable.auto.offset.store"] = "false";
  settings["auto.offset.reset"] = "earliest";
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("kafka setting {}: {}", k, errstr);
    }
  }
  rd_kafka_conf_set_log_cb(conf, OnLog);
  std::unique_ptr<GroupOffsets> g(new GroupOffsets());
  g->group_ = group;
  g->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!g->rk_) return Status::InvalidArgument("kafka client: {}", errstr);
  return g;
}

Result<std::vector<std::string>> GroupOffsets::Topics(const Config& config,
                                                      const std::vector<std::string>& skip) {
  ASSIGN_OR_RETURN(std::string filter, config.String("secor.kafka.topic_filter"));
  RE2 re(filter.empty() ? ".*" : filter, RE2::Quiet);
  if (!re.ok()) return config.BadValue("secor.kafka.topic_filter", "bad regular expression");
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &md, timeout_ms_);
  if (err) return Status::Unavailable("listing topics: {}", rd_kafka_err2str(err));
  std::vector<std::string> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    std::string t = md->topics[i].topic;
    if (StartsWith(t, "__") || !RE2::FullMatch(t, re)) continue;
    if (std::find(skip.begin(), skip.end(), t) != skip.end()) continue;
    out.push_back(t);
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<PartitionOffsets>> GroupOffsets::Partitions(const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, rkt, &md, timeout_ms_);
  rd_kafka_topic_destroy(rkt);
  if (err) return Status::Unavailable("metadata of topic {}: {}", topic, rd_kafka_err2str(err));
  std::vector<PartitionOffsets> out;
  if (md->topic_cnt == 1 && !md->topics[0].err) {
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      PartitionOffsets p;
      p.topic = topic;
      p.partition = md->topics[0].partitions[i].id;
      out.push_back(p);
    }
  }
  rd_kafka_metadata_destroy(md);
  if (out.empty()) return Status::NotFound("topic {} has no partitions", topic);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.partition < b.partition; });
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(out.size()));
  for (auto& p : out) rd_kafka_topic_partition_list_add(list, topic.c_str(), p.partition);
  err = rd_kafka_committed(rk_, list, timeout_ms_);
  if (err) {
    rd_kafka_topic_partition_list_destroy(list);
    return Status::Unavailable("committed offsets of group {} on {}: {}", group_, topic,
                               rd_kafka_err2str(err));
  }
  for (int i = 0; i < list->cnt; ++i) {
    for (auto& p : out) {
      if (p.partition == list->elems[i].partition)
        p.committed = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  for (auto& p : out) {
    err = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p.partition, &p.low, &p.high,
                                           timeout_ms_);
    if (err)
      return Status::Unavailable("watermarks of {}/{}: {}", topic, p.partition,
                                 rd_kafka_err2str(err));
  }
  return out;
}

Result<StoredRecord> GroupOffsets::RecordAt(const std::string& topic, int32_t partition,
                                            int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return Status::Unavailable("reading {}/{}: {}", topic, partition, rd_kafka_err2str(err));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  Result<StoredRecord> result = Status::Unavailable("no message at {}/{} offset {} within {} ms",
                                                    topic, partition, offset, timeout_ms_);
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

Result<int64_t> GroupOffsets::TimestampAt(const std::string& topic, int32_t partition,
                                          int64_t offset) {
  ASSIGN_OR_RETURN(auto m, RecordAt(topic, partition, offset));
  return m.timestamp_ms;
}

Status GroupOffsets::Commit(const std::map<std::pair<std::string, int32_t>, int64_t>& offsets) {
  if (offsets.empty()) return Status::OK();
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [tp, off] : offsets)
    rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = off;
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (err)
    return Status::Unavailable("committing offsets of group {}: {}", group_, rd_kafka_err2str(err));
  return Status::OK();
}

}  // namespace secor
