#include "parse/time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

#include "common/file_util.h"
#include "common/strings.h"

namespace secor {

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // Shift the year to start in March so the leap day is the year's last day.
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  *day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

// A POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0" (RFC 8536 footer).
struct TimeZone::PosixRule {
  struct Date {
    char kind = 'M';  // 'J' (1..365, no leap day), 'N' (0..365), 'M' (month.week.day)
    int n = 0, month = 0, week = 0, weekday = 0;
  };
  std::string std_abbr, dst_abbr;
  int32_t std_offset = 0, dst_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  Date start, end;
  int32_t start_time = 7200, end_time = 7200;  // local seconds after midnight

  int64_t DayOf(const Date& d, int64_t year) const {
    const int64_t jan1 = DaysFromCivil(year, 1, 1);
    if (d.kind == 'J') return jan1 + d.n - 1 + (IsLeap(year) && d.n >= 60 ? 1 : 0);
    if (d.kind == 'N') return jan1 + d.n;
    const int64_t first = DaysFromCivil(year, d.month, 1);
    const int64_t first_weekday = ((first + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
    int64_t day = first + (d.weekday - first_weekday + 7) % 7 + (d.week - 1) * 7;
    const int64_t last = first + DaysInMonth(year, d.month) - 1;
    while (day > last) day -= 7;
    return day;
  }
};

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return pos_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool Number(int* out, int max_digits = 3) {
    int v = 0, n = 0;
    while (n < max_digits && !Done() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      v = v * 10 + (s_[pos_++] - '0');
      ++n;
    }
    *out = v;
    return n > 0;
  }
  bool Abbreviation(std::string* out) {
    size_t begin = pos_;
    if (Consume('<')) {
      while (!Done() && s_[pos_] != '>') ++pos_;
      if (Done()) return false;
      *out = std::string(s_.substr(begin + 1, pos_ - begin - 1));
      ++pos_;
      return true;
    }
    while (!Done() &&
           ((s_[pos_] >= 'A' && s_[pos_] <= 'Z') || (s_[pos_] >= 'a' && s_[pos_] <= 'z'))) {
      ++pos_;
    }
    *out = std::string(s_.substr(begin, pos_ - begin));
    return out->size() >= 3;
  }
  // [+-]hh[:mm[:ss]] as seconds.
  bool Time(int32_t* out) {
    int sign = 1;
    if (Consume('-')) {
      sign = -1;
    } else {
      Consume('+');
    }
    int h = 0, m = 0, s = 0;
    if (!Number(&h)) return false;
    if (Consume(':')) {
      if (!Number(&m, 2)) return false;
      if (Consume(':') && !Number(&s, 2)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool ParseRuleDate(Cursor* c, TimeZone::PosixRule::Date* d, int32_t* time) {
  if (c->Consume('J')) {
    d->kind = 'J';
    if (!c->Number(&d->n) || d->n < 1 || d->n > 365) return false;
  } else if (c->Consume('M')) {
    d->kind = 'M';
    if (!c->Number(&d->month, 2) || !c->Consume('.') || !c->Number(&d->week, 1) ||
        !c->Consume('.') || !c->Number(&d->weekday, 1)) {
      return false;
    }
    if (d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5 || d->weekday > 6) return false;
  } else {
    d->kind = 'N';
    if (!c->Number(&d->n) || d->n > 365) return false;
  }
  if (c->Consume('/')) return c->Time(time);
  return true;
}

std::unique_ptr<TimeZone::PosixRule> ParsePosixRule(std::string_view s) {
  auto rule = std::make_unique<TimeZone::PosixRule>();
  Cursor c(s);
  int32_t std_west = 0;
  if (!c.Abbreviation(&rule->std_abbr) || !c.Time(&std_west)) return nullptr;
  rule->std_offset = -std_west;
  if (c.Done()) return rule;
  if (!c.Abbreviation(&rule->dst_abbr)) return nullptr;
  rule->has_dst = true;
  rule->dst_offset = rule->std_offset + 3600;
  if (c.Peek() != ',' && !c.Done()) {
    int32_t dst_west = 0;
    if (!c.Time(&dst_west)) return nullptr;
    rule->dst_offset = -dst_west;
  }
  if (c.Done()) {  // POSIX leaves the default rule open; the US rule is the usual one
    rule->start = {'M', 0, 3, 2, 0};
    rule->end = {'M', 0, 11, 1, 0};
    return rule;
  }
  if (!c.Consume(',') || !ParseRuleDate(&c, &rule->start, &rule->start_time) || !c.Consume(',') ||
      !ParseRuleDate(&c, &rule->end, &rule->end_time) || !c.Done()) {
    return nullptr;
  }
  return rule;
}

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
int64_t Be64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t{Be32(p)} << 32) | Be32(p + 4));
}

// "+05:30", "-8", "+0100" after an optional GMT/UTC; nullopt when not such a name.
std::optional<int32_t> FixedOffset(std::string_view name) {
  if (StartsWith(name, "GMT") || StartsWith(name, "UTC")) name.remove_prefix(3);
  if (name.empty() || (name[0] != '+' && name[0] != '-')) return std::nullopt;
  const int sign = name[0] == '-' ? -1 : 1;
  name.remove_prefix(1);
  std::string digits;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == ':' && i == 2) continue;
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    digits += name[i];
  }
  int h = 0, m = 0;
  if (digits.size() == 1 || digits.size() == 2) {
    h = std::stoi(digits);
  } else if (digits.size() == 4 ||
             (digits.size() == 3 && name.find(':') == std::string_view::npos)) {
    h = std::stoi(digits.substr(0, digits.size() - 2));
    m = std::stoi(digits.substr(digits.size() - 2));
  } else {
    return std::nullopt;
  }
  if (h > 23 || m > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60);
}

}  // namespace

