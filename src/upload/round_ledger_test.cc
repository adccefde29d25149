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
