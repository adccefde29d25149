#include "parse/text_parsers.h"

#include <re2/re2.h>

#include <cmath>
#include <optional>

#include "common/strings.h"
#include "config/config.h"
#include "parse/date_format.h"
#include "parse/json_field.h"
#include "parse/time_partitioner.h"

namespace secor {

Result<int64_t> ParseIso8601(std::string_view text, const TimeZone& zone) {
  size_t pos = 0;
  auto fail = [&](std::string_view why) {
    return Status::InvalidArgument("'{}' is not an ISO-8601 time: {}", text, why);
  };
  auto digits = [&](int n, int* out) {
    if (pos + n > text.size()) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text[pos + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    pos += n;
    return true;
  };
  auto consume = [&](char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };
  int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits(4, &year)) return fail("expected a four-digit year");
  const bool extended = consume('-');
  if (!digits(2, &month) || (extended && !consume('-')) || !digits(2, &day)) {
    return fail("expected the month and day");
  }
  std::optional<int32_t> offset;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    if (!digits(2, &hour)) return fail("expected the hour");
    const bool colons = consume(':');
    if (!digits(2, &minute)) return fail("expected the minutes");
    if ((colons && consume(':')) ||
        (!colons && pos < text.size() && text[pos] >= '0' && text[pos] <= '9')) {
      if (!digits(2, &second)) return fail("expected the seconds");
      if (consume('.') || consume(',')) {
        int n = 0;
        int64_t frac = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (n < 3) frac = frac * 10 + (text[pos] - '0');
          ++n;
          ++pos;
        }
        if (n == 0) return fail("expected digits after the decimal point");
        for (int i = n; i < 3; ++i) frac *= 10;
        millis = static_cast<int>(frac);
      }
    }
    if (consume('Z') || consume('z')) {
      offset = 0;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos++] == '-' ? -1 : 1;
      int oh, om = 0;
      if (!digits(2, &oh)) return fail("expected the offset hours");
      // +HH:MM or +HHMM; +HH alone ends the text.
      if ((consume(':') || pos < text.size()) && !digits(2, &om)) {
        return fail("expected the offset minutes");
      }
      if (oh > 23 || om > 59) return fail("offset out of range");
      offset = sign * (oh * 3600 + om * 60);
    }
  }
  if (pos != text.size())
    return fail(fmt::format("unexpected '{}' at character {}", text[pos], pos + 1));
  if (month < 1 || month > 12) return fail("month out of range");
  const int64_t first = DaysFromCivil(year, month, 1);
  const int64_t next =
      month == 12 ? DaysFromCivil(year + 1, 1, 1) : DaysFromCivil(year, month + 1, 1);
  if (day < 1 || day > next - first) return fail("day out of range");
  // 24:00:00 is the end of the day in ISO-8601; 60 seconds is a leap second.
  if (hour > 24 || minute > 59 || second > 60 || (hour == 24 && (minute || second || millis))) {
    return fail("time out of range");
  }
  const int64_t local =
      (first + day - 1) * 86400 + hour * 3600 + minute * 60 + std::min(second, 59);
  const int64_t utc = offset ? local - *offset : zone.LocalToUtc(local);
  return utc * 1000 + millis;
}

namespace {

// A JSON number (or a string holding one) as epoch milliseconds.
std::optional<int64_t> NumberToMillis(std::string_view text) {
  if (auto i = ParseInt64(text)) return EpochToMillis(*i);
  if (auto d = ParseDouble(text); d && std::isfinite(*d)) return EpochToMillis(*d);
  return std::nullopt;
}

class JsonTimestampExtractor : public TimestampExtractor {
 public:
  enum class Mode { kAuto, kIso, kPattern };

  JsonTimestampExtractor(std::string_view path, std::string_view separator, Mode mode,
                         std::optional<DateFormat> pattern, std::shared_ptr<const TimeZone> zone)
      : reader_(path, separator),
        mode_(mode),
        pattern_(std::move(pattern)),
        zone_(std::move(zone)) {}

