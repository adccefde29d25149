// secor produce: writes numbered test messages to a topic, in the spirit of
// the original's TestLogMessageProducerMain, but deterministic: message `id`
// always has the same partition, timestamp and bytes, so tests can check
// exactly which messages landed where.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "common/logging.h"
#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "tools/command.h"

namespace secor {
namespace {

constexpr const char* kFooter = R"(Messages are numbered 0..N-1 (the "id"); thread t of P sends ids
[t*N/P, (t+1)*N/P). Unless --partition is given, id i goes to partition
i % (partition count of the topic). Timestamps: base = --start-time (or now)
+ --timeshift; id i gets base + i * time-spread / N, in milliseconds, both in
the message body and as the Kafka record timestamp.

--type json:   {"timestamp": <epoch ms>, "id": <id>, "producer": <thread>, "payload": "<filler>"}
               filler is [a-z0-9] chosen so that the message is about --size bytes.
--type binary: bytes 0-7 id, 8-15 timestamp ms, 16-19 thread, all big-endian,
               then filler bytes up to --size (at least 20 bytes in all).
Filler bytes come from a SplitMix64 stream seeded by (--seed, id).
--key TEMPLATE sets each message's key, with every "{id}" replaced by the id.)";

struct Options {
  ConfigFlags config;
  std::string brokers;
  std::string topic;
  uint64_t messages = 1000;
  int producers = 1;
  std::string type = "json";
  int64_t timeshift_s = 0;
  int32_t partition = -1;
  size_t size = 100;
  uint64_t seed = 0;
  int64_t start_time_s = -1;
  int64_t time_spread_s = 0;
  std::string key;
  std::vector<std::string> headers;
  int64_t timeout_s = 120;
};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Appends n filler bytes; text filler stays within [a-z0-9] so it needs no
// JSON escaping.
void AppendFiller(std::string* out, size_t n, uint64_t seed, uint64_t id, bool text) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  uint64_t state = seed * 0x2545f4914f6cdd1dULL ^ id;
  size_t start = out->size();
  out->resize(start + n);
  char* p = out->data() + start;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = SplitMix64(state);
    for (size_t j = 0; j < 8 && i + j < n; ++j) {
      unsigned char b = static_cast<unsigned char>(r >> (8 * j));
      p[i + j] = text ? kAlphabet[b % 36] : static_cast<char>(b);
    }
  }
}

class MessageMaker {
 public:
  explicit MessageMaker(const Options& o) : o_(o) {
    for (size_t pos = 0;;) {
      size_t hit = o.key.find("{id}", pos);
      key_parts_.push_back(o.key.substr(pos, hit == std::string::npos ? hit : hit - pos));
      if (hit == std::string::npos) break;
      pos = hit + 4;
    }
  }

  void Body(uint64_t id, int thread, int64_t ts, std::string* out) const {
    out->clear();
    if (o_.type == "json") {
      fmt::format_to(std::back_inserter(*out),
                     R"({{"timestamp": {}, "id": {}, "producer": {}, "payload": ")", ts, id,
                     thread);
      size_t fixed = out->size() + 2;  // and the closing "}
      AppendFiller(out, o_.size > fixed ? o_.size - fixed : 0, o_.seed, id, true);
      out->append("\"}");
    } else {
      PutBigEndian(out, id, 8);
      PutBigEndian(out, static_cast<uint64_t>(ts), 8);
      PutBigEndian(out, static_cast<uint32_t>(thread), 4);
      AppendFiller(out, o_.size > 20 ? o_.size - 20 : 0, o_.seed, id, false);
    }
  }

  void Key(uint64_t id, std::string* out) const {
    out->clear();
    if (o_.key.empty()) return;
    for (size_t i = 0; i < key_parts_.size(); ++i) {
      if (i > 0) fmt::format_to(std::back_inserter(*out), "{}", id);
      out->append(key_parts_[i]);
    }
  }

 private:
  const Options& o_;
  std::vector<std::string> key_parts_;
};

Result<std::map<std::string, std::string>> ClientSettings(const Options& o) {
  std::map<std::string, std::string> settings;
  if (!o.config.config_path.empty() || !o.config.overrides.empty()) {
    ASSIGN_OR_RETURN(Config config, LoadConfig(o.config));
    // With -b the configuration need not name servers; its other settings
    // (security above all) still apply.
    ASSIGN_OR_RETURN(settings, PlainClientSettings(config, o.brokers));
  } else if (o.brokers.empty()) {
    return Status::InvalidArgument(
        "no brokers: give -b/--brokers or a --config with kafka.bootstrap.servers");
  } else {
    LogOptions log;
    if (!o.config.log_level.empty()) log.level = o.config.log_level;
    log.json = o.config.log_json;
    RETURN_IF_ERROR(InitLogging(log));
  }
  if (!o.brokers.empty()) settings["bootstrap.servers"] = o.brokers;
  for (const auto& h : o.headers) {
    if (h.find('=') == std::string::npos) {
      return Status::InvalidArgument("--header {}: expected NAME=VALUE", h);
    }
  }
  return settings;
}

