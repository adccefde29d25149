#include "testbroker/testbroker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "common/strings.h"

namespace secor {
namespace {

struct ApiName {
  const char* name;
  int16_t key;
};

// Kafka protocol request types (the numbering is the protocol's own).
constexpr ApiName kApiNames[] = {
    {"produce", 0},
    {"fetch", 1},
    {"listoffsets", 2},
    {"offsets", 2},
    {"metadata", 3},
    {"leaderandisr", 4},
    {"stopreplica", 5},
    {"updatemetadata", 6},
    {"controlledshutdown", 7},
    {"offsetcommit", 8},
    {"offsetfetch", 9},
    {"findcoordinator", 10},
    {"groupcoordinator", 10},
    {"joingroup", 11},
    {"heartbeat", 12},
    {"leavegroup", 13},
    {"syncgroup", 14},
    {"describegroups", 15},
    {"listgroups", 16},
    {"saslhandshake", 17},
    {"apiversions", 18},
    {"apiversion", 18},
    {"createtopics", 19},
    {"deletetopics", 20},
    {"deleterecords", 21},
    {"initproducerid", 22},
    {"offsetforleaderepoch", 23},
    {"addpartitionstotxn", 24},
    {"addoffsetstotxn", 25},
    {"endtxn", 26},
    {"writetxnmarkers", 27},
    {"txnoffsetcommit", 28},
    {"describeacls", 29},
    {"createacls", 30},
    {"deleteacls", 31},
    {"describeconfigs", 32},
    {"alterconfigs", 33},
    {"saslauthenticate", 36},
    {"createpartitions", 37},
    {"deletegroups", 42},
    {"electleaders", 43},
    {"incrementalalterconfigs", 44},
    {"offsetdelete", 47},
};

// The highest API key the protocol defines in librdkafka 2.0's era, with room.
constexpr int kMaxApiKey = 100;

constexpr const char* kHelp =
    "ok commands: ping | bootstrap | broker down|up ID|all | rtt ID|all MS | "
    "errors APIKEY ERRCODE [COUNT] | errors clear APIKEY | leader TOPIC PARTITION BROKERID | "
    "coordinator group|transaction KEY BROKERID | topic create TOPIC PARTITIONS | "
    "topic error TOPIC ERRCODE | help | quit";

std::string Error(const std::string& why) { return "error: " + why; }

std::string KafkaError(const std::string& what, rd_kafka_resp_err_t err) {
  return Error(what + ": " + rd_kafka_err2name(err) + " (" + rd_kafka_err2str(err) + ")");
}

std::optional<int64_t> ParseIntArg(const std::string& s) { return ParseInt64(s); }

// Broker id from a command: a number, or "all" (-1) where the mock allows it.
std::optional<int32_t> ParseBrokerId(const std::string& s) {
  if (ToLower(s) == "all") return -1;
  auto v = ParseIntArg(s);
  if (!v || *v < -1 || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

}  // namespace

Result<TopicSpec> ParseTopicSpec(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("topic {}: expected TOPIC:PARTITIONS", text);
  }
  auto n = ParseInt64(text.substr(colon + 1));
  if (!n || *n < 1 || *n > 100000) {
    return Status::InvalidArgument("topic {}: partition count must be a number from 1 to 100000",
                                   text);
  }
  return TopicSpec{text.substr(0, colon), static_cast<int>(*n)};
}

Result<int16_t> ParseApiKey(const std::string& text) {
  if (auto n = ParseInt64(text)) {
    if (*n < 0 || *n > kMaxApiKey) {
      return Status::InvalidArgument("API key {}: must be from 0 to {}", text, kMaxApiKey);
    }
    return static_cast<int16_t>(*n);
  }
  std::string name = ToLower(text);
  if (EndsWith(name, "request")) name.resize(name.size() - 7);
  for (const auto& api : kApiNames) {
    if (name == api.name) return api.key;
  }
  return Status::InvalidArgument("API key {}: unknown name (try Produce, Fetch, OffsetCommit, ...)",
                                 text);
}

Result<int> ParseErrorCode(const std::string& text) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  auto known = [&](int code) {
    for (size_t i = 0; i < count; ++i) {
      if (descs[i].name && descs[i].code == code) return true;
    }
    return false;
  };
  if (auto n = ParseInt64(text)) {
    if (*n < INT32_MIN || *n > INT32_MAX || !known(static_cast<int>(*n))) {
      return Status::InvalidArgument("error code {}: not a Kafka error code", text);
    }
    return static_cast<int>(*n);
  }
  std::string name = ToLower(text);
  if (StartsWith(name, "rd_kafka_resp_err_")) name = name.substr(18);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name && ToLower(descs[i].name) == name) return descs[i].code;
  }
  return Status::InvalidArgument("error code {}: unknown name (try NOT_COORDINATOR, 6, ...)", text);
}

