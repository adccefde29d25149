// The chaos test of the round protocol (docs/chaos.md): three `secor consume`
// processes in one group while a producer keeps writing, with a seeded random
// schedule of SIGKILLs, SIGSTOPs past the session timeout, graceful restarts,
// a broker going down and store failures. On the run's real Apache Kafka a
// broker is stopped or killed and started again (scripts/kafka.sh); one
// variant runs on the three-broker mock cluster instead, for what only it
// can do: Kafka errors injected into single requests (fenced commits,
// coordinator moves, failed fetches). At the end every message that Kafka
// holds must be in exactly one stored file: checked by `secor verify` and by
// reading the store back with the library's readers and comparing with kcat.
//
// SECOR_CHAOS_SEED repeats a run (the seed is printed at the start and with
// every failure); SECOR_CHAOS_SECONDS makes it longer (tests/chaos/soak.sh).
// A long run must fit the test broker, which keeps at most 5 MiB per
// partition: SECOR_CHAOS_PARTITIONS, SECOR_CHAOS_PRODUCE_PAUSE_MS and
// SECOR_CHAOS_FILE_AGE_SECONDS shape it (soak.sh sets them).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/file_format.h"
#include "storage/object_store.h"
#include "support/cluster.h"
#include "upload/object_names.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WriteProperties;

using Stored = std::map<std::pair<int32_t, int64_t>, std::string>;

constexpr int kConsumers = 3;
constexpr int kBrokers = 3;
const char kTopic[] = "chaos";
const char kGroup[] = "chaos-group";
// The S3 variant's multipart threshold: about half the data files are larger.
constexpr int64_t kMultipartThreshold = 16 << 10;

uint64_t ChaosSeed() {
  const char* env = std::getenv("SECOR_CHAOS_SEED");
  if (env && *env) return std::strtoull(env, nullptr, 10);
  return (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
}

int EnvInt(const char* name, int fallback) {
  const char* env = std::getenv(name);
  if (env && *env) return std::atoi(env);
  return fallback;
}

int ChaosSeconds(int fallback) { return EnvInt("SECOR_CHAOS_SECONDS", fallback); }

// The size of a run: the defaults suit the short runs of the suite.
struct ChaosShape {
  int partitions = EnvInt("SECOR_CHAOS_PARTITIONS", 12);
  // Between the producer's batches of 400 messages (about 1,300 messages/s
  // at 150 ms on the machines here).
  int produce_pause_ms = EnvInt("SECOR_CHAOS_PRODUCE_PAUSE_MS", 150);
  // The wall-clock upload policy.
  int file_age_seconds = EnvInt("SECOR_CHAOS_FILE_AGE_SECONDS", 1);
};

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

// Every record of every data file of topic in the store, by (partition,
// offset), read through the library's ObjectStore and file readers; a second
// copy of an offset fails the test. keys gets the data files read.
Stored ReadStoredTopic(ObjectStore& store, const std::string& topic, const std::string& scratch,
                       std::set<std::string>* keys) {
  Stored out;
  std::vector<ObjectInfo> objects;
  Status st = store.List(topic + "/", &objects);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string local = scratch + "/readback";
  for (const auto& o : objects) {
    auto id = ParseDataFileName(BaseName(o.key));
    if (!id) continue;
    keys->insert(o.key);
    EXPECT_EQ(o.key.find(std::string(kErrorPartition)), std::string::npos)
        << "a generated message went to the error output: " << o.key;
    st = store.GetToFile(o.key, local);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) continue;
    auto reader = OpenReaderAuto(local);
    EXPECT_TRUE(reader.ok()) << o.key << ": " << reader.status().ToString();
    if (!reader.ok()) continue;
    Record r;
    while (true) {
      auto more = (*reader)->Next(&r);
      EXPECT_TRUE(more.ok()) << o.key << ": " << more.status().ToString();
      if (!more.ok() || !*more) break;
      EXPECT_GE(r.offset, id->start_offset) << o.key;
      auto [it, inserted] = out.emplace(std::make_pair(id->kafka_partition, r.offset), r.payload);
      EXPECT_TRUE(inserted) << "offset " << r.offset << " of partition " << id->kafka_partition
                            << " stored twice (again in " << o.key << ")";
    }
  }
  RemoveAll(local);
  return out;
}

// What the logs of every consumer incarnation (consumer-I-N.err) say the
// faults did: the proof that each kind of fault fired, not only that a
// process was signalled.
struct FaultEvidence {
  int replayed_rounds = 0;  // rounds another writer had decided, stored and committed again
  int conflicts = 0;        // marker creates that met another writer's marker
  int refused_commits = 0;  // commits the group refused: the partition had moved on
  int upload_faults = 0;    // store errors met while uploading a data file (then retried)
  int aborts_failed = 0;    // multipart uploads left in progress by a failed abort
  int broker_errors = 0;    // librdkafka's reports of a broker it could not reach
};

