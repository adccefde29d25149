#include "parse/date_format.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

DateFormat Compile(std::string_view p) {
  auto f = DateFormat::Compile(p);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return *f;
}

std::shared_ptr<const TimeZone> Zone(const char* name) { return *TimeZone::Load(name); }

// 2024-06-15T18:30:05.042Z
constexpr int64_t kJune = 1718476205042;

TEST(DateFormatTest, FormatsNumericFields) {
  auto utc = TimeZone::Utc();
  EXPECT_EQ(Compile("yyyy-MM-dd").Format(kJune, *utc), "2024-06-15");
  EXPECT_EQ(Compile("yyyyMMdd'T'HHmmss.SSS").Format(kJune, *utc), "20240615T183005.042");
  EXPECT_EQ(Compile("yy/M/d H:m:s S").Format(kJune, *utc), "24/6/15 18:30:5 42");
  EXPECT_EQ(Compile("D u k K h a").Format(kJune, *utc), "167 6 18 6 6 PM");
  EXPECT_EQ(Compile("EEE EEEE MMM MMMM G").Format(kJune, *utc), "Sat Saturday Jun June AD");
  EXPECT_EQ(Compile("'dt='yyyy-MM-dd'/hr='HH").Format(kJune, *utc), "dt=2024-06-15/hr=18");
  EXPECT_EQ(Compile("'it''s' ''").Format(kJune, *utc), "it's '");
}

TEST(DateFormatTest, FormatsOffsetsAndZoneNames) {
  EXPECT_EQ(Compile("HH:mm Z X XX XXX z").Format(kJune, *Zone("Asia/Kolkata")),
            "00:00 +0530 +05 +0530 +05:30 IST");
  EXPECT_EQ(Compile("HH:mm Z XXX z").Format(kJune, *Zone("America/New_York")),
            "14:30 -0400 -04:00 EDT");
  EXPECT_EQ(Compile("X z").Format(kJune, *TimeZone::Utc()), "Z UTC");
}

TEST(DateFormatTest, FormatsBeforeTheEpoch) {
  EXPECT_EQ(Compile("yyyy-MM-dd HH:mm:ss.SSS").Format(-1, *TimeZone::Utc()),
            "1969-12-31 23:59:59.999");
}

TEST(DateFormatTest, RejectsUnsupportedPatterns) {
  EXPECT_EQ(DateFormat::Compile("yyyy-ww").status().message(),
            "date pattern 'yyyy-ww': unsupported letter 'w'");
  EXPECT_EQ(DateFormat::Compile("'dt=yyyy").status().message(),
            "date pattern ''dt=yyyy': unterminated quote");
}

TEST(DateFormatTest, ParsesInTheConfiguredZone) {
  auto f = Compile("yyyy-MM-dd HH:mm:ss");
  EXPECT_EQ(*f.Parse("2024-06-15 18:30:05", *TimeZone::Utc()), 1718476205000);
  EXPECT_EQ(*f.Parse("2024-06-15 14:30:05", *Zone("America/New_York")), 1718476205000);
  EXPECT_EQ(*f.Parse("2024-06-16 00:00:05", *Zone("Asia/Kolkata")), 1718476205000);
  // Text after the pattern is ignored, as Java does.
  EXPECT_EQ(*Compile("yyyy-MM-dd").Parse("2024-06-15T18:30:05Z", *TimeZone::Utc()), 1718409600000);
}

TEST(DateFormatTest, ParsesOffsetsInTheText) {
  auto ny = Zone("America/New_York");
  EXPECT_EQ(*Compile("yyyy-MM-dd'T'HH:mm:ssXXX").Parse("2024-06-16T00:00:05+05:30", *ny),
            1718476205000);
  EXPECT_EQ(*Compile("yyyy-MM-dd'T'HH:mm:ssZ").Parse("2024-06-15T10:30:05-0800", *ny),
            1718476205000);
  EXPECT_EQ(*Compile("yyyy-MM-dd'T'HH:mm:ssX").Parse("2024-06-15T18:30:05Z", *ny), 1718476205000);
  EXPECT_EQ(*Compile("yyyy-MM-dd HH:mm:ss z").Parse("2024-06-15 14:30:05 EDT", *ny), 1718476205000);
  EXPECT_EQ(*Compile("yyyy-MM-dd HH:mm:ss z").Parse("2024-06-15 20:30:05 GMT+02:00", *ny),
            1718476205000);
}

