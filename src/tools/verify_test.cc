// Verify is the exactly-once check of several integration tests, so it gets
// stores laid out by hand with every defect it must find, each asserted exactly.
#include "tools/verify.h"

#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/file_util.h"
#include "config/config.h"
#include "format/file_format.h"
#include "storage/object_store.h"
#include "support/test_util.h"
#include "upload/object_names.h"

namespace secor {
namespace {

using secor::testing::TempDir;

std::string PayloadOf(int32_t partition, int64_t offset) {
  return fmt::format("message {}:{}", partition, offset);
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = OpenObjectStore(root_.path(), Config());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  // Writes offsets of partition in format into the data file of generation
  // starting at start_offset, under output partition "offset=0" of topic "t",
  // and returns its key. payload overrides the usual payload of an offset.
  std::string PutFile(const std::string& format, int64_t generation, int32_t partition,
                      int64_t start_offset, const std::vector<int64_t>& offsets,
                      const std::map<int64_t, std::string>& payload = {}) {
    std::string key = DataFileKey("t", "offset=0", generation, partition, start_offset, "");
    auto f = NewFileFormat(format);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    std::string local = staging_.Join("file");
    auto w = (*f)->NewWriter(local);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    for (int64_t off : offsets) {
      auto p = payload.find(off);
      std::string bytes = p == payload.end() ? PayloadOf(partition, off) : p->second;
      Message m;
      m.topic = "t";
      m.partition = partition;
      m.offset = off;
      m.payload = bytes;
      EXPECT_TRUE((*w)->Append(m).ok());
    }
    EXPECT_TRUE((*w)->Close().ok());
    EXPECT_TRUE(store_->PutFile(key, local, {}).ok());
    EXPECT_TRUE(RemoveAll(local).ok());
    return key;
  }

  // An error-output file as the consumer writes it (docs/design.md).
  std::string PutErrorFile(int32_t partition, int64_t start_offset,
                           const std::vector<int64_t>& offsets) {
    std::string key =
        DataFileKey("t", std::string(kErrorPartition), 1, partition, start_offset, "");
    std::string body;
    for (int64_t off : offsets) {
      body += fmt::format(
          R"({{"offset":{},"partition":{},"timestamp":1,"error":"bad","payload_base64":"{}"}})"
          "\n",
          off, partition, Base64Encode(PayloadOf(partition, off)));
    }
    EXPECT_TRUE(store_->PutBytes(key, body, {}).ok());
    return key;
  }

  static ExpectedPayloads Expect(int32_t partition, int64_t first, int64_t last) {
    ExpectedPayloads out;
    for (int64_t off = first; off <= last; ++off) out[{partition, off}] = PayloadOf(partition, off);
    return out;
  }

  VerifyReport Run(const VerifyOptions& options = {}) {
    auto r = Verify(*store_, "t", options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : VerifyReport();
  }

  std::string Key(int64_t generation, int32_t partition, int64_t start) const {
    return DataFileKey("t", "offset=0", generation, partition, start, "");
  }

  TempDir root_;
  TempDir staging_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(VerifyTest, CompleteTopicPassesAndPrintsTheSummary) {
  PutFile("sequencefile", 1, 0, 0, {0, 1, 2, 3, 4});
  PutFile("sequencefile", 1, 0, 5, {5, 6, 7, 8, 9});
  PutFile("jsonl", 1, 1, 0, {0, 1, 2});
  PutFile("parquet", 1, 2, 4, {4, 5});
  VerifyOptions options;
  options.expected_count = 15;
  std::vector<std::pair<int64_t, int64_t>> progress;
  options.progress = [&](int64_t done, int64_t total) { progress.emplace_back(done, total); };
  auto r = Run(options);
  // Told before each object (markers and other objects are listed too).
  ASSERT_FALSE(progress.empty());
  for (size_t i = 0; i < progress.size(); ++i) {
    EXPECT_EQ(progress[i].first, static_cast<int64_t>(i));
    EXPECT_EQ(progress[i].second, static_cast<int64_t>(progress.size()));
  }
  EXPECT_EQ(r.files, 4);
  EXPECT_EQ(r.messages, 15);
  EXPECT_EQ(r.error_records, 0);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_EQ(r.partitions[0].messages, 10);
  EXPECT_EQ(r.partitions[0].first_offset, 0);
  EXPECT_EQ(r.partitions[0].last_offset, 9);
  EXPECT_EQ(r.partitions[1].last_offset, 2);
  EXPECT_EQ(r.partitions[2].first_offset, 4);
  EXPECT_EQ(r.duplicate_count(), 0);
  EXPECT_EQ(r.gap_count(), 0);
  EXPECT_TRUE(r.offsetless_files.empty());
  EXPECT_TRUE(r.unreadable.empty());
  EXPECT_TRUE(r.Problems().empty());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(FormatVerifyReport(r, false, 20),
            "topic t: 15 messages (0 in the error output) in 4 files over 3 partitions; 0 "
            "duplicate offsets, 0 gaps\n"
            "  partition 0: 10 messages, offsets 0..9\n"
            "  partition 1: 3 messages, offsets 0..2\n"
            "  partition 2: 2 messages, offsets 4..5\n"
            "OK\n");
  EXPECT_EQ(FormatVerifyReport(r, true, 20), "");
}

TEST_F(VerifyTest, GapsAtHeadMiddleAndTail) {
  PutFile("sequencefile", 1, 0, 3, {3, 4, 5});
  std::string after = PutFile("sequencefile", 1, 0, 8, {8, 9});
  // Without expectations only the hole between stored offsets can be seen;
  // the head shows as the first offset.
  auto plain = Run();
  EXPECT_EQ(plain.partitions[0].first_offset, 3);
  EXPECT_EQ(plain.partitions[0].last_offset, 9);
  EXPECT_EQ(plain.partitions[0].gaps, (std::vector<VerifyGap>{{6, 7, after}}));
  EXPECT_TRUE(plain.partitions[0].missing.empty());
  EXPECT_EQ(plain.Problems(), std::vector<std::string>{
                                  "gap: partition 0 has no offsets 6..7 (before " + after + ")"});

  // What the caller produced (0..11) shows the head and the tail too.
  VerifyOptions options;
  options.expected_payloads = Expect(0, 0, 11);
  auto r = Run(options);
  EXPECT_EQ(r.partitions[0].missing, (std::vector<VerifyMissing>{{0, 2}, {6, 7}, {10, 11}}));
  EXPECT_TRUE(r.partitions[0].mismatches.empty());
  EXPECT_EQ(r.payloads_as_expected, 5);
  EXPECT_EQ(r.Problems(), (std::vector<std::string>{
                              "gap: partition 0 has no offsets 6..7 (before " + after + ")",
                              "missing: partition 0 has no offsets 0..2 of the expected ones",
                              "missing: partition 0 has no offsets 6..7 of the expected ones",
                              "missing: partition 0 has no offsets 10..11 of the expected ones"}));
  EXPECT_EQ(FormatVerifyReport(r, false, 2),
            "topic t: 5 messages (0 in the error output) in 2 files over 1 partitions; 0 "
            "duplicate offsets, 1 gaps\n"
            "  partition 0: 5 messages, offsets 3..9\n"
            "  payloads: 12 expected, 5 stored copies as expected\n"
            "FAIL gap: partition 0 has no offsets 6..7 (before " +
                after +
                ")\n"
                "FAIL missing: partition 0 has no offsets 0..2 of the expected ones\n"
                "FAIL ... and 2 more\n");

  // --allow-gaps excuses the hole in Kafka's offsets, never an expected
  // message that is not stored.
  options.allow_gaps = true;
  auto allowing = Run(options);
  EXPECT_EQ(allowing.gap_count(), 1);
  EXPECT_EQ(allowing.Problems().size(), 3u);
  EXPECT_FALSE(allowing.ok());
}

TEST_F(VerifyTest, ExpectedPartitionWithoutFilesIsMissingWhole) {
  PutFile("sequencefile", 1, 0, 0, {0, 1});
  VerifyOptions options;
  options.expected_payloads = Expect(0, 0, 1);
  options.expected_payloads.merge(Expect(3, 5, 6));
  auto r = Run(options);
  EXPECT_EQ(r.partitions[3].missing, (std::vector<VerifyMissing>{{5, 6}}));
  EXPECT_EQ(r.partitions[3].messages, 0);
  EXPECT_EQ(r.Problems(), std::vector<std::string>{
                              "missing: partition 3 has no offsets 5..6 of the expected ones"});
}

TEST_F(VerifyTest, DuplicatesAcrossGenerations) {
  std::string first = PutFile("sequencefile", 1, 0, 0, {0, 1, 2});
  std::string second = PutFile("jsonl", 2, 0, 0, {0, 1, 2});
  VerifyOptions options;
  options.expected_count = 3;
  auto r = Run(options);
  EXPECT_EQ(r.messages, 6);
  EXPECT_EQ(
      r.partitions[0].duplicates,
      (std::vector<VerifyDuplicate>{{0, first, second}, {1, first, second}, {2, first, second}}));
  EXPECT_EQ(r.gap_count(), 0);
  EXPECT_EQ(r.Problems(), (std::vector<std::string>{
                              "duplicate: partition 0 offset 0 in " + first + " and " + second,
                              "duplicate: partition 0 offset 1 in " + first + " and " + second,
                              "duplicate: partition 0 offset 2 in " + first + " and " + second,
                              "count: 6 messages stored, 3 expected"}));
}

TEST_F(VerifyTest, DuplicatesInsideOnePartitionAcrossTwoFiles) {
  std::string a = PutFile("sequencefile", 1, 4, 10, {10, 11, 12, 13});
  std::string b = PutFile("sequencefile", 1, 4, 12, {12, 13, 14});
  PutFile("sequencefile", 1, 5, 12, {12, 13});  // same offsets, other partition: fine
  auto r = Run();
  EXPECT_EQ(r.partitions[4].duplicates, (std::vector<VerifyDuplicate>{{12, a, b}, {13, a, b}}));
  EXPECT_TRUE(r.partitions[5].duplicates.empty());
  EXPECT_EQ(r.duplicate_count(), 2);
  // Duplicates fail even when gaps are allowed.
  VerifyOptions options;
  options.allow_gaps = true;
  auto allowing = Run(options);
  EXPECT_EQ(allowing.Problems(),
            (std::vector<std::string>{"duplicate: partition 4 offset 12 in " + a + " and " + b,
                                      "duplicate: partition 4 offset 13 in " + a + " and " + b}));
  EXPECT_FALSE(allowing.ok());
}

TEST_F(VerifyTest, AllowGapsAcceptsHolesOnly) {
  PutFile("sequencefile", 1, 0, 0, {0, 1});
  std::string later = PutFile("sequencefile", 1, 0, 5, {5, 9});
  VerifyOptions options;
  options.expected_count = 4;
  EXPECT_EQ(
      Run(options).Problems(),
      (std::vector<std::string>{"gap: partition 0 has no offsets 2..4 (before " + later + ")",
                                "gap: partition 0 has no offsets 6..8 (before " + later + ")"}));
  options.allow_gaps = true;
  auto r = Run(options);
  EXPECT_EQ(r.gap_count(), 2);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(FormatVerifyReport(r, true, 20), "");
  EXPECT_EQ(FormatVerifyReport(r, false, 20),
            "topic t: 4 messages (0 in the error output) in 2 files over 1 partitions; 0 "
            "duplicate offsets, 2 gaps\n"
            "  partition 0: 4 messages, offsets 0..9\n"
            "OK\n");
}

TEST_F(VerifyTest, WrongExpectedCountFailsWithTheCommandsText) {
  PutFile("sequencefile", 1, 0, 0, {0, 1, 2, 3, 4});
  VerifyOptions options;
  options.expected_count = 6;
  auto r = Run(options);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.Problems(), std::vector<std::string>{"count: 5 messages stored, 6 expected"});
  // Quiet still prints the summary when something failed.
  EXPECT_EQ(FormatVerifyReport(r, true, 20),
            "topic t: 5 messages (0 in the error output) in 1 files over 1 partitions; 0 "
            "duplicate offsets, 0 gaps\n"
            "FAIL count: 5 messages stored, 6 expected\n");
}

TEST_F(VerifyTest, FilesWithoutOffsetsAreCountedOnly) {
  std::string text = PutFile("text", 1, 0, 0, {0, 1, 2});
  PutFile("sequencefile", 1, 1, 0, {0, 1});
  VerifyOptions options;
  options.expected_count = 5;
  auto r = Run(options);
  EXPECT_EQ(r.offsetless_files, std::vector<std::string>{text});
  EXPECT_EQ(r.partitions[0].messages, 3);
  EXPECT_EQ(r.partitions[0].first_offset, -1);
  EXPECT_EQ(r.partitions[0].last_offset, -1);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(FormatVerifyReport(r, false, 20),
            "topic t: 5 messages (0 in the error output) in 2 files over 2 partitions; 0 "
            "duplicate offsets, 0 gaps\n"
            "  partition 0: 3 messages, offsets -1..-1\n"
            "  partition 1: 2 messages, offsets 0..1\n"
            "note: some files store no offsets (delimited text): only counts were checked for "
            "them\n"
            "OK\n");
}

TEST_F(VerifyTest, ErrorOutputCountsAsStored) {
  PutFile("sequencefile", 1, 0, 0, {0, 1, 2});
  std::string errors = PutErrorFile(0, 3, {3, 4});
  PutFile("sequencefile", 1, 0, 5, {5, 6});
  VerifyOptions options;
  options.expected_count = 7;
  options.expected_payloads = Expect(0, 0, 6);
  auto r = Run(options);
  EXPECT_EQ(r.files, 3);
  EXPECT_EQ(r.messages, 7);
  EXPECT_EQ(r.error_records, 2);
  EXPECT_EQ(r.partitions[0].errors, 2);
  EXPECT_EQ(r.gap_count(), 0);
  EXPECT_EQ(r.payloads_as_expected, 7);
  EXPECT_TRUE(r.ok()) << fmt::format("{}", fmt::join(r.Problems(), "\n"));

  // An error record stored again in a data file is a duplicate like any other.
  std::string again = PutFile("sequencefile", 2, 0, 4, {4});
  auto twice = Run(options);
  EXPECT_EQ(twice.partitions[0].duplicates, (std::vector<VerifyDuplicate>{{4, errors, again}}));
}

TEST_F(VerifyTest, PayloadThatDiffersIsNamedByOffset) {
  std::string key =
      PutFile("sequencefile", 1, 0, 0, {0, 1, 2, 3}, {{2, "changed"}, {3, std::string()}});
  PutFile("jsonl", 1, 1, 0, {0, 1});
  VerifyOptions options;
  options.expected_payloads = Expect(0, 0, 3);
  options.expected_payloads.merge(Expect(1, 0, 1));
  auto r = Run(options);
  EXPECT_EQ(r.partitions[0].mismatches, (std::vector<VerifyMismatch>{{2, key}, {3, key}}));
  EXPECT_TRUE(r.partitions[1].mismatches.empty());
  EXPECT_EQ(r.payloads_as_expected, 4);
  EXPECT_EQ(FormatVerifyReport(r, true, 1),
            "topic t: 6 messages (0 in the error output) in 2 files over 2 partitions; 0 "
            "duplicate offsets, 0 gaps\n"
            "FAIL payload: partition 0 offset 2 in " +
                key +
                " is not the expected payload\n"
                "FAIL ... and 1 more\n");

  // Offsets stored beyond the expected ones are not judged.
  options.expected_payloads = Expect(0, 0, 1);
  EXPECT_TRUE(Run(options).ok());
}

TEST_F(VerifyTest, UnreadableFilesAreReported) {
  PutFile("sequencefile", 1, 0, 0, {0, 1});
  std::string bad = Key(1, 0, 2);
  ASSERT_TRUE(store_->PutBytes(bad, "SEQ\x06 not really", {}).ok());
  std::string bad_errors = DataFileKey("t", std::string(kErrorPartition), 1, 0, 9, "");
  ASSERT_TRUE(store_->PutBytes(bad_errors, "{\"partition\":0}\n", {}).ok());
  auto r = Run();
  // In key order: "_errors" sorts before "offset=0".
  ASSERT_EQ(r.unreadable.size(), 2u);
  EXPECT_EQ(r.unreadable[0].file, bad_errors);
  EXPECT_EQ(r.unreadable[0].status.message(),
            store_->Uri(bad_errors) + " line 1: no \"offset\" field");
  EXPECT_FALSE(r.unreadable[0].store_failed);
  EXPECT_EQ(r.unreadable[1].file, bad);
  EXPECT_FALSE(r.unreadable[1].store_failed);
  EXPECT_TRUE(r.unreadable[1].status.message().starts_with(store_->Uri(bad) + ": "))
      << r.unreadable[1].status.message();
  EXPECT_EQ(r.files, 3);
  EXPECT_FALSE(r.ok());
}

TEST_F(VerifyTest, RecordBelowItsFilesStartOffset) {
  std::string key = PutFile("sequencefile", 1, 0, 5, {4, 5});
  auto r = Run();
  EXPECT_EQ(r.misplaced, (std::vector<VerifyMisplaced>{{key, 4, 5}}));
  EXPECT_EQ(r.Problems(),
            std::vector<std::string>{key + ": offset 4 is below the file's start offset 5"});
}

TEST_F(VerifyTest, NoDataFiles) {
  ASSERT_TRUE(store_->PutBytes("t/offset=0/_SUCCESS", "", {}).ok());
  ASSERT_TRUE(store_->PutBytes("other/offset=0/" + DataFileName(1, 0, 0, ""), "x", {}).ok());
  auto r = Run();
  EXPECT_EQ(r.files, 0);
  EXPECT_EQ(r.Problems(), std::vector<std::string>{"no data files under " + store_->Uri("t/")});
}

// The binary itself: its text, and exit codes that scripts and tests rely on.
TEST_F(VerifyTest, CommandPrintsTheReportAndExitsByOutcome) {
  std::string first = PutFile("sequencefile", 1, 0, 0, {0, 1, 2}, {{1, "not this"}});
  std::string later = PutFile("sequencefile", 1, 0, 5, {5});
  auto verify = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv{
        testing::BinaryPath("secor"), "verify", "--output", root_.path(), "-t", "t"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::RunCommand(argv);
  };
  const std::string summary =
      "topic t: 4 messages (0 in the error output) in 2 files over 1 partitions; 0 duplicate "
      "offsets, 1 gaps\n";
  auto plain = verify({"-m", "4"});
  EXPECT_EQ(plain.exit_code, 1) << plain.err;
  EXPECT_EQ(plain.out, summary + "  partition 0: 4 messages, offsets 0..5\n" +
                           "FAIL gap: partition 0 has no offsets 3..4 (before " + later + ")\n");
  auto allowing = verify({"-m", "4", "--allow-gaps"});
  EXPECT_EQ(allowing.exit_code, 0) << allowing.err;
  EXPECT_EQ(allowing.out, summary + "  partition 0: 4 messages, offsets 0..5\nOK\n");
  auto quiet = verify({"-q", "-m", "4", "--allow-gaps"});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.out, "");

  std::string expect = staging_.Join("expected");
  std::string lines;
  for (int64_t off : {0, 1, 2, 5}) {
    lines += fmt::format("0 {} {}\n", off, Base64Encode(PayloadOf(0, off)));
  }
  ASSERT_TRUE(WriteFileAtomic(expect, lines).ok());
  auto payloads = verify({"-q", "--allow-gaps", "--expect-payloads", expect});
  EXPECT_EQ(payloads.exit_code, 1) << payloads.err;
  EXPECT_EQ(payloads.out, summary + "FAIL payload: partition 0 offset 1 in " + first +
                              " is not the expected payload\n");

  ASSERT_TRUE(WriteFileAtomic(expect, "0 one\n").ok());
  auto bad = verify({"--expect-payloads", expect});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.err, "secor verify: " + expect +
                         ": expected payloads line 1: want PARTITION OFFSET PAYLOAD_BASE64\n");