TestBroker::~TestBroker() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (rk_) rd_kafka_destroy(rk_);
}

Status TestBroker::Start(int brokers) {
  if (rk_) return Status::Internal("test broker: already started");
  if (brokers < 1 || brokers > 100) {
    return Status::InvalidArgument("--brokers {}: must be from 1 to 100", brokers);
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  // The mock cluster needs a client handle for its bookkeeping only; keep it
  // quiet so stderr carries only real trouble.
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal("test broker: log_level: {}", errstr);
  }
  // SECOR_TESTBROKER_DEBUG=mock,cgrp logs the mock cluster's group
  // coordinator step by step, to see what led up to one of its aborts.
  if (const char* debug = std::getenv("SECOR_TESTBROKER_DEBUG"); debug && *debug) {
    if (rd_kafka_conf_set(conf, "debug", debug, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "7", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("SECOR_TESTBROKER_DEBUG={}: {}", debug, errstr);
    }
  }
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk_) return Status::Internal("test broker: creating the client handle: {}", errstr);
  cluster_ = rd_kafka_mock_cluster_new(rk_, brokers);
  if (!cluster_) return Status::Internal("test broker: creating a mock cluster failed");
  brokers_ = brokers;
  return Status::OK();
}

std::string TestBroker::Bootstraps() const {
  return cluster_ ? rd_kafka_mock_cluster_bootstraps(cluster_) : "";
}

Status TestBroker::CreateTopic(const std::string& topic, int partitions) {
  if (topic.empty()) return Status::InvalidArgument("topic create: empty topic name");
  if (partitions < 1) return Status::InvalidArgument("topic {}: partitions must be >= 1", topic);
  int replication = std::min(brokers_, 3);
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication);
  if (err) {
    return Status::InvalidArgument("topic {}: {} ({})", topic, rd_kafka_err2name(err),
                                   rd_kafka_err2str(err));
  }
  return Status::OK();
}