FaultEvidence ReadFaultEvidence(const std::string& dir, const std::string& topic_uri) {
  FaultEvidence e;
  // The uploader's retry line names the object ("upload URI failed (attempt
  // N)"); the S3 store's own retries name the request ("S3 PutObject URI ...;
  // retry N of M"), multipart ones included.
  const std::vector<std::string> uploads = {
      "upload " + topic_uri, "S3 PutObject " + topic_uri, "S3 UploadPart " + topic_uri,
      "S3 CreateMultipartUpload " + topic_uri, "S3 CompleteMultipartUpload " + topic_uri};
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (!StartsWith(name, "consumer-") || !EndsWith(name, ".err")) continue;
    auto text = ReadFile(entry.path().string());
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    if (!text.ok()) continue;
    for (const auto& line : Split(*text, '\n')) {
      auto has = [&](const std::string& what) { return line.find(what) != std::string::npos; };
      if (has("file(s) stored, committed") && has("(a replayed round)")) ++e.replayed_rounds;
      if (has("another writer decided this round first")) ++e.conflicts;
      if (has("commit refused, the partition moved on")) ++e.refused_commits;
      if (has("parts stay until a lifecycle rule removes them")) ++e.aborts_failed;
      if (has("kafka: ") && (has("(_TRANSPORT)") || has("(_ALL_BROKERS_DOWN)"))) ++e.broker_errors;
      if (has(" failed (attempt ") || has("; retry ")) {
        for (const auto& u : uploads) {
          if (has(u)) {
            ++e.upload_faults;
            break;
          }
        }
      }
    }
  }
  return e;
}

// Sorts every key of the store's raw listing (relative to the output root)
// into what the design allows (docs/design.md, "Layout"): data files that the
// read-back read, round markers and chain roots of the group, and start-up
// probes that a killed process or a failed delete left behind. Anything else
// fails the test. Returns the number of probes left behind.
int ExpectOnlyAllowedKeys(const std::vector<std::string>& keys,
                          const std::set<std::string>& data_files) {
  static const std::regex kMarker(std::string("_secor_rounds/") + kGroup + "/" + kTopic +
                                  "/[0-9]+/([0-9]{20}|root)");
  static const std::regex kProbe(std::string("_secor_rounds/") + kGroup + "/_probe/[^/]+");
  int probes = 0, markers = 0, data = 0;
  for (const auto& key : keys) {
    if (data_files.count(key)) {
      ++data;
    } else if (std::regex_match(key, kMarker)) {
      ++markers;
    } else if (std::regex_match(key, kProbe)) {
      ++probes;
    } else {
      ADD_FAILURE() << "the store holds " << key
                    << ", which is neither a data file read back nor round state";
    }
  }
  EXPECT_EQ(static_cast<size_t>(data), data_files.size()) << "data files missing from the listing";
  EXPECT_GT(markers, 0);
  std::cout << fmt::format("[chaos] store listing: {} data files, {} round markers, {} probes left",
                           data, markers, probes)
            << std::endl;
  return probes;
}

// How a variant makes the store fail for a while.
class StoreFaults {
 public:
  virtual ~StoreFaults() = default;
  virtual std::string Begin(std::mt19937_64& rng) = 0;  // returns what it did
  // A fault that stops the round markers' creates (ahead of a SIGSTOP).
  virtual std::string BeginOnMarkers() = 0;
  // Whether the fault begun last has met what it aims at yet: a fault is
  // kept on (up to a bound) until it has, so that it cannot pass unnoticed
  // at an idle moment (after a broker restart, say).
  virtual bool Hit() = 0;
  // Whether the fault begun last fails the uploads of data files only.
  virtual bool AimsAtUploads() const = 0;
  virtual void End() = 0;
};

// Local directory: atomically swaps a directory of the store (the topic's data
// or the round markers) with a plain file, so every create, stat, read and
// list under it fails with ENOTDIR until the swap is undone. Root ignores
// permissions, so chmod would not do; RENAME_EXCHANGE needs no privileges and
// leaves no window in which a writer could recreate the directory.
class LocalStoreFaults : public StoreFaults {
 public:
  LocalStoreFaults(std::string root, std::string logs)
      : root_(std::move(root)), logs_(std::move(logs)) {}
  std::string Begin(std::mt19937_64& rng) override {
    // The data directory first, then the markers, in turn: every run with a
    // store fault has one that hits the uploads of data files.
    static_cast<void>(rng());  // drawn as before, so earlier seeds keep their schedule
    return Swap((begun_++ % 2 == 0) ? kTopic : "_secor_rounds");
  }
  std::string BeginOnMarkers() override { return Swap("_secor_rounds"); }
  // The consumers' retries of what the swapped directory holds: uploads of
  // data files, or marker creates.
  int Retries() {
    bool data = dir_ == root_ + "/" + kTopic;
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(logs_)) {
      std::string name = entry.path().filename().string();
      if (!StartsWith(name, "consumer-") || !EndsWith(name, ".err")) continue;
      auto text = ReadFile(entry.path().string());
      if (!text.ok()) continue;
      for (const auto& line : Split(*text, '\n')) {
        if (line.find(" failed (attempt ") == std::string::npos) continue;
        if (data ? line.find("upload " + dir_ + "/") != std::string::npos
                 : line.find("create marker of ") != std::string::npos) {
          ++n;
        }
      }
    }
    return n;
  }
  bool Hit() override { return !active_ || Retries() > retries_at_begin_; }
  bool AimsAtUploads() const override { return dir_ == root_ + "/" + kTopic; }
  std::string Swap(const char* which) {
    dir_ = root_ + "/" + which;
    retries_at_begin_ = Retries();
    blocker_ = root_ + "/.chaos-blocker";
    std::filesystem::create_directories(dir_);
    EXPECT_TRUE(WriteFileAtomic(blocker_, "store fault\n").ok());
    int rc = ::renameat2(AT_FDCWD, dir_.c_str(), AT_FDCWD, blocker_.c_str(), RENAME_EXCHANGE);
    EXPECT_EQ(rc, 0) << "RENAME_EXCHANGE " << dir_ << ": " << std::strerror(errno);
    active_ = rc == 0;
    return std::string("store: ") + which + "/ unreachable (ENOTDIR)";
  }
  void End() override {
    if (!active_) return;
    int rc = ::renameat2(AT_FDCWD, blocker_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE);
    EXPECT_EQ(rc, 0) << "RENAME_EXCHANGE back " << dir_ << ": " << std::strerror(errno);
    ::unlink(blocker_.c_str());
    active_ = false;
  }

 private:
  std::string root_, logs_, dir_, blocker_;
  bool active_ = false;
  int begun_ = 0;
  int retries_at_begin_ = 0;
};

