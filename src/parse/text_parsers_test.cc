#include "parse/text_parsers.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

// Partitions payload with the parser that `settings` name; "error: <why>" on failure.
std::string PartitionWith(std::map<std::string, std::string> settings, std::string_view payload,
                          std::string_view topic = "t", int64_t kafka_ts = -1) {
  auto parser = NewMessageParser(Config::FromMap(settings), topic);
  if (!parser.ok()) return "config: " + parser.status().message();
  Message m;
  m.topic = topic;
  m.payload = payload;
  m.timestamp_ms = kafka_ts;
  std::string path;
  Status st = (*parser)->Partition(m, &path);
  return st.ok() ? path : "error: " + st.message();
}

std::map<std::string, std::string> Json(std::map<std::string, std::string> extra = {}) {
  extra.emplace("secor.message.parser.class", "com.pinterest.secor.parser.JsonMessageParser");
  extra.emplace("partitioner.granularity.hour", "true");
  return extra;
}

TEST(JsonParserTest, NumbersInEveryUnit) {
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1718476205})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1718476205042})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1718476205042123})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1718476205042123456})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1718476205.9})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1.718476205E9})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":"1718476205042"})"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"a":[1,{"timestamp":0}],"timestamp": 1718409599 ,"z":true})"),
            "dt=2024-06-14/hr=23");
}

TEST(JsonParserTest, StringsAsIso8601OrByPattern) {
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":"2024-06-15T18:30:05Z"})"),
            "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":"2024-06-16T00:15:00+05:30"})"),
            "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.input.pattern", "dd/MM/yyyy HH:mm"}}),
                          R"({"timestamp":"15/06/2024 18:30"})"),
            "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.input.pattern", "dd/MM/yyyy HH:mm"}}),
                          R"({"timestamp":1718476205})"),
            "dt=2024-06-15/hr=18");
}

TEST(JsonParserTest, NestedPathsAndSeparator) {
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.name", "meta.time.ts"}}),
                          R"({"meta":{"x":1,"time":{"ts":1718476205}}})"),
            "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.name", "meta/ts"},
                                {"message.timestamp.name.separator", "/"}}),
                          R"({"meta":{"ts":1718476205}})"),
            "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.name", "meta.ts"}}), R"({"meta":5})"),
            "error: field meta.ts missing");
}

TEST(JsonParserTest, TimeZoneAndPerTopicKeys) {
  auto s =
      Json({{"secor.parser.timezone.ny", "America/New_York"}, {"message.timestamp.name.ny", "t"}});
  EXPECT_EQ(PartitionWith(s, R"({"t":1718476205})", "ny"), "dt=2024-06-15/hr=14");
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":1718476205})", "other"), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":1718476205})", "ny"), "error: field t missing");
}

// A time far from now (a wrong unit, a broken producer) goes to the error
// output instead of a directory such as dt=5138-11-16 that no query reads.
TEST(JsonParserTest, TimesOutsideTheSaneYearsAreErrors) {
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":99999999999999999999})"),
            "error: message time 5138-11-16 (100000000000000 ms) is outside the years 2000 to "
            "2100 (message.timestamp.min.year, message.timestamp.max.year)");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":-5})"),
            "error: message time 1969-12-31 (-5000 ms) is outside the years 2000 to 2100 "
            "(message.timestamp.min.year, message.timestamp.max.year)");
  // The bounds are whole years, UTC.
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":"2000-01-01T00:00:00Z"})"),
            "dt=2000-01-01/hr=00");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":"2100-12-31T23:59:59Z"})"),
            "dt=2100-12-31/hr=23");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":"1999-12-31T23:59:59Z"})"),
            "error: message time 1999-12-31 (946684799000 ms) is outside the years 2000 to 2100 "
            "(message.timestamp.min.year, message.timestamp.max.year)");
  // Kafka's timestamps too.
  EXPECT_EQ(PartitionWith(Json({{"kafka.useTimestamp", "true"}}), "{}", "t", 5),
            "error: message time 1970-01-01 (5 ms) is outside the years 2000 to 2100 "
            "(message.timestamp.min.year, message.timestamp.max.year)");
  // History is a setting away, per topic as well.
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.min.year.t", "1960"}}), R"({"timestamp":-5})"),
            "dt=1969-12-31/hr=23");
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.max.year", "1999"}}), "{}"),
            "config: message.timestamp.max.year=1999 (test): expected a year from "
            "message.timestamp.min.year (2000) to 9999");
}

