#include "parse/time_partitioner.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "common/strings.h"
#include "config/config.h"
#include "parse/date_format.h"
#include "parse/time_zone.h"

namespace secor {
namespace {

int64_t UnitMillis(DateFormat::Unit unit) {
  switch (unit) {
    case DateFormat::Unit::kMillisecond:
      return 1;
    case DateFormat::Unit::kSecond:
      return 1000;
    case DateFormat::Unit::kMinute:
      return 60'000;
    case DateFormat::Unit::kHour:
      return 3'600'000;
    case DateFormat::Unit::kDay:
      return 86'400'000;
  }
  return 1;
}

constexpr int64_t kLimitMillis = 100'000'000'000'000'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Seconds to milliseconds, saturating (span ends may be INT64_MIN/MAX).
int64_t SecondsToMillis(int64_t s) {
  if (s > INT64_MAX / 1000) return INT64_MAX;
  if (s < INT64_MIN / 1000) return INT64_MIN;
  return s * 1000;
}

class TimePartitionerImpl : public TimePartitioner {
 public:
  explicit TimePartitionerImpl(PartitionerOptions options)
      : zone_(std::move(options.zone)), levels_(std::move(options.levels)) {
    DateFormat::Unit finest = DateFormat::Unit::kDay;
    for (const PartitionLevel& l : levels_) finest = std::min(finest, l.format.finest_unit());
    unit_ms_ = UnitMillis(finest);
  }

  // The text only changes when the local unit (day, hour, ...) or the UTC
  // offset changes, so a cached window makes the common case one comparison.
  void PathFor(int64_t ms, std::string* path) const override {
    // Beyond +-3 million years the arithmetic below could overflow.
    ms = std::clamp<int64_t>(ms, -kLimitMillis, kLimitMillis);
    if (ms >= cache_begin_ && ms < cache_end_) {
      path->assign(cache_path_);
      return;
    }
    const CivilTime civil = ToCivil(ms, *zone_);
    cache_path_.clear();
    for (size_t i = 0; i < levels_.size(); ++i) {
      if (i > 0) cache_path_.push_back('/');
      cache_path_.append(levels_[i].prefix);
      levels_[i].format.Format(civil, &cache_path_);
    }
    const TimeZone::Span span = zone_->Lookup(FloorDiv(ms, 1000));
    const int64_t offset_ms = int64_t{span.offset} * 1000;
    int64_t begin = FloorDiv(ms + offset_ms, unit_ms_) * unit_ms_ - offset_ms;
    int64_t end = begin + unit_ms_;
    cache_begin_ = std::max(begin, SecondsToMillis(span.begin));
    cache_end_ = std::min(end, SecondsToMillis(span.end));
    path->assign(cache_path_);
  }

 private:
  std::shared_ptr<const TimeZone> zone_;
  std::vector<PartitionLevel> levels_;
  int64_t unit_ms_ = 1;
  mutable int64_t cache_begin_ = 0;
  mutable int64_t cache_end_ = 0;
  mutable std::string cache_path_;
};

// The instants a message time may take: [min_ms, max_ms).
struct TimeRange {
  int64_t min_ms = 0;
  int64_t max_ms = 0;
  int64_t min_year = 0;
  int64_t max_year = 0;
};

class TimeParser : public MessageParser {
 public:
  TimeParser(std::unique_ptr<TimestampExtractor> extractor,
             std::unique_ptr<TimePartitioner> partitioner, bool use_kafka_timestamp, bool required,
             TimeRange range)
      : extractor_(std::move(extractor)),
        partitioner_(std::move(partitioner)),
        use_kafka_timestamp_(use_kafka_timestamp),
        required_(required),
        range_(range) {}

  Status Partition(const Message& message, std::string* path) override {
    ASSIGN_OR_RETURN(int64_t ms, MessageTime(message));
    partitioner_->PathFor(ms, path);
    return Status::OK();
  }

  bool PartitionsByTime() const override { return true; }

  // A missing time that is not required counts as the epoch, as in Partition.
  Result<int64_t> MessageTime(const Message& message) override {
    if (use_kafka_timestamp_ || !extractor_) {
      if (message.timestamp_ms >= 0) return InRange(message.timestamp_ms);
      if (required_) return Status::InvalidArgument("message has no Kafka timestamp");
      return int64_t{0};
    }
    Result<int64_t> r = extractor_->ExtractMillis(message);
    if (r.ok()) return InRange(*r);
    if (required_ || !r.status().IsNotFound()) return r.status();
    return int64_t{0};
  }