  Result<int64_t> ExtractMillis(const Message& message) override {
    JsonFieldReader::Field field;
    RETURN_IF_ERROR(reader_.Read(message.payload, &field));
    const std::string& name = reader_.name();
    if (field.kind == JsonFieldReader::Field::kOther) {
      return Status::InvalidArgument("field {} is not a number or a string", name);
    }
    if (mode_ == Mode::kPattern ||
        (mode_ == Mode::kAuto && pattern_ && field.kind == field.kString)) {
      auto r = pattern_->Parse(field.text, *zone_);
      if (!r.ok()) return r.status().WithContext("field " + name);
      return r;
    }
    if (auto ms = NumberToMillis(field.text)) return *ms;
    if (field.kind == field.kNumber) {
      return Status::InvalidArgument("field {}: number {} out of range", name, field.text);
    }
    auto r = ParseIso8601(field.text, *zone_);
    if (!r.ok()) return r.status().WithContext("field " + name);
    return r;
  }

 private:
  JsonFieldReader reader_;
  Mode mode_;
  std::optional<DateFormat> pattern_;
  std::shared_ptr<const TimeZone> zone_;
};

Result<std::optional<DateFormat>> InputPattern(const Config& config, std::string_view topic,
                                               bool required) {
  const std::string key = "message.timestamp.input.pattern";
  ASSIGN_OR_RETURN(std::string pattern, config.StringForTopic(key, topic));
  if (pattern.empty()) {
    if (required) return config.Required(key).status();
    return std::optional<DateFormat>();
  }
  auto format = DateFormat::Compile(pattern);
  if (!format.ok()) return config.BadValue(key, format.status().message());
  return std::optional<DateFormat>(std::move(format).value());
}

Result<std::unique_ptr<TimestampExtractor>> NewJsonExtractor(const Config& config,
                                                             std::string_view topic,
                                                             JsonTimestampExtractor::Mode mode) {
  ASSIGN_OR_RETURN(std::string name, config.StringForTopic("message.timestamp.name", topic));
  ASSIGN_OR_RETURN(std::string separator,
                   config.StringForTopic("message.timestamp.name.separator", topic));
  if (name.empty()) return config.Required("message.timestamp.name").status();
  ASSIGN_OR_RETURN(auto pattern,
                   InputPattern(config, topic, mode == JsonTimestampExtractor::Mode::kPattern));
  if (mode == JsonTimestampExtractor::Mode::kIso) pattern.reset();
  ASSIGN_OR_RETURN(auto zone, LoadPartitionerZone(config, topic));
  return std::unique_ptr<TimestampExtractor>(
      new JsonTimestampExtractor(name, separator, mode, std::move(pattern), std::move(zone)));
}

class RegexExtractor : public TimestampExtractor {
 public:
  explicit RegexExtractor(std::unique_ptr<RE2> re) : re_(std::move(re)) {}

  Result<int64_t> ExtractMillis(const Message& message) override {
    re2::StringPiece group;
    if (!RE2::PartialMatch(re2::StringPiece(message.payload.data(), message.payload.size()), *re_,
                           &group)) {
      return Status::NotFound("timestamp regex '{}' does not match", re_->pattern());
    }
    std::string_view text(group.data(), group.size());
    if (auto ms = NumberToMillis(text)) return *ms;
    return Status::InvalidArgument("timestamp '{}' matched by regex '{}' is not a number", text,
                                   re_->pattern());
  }

 private:
  std::unique_ptr<RE2> re_;
};

class KafkaTimestampExtractor : public TimestampExtractor {
 public:
  Result<int64_t> ExtractMillis(const Message& message) override {
    if (message.timestamp_ms < 0) return Status::NotFound("message has no Kafka timestamp");
    return message.timestamp_ms;
  }
};

class SplitByFieldParser : public MessageParser {
 public:
  SplitByFieldParser(std::string_view field, std::string_view separator,
                     std::unique_ptr<MessageParser> time)
      : reader_(field, separator), time_(std::move(time)) {}