  // An unreadable file is named on standard error and nothing is reported.
  ASSERT_TRUE(store_->PutBytes(Key(1, 0, 9), "SEQ\x06 not really", {}).ok());
  auto unreadable = verify({"-m", "4"});
  EXPECT_EQ(unreadable.exit_code, 1);
  EXPECT_EQ(unreadable.out, "");
  EXPECT_TRUE(unreadable.err.starts_with("secor verify: " + store_->Uri(Key(1, 0, 9)) + ": "))
      << unreadable.err;
}

TEST(VerifyExpectedPayloads, ParsesLinesAndNamesBadOnes) {
  auto ok = ParseExpectedPayloads("# partition offset payload\n0 5 " + Base64Encode("a b") +
                                  "\n\n2 7\n1 0 " + Base64Encode(std::string("\0\xff", 2)) + "\n");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok,
            (ExpectedPayloads{{{0, 5}, "a b"}, {{2, 7}, ""}, {{1, 0}, std::string("\0\xff", 2)}}));
  for (const char* bad :
       {"0\n", "x 1 YQ==\n", "0 -1 YQ==\n", "0 1 not*base64\n", "0 1 YQ== extra\n", "-1 1\n"}) {
    auto r = ParseExpectedPayloads(std::string("0 0\n") + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(),
              "expected payloads line 2: want PARTITION OFFSET PAYLOAD_BASE64")
        << bad;
  }
  auto twice = ParseExpectedPayloads("0 1\n0 1 YQ==\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "expected payloads line 2: partition 0 offset 1 again");
}

}  // namespace
}  // namespace secor