TEST(JsonParserTest, MalformedInput) {
  EXPECT_EQ(PartitionWith(Json(), R"({"other":1})"), "error: field timestamp missing");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":null})"), "error: field timestamp missing");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":true})"),
            "error: field timestamp is not a number or a string");
  EXPECT_EQ(PartitionWith(Json(), R"([1,2])"), "error: not a JSON object");
  EXPECT_EQ(PartitionWith(Json(), "hello"),
            "error: not JSON: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.");
  EXPECT_EQ(PartitionWith(Json(), "not json at all"),
            "error: not JSON: Problem while parsing an atom starting with the letter 'n'");
  EXPECT_EQ(
      PartitionWith(Json(), R"({"timestamp":"yesterday"})"),
      "error: field timestamp: 'yesterday' is not an ISO-8601 time: expected a four-digit year");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":1e999})"),
            "error: field timestamp: number 1e999 out of range");
  EXPECT_EQ(PartitionWith(Json({{"message.timestamp.input.pattern", "yyyy-MM-dd"}}),
                          R"({"timestamp":"2024-13-01"})"),
            "error: field timestamp: '2024-13-01' does not match date pattern 'yyyy-MM-dd': month "
            "13 out of range");
  EXPECT_EQ(PartitionWith(Json(), R"({"a":"x","timestamp)"),
            "error: not JSON: A string is opened, but never closed.");
  EXPECT_EQ(PartitionWith(Json(), R"({"a" 1, "timestamp":5})"),
            "error: not JSON at byte 5: The JSON document has an improper structure: missing or "
            "superfluous commas, "
            "braces, missing keys, etc.");
  EXPECT_EQ(PartitionWith(Json(), R"({"timestamp":})"),
            "error: not JSON at byte 13: The JSON document has an improper structure: missing or "
            "superfluous commas, "
            "braces, missing keys, etc.");
  // Only the path to the field is checked (On Demand skips the rest): the
  // payload is stored as it came, so validating all of it buys nothing.
  EXPECT_EQ(PartitionWith(Json(), R"({"a":[1,2}, "timestamp":1718476205})"), "dt=2024-06-15/hr=18");
}

TEST(JsonParserTest, NotRequiredGoesToTheEpoch) {
  auto s = Json({{"message.timestamp.required", "false"}});
  EXPECT_EQ(PartitionWith(s, R"({"other":1})"), "dt=1970-01-01/hr=00");
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"junk"})"),
            "error: field timestamp: 'junk' is not an ISO-8601 time: expected a four-digit year");
}