TimeZone::~TimeZone() = default;

Result<std::shared_ptr<const TimeZone>> TimeZone::FromTzif(std::string name,
                                                           std::string_view data) {
  auto bad = [&](const char* why) {
    return Status::Corruption("time zone {}: bad TZif data: {}", name, why);
  };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* end = p + data.size();
  if (data.size() < 44 || data.substr(0, 4) != "TZif") return bad("no TZif header");
  const bool v2 = p[4] >= '2';
  struct Counts {
    uint32_t isut, isstd, leap, time, type, chars;
  };
  auto read_counts = [&](const unsigned char* h) {
    return Counts{Be32(h + 20), Be32(h + 24), Be32(h + 28),
                  Be32(h + 32), Be32(h + 36), Be32(h + 40)};
  };
  auto block_size = [](const Counts& c, int time_size) {
    return uint64_t{c.time} * time_size + c.time + uint64_t{c.type} * 6 + c.chars +
           uint64_t{c.leap} * (time_size + 4) + c.isstd + c.isut;
  };
  Counts counts = read_counts(p);
  const unsigned char* block = p + 44;
  int time_size = 4;
  if (static_cast<uint64_t>(end - block) < block_size(counts, 4)) return bad("truncated");
  if (v2) {
    const unsigned char* h2 = block + block_size(counts, 4);
    if (end - h2 < 44 || std::string_view(reinterpret_cast<const char*>(h2), 4) != "TZif") {
      return bad("no second header");
    }
    counts = read_counts(h2);
    block = h2 + 44;
    time_size = 8;
    if (static_cast<uint64_t>(end - block) < block_size(counts, 8)) return bad("truncated");
  }
  if (counts.type == 0 || counts.type > 256) return bad("no local time types");
  auto zone = std::make_shared<TimeZone>();
  zone->name_ = std::move(name);
  const unsigned char* q = block;
  zone->transitions_.resize(counts.time);
  for (uint32_t i = 0; i < counts.time; ++i, q += time_size) {
    zone->transitions_[i].at = time_size == 8 ? Be64(q) : static_cast<int32_t>(Be32(q));
  }
  for (uint32_t i = 0; i < counts.time; ++i, ++q) {
    if (*q >= counts.type) return bad("transition to an unknown type");
    zone->transitions_[i].type = *q;
  }
  const unsigned char* types = q;
  const char* chars = reinterpret_cast<const char*>(types + counts.type * 6);
  for (uint32_t i = 0; i < counts.type; ++i) {
    const unsigned char* t = types + i * 6;
    Type type{static_cast<int32_t>(Be32(t)), t[4] != 0, ""};
    if (t[5] < counts.chars) {
      std::string_view rest(chars + t[5], counts.chars - t[5]);
      type.abbreviation = std::string(rest.substr(0, rest.find('\0')));
    }
    zone->types_.push_back(std::move(type));
  }
  for (size_t i = 1; i < zone->transitions_.size(); ++i) {
    if (zone->transitions_[i].at <= zone->transitions_[i - 1].at)
      return bad("transitions out of order");
  }
  if (v2) {
    const char* footer = reinterpret_cast<const char*>(block + block_size(counts, 8));
    std::string_view rest(footer, reinterpret_cast<const char*>(end) - footer);
    if (rest.size() >= 2 && rest[0] == '\n') {
      rest.remove_prefix(1);
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) return bad("unterminated footer");
      if (nl > 0) {
        zone->rule_ = ParsePosixRule(rest.substr(0, nl));
        if (!zone->rule_) return bad("bad POSIX TZ footer");
      }
    }
  }
  return std::shared_ptr<const TimeZone>(std::move(zone));
}

