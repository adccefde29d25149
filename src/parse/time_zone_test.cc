#include "parse/time_zone.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

std::shared_ptr<const TimeZone> Zone(const char* name) {
  auto z = TimeZone::Load(name);
  EXPECT_TRUE(z.ok()) << z.status().ToString();
  return *z;
}

TEST(TimeZoneTest, CivilDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  int64_t y;
  int m, d;
  CivilFromDays(19782, &y, &m, &d);  // 2024-02-29
  EXPECT_EQ(y, 2024);
  EXPECT_EQ(m, 2);
  EXPECT_EQ(d, 29);
  CivilFromDays(-719469, &y, &m, &d);
  EXPECT_EQ(y, 0);  // year 0 (1 BC) is a leap year
  EXPECT_EQ(m, 2);
  EXPECT_EQ(d, 29);
}

TEST(TimeZoneTest, NewYorkDaylightSavingBoundaries2024) {
  auto ny = Zone("America/New_York");
  // Clocks go forward at 2024-03-10 07:00:00 UTC.
  EXPECT_EQ(ny->OffsetAt(1710054000 - 1), -5 * 3600);
  EXPECT_EQ(ny->OffsetAt(1710054000), -4 * 3600);
  EXPECT_EQ(ny->Lookup(1710054000).abbreviation, "EDT");
  EXPECT_EQ(ny->Lookup(1710054000 - 1).abbreviation, "EST");
  EXPECT_EQ(ny->Lookup(1710054000).begin, 1710054000);
  EXPECT_EQ(ny->Lookup(1710054000 - 1).end, 1710054000);
  // And back at 2024-11-03 06:00:00 UTC.
  EXPECT_EQ(ny->OffsetAt(1730613600 - 1), -4 * 3600);
  EXPECT_EQ(ny->OffsetAt(1730613600), -5 * 3600);
}

TEST(TimeZoneTest, NewYorkAfterTheLastTransitionUsesTheFooterRule) {
  auto ny = Zone("America/New_York");
  EXPECT_EQ(ny->OffsetAt(2215062000 - 1), -5 * 3600);  // 2040-03-11 07:00 UTC
  EXPECT_EQ(ny->OffsetAt(2215062000), -4 * 3600);
  EXPECT_EQ(ny->OffsetAt(2235621600 - 1), -4 * 3600);  // 2040-11-04 06:00 UTC
  EXPECT_EQ(ny->OffsetAt(2235621600), -5 * 3600);
  EXPECT_EQ(ny->Lookup(2215062000).end, 2235621600);
}

TEST(TimeZoneTest, BerlinDaylightSavingBoundaries2024) {
  auto berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin->OffsetAt(1711846800 - 1), 3600);  // 2024-03-31 01:00 UTC
  EXPECT_EQ(berlin->OffsetAt(1711846800), 7200);
  EXPECT_EQ(berlin->OffsetAt(1729990800 - 1), 7200);  // 2024-10-27 01:00 UTC
  EXPECT_EQ(berlin->OffsetAt(1729990800), 3600);
}

TEST(TimeZoneTest, HalfHourZone) {
  auto kolkata = Zone("Asia/Kolkata");
  EXPECT_EQ(kolkata->OffsetAt(1718476200), 5 * 3600 + 1800);
  EXPECT_EQ(kolkata->Lookup(1718476200).abbreviation, "IST");
}

TEST(TimeZoneTest, LocalToUtcAcrossGapAndOverlap) {
  auto ny = Zone("America/New_York");
  const int64_t mar10 = DaysFromCivil(2024, 3, 10) * 86400;
  // 01:30 EST is 06:30 UTC; 02:30 does not exist and reads as 03:30 EDT (07:30 UTC).
  EXPECT_EQ(ny->LocalToUtc(mar10 + 5400), mar10 + 6 * 3600 + 1800);
  EXPECT_EQ(ny->LocalToUtc(mar10 + 9000), mar10 + 7 * 3600 + 1800);
  EXPECT_EQ(ny->LocalToUtc(mar10 + 3 * 3600 + 1800), mar10 + 7 * 3600 + 1800);
  // 01:30 on 2024-11-03 happens twice; the first (EDT, 05:30 UTC) wins.
  const int64_t nov3 = DaysFromCivil(2024, 11, 3) * 86400;
  EXPECT_EQ(ny->LocalToUtc(nov3 + 5400), nov3 + 5 * 3600 + 1800);
  EXPECT_EQ(ny->LocalToUtc(nov3 + 2 * 3600), nov3 + 7 * 3600);
}

