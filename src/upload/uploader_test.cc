#include "upload/uploader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>

#include "common/file_util.h"
#include "config/config.h"
#include "support/test_util.h"

namespace secor {
namespace {

// The consumer's side of the uploader, recorded. Not a fake store: the
// uploader works on the real local store in a temporary directory.
class RecordingOwner : public RoundOwner {
 public:
  bool IsCurrent(const std::string&, int32_t, uint64_t epoch) override {
    std::lock_guard lock(mu);
    return epoch == current_epoch;
  }
  Status Commit(const std::string& topic, int32_t partition, uint64_t epoch,
                int64_t next_offset) override {
    std::lock_guard lock(mu);
    if (epoch != current_epoch) return Status::Fenced("revoked");
    commits.push_back(fmt::format("{}/{}@{}", topic, partition, next_offset));
    return Status::OK();
  }
  void OnRoundDone(const SealedRound&, const Status& outcome) override {
    std::lock_guard lock(mu);
    outcomes.push_back(outcome);
  }
  void OnConflict(const SealedRound& round) override {
    std::lock_guard lock(mu);
    conflicts.push_back(round.start);
  }
  void OnFatal(const Status& status) override {
    std::lock_guard lock(mu);
    fatal.push_back(status);
  }

  std::mutex mu;
  uint64_t current_epoch = 1;
  std::vector<std::string> commits;
  std::vector<Status> outcomes;
  std::vector<int64_t> conflicts;
  std::vector<Status> fatal;
};

// The real local store with a fault injected: its next file uploads fail as
// an unreachable store would.
class StoreWithFailingUploads : public ObjectStore {
 public:
  explicit StoreWithFailingUploads(ObjectStore* real) : real_(real) {}
  std::string Uri(const std::string& key) const override { return real_->Uri(key); }
  Status PutFile(const std::string& key, const std::string& local_path,
                 const PutOptions& options) override {
    if (failures_left_ > 0) {
      --failures_left_;
      seen_problem_ = owner_problem_ ? owner_problem_() : "";
      return Status::Unavailable("connection refused");
    }
    return real_->PutFile(key, local_path, options);
  }
  Status PutBytes(const std::string& key, std::string_view data,
                  const PutOptions& options) override {
    return real_->PutBytes(key, data, options);
  }
  Result<std::string> Get(const std::string& key) override { return real_->Get(key); }
  Status GetToFile(const std::string& key, const std::string& local_path) override {
    return real_->GetToFile(key, local_path);
  }
  Result<ObjectInfo> Head(const std::string& key) override { return real_->Head(key); }
  Status List(const std::string& prefix, std::vector<ObjectInfo>* out) override {
    return real_->List(prefix, out);
  }
  Status Delete(const std::string& key) override { return real_->Delete(key); }

  std::atomic<int> failures_left_{0};
  std::function<std::string()> owner_problem_;  // read at each failure
  std::string seen_problem_;                    // what it said at the last one

 private:
  ObjectStore* real_;
};

class UploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenObjectStore(store_dir_.path(), Config());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ledger_ = std::make_unique<RoundLedger>(store_.get(), "_secor_rounds", "g");
  }

  // A round of one local file with the given body.
  SealedRound MakeRound(int64_t start, int64_t end, const std::string& body) {
    SealedRound r;
    r.topic = "t";
    r.partition = 0;
    r.start = start;
    r.end = end;
    r.epoch = 1;
    r.local_dir = staging_.Join(std::to_string(start));
    SealedFile f;
    f.local_path = r.local_dir + "/file";
    f.key = fmt::format("t/offset=0/1_0_{:020}", start);
    f.messages = end - start + 1;
    f.metadata = {{"secor-round-start", std::to_string(start)},
                  {"secor-round-end", std::to_string(end)}};
    EXPECT_TRUE(WriteFileAtomic(f.local_path, body).ok());
    r.files.push_back(f);
    return r;
  }

  void RunOne(SealedRound round) {
    Uploader uploader(store_.get(), ledger_.get(), &owner_, {1, 50, "writer-a"}, metrics_);
    uploader.Submit(std::move(round));
    uploader.Drain();
  }

  testing::TempDir store_dir_, staging_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<RoundLedger> ledger_;
  RecordingOwner owner_;
  MetricsRegistry metrics_;  // this test's own, not the process's
};