TEST(DateFormatTest, ParsesNamesFractionsAndTwelveHourClock) {
  auto utc = TimeZone::Utc();
  EXPECT_EQ(*Compile("EEE, d MMM yyyy hh:mm:ss a").Parse("Sat, 15 jun 2024 06:30:05 PM", *utc),
            1718476205000);
  EXPECT_EQ(*Compile("EEEE, MMMM d, yyyy h:mm a").Parse("Saturday, June 15, 2024 12:05 AM", *utc),
            1718409900000);
  EXPECT_EQ(*Compile("yyyy-MM-dd HH:mm:ss.SSS").Parse("2024-06-15 18:30:05.042", *utc),
            1718476205042);
  EXPECT_EQ(*Compile("yyyy-MM-dd HH:mm:ss.S").Parse("2024-06-15 18:30:05.5", *utc), 1718476205500);
  EXPECT_EQ(*Compile("yyyy-MM-dd HH:mm:ss.SSSSSS").Parse("2024-06-15 18:30:05.042999", *utc),
            1718476205042);
  EXPECT_EQ(*Compile("yyyyMMddHHmmss").Parse("20240615183005", *utc), 1718476205000);
  EXPECT_EQ(*Compile("yyyyDDD").Parse("2024167", *utc), 1718409600000);
  EXPECT_EQ(*Compile("dd/MM/yy").Parse("15/06/24", *utc), 1718409600000);
  EXPECT_EQ(*Compile("dd/MM/yy").Parse("15/06/99", *utc), 929404800000);
}

TEST(DateFormatTest, ParseErrorsSayWhy) {
  auto utc = TimeZone::Utc();
  auto f = Compile("yyyy-MM-dd HH:mm");
  EXPECT_EQ(
      f.Parse("2024-13-01 00:00", *utc).status().message(),
      "'2024-13-01 00:00' does not match date pattern 'yyyy-MM-dd HH:mm': month 13 out of range");
  EXPECT_EQ(
      f.Parse("2023-02-29 00:00", *utc).status().message(),
      "'2023-02-29 00:00' does not match date pattern 'yyyy-MM-dd HH:mm': day 29 out of range");
  EXPECT_EQ(
      f.Parse("2024-01-01 24:00", *utc).status().message(),
      "'2024-01-01 24:00' does not match date pattern 'yyyy-MM-dd HH:mm': hour 24 out of range");
  EXPECT_EQ(f.Parse("2024/01/01 00:00", *utc).status().message(),
            "'2024/01/01 00:00' does not match date pattern 'yyyy-MM-dd HH:mm': expected '-' at "
            "character 5");
  EXPECT_EQ(f.Parse("2024-01-01 xx", *utc).status().message(),
            "'2024-01-01 xx' does not match date pattern 'yyyy-MM-dd HH:mm': expected a number at "
            "character 12");
  EXPECT_EQ(Compile("MMM").Parse("Foo", *utc).status().message(),
            "'Foo' does not match date pattern 'MMM': expected a month name at character 1");
  EXPECT_EQ(Compile("HHZ").Parse("10+2", *utc).status().message(),
            "'10+2' does not match date pattern 'HHZ': expected a UTC offset at character 3");
}

TEST(DateFormatTest, RoundTripsEveryHourOfADaylightSavingDay) {
  auto berlin = Zone("Europe/Berlin");
  auto f = Compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
  for (int64_t ms = 1729980000000; ms < 1730000000000; ms += 900'000 + 7) {
    std::string text = f.Format(ms, *berlin);
    auto back = f.Parse(text, *berlin);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, ms) << text;
  }
}

}  // namespace
}  // namespace secor
