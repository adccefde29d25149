#include "upload/round_ledger.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "support/test_util.h"
#include "upload/object_names.h"

namespace secor {
namespace {

TEST(RoundMarkerTest, EncodeDecodeRoundTrip) {
  RoundMarker m{5,
                9,
                {{"t/offset=0/1_3_00000000000000000005", 4, 0xfedcba9876543210ULL}},
                "host:1:2:abc",
                77};
  auto back = DecodeMarker(EncodeMarker(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->start, 5);
  EXPECT_EQ(back->end, 9);
  EXPECT_EQ(back->files, m.files);
  EXPECT_EQ(back->writer, "host:1:2:abc");
  EXPECT_EQ(back->created_ms, 77);
  EXPECT_NE(EncodeMarker(m).find(R"("offsets_hash":"fedcba9876543210")"), std::string::npos);
  EXPECT_FALSE(DecodeMarker(R"({"start":9,"end":5,"files":[],"writer":"w"})").ok());
  EXPECT_FALSE(DecodeMarker("not json").ok());
}

TEST(RoundMarkerTest, OffsetsHashIsOrderSensitiveFnv1a) {
  // FNV-1a 64 of eight zero bytes.
  EXPECT_EQ(OffsetsHashAdd(kOffsetsHashSeed, 0), 0xa8c7f832281a39c5ULL);
  uint64_t ab = OffsetsHashAdd(OffsetsHashAdd(kOffsetsHashSeed, 1), 2);
  uint64_t ba = OffsetsHashAdd(OffsetsHashAdd(kOffsetsHashSeed, 2), 1);
  EXPECT_NE(ab, ba);
}

TEST(RoundLedgerTest, MarkersAreCreateOnlyAndListedFromAnOffset) {
  testing::TempDir dir;
  auto store = OpenObjectStore(dir.path(), Config());
  ASSERT_TRUE(store.ok());
  RoundLedger ledger(store->get(), "_secor_rounds", "g");
  EXPECT_EQ(ledger.MarkerKey("t", 3, 42), "_secor_rounds/g/t/3/00000000000000000042");
  RoundMarker first{0, 9, {}, "w1", 1};
  RoundMarker second{10, 19, {}, "w1", 2};
  ASSERT_TRUE(ledger.CreateMarker("t", 3, first).ok());
  ASSERT_TRUE(ledger.CreateMarker("t", 3, second).ok());
  RoundMarker rival{10, 25, {}, "w2", 3};
  EXPECT_TRUE(ledger.CreateMarker("t", 3, rival).IsAlreadyExists());
  EXPECT_EQ(ledger.ReadMarker("t", 3, 10)->end, 19);  // the first decision stands
  auto from10 = ledger.ListMarkers("t", 3, 10);
  ASSERT_TRUE(from10.ok());
  ASSERT_EQ(from10->size(), 1u);
  EXPECT_EQ(from10->begin()->first, 10);
  EXPECT_TRUE(ledger.ReadMarker("t", 3, 20).status().IsNotFound());
}

TEST(RoundLedgerTest, TheFirstRootWinsAndOthersAdoptIt) {
  testing::TempDir dir;
  auto store = OpenObjectStore(dir.path(), Config());
  ASSERT_TRUE(store.ok());
  RoundLedger ledger(store->get(), "_secor_rounds", "g");
  EXPECT_EQ(*ledger.CreateOrAdoptRoot("t", 0, 100, "w1"), 100);
  EXPECT_EQ(*ledger.CreateOrAdoptRoot("t", 0, 250, "w2"), 100);
}

// Markers 0..9 (its file stored), 10..19 (its file missing) and 20..29; a
// partition committed at 0 skips the first, commits 10 and replays the rest.
TEST(RoundLedgerTest, PositionSkipsStoredRoundsAndReplaysTheRestOfTheChain) {
  testing::TempDir dir;
  auto store = OpenObjectStore(dir.path(), Config());
  ASSERT_TRUE(store.ok());
  RoundLedger ledger(store->get(), "_secor_rounds", "g");
  ASSERT_TRUE((*store)->PutBytes("t/p/1_0_00000000000000000000", "x", {}).ok());
  ASSERT_TRUE(
      ledger.CreateMarker("t", 0, {0, 9, {{"t/p/1_0_00000000000000000000", 10, 1}}, "w", 1}).ok());
  ASSERT_TRUE(
      ledger.CreateMarker("t", 0, {10, 19, {{"t/p/1_0_00000000000000000010", 10, 2}}, "w", 2})
          .ok());
  ASSERT_TRUE(ledger.CreateMarker("t", 0, {20, 29, {}, "w", 3}).ok());
  // Not part of the chain from 0: nothing ends at 34.
  ASSERT_TRUE(ledger.CreateMarker("t", 0, {35, 40, {}, "w", 4}).ok());

  std::vector<int64_t> committed;
  auto pos = ledger.PositionFrom("t", 0, 0, [&](int64_t next) { committed.push_back(next); });
  ASSERT_TRUE(pos.ok()) << pos.status().ToString();
  EXPECT_EQ(pos->start, 10);
  EXPECT_EQ(committed, std::vector<int64_t>{10});
  ASSERT_EQ(pos->replay.size(), 2u);
  EXPECT_EQ(pos->replay[0].start, 10);
  EXPECT_EQ(pos->replay[1].start, 20);

  auto replay = ledger.ReplayFrom("t", 0, 0);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->start, 0);
  EXPECT_EQ(replay->replay.size(), 3u);  // nothing skipped

  auto past = ledger.PositionFrom("t", 0, 30, [&](int64_t) { FAIL() << "nothing to skip"; });
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(past->start, 30);
  EXPECT_TRUE(past->replay.empty());
}

TEST(RoundLedgerTest, ReplayMustDeriveTheDecidedFilesExactly) {
  RoundMarker marker{5, 9, {{"t/a/1_0_05", 3, 0xaa}, {"t/b/1_0_05", 2, 0xbb}}, "w", 1};
  EXPECT_TRUE(
      RoundLedger::CheckReplay("t", 0, marker, {{"t/b/1_0_05", 2, 0xbb}, {"t/a/1_0_05", 3, 0xaa}})
          .ok());
  Status other_split =
      RoundLedger::CheckReplay("t", 0, marker, {{"t/a/1_0_05", 4, 0xaa}, {"t/b/1_0_05", 1, 0xbb}});
  EXPECT_EQ(other_split.code(), Status::Code::kInternal);
  EXPECT_NE(other_split.message().find("replaying round 5..9 gave files [t/a/1_0_05 (4 messages"),
            std::string::npos)
      << other_split.message();
  EXPECT_FALSE(RoundLedger::CheckReplay("t", 0, marker, {{"t/a/1_0_05", 3, 0xaa}}).ok());
}

TEST(ObjectNamesTest, AsTheOriginalLaysThemOut) {
  EXPECT_EQ(DataFileKey("clicks", "dt=2026-11-25/hr=13", 1, 7, 12345, ".gz"),
            "clicks/dt=2026-11-25/hr=13/1_7_00000000000000012345.gz");
  auto id = ParseDataFileName("2_15_00000000000000000042.parquet");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->generation, 2);
  EXPECT_EQ(id->kafka_partition, 15);
  EXPECT_EQ(id->start_offset, 42);
  EXPECT_EQ(id->extension, ".parquet");
  EXPECT_FALSE(ParseDataFileName("_SUCCESS").has_value());
  EXPECT_FALSE(ParseDataFileName("1_2_123.gz").has_value());
}

}  // namespace
}  // namespace secor