TEST_F(UploaderTest, DecidesStoresThenCommitsTheRound) {
  RunOne(MakeRound(0, 9, "ten messages"));
  ASSERT_EQ(owner_.outcomes.size(), 1u);
  EXPECT_TRUE(owner_.outcomes[0].ok()) << owner_.outcomes[0].ToString();
  EXPECT_EQ(owner_.commits, std::vector<std::string>{"t/0@10"});
  EXPECT_EQ(metrics_.GetCounter("secor_uploader_files_total", "").value(), 1);
  EXPECT_EQ(metrics_.GetCounter("secor_kafka_commits_total", "").value(), 1);
  EXPECT_EQ(metrics_.GetCounter("secor_rounds_total", "", {{"mode", "normal"}}).value(), 1);
  auto body = store_->Get("t/offset=0/1_0_00000000000000000000");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "ten messages");
  auto marker = ledger_->ReadMarker("t", 0, 0);
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  EXPECT_EQ(marker->end, 9);
  EXPECT_EQ(marker->writer, "writer-a");
  EXPECT_TRUE(owner_.fatal.empty());
}

// While uploads fail the uploader says why (/readyz, /status); the first
// success clears it.
TEST_F(UploaderTest, AFailingStoreIsReportedUntilAnUploadSucceeds) {
  StoreWithFailingUploads store(store_.get());
  RoundLedger ledger(&store, "_secor_rounds", "g");
  Uploader uploader(&store, &ledger, &owner_, {1, 20, "writer-a"}, metrics_);
  EXPECT_EQ(uploader.StoreProblem(), "");
  store.failures_left_ = 3;
  store.owner_problem_ = [&] { return uploader.StoreProblem(); };
  uploader.Submit(MakeRound(0, 9, "ten messages"));
  uploader.Drain();
  // At the third failure, the second was on record.
  EXPECT_EQ(store.seen_problem_,
            "upload " + store.Uri("t/offset=0/1_0_00000000000000000000") + ": connection refused");
  EXPECT_EQ(uploader.StoreProblem(), "");
  EXPECT_EQ(owner_.commits, std::vector<std::string>{"t/0@10"});
  EXPECT_EQ(metrics_.GetCounter("secor_uploader_failures_total", "").value(), 3);
}

TEST_F(UploaderTest, ARevokedPartitionNeitherDecidesNorCommits) {
  owner_.current_epoch = 2;  // the round was sealed by epoch 1
  RunOne(MakeRound(0, 9, "x"));
  EXPECT_TRUE(owner_.commits.empty());
  EXPECT_TRUE(ledger_->ReadMarker("t", 0, 0).status().IsNotFound());
  EXPECT_TRUE(store_->Head("t/offset=0/1_0_00000000000000000000").status().IsNotFound());
}

TEST_F(UploaderTest, AMarkerOfAnotherWriterMeansReplayAndNoUpload) {
  ASSERT_TRUE(ledger_->CreateMarker("t", 0, {0, 4, {}, "writer-b", 1}).ok());
  RunOne(MakeRound(0, 9, "x"));
  EXPECT_EQ(owner_.conflicts, std::vector<int64_t>{0});
  EXPECT_TRUE(owner_.commits.empty());
  EXPECT_TRUE(store_->Head("t/offset=0/1_0_00000000000000000000").status().IsNotFound());
}

TEST_F(UploaderTest, AnExistingFileOfAnotherChainStopsInsteadOfCountingAsStored) {
  // Left by an earlier chain of the same generation: round 0..4, not 0..9.
  PutOptions opts;
  opts.create_only = true;
  opts.metadata = {{"secor-round-start", "0"}, {"secor-round-end", "4"}};
  ASSERT_TRUE(store_->PutBytes("t/offset=0/1_0_00000000000000000000", "old", opts).ok());
  auto head = store_->Head("t/offset=0/1_0_00000000000000000000");
  ASSERT_TRUE(head.ok());
  ASSERT_EQ(head->metadata.count("secor-round-end"), 1u) << "the store keeps no metadata here";

  RunOne(MakeRound(0, 9, "new"));
  EXPECT_TRUE(owner_.commits.empty());
  ASSERT_EQ(owner_.fatal.size(), 1u);
  const std::string& why = owner_.fatal[0].message();
  EXPECT_NE(why.find("1_0_00000000000000000000 exists already but holds round 0..4, not 0..9"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("secor.generation"), std::string::npos) << why;
  EXPECT_EQ(*store_->Get("t/offset=0/1_0_00000000000000000000"), "old");
}

TEST_F(UploaderTest, AnExistingFileOfTheSameRoundCountsAsStored) {
  // Another writer of this very round stored the file first.
  PutOptions opts;
  opts.create_only = true;
  opts.metadata = {{"secor-round-start", "0"}, {"secor-round-end", "9"}};
  ASSERT_TRUE(store_->PutBytes("t/offset=0/1_0_00000000000000000000", "same", opts).ok());
  RunOne(MakeRound(0, 9, "same"));
  EXPECT_TRUE(owner_.fatal.empty());
  EXPECT_EQ(owner_.commits, std::vector<std::string>{"t/0@10"});
}

}  // namespace
}  // namespace secor
