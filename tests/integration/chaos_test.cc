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
// copy of an offset fails the test.
Stored ReadStoredTopic(ObjectStore& store, const std::string& topic, const std::string& scratch) {
  Stored out;
  std::vector<ObjectInfo> objects;
  Status st = store.List(topic + "/", &objects);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string local = scratch + "/readback";
  for (const auto& o : objects) {
    auto id = ParseDataFileName(BaseName(o.key));
    if (!id) continue;
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

// How a variant makes the store fail for a while.
class StoreFaults {
 public:
  virtual ~StoreFaults() = default;
  virtual std::string Begin(std::mt19937_64& rng) = 0;  // returns what it did
  virtual void End() = 0;
};

// Local directory: atomically swaps a directory of the store (the topic's data
// or the round markers) with a plain file, so every create, stat, read and
// list under it fails with ENOTDIR until the swap is undone. Root ignores
// permissions, so chmod would not do; RENAME_EXCHANGE needs no privileges and
// leaves no window in which a writer could recreate the directory.
class LocalStoreFaults : public StoreFaults {
 public:
  explicit LocalStoreFaults(std::string root) : root_(std::move(root)) {}
  std::string Begin(std::mt19937_64& rng) override {
    const char* which = (rng() % 2) ? kTopic : "_secor_rounds";
    dir_ = root_ + "/" + which;
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
  std::string root_, dir_, blocker_;
  bool active_ = false;
};

// S3 through `secor-faultproxy`: raises its error rate for a while.
class ProxyStoreFaults : public StoreFaults {
 public:
  explicit ProxyStoreFaults(Process* proxy) : proxy_(proxy) {}
  std::string Begin(std::mt19937_64& rng) override {
    static const char* kRates[] = {"0.3", "0.6", "1"};
    std::string rate = kRates[rng() % 3];
    proxy_->WriteLine("error-rate " + rate);
    return "store: proxy error rate " + rate;
  }
  void End() override { proxy_->WriteLine("error-rate 0"); }

 private:
  Process* proxy_;
};

class ChaosTest : public ::testing::Test {
 protected:
  TempDir dir_;
  const uint64_t seed_ = ChaosSeed();

  // Runs the whole scenario against the store at output_uri.
  void Run(const std::map<std::string, std::string>& store_settings, StoreFaults* faults,
           int default_seconds, testing::KafkaKind kind = testing::KafkaKind::kReal);

 private:
  struct Member {
    std::unique_ptr<Process> proc;
    int incarnation = 0;
    bool stopped = false;  // SIGSTOPped by the schedule
  };
  void Start(Member& m, int index);
  void Log(const std::string& line);

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
  int stopped_member = -1, down_broker = 0;
  std::map<std::string, int> done;  // action -> times
  std::vector<std::string> deck;
  const std::vector<std::string> error_commands = {
      "errors OffsetCommit 27 3",  "errors OffsetCommit 22 2", "errors Fetch 6 3",
      "errors Fetch _TRANSPORT 2", "errors JoinGroup 27 2",    "errors SyncGroup 27 1",
      "errors Heartbeat 27 3",     "errors Heartbeat 25 1",    "errors OffsetFetch 16 2"};

  auto end = t0_ + std::chrono::seconds(seconds);
  auto next_action = t0_ + 5s;  // let the group form first
  while (Clock::now() < end) {
    auto now = Clock::now();
    if (now >= resume_at) {
      members[stopped_member].proc->Signal(SIGCONT);
      members[stopped_member].stopped = false;
      Log(fmt::format("SIGCONT consumer {}", stopped_member));
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
    }
    if (now >= store_ok_at) {
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
    if (now >= next_action) {
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
      if (action == "stop" && (resume_at != kNever || victim == stopped_member)) action = busy;
      if (action == "broker" && broker_up_at != kNever) action = busy;
      if (action == "store" && store_ok_at != kNever) action = busy;
      if ((action == "kill" || action == "term") && victim == stopped_member) action = busy;
      if (action == "kill") {
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
        // it wakes up as a zombie with old rounds in hand.
        members[victim].proc->Signal(SIGSTOP);
        members[victim].stopped = true;
        stopped_member = victim;
        resume_at = now + std::chrono::milliseconds(uniform(7000, 9500));
        Log(fmt::format("SIGSTOP consumer {}", victim));
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
  Stored stored = ReadStoredTopic(**store, kTopic, dir_.path());
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
  if (HasFailure()) {
    std::cout << "chaos test FAILED; repeat with SECOR_CHAOS_SEED=" << seed
              << " SECOR_CHAOS_SECONDS=" << seconds
              << " (process logs: set SECOR_KEEP_TEST_DIRS=1 to keep " << dir_.path() << ")"
              << std::endl;
  }
}

TEST_F(ChaosTest, LocalStoreEveryMessageExactlyOnceUnderKillsPausesAndFaults) {
  LocalStoreFaults faults(dir_.Join("store"));
  Run({{"secor.output.uri", dir_.Join("store")}}, &faults, 60);
}

// On the mock cluster: Kafka errors injected into single requests (fenced
// and refused commits, failed fetches, coordinator errors), which a real
// broker cannot be made to answer on demand.
TEST_F(ChaosTest, MockKafkaInjectedRequestErrorsLocalStoreEveryMessageExactlyOnce) {
  LocalStoreFaults faults(dir_.Join("store"));
  Run({{"secor.output.uri", dir_.Join("store")}}, &faults, 45, testing::KafkaKind::kMock);
}

// The same on S3 (Ceph RGW from scripts/test.sh), through `secor-faultproxy`
// for the store errors. Data files stay far below the multipart threshold:
// Ceph 16 ignores If-None-Match on CompleteMultipartUpload (docs/s3.md).
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
       {"secor.s3.retry.max.ms", "1000"}},
      &faults, 45);
  proxy.WriteLine("stats");
  EXPECT_TRUE(proxy.WaitForOutput("ok requests ", 5s));
  std::cout << "[chaos] faultproxy: " << Tail(proxy.Stdout(), 1) << std::endl;
}

}  // namespace
}  // namespace secor