// S3 through `secor-faultproxy`: raises its error rate for a while. The
// first fault of a run, and every other one after it, hits only writes of
// data files ("target data"): a fault on every request stops the round
// markers first, and a round whose marker is not created uploads nothing,
// so the uploads themselves would never meet a fault.
class ProxyStoreFaults : public StoreFaults {
 public:
  explicit ProxyStoreFaults(Process* proxy) : proxy_(proxy) {}
  std::string Begin(std::mt19937_64& rng) override {
    static const char* kRates[] = {"0.3", "0.6", "1"};
    std::string rate = kRates[rng() % 3];
    std::string target = begun_++ % 2 == 0 ? "data" : "all";
    counter_ = target == "data" ? "data-write-faults" : "faults";
    at_begin_ = Stats()[counter_];
    Command("target " + target);
    Command("error-rate " + rate);
    return "store: proxy error rate " + rate + " on " +
           (target == "data" ? "data file writes" : "every request");
  }
  std::string BeginOnMarkers() override {
    counter_ = "faults";
    at_begin_ = Stats()[counter_];
    Command("target all");
    Command("error-rate 1");
    return "store: proxy error rate 1 on every request";
  }
  bool Hit() override { return Stats()[counter_] > at_begin_; }
  bool AimsAtUploads() const override { return counter_ == "data-write-faults"; }
  void End() override { Command("error-rate 0"); }
  // The proxy's counters by name ("stats").
  std::map<std::string, int64_t> Stats() {
    Command("stats");
    auto lines = proxy_->WaitForLines(answers_, 5s);
    std::map<std::string, int64_t> out;
    if (lines.size() < answers_) return out;
    auto words = Split(lines[answers_ - 1], ' ');
    for (size_t i = 1; i + 1 < words.size(); i += 2) {
      out[words[i]] = std::strtoll(words[i + 1].c_str(), nullptr, 10);
    }
    return out;
  }

 private:
  // Every command is answered with one line, after the address line.
  void Command(const std::string& line) {
    proxy_->WriteLine(line);
    ++answers_;
  }
  Process* proxy_;
  int begun_ = 0;
  size_t answers_ = 1;
  std::string counter_ = "faults";
  int64_t at_begin_ = 0;
};

class ChaosTest : public ::testing::Test {
 protected:
  TempDir dir_;
  const uint64_t seed_ = ChaosSeed();

  // Runs the whole scenario against the store at output_uri.
  void Run(const std::map<std::string, std::string>& store_settings, StoreFaults* faults,
           int default_seconds, testing::KafkaKind kind = testing::KafkaKind::kReal);

  // Filled by Run: faults done by kind, pids SIGKILLed, data files read back
  // (keys relative to the output root) and what the logs say.
  std::map<std::string, int> done_;
  std::map<std::string, int> aimed_;  // aimed faults that hit their mark, by kind
  std::set<pid_t> killed_pids_;
  std::set<std::string> data_files_;
  FaultEvidence evidence_;

 private:
  struct Member {
    std::unique_ptr<Process> proc;
    int incarnation = 0;
    bool stopped = false;  // SIGSTOPped by the schedule
  };
  void Start(Member& m, int index);
  void Log(const std::string& line);

 protected:
  void ExpectLocalStoreHoldsOnlyAllowedState(const std::string& root);

  std::string config_;
  Clock::time_point t0_ = Clock::now();
};

void ChaosTest::Log(const std::string& line) {
  auto s = std::chrono::duration<double>(Clock::now() - t0_).count();
  std::cout << fmt::format("[chaos {:7.2f}s] {}", s, line) << std::endl;
}

void ChaosTest::Start(Member& m, int index) {
  m.proc = std::make_unique<Process>();
  m.proc->Start({BinaryPath("secor"), "consume", "-c", config_},
                dir_.Join(fmt::format("consumer-{}-{}", index, m.incarnation++)));
  m.stopped = false;
}

// Takes a broker of the run's real Kafka down and brings it back, with
// scripts/kafka.sh: a controlled shutdown or a crash (SIGKILL).
class RealBrokerFaults {
 public:
  std::string Down(std::mt19937_64& rng) {
    node_ = 1 + static_cast<int>(rng() % testing::RunRealKafka()->brokers);
    const char* how = (rng() % 2) ? "kill-node" : "stop-node";
    auto r = testing::KafkaNode(how, node_);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return fmt::format("broker: {} {}", how, node_);
  }
  std::string Up() {
    auto r = testing::KafkaNode("start-node", node_);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return fmt::format("broker: node {} started again", node_);
  }

 private:
  int node_ = 0;
};