TEST(TimeZoneTest, FixedOffsetsAndUtc) {
  EXPECT_EQ(Zone("UTC")->OffsetAt(0), 0);
  EXPECT_EQ(Zone("GMT+05:30")->OffsetAt(0), 19800);
  EXPECT_EQ(Zone("UTC-8")->OffsetAt(0), -28800);
  EXPECT_EQ(Zone("+0100")->OffsetAt(0), 3600);
  EXPECT_EQ(Zone("Etc/GMT+5")->OffsetAt(0), -5 * 3600);  // POSIX sign: west of UTC
}

TEST(TimeZoneTest, UnknownZonesAreErrors) {
  EXPECT_EQ(TimeZone::Load("Mars/Olympus_Mons").status().message(),
            "unknown time zone 'Mars/Olympus_Mons' (no /usr/share/zoneinfo/Mars/Olympus_Mons)");
  EXPECT_EQ(TimeZone::Load("../etc/passwd").status().message(),
            "unknown time zone '../etc/passwd'");
  EXPECT_EQ(TimeZone::Load("/etc/passwd").status().message(), "unknown time zone '/etc/passwd'");
}

TEST(TimeZoneTest, FooterOnlyTzifFile) {
  // A version 2 file with no transitions and a southern-hemisphere rule
  // (standard +10, daylight +11 from the first Sunday of October to the first
  // Sunday of April at 03:00 local daylight time).
  std::string header(44, '\0');
  header.replace(0, 5, "TZif2");
  header[35] = 0;  // timecnt
  header[39] = 1;  // typecnt
  header[43] = 5;  // charcnt
  std::string block;
  block += std::string("\x00\x00\x8c\xa0\x00\x00", 6);  // +36000, std, abbr 0
  block += std::string("AEST\0", 5);
  std::string data = header + block + header + block + "\nAEST-10AEDT,M10.1.0,M4.1.0/3\n";
  auto zone = TimeZone::FromTzif("Test/Sydney", data);
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  // 2024-04-07 03:00 AEDT = 2024-04-06 16:00 UTC; 2024-10-06 02:00 AEST = 2024-10-05 16:00 UTC.
  const int64_t apr = DaysFromCivil(2024, 4, 6) * 86400 + 16 * 3600;
  const int64_t oct = DaysFromCivil(2024, 10, 5) * 86400 + 16 * 3600;
  EXPECT_EQ((*zone)->OffsetAt(apr - 1), 11 * 3600);
  EXPECT_EQ((*zone)->OffsetAt(apr), 10 * 3600);
  EXPECT_EQ((*zone)->OffsetAt(oct - 1), 10 * 3600);
  EXPECT_EQ((*zone)->OffsetAt(oct), 11 * 3600);
  EXPECT_EQ((*zone)->Lookup(oct).abbreviation, "AEDT");
  EXPECT_EQ((*zone)->Lookup(apr).end, oct);
}

TEST(TimeZoneTest, MalformedTzif) {
  EXPECT_EQ(TimeZone::FromTzif("x", "nope").status().message(),
            "time zone x: bad TZif data: no TZif header");
  std::string header(44, '\0');
  header.replace(0, 5, "TZif2");
  header[35] = 10;
  EXPECT_EQ(TimeZone::FromTzif("x", header).status().message(),
            "time zone x: bad TZif data: truncated");
}

}  // namespace
}  // namespace secor
