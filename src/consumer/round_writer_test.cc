#include "consumer/round_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "common/file_util.h"
#include "support/test_util.h"
#include "upload/object_names.h"

namespace secor {
namespace {

Message At(int64_t offset, std::string_view payload) {
  Message m;
  m.topic = "clicks";
  m.partition = 3;
  m.offset = offset;
  m.payload = payload;
  return m;
}

// Offsets of a local file, read back with the format's own reader.
std::vector<int64_t> OffsetsIn(const std::string& path) {
  auto reader = OpenReaderAuto(path);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<int64_t> out;
  if (!reader.ok()) return out;
  Record r;
  while (true) {
    auto more = (*reader)->Next(&r);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    out.push_back(r.offset);
  }
  return out;
}

class RoundWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto format = NewFileFormat("sequencefile");
    ASSERT_TRUE(format.ok());
    format_ = std::move(format).value();
    spec_.topic = "clicks";
    spec_.partition = 3;
    spec_.generation = 1;
    spec_.extension = ".seq";
    spec_.open_writer = [this](const std::string& path) { return format_->NewWriter(path); };
  }

  std::string RoundDir() const { return staging_.path() + "/clicks/3/1_100"; }

  testing::TempDir staging_;
  std::unique_ptr<FileFormat> format_;
  RoundFileSpec spec_;
};

TEST_F(RoundWriterTest, SealGivesOneFileAnOutputPartitionWithCountsAndHashes) {
  RoundWriter round(spec_, 100, RoundDir());
  ASSERT_TRUE(round.Append(At(100, "a"), "dt=2026-12-06").ok());
  ASSERT_TRUE(round.Append(At(101, "b"), "dt=2026-12-07").ok());
  ASSERT_TRUE(round.Append(At(103, "c"), "dt=2026-12-06").ok());  // 102 not in the log
  ASSERT_TRUE(round.AppendError(At(104, "{broken"), "no timestamp").ok());
  EXPECT_EQ(round.file_count(), 3u);
  EXPECT_GT(round.SizeSoFar().bytes, 0u);

  auto files = round.Seal(104);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 3u);
  std::map<std::string, SealedFile> by_key;
  for (auto& f : *files) by_key[f.key] = f;
  const SealedFile& day6 = by_key.at("clicks/dt=2026-12-06/1_3_00000000000000000100.seq");
  EXPECT_EQ(day6.messages, 2);
  EXPECT_EQ(day6.offsets_hash, OffsetsHashAdd(OffsetsHashAdd(kOffsetsHashSeed, 100), 103));
  EXPECT_EQ(OffsetsIn(day6.local_path), (std::vector<int64_t>{100, 103}));
  EXPECT_EQ(day6.metadata.at("secor-round-start"), "100");
  EXPECT_EQ(day6.metadata.at("secor-round-end"), "104");
  EXPECT_EQ(day6.metadata.at("secor-messages"), "2");
  const SealedFile& day7 = by_key.at("clicks/dt=2026-12-07/1_3_00000000000000000100.seq");
  EXPECT_EQ(OffsetsIn(day7.local_path), (std::vector<int64_t>{101}));
  const SealedFile& errors = by_key.at("clicks/_errors/1_3_00000000000000000100.jsonl");
  EXPECT_EQ(errors.messages, 1);
  auto body = ReadFile(errors.local_path);
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body->find(R"("offset":104)"), std::string::npos) << *body;
  EXPECT_NE(body->find("no timestamp"), std::string::npos) << *body;
  EXPECT_EQ(round.file_count(), 0u);  // sealed: nothing open
}

// A message the format refuses as not fitting goes to the error output with
// the format's reason, counted there, never dropped.
TEST_F(RoundWriterTest, MessageTheFormatRefusesGoesToTheErrorOutput) {
  class Refusing : public FileWriter {
   public:
    Status Append(const Message& m) override {
      if (m.payload == "misfit") return Status::InvalidArgument("column x missing");
      ++appended;
      return Status::OK();
    }
    uint64_t BytesWritten() const override { return static_cast<uint64_t>(appended) * 10; }
    Status Close() override { return Status::OK(); }
    int appended = 0;
  };
  spec_.open_writer = [](const std::string&) -> Result<std::unique_ptr<FileWriter>> {
    return std::unique_ptr<FileWriter>(std::make_unique<Refusing>());
  };
  RoundWriter round(spec_, 100, RoundDir());
  ASSERT_TRUE(round.Append(At(100, "fits"), "p").ok());
  ASSERT_TRUE(round.Append(At(101, "misfit"), "p").ok());
  auto files = round.Seal(101);
  ASSERT_TRUE(files.ok());
  std::map<std::string, int64_t> counts;
  std::string error_path;
  for (const auto& f : *files) {
    counts[f.key] = f.messages;
    if (f.key.find("/_errors/") != std::string::npos) error_path = f.local_path;
  }
  EXPECT_EQ(counts,
            (std::map<std::string, int64_t>{{"clicks/_errors/1_3_00000000000000000100.jsonl", 1},
                                            {"clicks/p/1_3_00000000000000000100.seq", 1}}));
  auto body = ReadFile(error_path);
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body->find("column x missing"), std::string::npos) << *body;
}

TEST_F(RoundWriterTest, DropRemovesTheRoundsFiles) {
  RoundWriter round(spec_, 100, RoundDir());
  ASSERT_TRUE(round.Append(At(100, "a"), "p").ok());
  ASSERT_TRUE(std::filesystem::exists(RoundDir()));
  round.Drop();
  EXPECT_FALSE(std::filesystem::exists(RoundDir()));
  EXPECT_EQ(round.file_count(), 0u);
  EXPECT_EQ(round.SizeSoFar().bytes, 0u);
}

TEST_F(RoundWriterTest, SummaryHasTheAgesOfTheOldestAndYoungestFile) {
  RoundWriter round(spec_, 100, RoundDir());
  auto before = RoundWriter::Clock::now();
  ASSERT_TRUE(round.Append(At(100, "a"), "p1").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto between = RoundWriter::Clock::now();
  ASSERT_TRUE(round.Append(At(101, "b"), "p2").ok());
  RoundSummary s = round.Summary();
  EXPECT_EQ(s.files, 2u);
  EXPECT_GE(s.oldest_file, before);
  EXPECT_LT(s.oldest_file, between);
  EXPECT_GE(s.youngest_file, between);
  round.Drop();
}

}  // namespace
}  // namespace secor
