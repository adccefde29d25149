// The consume loop driven through an in-process consumer group
// (FakeGroupConsumer) onto the real local store: rebalances, fenced
// commits, gaps and a fetch that goes past the offset needed, each checked
// by reading every stored file back.
#include "consumer/consumer.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "format/file_format.h"
#include "metrics/metrics.h"
#include "metrics/status.h"
#include "storage/object_store.h"
#include "support/fake_group_consumer.h"
#include "support/test_util.h"
#include "upload/object_names.h"
#include "upload/round_ledger.h"

namespace secor {
namespace {

using std::chrono::seconds;
using testing::FakeGroupConsumer;

using testing::WaitUntil;

// Waits on cond for up to deadline (the consumer runs on its own thread).
bool WaitFor(const std::function<bool()>& cond, seconds deadline = seconds(30)) {
  return WaitUntil(cond, deadline);
}

// The log lines written while it lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  bool Contains(const std::string& text) const {
    for (const auto& line : sink_->last_formatted()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<std::string> Lines() const { return sink_->last_formatted(); }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

std::vector<int64_t> Range(int64_t from, int64_t to) {  // [from, to)
  std::vector<int64_t> out;
  for (int64_t o = from; o < to; ++o) out.push_back(o);
  return out;
}

class ConsumerCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_ = {
        // Never dialled: the fake group stands in for librdkafka.
        {"kafka.bootstrap.servers", "127.0.0.1:1"},
        {"secor.kafka.group", "g"},
        {"secor.local.path", staging_.path()},
        {"secor.output.uri", output_.path()},
        {"secor.message.parser.class", "com.pinterest.secor.parser.OffsetMessageParser"},
        {"secor.max.file.age.seconds", "1"},
        {"secor.messages.per.second", "0"},
    };
  }

  void TearDown() override {
    if (runner_.joinable()) Stop();
  }

  // Creates the consumer with the fake group, lets make_log fill the
  // cluster, starts Run on a thread and assigns every partition once the
  // consumer has subscribed.
  void Start(const std::function<void(FakeGroupConsumer&)>& make_log) {
    ConsumerEnvironment env;
    env.metrics = &metrics_;
    env.status = &status_;
    env.open_kafka = [this](RebalanceListener* listener) -> Result<std::unique_ptr<GroupConsumer>> {
      auto fake = std::make_unique<FakeGroupConsumer>(listener);
      kafka_ = fake.get();
      return std::unique_ptr<GroupConsumer>(std::move(fake));
    };
    auto consumer = Consumer::Create(Config::FromMap(settings_), {}, env);
    ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
    consumer_ = std::move(consumer).value();
    make_log(*kafka_);
    runner_ = std::thread([this] { result_ = consumer_->Run(); });
    ASSERT_TRUE(WaitFor([this] { return !kafka_->Subscription().empty(); }));
    kafka_->AssignAllSubscribed();
  }

  void Stop() {
    consumer_->RequestStop();
    runner_.join();
    EXPECT_TRUE(result_.ok()) << result_.ToString();
  }

  bool CommittedToEnd(const TopicPartition& tp, seconds deadline = seconds(30)) {
    return WaitFor([&] { return kafka_->CommittedOffset(tp) == kafka_->HighWatermark(tp); },
                   deadline);
  }

  double Messages(const std::string& topic) {
    return metrics_.GetCounter("secor_consumer_messages_total", "", {{"topic", topic}}).value();
  }

  // Every stored data file of topic read back with the format's own reader:
  // the offsets of each Kafka partition in file order (duplicates kept).
  std::map<int32_t, std::vector<int64_t>> Stored(const std::string& topic) {
    std::map<int32_t, std::vector<int64_t>> out;
    auto files = ListFilesRecursive(JoinPath(output_.path(), topic));
    EXPECT_TRUE(files.ok());
    for (const auto& rel : *files) {
      if (StartsWith(rel, kErrorPartition)) continue;
      auto id = ParseDataFileName(std::filesystem::path(rel).filename().string());
      if (!id) continue;
      auto reader = OpenReaderAuto(JoinPath(JoinPath(output_.path(), topic), rel));
      EXPECT_TRUE(reader.ok()) << rel << ": " << reader.status().ToString();
      if (!reader.ok()) continue;
      Record r;
      while (true) {
        auto more = (*reader)->Next(&r);
        EXPECT_TRUE(more.ok()) << more.status().ToString();
        if (!more.ok() || !*more) break;
        out[id->kafka_partition].push_back(r.offset);
      }
    }
    for (auto& [p, offsets] : out) std::sort(offsets.begin(), offsets.end());
    return out;
  }