 private:
  // A time far from now is most likely a wrong unit or a broken producer; it
  // would open a directory such as dt=5138-11-16 that no query looks at.
  Result<int64_t> InRange(int64_t ms) const {
    if (ms >= range_.min_ms && ms < range_.max_ms) return ms;
    int64_t year = 0;
    int month = 0, day = 0;
    CivilFromDays(FloorDiv(ms, 86'400'000), &year, &month, &day);
    return Status::InvalidArgument(
        "message time {:04}-{:02}-{:02} ({} ms) is outside the years {} to {} "
        "(message.timestamp.min.year, message.timestamp.max.year)",
        year, month, day, ms, range_.min_year, range_.max_year);
  }

  std::unique_ptr<TimestampExtractor> extractor_;
  std::unique_ptr<TimePartitioner> partitioner_;
  bool use_kafka_timestamp_;
  bool required_;
  TimeRange range_;
};

Result<TimeRange> LoadTimeRange(const Config& config, std::string_view topic) {
  TimeRange range;
  ASSIGN_OR_RETURN(range.min_year, config.IntForTopic("message.timestamp.min.year", topic));
  ASSIGN_OR_RETURN(range.max_year, config.IntForTopic("message.timestamp.max.year", topic));
  if (range.min_year < 0 || range.min_year > 9999) {
    return config.BadValue("message.timestamp.min.year", "expected a year from 0 to 9999");
  }
  if (range.max_year < range.min_year || range.max_year > 9999) {
    return config.BadValue(
        "message.timestamp.max.year",
        fmt::format("expected a year from message.timestamp.min.year ({}) to 9999",
                    range.min_year));
  }
  range.min_ms = DaysFromCivil(range.min_year, 1, 1) * 86'400'000;
  range.max_ms = DaysFromCivil(range.max_year + 1, 1, 1) * 86'400'000;
  return range;
}

}  // namespace

namespace {

Status AddLevel(const Config& config, std::string_view topic, const std::string& prefix_key,
                const std::string& format_key, std::vector<PartitionLevel>* levels) {
  ASSIGN_OR_RETURN(std::string prefix, config.StringForTopic(prefix_key, topic));
  ASSIGN_OR_RETURN(std::string pattern, config.StringForTopic(format_key, topic));
  auto format = DateFormat::Compile(pattern);
  if (!format.ok()) return config.BadValue(format_key, format.status().message());
  levels->push_back({prefix, std::move(format).value()});
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<const TimeZone>> LoadPartitionerZone(const Config& config,
                                                            std::string_view topic) {
  ASSIGN_OR_RETURN(std::string zone_name, config.StringForTopic("secor.parser.timezone", topic));
  auto zone = TimeZone::Load(Trim(zone_name));
  if (!zone.ok()) return config.BadValue("secor.parser.timezone", zone.status().message());
  return std::move(zone).value();
}

Result<PartitionerOptions> LoadPartitionerOptions(const Config& config, std::string_view topic) {
  PartitionerOptions options;
  ASSIGN_OR_RETURN(options.zone, LoadPartitionerZone(config, topic));
  ASSIGN_OR_RETURN(bool minutely, config.BoolForTopic("partitioner.granularity.minute", topic));
  ASSIGN_OR_RETURN(bool hourly, config.BoolForTopic("partitioner.granularity.hour", topic));
  hourly = hourly || minutely;  // as in the original: minutes come under hours
  RETURN_IF_ERROR(AddLevel(config, topic, "partitioner.granularity.date.prefix",
                           "partitioner.granularity.date.format", &options.levels));
  if (hourly) {
    RETURN_IF_ERROR(AddLevel(config, topic, "partitioner.granularity.hour.prefix",
                             "partitioner.granularity.hour.format", &options.levels));
  }
  if (minutely) {
    // The original read the minute format from partitioner.granularity.min.format.
    const bool legacy = config.Has("partitioner.granularity.min.format") &&
                        !config.Has("partitioner.granularity.minute.format");
    RETURN_IF_ERROR(AddLevel(
        config, topic, "partitioner.granularity.minute.prefix",
        legacy ? "partitioner.granularity.min.format" : "partitioner.granularity.minute.format",
        &options.levels));
  }
  return options;
}

Result<PartitionerOptions> LoadDatePartitionerOptions(const Config& config,
                                                      std::string_view topic) {
  PartitionerOptions options;
  ASSIGN_OR_RETURN(options.zone, LoadPartitionerZone(config, topic));
  RETURN_IF_ERROR(AddLevel(config, topic, "partitioner.granularity.date.prefix",
                           "partitioner.granularity.date.format", &options.levels));
  return options;
}

std::unique_ptr<TimePartitioner> TimePartitioner::New(PartitionerOptions options) {
  return std::make_unique<TimePartitionerImpl>(std::move(options));
}

Result<std::unique_ptr<TimePartitioner>> TimePartitioner::FromConfig(const Config& config,
                                                                     std::string_view topic) {
  ASSIGN_OR_RETURN(PartitionerOptions options, LoadPartitionerOptions(config, topic));
  return New(std::move(options));
}

Result<std::unique_ptr<MessageParser>> NewTimeParser(
    const Config& config, std::string_view topic, std::unique_ptr<TimestampExtractor> extractor) {
  ASSIGN_OR_RETURN(bool use_kafka, config.BoolForTopic("kafka.useTimestamp", topic));
  ASSIGN_OR_RETURN(bool required, config.BoolForTopic("message.timestamp.required", topic));
  ASSIGN_OR_RETURN(PartitionerOptions partitioner, LoadPartitionerOptions(config, topic));
  ASSIGN_OR_RETURN(TimeRange range, LoadTimeRange(config, topic));
  return std::unique_ptr<MessageParser>(new TimeParser(std::move(extractor),
                                                       TimePartitioner::New(std::move(partitioner)),
                                                       use_kafka, required, range));
}

Result<std::unique_ptr<MessageParser>> NewTimeParser(const Config& config, std::string_view topic,
                                                     std::unique_ptr<TimestampExtractor> extractor,
                                                     PartitionerOptions partitioner) {
  ASSIGN_OR_RETURN(bool use_kafka, config.BoolForTopic("kafka.useTimestamp", topic));
  ASSIGN_OR_RETURN(bool required, config.BoolForTopic("message.timestamp.required", topic));
  ASSIGN_OR_RETURN(TimeRange range, LoadTimeRange(config, topic));
  return std::unique_ptr<MessageParser>(new TimeParser(std::move(extractor),
                                                       TimePartitioner::New(std::move(partitioner)),
                                                       use_kafka, required, range));
}

int64_t EpochToMillis(int64_t value) {
  // Thresholds of the original: 10^18 ns, 10^15 µs, 10^12 ms (from 2001-09-09
  // in ms; seconds up to the year 33658). Judged on the magnitude so that
  // times before 1970 scale like the ones after.
  const uint64_t magnitude =
      value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (magnitude >= 1'000'000'000'000'000'000ULL) return FloorDiv(value, 1'000'000);
  if (magnitude >= 1'000'000'000'000'000ULL) return FloorDiv(value, 1'000);
  if (magnitude >= 1'000'000'000'000ULL) return value;
  return value * 1000;
}

int64_t EpochToMillis(double value) {
  if (std::isnan(value)) return 0;
  // Whole numbers take the exact integer path: 1.718476205042e18 / 1e6 is
  // 1718476205041.9998 in floating point.
  if (std::fabs(value) < 9.2e18 && value == std::floor(value)) {
    return EpochToMillis(static_cast<int64_t>(value));
  }
  const double magnitude = std::fabs(value);
  double ms;
  if (magnitude >= 1e18) {
    ms = value / 1e6;
  } else if (magnitude >= 1e15) {
    ms = value / 1e3;
  } else if (magnitude >= 1e12) {
    ms = value;
  } else {
    ms = value * 1e3;
  }
  ms = std::floor(ms);
  if (ms >= 9.2e18) return INT64_MAX;
  if (ms <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(ms);
}

Result<TextTimeFormat> LoadTextTimeFormat(const Config& config, std::string_view topic) {
  TextTimeFormat out;
  ASSIGN_OR_RETURN(out.pattern_text,
                   config.StringForTopic("message.timestamp.input.pattern", topic));
  if (!out.pattern_text.empty()) {
    Result<DateFormat> compiled = DateFormat::Compile(out.pattern_text);
    if (!compiled.ok()) {
      return config.BadValue("message.timestamp.input.pattern", compiled.status().message());
    }
    out.pattern = std::move(compiled).value();
  }
  ASSIGN_OR_RETURN(std::string zone_name, config.StringForTopic("secor.parser.timezone", topic));
  Result<std::shared_ptr<const TimeZone>> zone = TimeZone::Load(Trim(zone_name));
  if (!zone.ok()) return config.BadValue("secor.parser.timezone", zone.status().message());
  out.zone = *zone;
  return out;
}

}  // namespace secor