void ChaosTest::Run(const std::map<std::string, std::string>& store_settings, StoreFaults* faults,
                    int default_seconds, testing::KafkaKind kind) {
  const uint64_t seed = seed_;
  const int seconds = ChaosSeconds(default_seconds);
  std::cout << "SECOR_CHAOS_SEED=" << seed << " SECOR_CHAOS_SECONDS=" << seconds
            << " (set both to repeat this schedule)" << std::endl;
  std::cout << "[chaos] work directory " << dir_.path() << std::endl;
  RecordProperty("chaos_seed", std::to_string(seed));
  SCOPED_TRACE(
      fmt::format("repeat with SECOR_CHAOS_SEED={} SECOR_CHAOS_SECONDS={}", seed, seconds));
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };

  const ChaosShape shape;
  std::cout << fmt::format("[chaos] {} partitions, producer pause {} ms, file age {} s",
                           shape.partitions, shape.produce_pause_ms, shape.file_age_seconds)
            << std::endl;
  TestBroker broker(dir_.path(), {fmt::format("{}:{}", kTopic, shape.partitions)}, kBrokers, kind);
  ASSERT_FALSE(broker.bootstrap().empty());
  const bool real = broker.real();
  RealBrokerFaults real_broker;
  if (!real) {
    // The group's coordinator stays on broker 1, which is never taken down:
    // librdkafka 2.0.2's mock cluster aborts (rdkafka_mock_cgrp.c:567,
    // Assertion `!member->resp') when its coordinator goes down while a join
    // is pending. The other brokers lead partitions and go down at random.
    std::string pinned = broker.Command(fmt::format("coordinator group {} 1", kGroup));
    ASSERT_TRUE(StartsWith(pinned, "ok")) << pinned;
  }
  auto kv = BaseConsumerSettings(broker.bootstrap(), kGroup, dir_.Join("staging"), "");
  kv.erase("secor.output.uri");
  for (const auto& [k, v] : store_settings) kv[k] = v;
  // The wall-clock policy on purpose: a replaying writer would cut different
  // rounds than the first one, which the markers must prevent.
  kv["secor.max.file.age.seconds"] = std::to_string(shape.file_age_seconds);
  kv["secor.upload.retry.max.backoff.ms"] = "2000";
  // A SIGTERM during a store fault waits at most this long for the uploads.
  kv["secor.shutdown.timeout.seconds"] = "20";
  config_ = WriteProperties(dir_.Join("chaos.properties"), kv);

  // The producer writes numbered messages in small batches for the whole run.
  std::atomic<bool> stop_producing{false};
  std::atomic<int64_t> produced_ok{0};
  std::atomic<int> produce_failures{0};
  std::thread producer([&] {
    for (int batch = 0; !stop_producing.load(); ++batch) {
      auto r =
          RunCommand({BinaryPath("secor"), "produce", "-b", broker.bootstrap(), "-t", kTopic, "-m",
                      "400", "--type", "json", "--seed", std::to_string(batch), "--timeout", "60"});
      if (r.exit_code == 0) {
        produced_ok += 400;
      } else {
        ++produce_failures;
        std::cout << "[chaos] produce batch " << batch << " failed: " << r.err << std::endl;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(shape.produce_pause_ms));
    }
  });

  Member members[kConsumers];
  for (int i = 0; i < kConsumers; ++i) Start(members[i], i);
  t0_ = Clock::now();

  // Faults in flight, undone when their time comes.
  // Faults in flight end at these times (kNever: none in flight).
  const auto kNever = Clock::time_point::max();
  Clock::time_point resume_at = kNever, broker_up_at = kNever, store_ok_at = kNever;
  // A SIGSTOP aimed at a consumer whose marker creates fail (below).
  Clock::time_point stop_at = kNever;
  // When Kafka last came back: a fault that waits to hit gives up only 10 s
  // after that (the group needs a while to read again), never while Kafka
  // is down.
  Clock::time_point kafka_back = t0_;
  // When a paused consumer last woke: no store fault for 3 s after, so that
  // the creates it retries meet its successor's markers, not a fault.
  Clock::time_point resumed_at = t0_ - 1h;
  auto gave_up = [&](Clock::time_point since, Clock::time_point now) {
    return now >= since + 10s && now >= kafka_back + 10s && broker_up_at == kNever;
  };
  int stopped_member = -1, down_broker = 0, stop_victim = -1;
  std::map<std::string, int>& done = done_;  // action -> times
  std::vector<std::string> deck;
  const std::vector<std::string> error_commands = {
      "errors OffsetCommit 27 3",  "errors OffsetCommit 22 2", "errors Fetch 6 3",
      "errors Fetch _TRANSPORT 2", "errors JoinGroup 27 2",    "errors SyncGroup 27 1",
      "errors Heartbeat 27 3",     "errors Heartbeat 25 1",    "errors OffsetFetch 16 2"};

  auto end = t0_ + std::chrono::seconds(seconds);
  auto next_action = t0_ + 5s;  // let the group form first
  // When the time is up, faults in flight still run their course (a pause
  // its length, a store fault until it has hit), for at most 30 s more; no
  // new one starts.
  while (Clock::now() < end ||
         (Clock::now() < end + 30s &&
          (store_ok_at != kNever || stop_at != kNever || resume_at != kNever))) {
    auto now = Clock::now();
    if (now >= resume_at) {
      members[stopped_member].proc->Signal(SIGCONT);
      members[stopped_member].stopped = false;
      Log(fmt::format("SIGCONT consumer {}", stopped_member));
      resumed_at = now;
      resume_at = kNever;
      stopped_member = -1;
    }
    if (now >= broker_up_at) {
      if (real) {
        Log(real_broker.Up());
      } else {
        std::string a = broker.Command(fmt::format("broker up {}", down_broker));
        EXPECT_TRUE(StartsWith(a, "ok")) << a;
        Log(a);
      }
      broker_up_at = kNever;
      now = kafka_back = Clock::now();  // starting a node took a while
    }
    // The aimed SIGSTOP waits until the marker fault has hit (see gave_up).
    // And only while Kafka is up and has been for 5 s: the group must be
    // able to give the paused consumer's partitions to another.
    if (now >= stop_at && broker_up_at == kNever && now >= kafka_back + 5s &&
        (faults->Hit() || gave_up(stop_at, now))) {
      bool aimed = faults->Hit();
      if (aimed) ++aimed_["stop"];
      members[stop_victim].proc->Signal(SIGSTOP);
      members[stop_victim].stopped = true;
      stopped_member = stop_victim;
      resume_at = now + std::chrono::milliseconds(uniform(7000, 9500));
      Log(fmt::format("SIGSTOP consumer {}{}", stop_victim,
                      aimed ? " (its marker creates failing)" : " (the marker fault met nothing)"));
      stop_at = kNever;
      stop_victim = -1;
    }
    // A store fault lasts until it has hit (see gave_up).
    // A marker fault ahead of a SIGSTOP lasts until the SIGSTOP.
    if (now >= store_ok_at && stop_at == kNever && (faults->Hit() || gave_up(store_ok_at, now))) {
      const bool hit = faults->Hit();
      if (hit) ++aimed_["store"];
      if (hit && faults->AimsAtUploads()) ++aimed_["store-uploads"];
      if (!hit) {
        Log("store: the fault met nothing it aims at");
      } else if (faults->AimsAtUploads()) {
        // A kill aimed at a consumer whose uploads are failing: it holds
        // decided rounds (markers created, files not all stored), which the
        // partitions' next owners must replay.
        int victim = -1;
        size_t most = 0;
        for (int i = 0; i < kConsumers; ++i) {
          if (members[i].stopped || i == stop_victim) continue;
          size_t n = 0;
          for (const auto& line : Split(members[i].proc->Stderr(), '\n')) {
            bool data = line.find(std::string("/") + kTopic + "/offset=") != std::string::npos;
            if (data && (line.find(" failed (attempt ") != std::string::npos ||
                         line.find("; retry ") != std::string::npos)) {
              ++n;
            }
          }
          if (n > most) {
            most = n;
            victim = i;
          }
        }
        if (victim >= 0) {
          killed_pids_.insert(members[victim].proc->pid());
          members[victim].proc->Signal(SIGKILL);
          members[victim].proc->Wait(10s);
          Log(fmt::format("SIGKILL consumer {} (its uploads were failing), restarting", victim));
          Start(members[victim], victim);
          ++done["kill"];
          ++aimed_["kill"];
        }
      }
      faults->End();
      Log("store: fault over");
      store_ok_at = kNever;
    }
    // A consumer must survive every fault; only the schedule may end one.
    for (int i = 0; i < kConsumers; ++i) {
      if (!members[i].proc->Running()) {
        int code = members[i].proc->Wait(0ms);
        ADD_FAILURE() << "consumer " << i << " exited by itself (code " << code << "):\n"
                      << Tail(members[i].proc->Stderr(), 15);
        Start(members[i], i);
      }
    }
    if (now >= next_action && now < end) {
      if (deck.empty()) {
        deck = {"kill", "kill", "stop", "broker", "kafka-errors", "kafka-errors", "store", "term"};
        // Real Kafka takes no injected request errors: a second broker fault instead.
        if (real) deck = {"kill", "kill", "stop", "broker", "broker", "store", "term"};
        // SECOR_CHAOS_DECK=stop,kill narrows the schedule to some faults,
        // to chase one failure faster.
        if (const char* only = std::getenv("SECOR_CHAOS_DECK"); only && *only) {
          deck = Split(only, ',');
        }
        std::shuffle(deck.begin(), deck.end(), rng);
      }
      std::string action = deck.back();
      deck.pop_back();
      int victim = static_cast<int>(uniform(0, kConsumers - 1));
      // A fault whose kind is already in flight gives way to this one.
      const std::string busy = real ? "none" : "kafka-errors";
      if (action == "stop" &&
          (resume_at != kNever || stop_at != kNever || victim == stopped_member)) {
        action = busy;
      }
      // Nor while a consumer is (to be) paused: with Kafka down the group
      // cannot move the paused consumer's partitions.
      if (action == "broker" &&
          (broker_up_at != kNever || stop_at != kNever || resume_at != kNever)) {
        action = busy;
      }
      if (action == "store" && (store_ok_at != kNever || now < resumed_at + 3s)) action = busy;
      if ((action == "kill" || action == "term") &&
          (victim == stopped_member || victim == stop_victim)) {
        action = busy;
      }
      if (action == "kill") {
        killed_pids_.insert(members[victim].proc->pid());
        members[victim].proc->Signal(SIGKILL);
        members[victim].proc->Wait(10s);
        Log(fmt::format("SIGKILL consumer {}, restarting", victim));
        Start(members[victim], victim);
      } else if (action == "term") {
        // A graceful restart: the member leaves the group and drains its rounds.
        members[victim].proc->Signal(SIGTERM);
        // Exit 0 also before the first assignment, where librdkafka 2.0.2
        // would abort on close (its #4312; GroupConsumer works around it).
        int code = members[victim].proc->Wait(60s);
        if (code == -1) {
          // Still running a minute after SIGTERM: keep its threads' stacks.
          std::string stacks = dir_.Join(fmt::format("stacks-{}.txt", members[victim].proc->pid()));
          auto gdb = RunCommand({"gdb", "-p", std::to_string(members[victim].proc->pid()), "-batch",
                                 "-ex", "thread apply all bt"});
          (void)WriteFileAtomic(stacks, gdb.out + gdb.err);
          Log("consumer " + std::to_string(victim) + " ignored SIGTERM for 60 s; stacks in " +
              stacks);
        }
        EXPECT_EQ(code, 0) << Tail(members[victim].proc->Stderr(), 15);
        Log(fmt::format("SIGTERM consumer {} (exit {}), restarting", victim, code));
        Start(members[victim], victim);
      } else if (action == "stop") {
        // Past the session timeout (6 s): the group moves its partitions, and
        // it wakes up as a zombie with old rounds in hand. Aimed: the store
        // refuses marker creates from 1.5 s before the pause to 1.5 s into
        // it (unless a store fault is already on), so the consumer is
        // paused with sealed rounds whose markers it is retrying. Woken, it
        // creates a marker that its partition's new owner created first (a
        // conflict), or the new owner meets the one it creates.
        if (store_ok_at == kNever) {
          Log(faults->BeginOnMarkers() + fmt::format(" (ahead of SIGSTOP consumer {})", victim));
          store_ok_at = now + 3s;
        }
        stop_at = now + 1500ms;
        stop_victim = victim;
      } else if (action == "broker" && real) {
        Log(real_broker.Down(rng));
        broker_up_at = Clock::now() + std::chrono::milliseconds(uniform(1500, 5000));
      } else if (action == "broker") {
        down_broker = static_cast<int>(uniform(2, kBrokers));
        std::string a = broker.Command(fmt::format("broker down {}", down_broker));
        EXPECT_TRUE(StartsWith(a, "ok")) << a;
        broker_up_at = now + std::chrono::milliseconds(uniform(1500, 5000));
        Log(a);
      } else if (action == "kafka-errors") {
        const std::string& cmd = error_commands[uniform(0, error_commands.size() - 1)];
        std::string a = broker.Command(cmd);
        EXPECT_TRUE(StartsWith(a, "ok")) << cmd << ": " << a;
        Log(cmd + " -> " + a);
      } else if (action == "store") {
        Log(faults->Begin(rng));
        store_ok_at = now + std::chrono::milliseconds(uniform(1500, 5000));
      }
      ++done[action];
      next_action = now + std::chrono::milliseconds(uniform(1000, 4000));
    }
    std::this_thread::sleep_for(50ms);
  }

  // Calm: every fault undone, every member alive, no more messages.
  stop_at = kNever;
  if (stopped_member >= 0) members[stopped_member].proc->Signal(SIGCONT);
  if (broker_up_at != kNever) {
    if (real) {
      Log(real_broker.Up());
    } else {
      broker.Command(fmt::format("broker up {}", down_broker));
    }
  }
  if (store_ok_at != kNever) faults->End();
  for (const char* api :
       {"OffsetCommit", "Fetch", "JoinGroup", "SyncGroup", "Heartbeat", "OffsetFetch"}) {
    if (!real) broker.Command(std::string("errors clear ") + api);
  }
  stop_producing = true;
  producer.join();
  std::string summary;
  for (const auto& [a, n] : done) summary += fmt::format(" {}={}", a, n);
  Log("chaos over:" + summary);

  Stored kafka = testing::ReadTopicWithKcat(broker.bootstrap(), kTopic);
  const auto expected = static_cast<int64_t>(kafka.size());
  Log(fmt::format("Kafka holds {} messages ({} acknowledged to the producer, {} failed batches)",
                  expected, produced_ok.load(), produce_failures.load()));
  EXPECT_GE(expected, produced_ok.load());
  EXPECT_GT(produced_ok.load(), 0);

  auto v = testing::WaitForVerify(config_, kTopic, expected, std::chrono::seconds(180));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(
      v.out.find(fmt::format("topic {}: {} messages (0 in the error output)", kTopic, expected)),
      std::string::npos)
      << v.out;
  EXPECT_NE(v.out.find("0 duplicate offsets, 0 gaps"), std::string::npos) << v.out;
  Log("secor verify: " + Tail(v.out, 1));
  if (real) {
    // Stored means committed soon after: Kafka's own tools must see the
    // group reach the end of every partition while the members still run.
    EXPECT_TRUE(testing::WaitForKafkaCommittedToEnd(kGroup, kTopic, std::chrono::seconds(60)))
        << "the group's committed offsets did not reach the end offsets";
  }

  for (int i = 0; i < kConsumers; ++i) {
    members[i].proc->Signal(SIGTERM);
    int code = members[i].proc->Wait(60s);
    EXPECT_EQ(code, 0) << Tail(members[i].proc->Stderr(), 15);
  }
  testing::ExpectVerifyStillPasses(config_, kTopic, expected);

  // Independently of `secor verify`: read the store back and compare every
  // payload with what kcat reads from Kafka.
  auto config = Config::Load(config_, {});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto uri = OutputUri(*config);
  ASSERT_TRUE(uri.ok());
  auto store = OpenObjectStore(*uri, *config);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Stored stored = ReadStoredTopic(**store, kTopic, dir_.path(), &data_files_);
  EXPECT_EQ(stored.size(), kafka.size());
  size_t mismatches = 0;
  for (const auto& [where, payload] : kafka) {
    auto it = stored.find(where);
    if (it == stored.end() || it->second != payload) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "partition " << where.first << " offset " << where.second
                      << (it == stored.end() ? " missing" : " differs");
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  if (real) testing::ExpectKafkaCommittedWhatIsStored(kGroup, kTopic, stored);
  // The schedule did what it says: the kinds of fault the deck always holds.
  EXPECT_GT(done["kill"] + done["term"], 0);
  // And each kind of fault it scheduled fired, as the consumers' logs tell:
  // a crash or a pause leaves decided rounds to replay; a paused process
  // wakes up to meet another writer's marker and has its commit refused; a
  // store fault meets an upload of a data file.
  evidence_ = ReadFaultEvidence(dir_.path(), (*store)->Uri(kTopic) + "/");
  Log(fmt::format(
      "logs: {} replayed rounds, {} marker conflicts, {} refused commits, {} upload retries, {} "
      "broker errors, {} failed multipart aborts",
      evidence_.replayed_rounds, evidence_.conflicts, evidence_.refused_commits,
      evidence_.upload_faults, evidence_.broker_errors, evidence_.aborts_failed));
  // A fault aimed at its moment must have had its effect; the schedule's
  // faults must have hit something at least once.
  std::string aimed;
  for (const auto& [a, n] : aimed_) aimed += fmt::format(" {}={}", a, n);
  Log("aimed faults that hit:" + aimed);
  // On the mock cluster neither is required: a mock run had its aimed kill
  // and no replayed round, and the mock's "broker down" is not reported as
  // a transport error (not investigated yet; docs/chaos.md).
  if (real && aimed_["kill"] > 0) {
    EXPECT_GT(evidence_.replayed_rounds, 0) << "a kill of a consumer with rounds in upload";
  }
  // Marker conflicts are counted, not required: even an aimed pause does
  // not always produce one (the group may move the paused consumer's
  // partitions only after it wakes and creates its markers, and then its
  // successors replay instead; docs/chaos.md).
  if (done["stop"] + done["kill"] + done["term"] > 0) {
    EXPECT_GT(evidence_.refused_commits, 0);
  }
  if (done["store"] > 0) {
    EXPECT_GT(aimed_["store"], 0) << "no store fault met an upload or a marker create";
  }
  if (aimed_["store-uploads"] > 0) {
    EXPECT_GT(evidence_.upload_faults, 0);
  }
  if (real && done["broker"] > 0) {
    EXPECT_GT(evidence_.broker_errors, 0);
  }
  if (HasFailure()) {
    std::cout << "chaos test FAILED; repeat with SECOR_CHAOS_SEED=" << seed
              << " SECOR_CHAOS_SECONDS=" << seconds
              << " (process logs: set SECOR_KEEP_TEST_DIRS=1 to keep " << dir_.path() << ")"
              << std::endl;
  }
}