  // Every commit of tp, in order.
  std::vector<int64_t> Commits(const TopicPartition& tp) {
    std::vector<int64_t> out;
    for (const auto& c : kafka_->CommitHistory()) {
      auto it = c.find(tp);
      if (it != c.end()) out.push_back(it->second);
    }
    return out;
  }

  testing::TempDir staging_, output_;
  std::map<std::string, std::string> settings_;
  MetricsRegistry metrics_;
  StatusBoard status_;
  FakeGroupConsumer* kafka_ = nullptr;  // owned by consumer_
  std::unique_ptr<Consumer> consumer_;
  std::thread runner_;
  Status result_;
};

const TopicPartition kT0{"t", 0};
const TopicPartition kT1{"t", 1};

TEST_F(ConsumerCoreTest, EveryMessageIsStoredOnceAcrossManyRoundsAndTheEndIsCommitted) {
  settings_["secor.max.file.size.bytes"] = "300";  // a round every few messages
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 2);
    for (int i = 0; i < 60; ++i) kafka.Append(kT0, fmt::format("message {:03}", i));
    for (int i = 0; i < 45; ++i) kafka.Append(kT1, fmt::format("message {:03}", i));
  });
  ASSERT_TRUE(CommittedToEnd(kT0));
  ASSERT_TRUE(CommittedToEnd(kT1));
  LogCapture log;
  Stop();
  EXPECT_TRUE(log.Contains("stopping: 0 message(s) in open files are left to the next owner"));
  auto stored = Stored("t");
  EXPECT_EQ(stored[0], Range(0, 60));
  EXPECT_EQ(stored[1], Range(0, 45));
  // Several rounds, committed in order, never backwards.
  auto commits = Commits(kT0);
  EXPECT_GT(commits.size(), 2u);
  EXPECT_TRUE(std::is_sorted(commits.begin(), commits.end()));
  EXPECT_EQ(commits.back(), 60);
  EXPECT_EQ(Messages("t"), 105);
  auto view = status_.Get();
  EXPECT_FALSE(view.running);
  EXPECT_EQ(view.consumer.group, "g");
  EXPECT_FALSE(view.uploads.empty());
}

// Between assignment and the first round (an hour by default) the log says
// every secor.log.progress.seconds what the consumer has done.
TEST_F(ConsumerCoreTest, AProgressLineSaysWhatWasReadWhileTheRoundIsOpen) {
  settings_["secor.max.file.age.seconds"] = "3600";  // the round stays open
  settings_["secor.log.progress.seconds"] = "1";
  LogCapture log;
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 25; ++i) kafka.Append(kT0, fmt::format("message {:03}", i));
  });
  ASSERT_TRUE(WaitFor([&] {
    return log.Contains(
        "; 1 partition(s), lag 0; 1 open file(s) holding 25 message(s); 0 round(s) being uploaded");
  }));
  // The lines together count every message once, and their bytes.
  int64_t messages = 0;
  int64_t bytes = 0;
  for (const auto& line : log.Lines()) {
    size_t at = line.find("progress: ");
    if (at == std::string::npos) continue;
    messages += std::stoll(line.substr(at + 10));
    bytes += std::stoll(line.substr(line.find(", ", at) + 2));
  }
  EXPECT_EQ(messages, 25);
  EXPECT_EQ(bytes, 25 * 11);  // "message 000" is 11 bytes
  Stop();
}