std::string TestBroker::Execute(const std::string& line, bool* quit) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  if (w.empty()) return Error("empty command (try help)");
  const std::string cmd = ToLower(w[0]);
  auto usage = [](const char* syntax) { return Error(std::string("usage: ") + syntax); };

  if (cmd == "ping" && w.size() == 1) return "ok pong";
  if (cmd == "help") return kHelp;
  if (cmd == "bootstrap" && w.size() == 1) return "ok " + Bootstraps();
  if (cmd == "quit" || cmd == "exit") {
    *quit = true;
    return "ok bye";
  }
  if (cmd == "broker") {
    if (w.size() != 3 || (w[1] != "down" && w[1] != "up")) return usage("broker down|up ID|all");
    auto id = ParseBrokerId(w[2]);
    if (!id) return Error("broker " + w[1] + ": bad broker id " + w[2]);
    rd_kafka_resp_err_t err = w[1] == "down" ? rd_kafka_mock_broker_set_down(cluster_, *id)
                                             : rd_kafka_mock_broker_set_up(cluster_, *id);
    if (err) return KafkaError("broker " + w[1] + " " + w[2], err);
    return "ok broker " + w[2] + " " + w[1];
  }
  if (cmd == "rtt") {
    if (w.size() != 3) return usage("rtt ID|all MS");
    auto id = ParseBrokerId(w[1]);
    auto ms = ParseIntArg(w[2]);
    if (!id) return Error("rtt: bad broker id " + w[1]);
    if (!ms || *ms < 0 || *ms > INT32_MAX) return Error("rtt: bad delay " + w[2]);
    rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(cluster_, *id, static_cast<int>(*ms));
    if (err) return KafkaError("rtt " + w[1], err);
    return "ok rtt " + w[1] + " " + w[2] + " ms";
  }
  if (cmd == "errors") {
    if (w.size() == 3 && ToLower(w[1]) == "clear") {
      auto api = ParseApiKey(w[2]);
      if (!api.ok()) return Error(api.status().message());
      rd_kafka_mock_clear_request_errors(cluster_, *api);
      return "ok cleared errors of API " + std::to_string(*api);
    }
    if (w.size() != 3 && w.size() != 4) return usage("errors APIKEY ERRCODE [COUNT]");
    auto api = ParseApiKey(w[1]);
    if (!api.ok()) return Error(api.status().message());
    auto code = ParseErrorCode(w[2]);
    if (!code.ok()) return Error(code.status().message());
    int64_t count = 1;
    if (w.size() == 4) {
      auto c = ParseIntArg(w[3]);
      if (!c || *c < 1 || *c > 1000000) return Error("errors: bad count " + w[3]);
      count = *c;
    }
    std::vector<rd_kafka_resp_err_t> errs(count, static_cast<rd_kafka_resp_err_t>(*code));
    rd_kafka_mock_push_request_errors_array(cluster_, *api, errs.size(), errs.data());
    return "ok pushed " + std::to_string(count) + " x " +
           rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(*code)) + " on API " +
           std::to_string(*api);
  }
  if (cmd == "leader") {
    if (w.size() != 4) return usage("leader TOPIC PARTITION BROKERID");
    auto p = ParseIntArg(w[2]);
    auto id = ParseIntArg(w[3]);
    if (!p || *p < 0 || *p > INT32_MAX) return Error("leader: bad partition " + w[2]);
    if (!id || *id < -1 || *id > INT32_MAX) return Error("leader: bad broker id " + w[3]);
    rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(
        cluster_, w[1].c_str(), static_cast<int32_t>(*p), static_cast<int32_t>(*id));
    if (err) return KafkaError("leader " + w[1] + " " + w[2], err);
    return "ok leader of " + w[1] + " [" + w[2] + "] is " + w[3];
  }
  if (cmd == "coordinator") {
    if (w.size() != 4 || (w[1] != "group" && w[1] != "transaction")) {
      return usage("coordinator group|transaction KEY BROKERID");
    }
    auto id = ParseIntArg(w[3]);
    if (!id || *id < 0 || *id > INT32_MAX) return Error("coordinator: bad broker id " + w[3]);
    rd_kafka_resp_err_t err = rd_kafka_mock_coordinator_set(cluster_, w[1].c_str(), w[2].c_str(),
                                                            static_cast<int32_t>(*id));
    if (err) return KafkaError("coordinator " + w[1] + " " + w[2], err);
    return "ok coordinator of " + w[1] + " " + w[2] + " is " + w[3];
  }
  if (cmd == "topic") {
    if (w.size() == 4 && w[1] == "create") {
      auto n = ParseIntArg(w[3]);
      if (!n || *n < 1 || *n > 100000) return Error("topic create: bad partition count " + w[3]);
      Status st = CreateTopic(w[2], static_cast<int>(*n));
      if (!st.ok()) return Error(st.message());
      return "ok created " + w[2] + " with " + w[3] + " partitions";
    }
    if (w.size() == 4 && w[1] == "error") {
      auto code = ParseErrorCode(w[3]);
      if (!code.ok()) return Error(code.status().message());
      rd_kafka_mock_topic_set_error(cluster_, w[2].c_str(),
                                    static_cast<rd_kafka_resp_err_t>(*code));
      return "ok topic " + w[2] + " error " +
             rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(*code));
    }
    return usage("topic create TOPIC PARTITIONS | topic error TOPIC ERRCODE");
  }
  return Error("unknown command " + std::string(Trim(line)) + " (try help)");
}

}  // namespace secor