TEST(JsonParserTest, KafkaTimestampInstead) {
  auto s = Json({{"kafka.useTimestamp", "true"}});
  EXPECT_EQ(PartitionWith(s, "not even json", "t", 1718476205042), "dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(s, "{}", "t", -1), "error: message has no Kafka timestamp");
}

TEST(Iso8601Test, Forms) {
  auto utc = TimeZone::Utc();
  EXPECT_EQ(*ParseIso8601("2024-06-15", *utc), 1718409600000);
  EXPECT_EQ(*ParseIso8601("2024-06-15T18:30:05.042Z", *utc), 1718476205042);
  EXPECT_EQ(*ParseIso8601("2024-06-15T18:30:05.042123456Z", *utc), 1718476205042);
  EXPECT_EQ(*ParseIso8601("2024-06-16T00:00:05,5+05:30", *utc), 1718476205500);
  EXPECT_EQ(*ParseIso8601("2024-06-15T14:30:05-04", *utc), 1718476205000);
  EXPECT_EQ(*ParseIso8601("2024-06-15T10:30:05-0800", *utc), 1718476205000);
  EXPECT_EQ(*ParseIso8601("20240615T183005Z", *utc), 1718476205000);
  EXPECT_EQ(*ParseIso8601("2024-06-15 18:30", *utc), 1718476200000);
  EXPECT_EQ(*ParseIso8601("2024-06-15T24:00:00Z", *utc), 1718496000000);
  EXPECT_EQ(*ParseIso8601("2024-06-15T14:30:05", **TimeZone::Load("America/New_York")),
            1718476205000);
}

TEST(Iso8601Test, Errors) {
  auto utc = TimeZone::Utc();
  EXPECT_EQ(ParseIso8601("2024-06-15T18", *utc).status().message(),
            "'2024-06-15T18' is not an ISO-8601 time: expected the minutes");
  EXPECT_EQ(ParseIso8601("2024-02-30", *utc).status().message(),
            "'2024-02-30' is not an ISO-8601 time: day out of range");
  EXPECT_EQ(ParseIso8601("2024-06-15T18:30:05Q", *utc).status().message(),
            "'2024-06-15T18:30:05Q' is not an ISO-8601 time: unexpected 'Q' at character 20");
  EXPECT_EQ(ParseIso8601("2024-06-15T25:00Z", *utc).status().message(),
            "'2024-06-15T25:00Z' is not an ISO-8601 time: time out of range");
}

TEST(Iso8601ParserTest, ReadsTheJsonField) {
  std::map<std::string, std::string> s = {{"secor.message.parser.class", "Iso8601MessageParser"}};
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2024-06-15T23:30:00-02:00"})"), "dt=2024-06-16");
  EXPECT_EQ(
      PartitionWith(s, R"({"timestamp":"06/15/2024"})"),
      "error: field timestamp: '06/15/2024' is not an ISO-8601 time: expected a four-digit year");
}

TEST(DateParserTest, DateOnlyWithThePattern) {
  std::map<std::string, std::string> s = {
      {"secor.message.parser.class", "com.pinterest.secor.parser.DateMessageParser"},
      {"message.timestamp.input.pattern", "yyyy-MM-dd HH:mm:ss"},
      {"partitioner.granularity.hour", "true"}};
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2014-07-30 10:53:20"})"), "dt=2014-07-30");
  s["message.timestamp.input.pattern"] = "yyyy/MM/d";
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2014/10/25"})"), "dt=2014-10-25");
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2014-10-25"})"),
            "error: field timestamp: '2014-10-25' does not match date pattern 'yyyy/MM/d': "
            "expected '/' at character 5");
  s.erase("message.timestamp.input.pattern");
  EXPECT_EQ(PartitionWith(s, "{}"),
            "config: message.timestamp.input.pattern: required setting is missing");
}

TEST(PatternDateParserTest, OutputFormatIsTheWholeDirectory) {
  std::map<std::string, std::string> s = {
      {"secor.message.parser.class", "PatternDateMessageParser"},
      {"message.timestamp.input.pattern", "yyyy-MM-dd HH:mm:ss"},
      {"secor.partition.output_dt_format", "'year='yyyy/'month='MM"}};
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2014-07-30 10:53:20"})"), "year=2014/month=07");
  s.erase("secor.partition.output_dt_format");
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2014-07-30 10:53:20"})"), "2014-07-30");
  // The hour keys do not apply, and a bad output format names its own key.
  s["partitioner.granularity.hour"] = "true";
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":"2014-07-30 10:53:20"})"), "2014-07-30");
  s["secor.partition.output_dt_format"] = "'yyyy";
  EXPECT_TRUE(PartitionWith(s, "{}").starts_with("config: secor.partition.output_dt_format='yyyy"))
      << PartitionWith(s, "{}");
}