Result<std::shared_ptr<const TimeZone>> TimeZone::Load(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;

  std::shared_ptr<const TimeZone> zone;
  std::optional<int32_t> fixed;
  if (name == "UTC" || name == "GMT" || name == "Z" || name == "UCT") {
    fixed = 0;
  } else {
    fixed = FixedOffset(name);
  }
  if (fixed) {
    auto z = std::make_shared<TimeZone>();
    z->name_ = std::string(name);
    z->types_.push_back(Type{*fixed, false, std::string(name)});
    zone = std::move(z);
  } else {
    if (name.empty() || name[0] == '/' || name.find("..") != std::string_view::npos ||
        name.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") !=
            std::string_view::npos) {
      return Status::InvalidArgument("unknown time zone '{}'", name);
    }
    const char* dir = std::getenv("TZDIR");
    std::string path =
        std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
    auto data = ReadFile(path);
    if (!data.ok()) return Status::InvalidArgument("unknown time zone '{}' (no {})", name, path);
    ASSIGN_OR_RETURN(zone, FromTzif(std::string(name), *data));
  }
  cache.emplace(std::string(name), zone);
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::Utc() {
  static const std::shared_ptr<const TimeZone> utc = *Load("UTC");
  return utc;
}

TimeZone::Span TimeZone::LookupRule(int64_t t, int64_t floor) const {
  const PosixRule& r = *rule_;
  if (!r.has_dst) return Span{r.std_offset, floor, INT64_MAX, r.std_abbr};
  int64_t year;
  int month, day;
  CivilFromDays(FloorDiv(t + r.std_offset, 86400), &year, &month, &day);
  struct Change {
    int64_t at;
    bool dst;
  };
  Change changes[6];
  int n = 0;
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    changes[n++] = {r.DayOf(r.start, y) * 86400 + r.start_time - r.std_offset, true};
    changes[n++] = {r.DayOf(r.end, y) * 86400 + r.end_time - r.dst_offset, false};
  }
  std::sort(changes, changes + n, [](const Change& a, const Change& b) { return a.at < b.at; });
  int i = n - 1;
  while (i >= 0 && changes[i].at > t) --i;
  Span span;
  bool dst = i >= 0 ? changes[i].dst : !changes[0].dst;
  span.offset = dst ? r.dst_offset : r.std_offset;
  span.abbreviation = dst ? r.dst_abbr : r.std_abbr;
  span.begin = std::max(floor, i >= 0 ? changes[i].at : INT64_MIN);
  span.end = i + 1 < n ? changes[i + 1].at : INT64_MAX;
  return span;
}

TimeZone::Span TimeZone::Lookup(int64_t t) const {
  if (transitions_.empty()) {
    if (rule_) return LookupRule(t, INT64_MIN);
    return Span{types_[0].offset, INT64_MIN, INT64_MAX, types_[0].abbreviation};
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t,
                             [](int64_t v, const Transition& tr) { return v < tr.at; });
  if (it == transitions_.begin()) {
    return Span{types_[0].offset, INT64_MIN, it->at, types_[0].abbreviation};
  }
  const Transition& last = *(it - 1);
  if (it == transitions_.end() && rule_) return LookupRule(t, last.at);
  const Type& type = types_[last.type];
  return Span{type.offset, last.at, it == transitions_.end() ? INT64_MAX : it->at,
              type.abbreviation};
}

int64_t TimeZone::LocalToUtc(int64_t local) const {
  // Every instant with this wall time lies within 26 hours of it, and no
  // zone changes its offset twice in such a window.
  const int32_t before = OffsetAt(local - 26 * 3600);
  const int32_t after = OffsetAt(local + 26 * 3600);
  const bool before_ok = OffsetAt(local - before) == before;
  const bool after_ok = OffsetAt(local - after) == after;
  if (before_ok && after_ok) return std::min(local - before, local - after);
  if (after_ok) return local - after;
  return local - before;
}

}  // namespace secor