// A partition taken away in the middle of a round: its open files are
// dropped and nothing is committed; when it comes back, its messages are read
// again from the committed offset and stored once.
TEST_F(ConsumerCoreTest, RevokedMidRoundDropsTheOpenRoundAndLosesNothingWhenItReturns) {
  settings_["secor.upload.on.shutdown"] = "true";
  settings_["secor.max.file.age.seconds"] = "3600";  // the round stays open
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 30; ++i) kafka.Append(kT0, fmt::format("m{}", i));
  });
  auto& open_files = metrics_.GetGauge("secor_consumer_open_files", "");
  ASSERT_TRUE(WaitFor([&] { return Messages("t") == 30; }));
  EXPECT_EQ(open_files.value(), 1);
  kafka_->Revoke({kT0});
  ASSERT_TRUE(WaitFor([&] { return kafka_->Assignment().empty(); }));
  ASSERT_TRUE(WaitFor([&] { return open_files.value() == 0; }));
  EXPECT_TRUE(kafka_->CommitHistory().empty());
  EXPECT_TRUE(Stored("t").empty());

  for (int i = 30; i < 40; ++i) kafka_->Append(kT0, fmt::format("m{}", i));
  kafka_->Assign({kT0});
  ASSERT_TRUE(WaitFor([&] { return Messages("t") == 70; }));  // 30 read again, then 40
  LogCapture log;
  Stop();  // seals and uploads the round
  EXPECT_TRUE(log.Contains("stopping: uploading the 40 message(s) in open files first"));
  EXPECT_EQ(Stored("t")[0], Range(0, 40));
  EXPECT_EQ(kafka_->CommittedOffset(kT0), 40);
}

// The group refuses the commit after the round's files are stored (the
// member was fenced). The next owner finds the round's marker with every file
// stored, commits past it without reading it again, and goes on.
TEST_F(ConsumerCoreTest, AFencedCommitIsMadeGoodByTheNextOwnerFromTheMarker) {
  settings_["secor.max.file.size.bytes"] = "1";  // every message a round
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    kafka.FailNextCommits(Status::Fenced("stale generation"), 1000);
    for (int i = 0; i < 5; ++i) kafka.Append(kT0, fmt::format("m{}", i));
  });
  auto& fenced = metrics_.GetCounter("secor_kafka_commits_fenced_total", "");
  ASSERT_TRUE(WaitFor([&] { return fenced.value() >= 1; }));
  Stop();
  EXPECT_EQ(kafka_->CommittedOffset(kT0), -1);
  // Rounds are stored strictly in order: the first k offsets.
  std::vector<int64_t> first = Stored("t")[0];
  const auto k = static_cast<int64_t>(first.size());
  ASSERT_GE(k, 1);
  EXPECT_EQ(first, Range(0, k));

  // The next owner (a new process, the group's offsets still uncommitted).
  kafka_ = nullptr;
  consumer_.reset();
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 7; ++i) kafka.Append(kT0, fmt::format("m{}", i));
  });
  ASSERT_TRUE(CommittedToEnd(kT0));
  Stop();
  EXPECT_EQ(Stored("t")[0], Range(0, 7));
  // It commits past each stored round, found by its marker, without reading
  // those messages again: 5 messages read by the first owner, 2 by the next.
  auto commits = Commits(kT0);
  ASSERT_GE(commits.size(), static_cast<size_t>(k));
  EXPECT_EQ(std::vector<int64_t>(commits.begin(), commits.begin() + k), Range(1, k + 1));
  EXPECT_EQ(Messages("t"), 5 + (7 - k));
}

// Offsets that are not in the log (an aborted transaction's records and
// markers, compaction): after three seeks back the consumer goes on at the
// next offset that exists, and commits past the gap.
TEST_F(ConsumerCoreTest, OffsetsNotInTheLogArePassedAfterSeekingBack) {
  settings_["secor.max.file.size.bytes"] = "200";
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 10; ++i) kafka.Append(kT0, fmt::format("m{}", i));
    kafka.SkipOffsets(kT0, 5);
    for (int i = 15; i < 25; ++i) kafka.Append(kT0, fmt::format("m{}", i));
    kafka.Compact(kT0, 20);
  });
  ASSERT_TRUE(CommittedToEnd(kT0, seconds(60)));
  Stop();
  std::vector<int64_t> expected = Range(0, 10);
  for (int64_t o = 15; o < 25; ++o) {
    if (o != 20) expected.push_back(o);
  }
  EXPECT_EQ(Stored("t")[0], expected);
}