// Every file under the local store's root, hidden ones included: nothing but
// what the design allows, and no temporary file but those of a process
// killed between writing and publishing it ("._tmp.NAME.PID.N").
void ChaosTest::ExpectLocalStoreHoldsOnlyAllowedState(const std::string& root) {
  std::vector<std::string> keys;
  int temporaries = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string key = std::filesystem::relative(entry.path(), root).string();
    std::string name = entry.path().filename().string();
    if (StartsWith(name, "._tmp.")) {
      auto parts = Split(name, '.');
      pid_t pid = parts.size() >= 3 ? std::atoi(parts[parts.size() - 2].c_str()) : 0;
      EXPECT_TRUE(killed_pids_.count(pid))
          << key << ": a temporary file of process " << pid << ", which was not SIGKILLed";
      ++temporaries;
      continue;
    }
    keys.push_back(key);
  }
  int probes = ExpectOnlyAllowedKeys(keys, data_files_);
  EXPECT_LE(probes, done_["kill"] + done_["store"]) << "probes left without a kill or store fault";
  std::cout << "[chaos] " << temporaries << " temporary files of killed processes" << std::endl;
}

TEST_F(ChaosTest, LocalStoreEveryMessageExactlyOnceUnderKillsPausesAndFaults) {
  LocalStoreFaults faults(dir_.Join("store"), dir_.path());
  Run({{"secor.output.uri", dir_.Join("store")}}, &faults, 60);
  if (HasFatalFailure()) return;
  ExpectLocalStoreHoldsOnlyAllowedState(dir_.Join("store"));
}