int Run(const Options& o) {
  if (o.producers < 1) return Fail("produce", Status::InvalidArgument("--producers must be >= 1"));
  if (o.time_spread_s < 0) {
    return Fail("produce", Status::InvalidArgument("--time-spread must be >= 0"));
  }
  auto settings = ClientSettings(o);
  if (!settings.ok()) return Fail("produce", settings.status());
  auto producer_or = Producer::Create(*settings);
  if (!producer_or.ok()) return Fail("produce", producer_or.status());
  Producer& producer = **producer_or;

  int partitions = 0;
  if (o.partition < 0) {
    auto n = producer.PartitionCount(o.topic, std::chrono::seconds(30));
    if (!n.ok()) return Fail("produce", n.status());
    partitions = *n;
  } else {
    // Undeliverable messages would wait for --timeout; a wrong password or
    // an untrusted certificate is told at once.
    Status reachable = producer.CheckReachable(std::chrono::seconds(30));
    if (!reachable.ok()) return Fail("produce", reachable);
  }

  int64_t base_ms = (o.start_time_s >= 0 ? o.start_time_s * 1000
                                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count()) +
                    o.timeshift_s * 1000;
  const __int128 spread_ms = static_cast<__int128>(o.time_spread_s) * 1000;
  KafkaHeaders headers;
  for (const auto& h : o.headers) {
    size_t eq = h.find('=');
    headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }

  MessageMaker maker(o);
  std::atomic<bool> stop{false};
  std::mutex error_mu;
  Status first_error;
  auto start = std::chrono::steady_clock::now();
  auto work = [&](int thread) {
    uint64_t begin = o.messages * thread / o.producers;
    uint64_t end = o.messages * (thread + 1) / o.producers;
    std::string body, key;
    for (uint64_t id = begin; id < end && !stop.load(std::memory_order_relaxed); ++id) {
      int64_t ts = base_ms + static_cast<int64_t>(spread_ms * id / o.messages);
      maker.Body(id, thread, ts, &body);
      maker.Key(id, &key);
      int32_t partition = o.partition >= 0 ? o.partition : static_cast<int32_t>(id % partitions);
      Status st = producer.Produce(o.topic, partition, key, body, ts, headers);
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (first_error.ok()) first_error = st;
        stop = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < o.producers; ++t) threads.emplace_back(work, t);
  work(0);
  for (auto& t : threads) t.join();
  Status flushed = producer.Flush(std::chrono::seconds(o.timeout_s));
  if (!first_error.ok()) return Fail("produce", first_error);
  if (!flushed.ok()) return Fail("produce", flushed);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "secor produce: %llu messages in %.3f s (%.0f msg/s)\n",
               static_cast<unsigned long long>(o.messages), secs,
               secs > 0 ? static_cast<double>(o.messages) / secs : 0.0);
  std::printf("produced %llu messages to %s\n", static_cast<unsigned long long>(o.messages),
              o.topic.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

void AddProduceCommand(CLI::App& app, CommandRun* run) {
  auto opts = std::make_shared<Options>();
  auto* sub = app.add_subcommand("produce", "write numbered test messages to a Kafka topic");
  opts->config.AddTo(sub, false);
  sub->add_option("-b,--brokers", opts->brokers,
                  "bootstrap servers host:port,... (instead of or over --config)");
  sub->add_option("-t,--topic", opts->topic, "topic to write to")->required();
  sub->add_option("-m,--messages", opts->messages, "number of messages")->capture_default_str();
  sub->add_option("-p,--producers", opts->producers, "producer threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  sub->add_option("--type", opts->type, "message type: json or binary")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "binary"}));
  sub->add_option("--timeshift", opts->timeshift_s,
                  "shift timestamps by this many seconds (negative: into the past)");
  sub->add_option("--partition", opts->partition, "send every message to this partition")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--size", opts->size, "approximate message size in bytes")->capture_default_str();
  sub->add_option("--seed", opts->seed, "seed of the filler bytes")->capture_default_str();
  sub->add_option("--start-time", opts->start_time_s,
                  "timestamp of message 0, epoch seconds (default: now)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--time-spread", opts->time_spread_s,
                  "spread timestamps evenly over this many seconds")
      ->capture_default_str();
  sub->add_option("--key", opts->key, "message key template; {id} becomes the message id");
  sub->add_option("--header", opts->headers, "header NAME=VALUE on every message (repeatable)");
  sub->add_option("--timeout", opts->timeout_s, "seconds to wait for delivery at the end")
      ->capture_default_str();
  sub->footer(kFooter);
  sub->callback([run, opts] { *run = [opts] { return Run(*opts); }; });
}

}  // namespace secor