// librdkafka 2.0.2 sometimes fetched from a stale position: the consumer
// sees an offset past the one it needs, seeks back, and skips nothing.
TEST_F(ConsumerCoreTest, AFetchPastTheOffsetNeededIsSoughtBackAndSkipsNothing) {
  settings_["secor.max.file.size.bytes"] = "200";
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 10; ++i) kafka.Append(kT0, fmt::format("m{}", i));
  });
  ASSERT_TRUE(CommittedToEnd(kT0));
  const size_t seeks_before = kafka_->SeekHistory().size();
  // The fetch position jumps ahead to 17 as the next messages arrive, all at
  // once, so that the first fetch after the jump delivers 17 while the
  // consumer needs 10.
  kafka_->ForcePosition(kT0, 17);
  std::vector<std::string> next;
  for (int i = 10; i < 30; ++i) next.push_back(fmt::format("m{}", i));
  ASSERT_EQ(kafka_->AppendAll(kT0, next), 10);
  ASSERT_TRUE(CommittedToEnd(kT0));
  Stop();
  // The first seek after the jump went back to exactly the offset the
  // consumer needed (later ones, after a pause for backpressure, seek to
  // where it stands).
  auto seeks = kafka_->SeekHistory();
  ASSERT_GT(seeks.size(), seeks_before) << "no seek after the jump";
  EXPECT_TRUE(seeks[seeks_before].first == kT0);
  EXPECT_EQ(seeks[seeks_before].second, 10);
  // And skipped nothing: every offset 0..29 stored once (a multiset).
  EXPECT_EQ(Stored("t")[0], Range(0, 30));
}

// The set-up needs the group's committed offsets; while the coordinator
// does not answer, the partition is held paused and set up again with
// backoff, and then reads everything.
TEST_F(ConsumerCoreTest, ASetUpThatFailsIsRetriedWhileThePartitionIsHeld) {
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    kafka.FailNextCommittedReads(Status::Unavailable("coordinator away"), 2);
    for (int i = 0; i < 12; ++i) kafka.Append(kT0, fmt::format("m{}", i));
  });
  ASSERT_TRUE(WaitFor([&] { return kafka_->IsPaused(kT0); }));
  EXPECT_TRUE(kafka_->CommitHistory().empty());
  ASSERT_TRUE(CommittedToEnd(kT0));
  Stop();
  EXPECT_EQ(Stored("t")[0], Range(0, 12));
}

// Retention passed the committed offset before anything was stored: the
// consumer counts the loss and goes on at the log start (through the gap
// rule: the round still starts at the committed offset, so that the chain of
// rounds stays unbroken).
TEST_F(ConsumerCoreTest, OffsetsRetentionRemovedAreCountedAndPassed) {
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 10; ++i) kafka.Append(kT0, fmt::format("m{}", i));
    kafka.SetCommitted(kT0, 2);
    kafka.TruncateBefore(kT0, 6);
  });
  ASSERT_TRUE(CommittedToEnd(kT0));
  Stop();
  EXPECT_EQ(Stored("t")[0], Range(6, 10));
  EXPECT_GE(metrics_.GetCounter("secor_consumer_offsets_lost_total", "").value(), 1);
  auto files = ListFilesRecursive(JoinPath(output_.path(), "t"));
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, std::vector<std::string>{"offset=0/1_0_00000000000000000002"});
}

// A decided round whose files are not all stored must be replayed, but Kafka
// no longer holds its messages: the partition stays paused (an operator moves
// it on with reset-offsets) and nothing past the round is written.
TEST_F(ConsumerCoreTest, AReplayKafkaCanNoLongerServeBlocksThePartition) {
  {
    auto store = OpenObjectStore(output_.path(), Config());
    ASSERT_TRUE(store.ok());
    RoundLedger ledger(store->get(), "_secor_rounds", "g");
    RoundMarker marker{0, 4, {{"t/offset=0/1_0_00000000000000000000", 5, 1}}, "other:1:1:0", 1};
    ASSERT_TRUE(ledger.CreateMarker("t", 0, marker).ok());
  }
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    for (int i = 0; i < 10; ++i) kafka.Append(kT0, fmt::format("m{}", i));
    kafka.SetCommitted(kT0, 0);
    kafka.TruncateBefore(kT0, 3);
  });
  auto& lost = metrics_.GetCounter("secor_consumer_offsets_lost_total", "");
  ASSERT_TRUE(WaitFor([&] { return lost.value() == 1 && kafka_->IsPaused(kT0); }));
  // Nothing may happen while the consume loop goes round many more times.
  const int64_t polls = kafka_->Polls();
  ASSERT_TRUE(WaitFor([&] { return kafka_->Polls() >= polls + 5; }));
  EXPECT_TRUE(kafka_->IsPaused(kT0));
  EXPECT_EQ(Messages("t"), 0);
  Stop();
  EXPECT_TRUE(Stored("t").empty());
  EXPECT_EQ(kafka_->CommittedOffset(kT0), 0);
}