// On the mock cluster: Kafka errors injected into single requests (fenced
// and refused commits, failed fetches, coordinator errors), which a real
// broker cannot be made to answer on demand.
TEST_F(ChaosTest, MockKafkaInjectedRequestErrorsLocalStoreEveryMessageExactlyOnce) {
  LocalStoreFaults faults(dir_.Join("store"), dir_.path());
  Run({{"secor.output.uri", dir_.Join("store")}}, &faults, 45, testing::KafkaKind::kMock);
  if (HasFatalFailure()) return;
  ExpectLocalStoreHoldsOnlyAllowedState(dir_.Join("store"));
}

// The same on S3 (Ceph RGW from scripts/test.sh), through `secor-faultproxy`
// for the store errors. The multipart threshold is low, so that files above
// it go up as multipart uploads under the same faults; Ceph 16 ignores
// If-None-Match on CompleteMultipartUpload, and the store's HEAD before a
// create-only multipart upload leaves a race that is harmless for rounds
// (docs/s3.md, "Residual race"): both writers of a round store the same
// messages.
// (It was kept out of the default suite for a while because the test broker
// once stopped answering mid-run, seed 7388528064818355425: the mock
// cluster's abort when its coordinator goes down with a join pending, now
// avoided by pinning the coordinator; see docs/chaos.md.)
TEST_F(ChaosTest, S3ThroughFaultProxyEveryMessageExactlyOnce) {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  std::string endpoint = env("SECOR_TEST_S3_ENDPOINT"), access = env("SECOR_TEST_S3_ACCESS_KEY"),
              secret = env("SECOR_TEST_S3_SECRET_KEY");
  ASSERT_TRUE(!endpoint.empty() && !access.empty() && !secret.empty())
      << "SECOR_TEST_S3_ENDPOINT/SECOR_TEST_S3_ACCESS_KEY/SECOR_TEST_S3_SECRET_KEY are not set: "
         "run via scripts/test.sh or start Ceph with scripts/ceph.sh start DIR and source DIR/env";
  std::string bucket = fmt::format("secor-chaos-{}-{}", ::getpid(), std::time(nullptr));
  auto mb = RunCommand({"aws", "--endpoint-url", endpoint, "s3", "mb", "s3://" + bucket}, "",
                       {{"AWS_ACCESS_KEY_ID", access},
                        {"AWS_SECRET_ACCESS_KEY", secret},
                        {"AWS_DEFAULT_REGION", "us-east-1"},
                        {"AWS_EC2_METADATA_DISABLED", "true"}});
  ASSERT_EQ(mb.exit_code, 0) << mb.out << mb.err;
  Process proxy;
  proxy.Start({BinaryPath("secor-faultproxy"), "--upstream", endpoint, "--error-rate", "0",
               "--mode", "mixed", "--seed", std::to_string(seed_)},
              dir_.Join("faultproxy"));
  auto lines = proxy.WaitForLines(1, 10s);
  ASSERT_FALSE(lines.empty()) << proxy.Stderr();
  ProxyStoreFaults faults(&proxy);
  Run({{"secor.output.uri", "s3://" + bucket + "/out"},
       {"aws.endpoint", lines[0]},
       {"aws.access.key", access},
       {"aws.secret.key", secret},
       {"aws.client.pathstyleaccess", "true"},
       {"secor.s3.retry.max.ms", "1000"},
       {"secor.s3.multipart.threshold.bytes", std::to_string(kMultipartThreshold)}},
      &faults, 45);
  if (HasFatalFailure()) return;
  auto stats = faults.Stats();
  std::string stats_line = Tail(proxy.Stdout(), 1);
  std::cout << "[chaos] faultproxy: " << stats_line << std::endl;
  // The proxy's faults fired, some on writes of data files, and files above
  // the threshold went up as multipart uploads.
  if (aimed_["store"] > 0) {
    EXPECT_GT(stats["faults"], 0) << stats_line;
  }
  if (aimed_["store-uploads"] > 0) {
    EXPECT_GT(stats["data-write-faults"], 0) << stats_line;
  }
  EXPECT_GT(stats["multipart-completed"], 0) << stats_line;

  // The raw listing of the bucket, every object and every multipart upload
  // in progress, straight from the gateway (not through secor's store).
  auto aws = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"aws", "--endpoint-url", endpoint, "s3api"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "",
                      {{"AWS_ACCESS_KEY_ID", access},
                       {"AWS_SECRET_ACCESS_KEY", secret},
                       {"AWS_DEFAULT_REGION", "us-east-1"},
                       {"AWS_EC2_METADATA_DISABLED", "true"}});
  };
  // Text output: keys separated by tabs and newlines, "None" for none.
  auto words = [](const std::string& text) {
    std::vector<std::string> out;
    std::string w;
    for (char c : text + "\n") {
      if (c == '\t' || c == '\n' || c == ' ' || c == '\r') {
        if (!w.empty() && w != "None") out.push_back(w);
        w.clear();
      } else {
        w += c;
      }
    }
    return out;
  };
  auto objects =
      aws({"list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "text"});
  ASSERT_EQ(objects.exit_code, 0) << objects.err;
  std::vector<std::string> keys;
  for (const auto& key : words(objects.out)) {
    if (!StartsWith(key, "out/")) {
      ADD_FAILURE() << "the bucket holds " << key << " outside the output prefix";
      continue;
    }
    keys.push_back(key.substr(4));
  }
  int probes = ExpectOnlyAllowedKeys(keys, data_files_);
  EXPECT_LE(probes, done_["kill"] + done_["store"]) << "probes left without a kill or store fault";
  // Multipart uploads still in progress: the design allows those of a writer
  // cut short (a crash, a shutdown past its bound, an upload begun whose
  // answer was lost, an abort that failed; a lifecycle rule removes them,
  // docs/s3.md). Each must be for a file that is stored all the same.
  auto uploads = aws({"list-multipart-uploads", "--bucket", bucket, "--query", "Uploads[].Key",
                      "--output", "text"});
  ASSERT_EQ(uploads.exit_code, 0) << uploads.err;
  auto in_progress = words(uploads.out);
  for (const auto& key : in_progress) {
    EXPECT_TRUE(StartsWith(key, "out/") && data_files_.count(key.substr(4)))
        << "a multipart upload in progress for " << key << ", which is not a stored data file";
  }
  const int64_t allowed =
      done_["kill"] + done_["term"] + stats["multipart-create-lost"] + evidence_.aborts_failed;
  EXPECT_LE(static_cast<int64_t>(in_progress.size()), allowed)
      << "multipart uploads in progress beyond the writers cut short";
  std::cout << fmt::format("[chaos] {} multipart uploads in progress (at most {} allowed)",
                           in_progress.size(), allowed)
            << std::endl;
}

}  // namespace
}  // namespace secor
