#include "parse/time_partitioner.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

std::string PathFor(const std::map<std::string, std::string>& settings, int64_t ms,
                    std::string_view topic = "t") {
  auto p = TimePartitioner::FromConfig(Config::FromMap(settings), topic);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return "";
  std::string path;
  (*p)->PathFor(ms, &path);
  return path;
}

constexpr int64_t kJune = 1718476205042;  // 2024-06-15T18:30:05.042Z

TEST(TimePartitionerTest, DefaultsAreDailyUtc) {
  EXPECT_EQ(PathFor({}, kJune), "dt=2024-06-15");
  EXPECT_EQ(PathFor({{"partitioner.granularity.hour", "true"}}, kJune), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PathFor({{"partitioner.granularity.minute", "true"}}, kJune),
            "dt=2024-06-15/hr=18/min=30");
}

TEST(TimePartitionerTest, PrefixesAndFormats) {
  EXPECT_EQ(PathFor({{"partitioner.granularity.hour", "true"},
                     {"partitioner.granularity.date.prefix", "date="},
                     {"partitioner.granularity.date.format", "yyyy/MM/dd"},
                     {"partitioner.granularity.hour.prefix", ""},
                     {"partitioner.granularity.hour.format", "'h'HH"}},
                    kJune),
            "date=2024/06/15/h18");
  // The original's spelling of the minute format key still works.
  EXPECT_EQ(PathFor({{"partitioner.granularity.minute", "true"},
                     {"partitioner.granularity.min.format", "m"}},
                    kJune + 4 * 60'000),
            "dt=2024-06-15/hr=18/min=34");
}

TEST(TimePartitionerTest, PerTopicOverrides) {
  std::map<std::string, std::string> s = {{"secor.parser.timezone", "UTC"},
                                          {"secor.parser.timezone.india", "Asia/Kolkata"},
                                          {"partitioner.granularity.hour.india", "true"}};
  EXPECT_EQ(PathFor(s, kJune, "other"), "dt=2024-06-15");
  EXPECT_EQ(PathFor(s, kJune, "india"), "dt=2024-06-16/hr=00");
}

TEST(PartitionerOptionsTest, TheDateOnlyOptionsIgnoreTheHourAndMinuteKeys) {
  // A bad hour format does not matter to a partitioner without hours.
  Config c = Config::FromMap({{"partitioner.granularity.minute", "true"},
                              {"partitioner.granularity.hour.format", "'h"},
                              {"partitioner.granularity.date.prefix.t", "day="}});
  EXPECT_FALSE(LoadPartitionerOptions(c, "t").ok());
  auto dates = LoadDatePartitionerOptions(c, "t");
  ASSERT_TRUE(dates.ok()) << dates.status().ToString();
  ASSERT_EQ(dates->levels.size(), 1u);
  std::string path;
  TimePartitioner::New(std::move(dates).value())->PathFor(kJune, &path);
  EXPECT_EQ(path, "day=2024-06-15");
}

TEST(PartitionerOptionsTest, BuiltByHandWithoutAConfiguration) {
  PartitionerOptions options;
  options.zone = LoadPartitionerZone(Config(), "t").value();
  options.levels.push_back({"y=", DateFormat::Compile("yyyy").value()});
  options.levels.push_back({"", DateFormat::Compile("MM").value()});
  std::string path;
  TimePartitioner::New(std::move(options))->PathFor(kJune, &path);
  EXPECT_EQ(path, "y=2024/06");
}

TEST(TimePartitionerTest, NewYorkDaylightSaving) {
  std::map<std::string, std::string> s = {{"secor.parser.timezone", "America/New_York"},
                                          {"partitioner.granularity.hour", "true"}};
  // 2024-03-10: 01:59:59.999 EST is followed by 03:00 EDT.
  auto p = TimePartitioner::FromConfig(Config::FromMap(s), "t").value();
  std::string path;
  p->PathFor(1710054000000 - 1, &path);
  EXPECT_EQ(path, "dt=2024-03-10/hr=01");
  p->PathFor(1710054000000, &path);
  EXPECT_EQ(path, "dt=2024-03-10/hr=03");
  // 2024-11-03: hour 01 happens twice, both land in hr=01.
  p->PathFor(1730613600000 - 3600'000, &path);
  EXPECT_EQ(path, "dt=2024-11-03/hr=01");
  p->PathFor(1730613600000, &path);
  EXPECT_EQ(path, "dt=2024-11-03/hr=01");
  p->PathFor(1730613600000 + 3600'000, &path);
  EXPECT_EQ(path, "dt=2024-11-03/hr=02");
}

TEST(TimePartitionerTest, BerlinDayBoundaryAroundDaylightSaving) {
  std::map<std::string, std::string> s = {{"secor.parser.timezone", "Europe/Berlin"}};
  // Local midnight of 2024-10-27 is 22:00 UTC of the 26th (still CEST).
  EXPECT_EQ(PathFor(s, 1729980000000 - 1), "dt=2024-10-26");
  EXPECT_EQ(PathFor(s, 1729980000000), "dt=2024-10-27");
  // That day lasts 25 hours: 2024-10-27 22:59:59.999 UTC is still the 27th.
  EXPECT_EQ(PathFor(s, 1730069999999), "dt=2024-10-27");
  EXPECT_EQ(PathFor(s, 1730070000000), "dt=2024-10-28");
}

TEST(TimePartitionerTest, HalfHourZoneHours) {
  std::map<std::string, std::string> s = {{"secor.parser.timezone", "Asia/Kolkata"},
                                          {"partitioner.granularity.hour", "true"}};
  EXPECT_EQ(PathFor(s, 1718476200000 - 1), "dt=2024-06-15/hr=23");  // 18:29:59.999Z
  EXPECT_EQ(PathFor(s, 1718476200000), "dt=2024-06-16/hr=00");
}

TEST(TimePartitionerTest, CacheNeverReturnsAStalePath) {
  // Walk one partitioner through a DST day in odd steps, forward and back,
  // and compare with a fresh partitioner each time.
  std::map<std::string, std::string> s = {{"secor.parser.timezone", "America/New_York"},
                                          {"partitioner.granularity.minute", "true"}};
  auto cached = TimePartitioner::FromConfig(Config::FromMap(s), "t").value();
  std::string a;
  for (int64_t ms = 1710040000000; ms < 1710070000000; ms += 59'999) {
    for (int64_t probe : {ms, ms - 3600'000, ms + 1}) {
      cached->PathFor(probe, &a);
      ASSERT_EQ(a, PathFor(s, probe)) << probe;
    }
  }
}

TEST(TimePartitionerTest, ConfigErrors) {
  EXPECT_EQ(
      TimePartitioner::FromConfig(Config::FromMap({{"secor.parser.timezone", "Nowhere/Land"}}), "t")
          .status()
          .message(),
      "secor.parser.timezone=Nowhere/Land (test): unknown time zone 'Nowhere/Land' (no "
      "/usr/share/zoneinfo/Nowhere/Land)");
  EXPECT_EQ(TimePartitioner::FromConfig(
                Config::FromMap({{"partitioner.granularity.date.format", "yyyy-qq"}}), "t")
                .status()
                .message(),
            "partitioner.granularity.date.format=yyyy-qq (test): date pattern 'yyyy-qq': "
            "unsupported letter 'q'");
}

TEST(EpochToMillisTest, PicksTheUnitByMagnitude) {
  EXPECT_EQ(EpochToMillis(int64_t{1718476205}), 1718476205000);
  EXPECT_EQ(EpochToMillis(int64_t{1718476205042}), 1718476205042);
  EXPECT_EQ(EpochToMillis(int64_t{1718476205042123}), 1718476205042);
  EXPECT_EQ(EpochToMillis(int64_t{1718476205042123456}), 1718476205042);
  EXPECT_EQ(EpochToMillis(int64_t{0}), 0);
  EXPECT_EQ(EpochToMillis(int64_t{-86400}), -86400000);
  EXPECT_EQ(EpochToMillis(int64_t{-1718476205042123}), -1718476205043);
  EXPECT_EQ(EpochToMillis(1718476205.5), 1718476205500);
  EXPECT_EQ(EpochToMillis(1718476205042.9), 1718476205042);
  EXPECT_EQ(EpochToMillis(1.5e18), 1500000000000);
  EXPECT_EQ(EpochToMillis(1.5e15), 1500000000000);
  EXPECT_EQ(EpochToMillis(-0.5), -500);
}

class FixedExtractor : public TimestampExtractor {
 public:
  explicit FixedExtractor(Result<int64_t> r) : r_(std::move(r)) {}
  Result<int64_t> ExtractMillis(const Message&) override { return r_; }

 private:
  Result<int64_t> r_;
};

std::string Partition(const std::map<std::string, std::string>& s, Result<int64_t> extracted,
                      Message m, Status* status = nullptr) {
  auto parser = NewTimeParser(Config::FromMap(s), "t", std::make_unique<FixedExtractor>(extracted));
  EXPECT_TRUE(parser.ok()) << parser.status().ToString();
  std::string path;
  Status st = (*parser)->Partition(m, &path);
  if (status) *status = st;
  return st.ok() ? path : "error: " + st.message();
}

TEST(NewTimeParserTest, UsesTheExtractorOrTheKafkaTimestamp) {
  Message m;
  m.timestamp_ms = 1718409600000;  // 2024-06-15
  EXPECT_EQ(Partition({}, int64_t{kJune - 86400'000}, m), "dt=2024-06-14");
  EXPECT_EQ(Partition({{"kafka.useTimestamp", "true"}}, int64_t{0}, m), "dt=2024-06-15");
  EXPECT_EQ(Partition({{"kafka.useTimestamp.t", "true"}}, int64_t{0}, m), "dt=2024-06-15");
  m.timestamp_ms = -1;
  EXPECT_EQ(Partition({{"kafka.useTimestamp", "true"}}, int64_t{0}, m),
            "error: message has no Kafka timestamp");
}

TEST(NewTimeParserTest, MissingTimestampGoesToTheEpochWhenNotRequired) {
  Message m;
  Result<int64_t> missing = Status::NotFound("field timestamp missing");
  Result<int64_t> malformed = Status::InvalidArgument("field timestamp is not a number");
  EXPECT_EQ(Partition({}, missing, m), "error: field timestamp missing");
  EXPECT_EQ(Partition({{"message.timestamp.required", "false"}}, missing, m), "dt=1970-01-01");
  // A malformed time is still an error: it is not missing, it is wrong.
  EXPECT_EQ(Partition({{"message.timestamp.required", "false"}}, malformed, m),
            "error: field timestamp is not a number");
}

}  // namespace
}  // namespace secor