TEST(RegexParserTest, GroupOneIsTheTimestamp) {
  std::map<std::string, std::string> s = {
      {"secor.message.parser.class", "RegexMessageParser"},
      {"message.timestamp.input.pattern", "^[^ ]+ [^ ]+ ([^ ]+) .*$"}};
  EXPECT_EQ(PartitionWith(s, "GET /a 1718476205 200 extra"), "dt=2024-06-15");
  EXPECT_EQ(PartitionWith(s, "GET /a 1718476205042 200"), "dt=2024-06-15");
  EXPECT_EQ(PartitionWith(s, "GET /a 1718476205042123 200"), "dt=2024-06-15");
  EXPECT_EQ(PartitionWith(s, "GET /a 1718476205042123456 200"), "dt=2024-06-15");
  EXPECT_EQ(PartitionWith(s, "short"),
            "error: timestamp regex '^[^ ]+ [^ ]+ ([^ ]+) .*$' does not match");
  EXPECT_EQ(PartitionWith(s, "GET /a noon 200"),
            "error: timestamp 'noon' matched by regex '^[^ ]+ [^ ]+ ([^ ]+) .*$' is not a number");
  s["message.timestamp.input.pattern"] = "[0-9]+";
  EXPECT_EQ(PartitionWith(s, ""),
            "config: message.timestamp.input.pattern=[0-9]+ (test): the regex needs a group for "
            "the timestamp");
  s["message.timestamp.input.pattern"] = "(";
  EXPECT_EQ(PartitionWith(s, ""),
            "config: message.timestamp.input.pattern=( (test): bad regex: missing ): (");
}

TEST(SplitByFieldParserTest, FieldValueFirst) {
  std::map<std::string, std::string> s = {
      {"secor.message.parser.class", "SplitByFieldMessageParser"},
      {"message.split.field.name", "event"},
      {"partitioner.granularity.hour", "true"}};
  EXPECT_EQ(PartitionWith(s, R"({"event":"click","timestamp":1718476205})"),
            "click/dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(s, R"({"event":42,"timestamp":1718476205})"), "42/dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(s, R"({"event":"../../etc","timestamp":1718476205})"),
            ".._.._etc/dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(s, R"({"event":"a/b\\c\n","timestamp":1718476205})"),
            "a_b_c_/dt=2024-06-15/hr=18");
  EXPECT_EQ(PartitionWith(s, R"({"event":"..","timestamp":1718476205})"),
            "error: split field event value '..' cannot name a directory");
  EXPECT_EQ(PartitionWith(s, R"({"event":"","timestamp":1718476205})"),
            "error: split field event value '' cannot name a directory");
  EXPECT_EQ(PartitionWith(s, R"({"timestamp":1718476205})"), "error: field event missing");
  EXPECT_EQ(PartitionWith(s, R"({"event":{},"timestamp":1718476205})"),
            "error: split field event is not a string or a number");
  s["message.split.field.name"] = "$.message.data.db";
  EXPECT_EQ(PartitionWith(s, R"({"message":{"data":{"db":"my_db"}},"timestamp":1718476205})"),
            "my_db/dt=2024-06-15/hr=18");
}

TEST(KafkaTimestampParserTest, UsesTheRecordTimestamp) {
  std::map<std::string, std::string> s = {{"secor.message.parser.class", "KafkaTimestampParser"},
                                          {"partitioner.granularity.minute", "true"}};
  EXPECT_EQ(PartitionWith(s, "anything", "t", 1718476205042), "dt=2024-06-15/hr=18/min=30");
  EXPECT_EQ(PartitionWith(s, "anything", "t", -1), "error: message has no Kafka timestamp");
  s["message.timestamp.required"] = "false";
  EXPECT_EQ(PartitionWith(s, "anything", "t", -1), "dt=1970-01-01/hr=00/min=00");
}

TEST(ParserRegistryTest, UnknownParserNamesTheKey) {
  const std::string r =
      PartitionWith({{"secor.message.parser.class", "com.example.NoSuchParser"}}, "");
  EXPECT_TRUE(
      r.starts_with("config: secor.message.parser.class=com.example.NoSuchParser (test): unknown "
                    "parser (known: "))
      << r;
}

}  // namespace
}  // namespace secor