// Messages the parser cannot place go to the error output with their
// offsets, counted, and are committed with the round like any other.
TEST_F(ConsumerCoreTest, UnparsableMessagesGoToTheErrorOutputWithTheirOffsets) {
  settings_["secor.message.parser.class"] = "com.pinterest.secor.parser.JsonMessageParser";
  settings_["message.timestamp.name"] = "timestamp";
  settings_["secor.file.reader.writer.factory"] = "jsonl";
  settings_["secor.consumer.max_bad_messages"] = "1000";
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 1);
    kafka.Append(kT0, R"({"timestamp":1796551200000,"n":0})");
    kafka.Append(kT0, "not json");
    kafka.Append(kT0, R"({"timestamp":1796551200000,"n":2})");
    kafka.Append(kT0, R"({"n":3})");  // no timestamp
  });
  ASSERT_TRUE(CommittedToEnd(kT0));
  Stop();
  auto files = ListFilesRecursive(JoinPath(output_.path(), "t"));
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u) << Join(*files, ", ");
  std::string errors_file;
  for (const auto& f : *files) {
    if (StartsWith(f, kErrorPartition)) errors_file = f;
  }
  ASSERT_FALSE(errors_file.empty()) << Join(*files, ", ");
  auto body = ReadFile(JoinPath(JoinPath(output_.path(), "t"), errors_file));
  ASSERT_TRUE(body.ok());
  auto lines = Split(*body, '\n', true);
  ASSERT_EQ(lines.size(), 2u) << *body;
  EXPECT_NE(lines[0].find(R"("offset":1)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"("offset":3)"), std::string::npos) << lines[1];
  // Text stays text, and `secor print`'s reader gives each back with why.
  EXPECT_NE(lines[0].find(R"("payload_text":"not json")"), std::string::npos) << lines[0];
  auto reader = OpenReaderAuto(JoinPath(JoinPath(output_.path(), "t"), errors_file));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Record r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.offset, 1);
  EXPECT_EQ(r.payload, "not json");
  EXPECT_EQ(r.error, "not JSON: Problem while parsing an atom starting with the letter 'n'");
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.offset, 3);
  EXPECT_EQ(r.payload, R"({"n":3})");
  EXPECT_EQ(r.error, "field timestamp missing");
  EXPECT_FALSE(*(*reader)->Next(&r));
  EXPECT_EQ(metrics_.GetCounter("secor_consumer_bad_messages_total", "", {{"topic", "t"}}).value(),
            2);
  // Shown on /status: the first at once; the second, within ten seconds of
  // it, is only counted.
  auto errors = status_.Get().errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("t/0 offset 1: sent to the error output: "), std::string::npos)
      << errors[0].message;
  EXPECT_EQ(Messages("t"), 4);
}

// secor.max.file.count: more files open than allowed seals every round at
// once, whatever their size and age.
TEST_F(ConsumerCoreTest, TooManyOpenFilesSealEveryRound) {
  settings_["secor.message.parser.class"] = "com.pinterest.secor.parser.JsonMessageParser";
  settings_["message.timestamp.name"] = "timestamp";
  settings_["secor.file.reader.writer.factory"] = "jsonl";
  settings_["secor.max.file.age.seconds"] = "3600";
  settings_["secor.max.file.count"] = "2";
  Start([](FakeGroupConsumer& kafka) {
    kafka.CreateTopic("t", 2);
    // Two days on partition 0, one on partition 1: whatever order they are
    // read in, the third file is one too many.
    for (int day = 0; day < 2; ++day) {
      kafka.Append(kT0, fmt::format(R"({{"timestamp":{}}})", 1796551200000 + day * 86400000LL));
    }
    kafka.Append(kT1, R"({"timestamp":1796551200000})");
  });
  ASSERT_TRUE(CommittedToEnd(kT0));
  ASSERT_TRUE(CommittedToEnd(kT1));
  Stop();
  EXPECT_EQ(Stored("t")[0], Range(0, 2));
  EXPECT_EQ(Stored("t")[1], Range(0, 1));
}

}  // namespace
}  // namespace secor