  Status Partition(const Message& message, std::string* path) override {
    JsonFieldReader::Field field;
    RETURN_IF_ERROR(reader_.Read(message.payload, &field));
    if (field.kind == field.kOther) {
      return Status::InvalidArgument("split field {} is not a string or a number", reader_.name());
    }
    // The value names a directory: it must not climb out of the topic or
    // make more than one level.
    std::string dir(field.text);
    for (char& c : dir) {
      if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
    }
    if (dir.empty() || dir == "." || dir == "..") {
      return Status::InvalidArgument("split field {} value '{}' cannot name a directory",
                                     reader_.name(), dir);
    }
    RETURN_IF_ERROR(time_->Partition(message, path));
    path->insert(0, dir + "/");
    return Status::OK();
  }

  // The field's directory comes before the time: not a layout the finalizer walks.
  bool PartitionsByTime() const override { return false; }
  Result<int64_t> MessageTime(const Message& message) override {
    return time_->MessageTime(message);
  }

 private:
  JsonFieldReader reader_;
  std::unique_ptr<MessageParser> time_;
};

}  // namespace

Result<std::unique_ptr<MessageParser>> NewJsonParser(const Config& config, std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor,
                   NewJsonExtractor(config, topic, JsonTimestampExtractor::Mode::kAuto));
  return NewTimeParser(config, topic, std::move(extractor));
}

Result<std::unique_ptr<MessageParser>> NewIso8601Parser(const Config& config,
                                                        std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor,
                   NewJsonExtractor(config, topic, JsonTimestampExtractor::Mode::kIso));
  return NewTimeParser(config, topic, std::move(extractor));
}

Result<std::unique_ptr<MessageParser>> NewDateParser(const Config& config, std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor,
                   NewJsonExtractor(config, topic, JsonTimestampExtractor::Mode::kPattern));
  // The original wrote only the date directory.
  ASSIGN_OR_RETURN(PartitionerOptions dates, LoadDatePartitionerOptions(config, topic));
  return NewTimeParser(config, topic, std::move(extractor), std::move(dates));
}

Result<std::unique_ptr<MessageParser>> NewPatternDateParser(const Config& config,
                                                            std::string_view topic) {
  ASSIGN_OR_RETURN(auto extractor,
                   NewJsonExtractor(config, topic, JsonTimestampExtractor::Mode::kPattern));
  ASSIGN_OR_RETURN(std::string format,
                   config.StringForTopic("secor.partition.output_dt_format", topic));
  if (Trim(format).empty()) format = "yyyy-MM-dd";
  // One directory, the date in the original's own key, without a prefix.
  PartitionerOptions dates;
  ASSIGN_OR_RETURN(dates.zone, LoadPartitionerZone(config, topic));
  auto compiled = DateFormat::Compile(format);
  if (!compiled.ok()) {
    return config.BadValue("secor.partition.output_dt_format", compiled.status().message());
  }
  dates.levels.push_back({"", std::move(compiled).value()});
  return NewTimeParser(config, topic, std::move(extractor), std::move(dates));
}

Result<std::unique_ptr<MessageParser>> NewRegexParser(const Config& config,
                                                      std::string_view topic) {
  const std::string key = "message.timestamp.input.pattern";
  ASSIGN_OR_RETURN(std::string pattern, config.StringForTopic(key, topic));
  if (pattern.empty()) return config.Required(key).status();
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) return config.BadValue(key, "bad regex: " + re->error());
  if (re->NumberOfCapturingGroups() < 1)
    return config.BadValue(key, "the regex needs a group for the timestamp");
  return NewTimeParser(config, topic, std::make_unique<RegexExtractor>(std::move(re)));
}

Result<std::unique_ptr<MessageParser>> NewSplitByFieldParser(const Config& config,
                                                             std::string_view topic) {
  const std::string key = "message.split.field.name";
  ASSIGN_OR_RETURN(std::string field, config.StringForTopic(key, topic));
  if (field.empty()) return config.Required(key).status();
  ASSIGN_OR_RETURN(std::string separator,
                   config.StringForTopic("message.timestamp.name.separator", topic));
  ASSIGN_OR_RETURN(auto time, NewJsonParser(config, topic));
  return std::unique_ptr<MessageParser>(new SplitByFieldParser(field, separator, std::move(time)));
}

Result<std::unique_ptr<MessageParser>> NewKafkaTimestampParser(const Config& config,
                                                               std::string_view topic) {
  return NewTimeParser(config, topic, std::make_unique<KafkaTimestampExtractor>());
}

}  // namespace secor
