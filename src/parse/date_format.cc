#include "parse/date_format.h"

#include <algorithm>
#include <cstring>

namespace secor {
namespace {

const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};
const char* const kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsNumericLetter(char c) { return std::strchr("yYuMLdDHkKhmsS", c) != nullptr; }

void AppendPadded(int64_t value, int width, std::string* out) {
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = n; i < width; ++i) out->push_back('0');
  while (n > 0) out->push_back(buf[--n]);
}

void AppendOffset(int32_t offset, bool colon, bool minutes, std::string* out) {
  out->push_back(offset < 0 ? '-' : '+');
  const int32_t a = offset < 0 ? -offset : offset;
  AppendPadded(a / 3600, 2, out);
  if (!minutes) return;
  if (colon) out->push_back(':');
  AppendPadded(a / 60 % 60, 2, out);
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Matches one of names (full, then three-letter) at the start of s; returns
// the index and sets *len, or -1.
int MatchName(std::string_view s, const char* const* names, int n, size_t* len) {
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < n; ++i) {
      std::string_view name = names[i];
      if (pass == 1) name = name.substr(0, 3);
      if (s.size() >= name.size() && IEquals(s.substr(0, name.size()), name)) {
        *len = name.size();
        return i;
      }
    }
  }
  return -1;
}

}  // namespace

CivilTime ToCivil(int64_t epoch_millis, const TimeZone& zone) {
  CivilTime t;
  const int64_t secs = FloorDiv(epoch_millis, 1000);
  t.millis = static_cast<int>(epoch_millis - secs * 1000);
  const TimeZone::Span span = zone.Lookup(secs);
  t.offset = span.offset;
  t.abbreviation = span.abbreviation;
  const int64_t local = secs + span.offset;
  const int64_t days = FloorDiv(local, 86400);
  const int64_t sod = local - days * 86400;
  t.hour = static_cast<int>(sod / 3600);
  t.minute = static_cast<int>(sod / 60 % 60);
  t.second = static_cast<int>(sod % 60);
  CivilFromDays(days, &t.year, &t.month, &t.day);
  t.weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);
  t.day_of_year = static_cast<int>(days - DaysFromCivil(t.year, 1, 1) + 1);
  return t;
}

Result<DateFormat> DateFormat::Compile(std::string_view pattern) {
  DateFormat f;
  f.pattern_ = std::string(pattern);
  auto literal = [&f](char c) {
    if (f.tokens_.empty() || f.tokens_.back().letter != '\0')
      f.tokens_.push_back(Token{'\0', 0, ""});
    f.tokens_.back().text.push_back(c);
  };
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        literal('\'');
        i += 2;
        continue;
      }
      size_t j = i + 1;
      for (;; ++j) {
        if (j >= pattern.size()) {
          return Status::InvalidArgument("date pattern '{}': unterminated quote", pattern);
        }
        if (pattern[j] == '\'') {
          if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
            literal('\'');
            ++j;
            continue;
          }
          break;
        }
        literal(pattern[j]);
      }
      i = j + 1;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (!std::strchr("GyYuMLdDEaHkKhmsSzZX", c)) {
        return Status::InvalidArgument("date pattern '{}': unsupported letter '{}'", pattern, c);
      }
      size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      f.tokens_.push_back(Token{c, static_cast<int>(j - i), ""});
      Unit unit = Unit::kDay;
      if (c == 'S') unit = Unit::kMillisecond;
      if (c == 's') unit = Unit::kSecond;
      if (c == 'm') unit = Unit::kMinute;
      if (std::strchr("HkKha", c)) unit = Unit::kHour;
      f.finest_ = std::min(f.finest_, unit);
      i = j;
      continue;
    }
    literal(c);
    ++i;
  }
  return f;
}

void DateFormat::Format(const CivilTime& t, std::string* out) const {
  for (const Token& tok : tokens_) {
    const int n = tok.count;
    switch (tok.letter) {
      case '\0':
        out->append(tok.text);
        break;
      case 'G':
        out->append(t.year > 0 ? "AD" : "BC");
        break;
      case 'y':
      case 'Y': {
        const int64_t year = t.year > 0 ? t.year : 1 - t.year;  // years of the era
        if (n == 2) {
          AppendPadded(year % 100, 2, out);
        } else {
          AppendPadded(year, n, out);
        }
        break;
      }
      case 'M':
      case 'L':
        if (n >= 4) {
          out->append(kMonths[t.month - 1]);
        } else if (n == 3) {
          out->append(kMonths[t.month - 1], 3);
        } else {
          AppendPadded(t.month, n, out);
        }
        break;
      case 'd':
        AppendPadded(t.day, n, out);
        break;
      case 'D':
        AppendPadded(t.day_of_year, n, out);
        break;
      case 'E':
        if (n >= 4) {
          out->append(kWeekdays[t.weekday]);
        } else {
          out->append(kWeekdays[t.weekday], 3);
        }
        break;
      case 'u':
        AppendPadded(t.weekday == 0 ? 7 : t.weekday, n, out);
        break;
      case 'a':
        out->append(t.hour < 12 ? "AM" : "PM");
        break;
      case 'H':
        AppendPadded(t.hour, n, out);
        break;
      case 'k':
        AppendPadded(t.hour == 0 ? 24 : t.hour, n, out);
        break;
      case 'K':
        AppendPadded(t.hour % 12, n, out);
        break;
      case 'h':
        AppendPadded(t.hour % 12 == 0 ? 12 : t.hour % 12, n, out);
        break;
      case 'm':
        AppendPadded(t.minute, n, out);
        break;
      case 's':
        AppendPadded(t.second, n, out);
        break;
      case 'S':
        AppendPadded(t.millis, n, out);
        break;
      case 'z':
        if (!t.abbreviation.empty()) {
          out->append(t.abbreviation);
        } else {
          out->append("GMT");
          AppendOffset(t.offset, true, true, out);
        }
        break;
      case 'Z':
        AppendOffset(t.offset, false, true, out);
        break;
      case 'X':
        if (t.offset == 0) {
          out->push_back('Z');
        } else {
          AppendOffset(t.offset, n >= 3, n >= 2, out);
        }
        break;
    }
  }
}

std::string DateFormat::Format(int64_t epoch_millis, const TimeZone& zone) const {
  std::string out;
  Format(ToCivil(epoch_millis, zone), &out);
  return out;
}

namespace {

// "+05:30", "-0800", "+01", "Z" at the start of s.
bool ParseOffset(std::string_view s, size_t* len, int32_t* offset) {
  if (!s.empty() && s[0] == 'Z') {
    *len = 1;
    *offset = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  auto digit = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  if (!digit(1) || !digit(2)) return false;
  int h = (s[1] - '0') * 10 + (s[2] - '0'), m = 0;
  size_t i = 3;
  if (i < s.size() && s[i] == ':') ++i;
  if (digit(i) && digit(i + 1)) {
    m = (s[i] - '0') * 10 + (s[i + 1] - '0');
    i += 2;
  } else {
    i = 3;
  }
  if (h > 23 || m > 59) return false;
  *len = i;
  *offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

// North American abbreviations Java's parser accepts; others are ambiguous.
bool ParseZoneName(std::string_view s, size_t* len, int32_t* offset) {
  static const struct {
    const char* name;
    int hours;
  } kNames[] = {{"UTC", 0},  {"GMT", 0},  {"EST", -5}, {"EDT", -4}, {"CST", -6},
                {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const auto& z : kNames) {
    if (s.size() >= 3 && IEquals(s.substr(0, 3), z.name)) {
      *len = 3;
      *offset = z.hours * 3600;
      size_t more = 0;
      int32_t extra = 0;
      if (z.hours == 0 && ParseOffset(s.substr(3), &more, &extra) && s[3] != 'Z') {
        *len += more;
        *offset = extra;
      }
      return true;
    }
  }
  return ParseOffset(s, len, offset);
}

}  // namespace

Result<int64_t> DateFormat::Parse(std::string_view text, const TimeZone& zone) const {
  int64_t year = 1970;
  int month = 1, day = 1, day_of_year = 0, hour = 0, minute = 0, second = 0, millis = 0;
  int hour12 = -1, pm = -1;
  bool has_month = false, has_day = false, bc = false;
  bool has_offset = false;
  int32_t offset = 0;
  size_t pos = 0;
  auto fail = [&](std::string_view why) {
    return Status::InvalidArgument("'{}' does not match date pattern '{}': {}", text, pattern_,
                                   why);
  };
  for (size_t k = 0; k < tokens_.size(); ++k) {
    const Token& tok = tokens_[k];
    std::string_view rest = text.substr(pos);
    if (tok.letter == '\0') {
      if (rest.substr(0, tok.text.size()) != tok.text) {
        return fail(fmt::format("expected '{}' at character {}", tok.text, pos + 1));
      }
      pos += tok.text.size();
      continue;
    }
    if (IsNumericLetter(tok.letter) &&
        !((tok.letter == 'M' || tok.letter == 'L') && tok.count >= 3)) {
      // Java's rule for abutting numeric fields: the first takes its width.
      const bool abutting = k + 1 < tokens_.size() && tokens_[k + 1].letter != '\0' &&
                            IsNumericLetter(tokens_[k + 1].letter);
      const size_t max = abutting ? static_cast<size_t>(tok.count) : 9;
      size_t n = 0;
      int64_t value = 0;
      while (n < max && n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
        value = value * 10 + (rest[n] - '0');
        ++n;
      }
      if (n == 0) return fail(fmt::format("expected a number at character {}", pos + 1));
      pos += n;
      switch (tok.letter) {
        case 'y':
        case 'Y':
          year = value;
          if (tok.count == 2 && n == 2) year += value >= 69 ? 1900 : 2000;
          break;
        case 'u':
          break;
        case 'M':
        case 'L':
          month = static_cast<int>(value);
          has_month = true;
          break;
        case 'd':
          day = static_cast<int>(value);
          has_day = true;
          break;
        case 'D':
          day_of_year = static_cast<int>(value);
          break;
        case 'H':
          if (value > 23) return fail(fmt::format("hour {} out of range", value));
          hour = static_cast<int>(value);
          break;
        case 'k':
          if (value < 1 || value > 24) return fail(fmt::format("hour {} out of range", value));
          hour = static_cast<int>(value % 24);
          break;
        case 'K':
          if (value > 11) return fail(fmt::format("hour {} out of range", value));
          hour12 = static_cast<int>(value);
          break;
        case 'h':
          if (value < 1 || value > 12) return fail(fmt::format("hour {} out of range", value));
          hour12 = static_cast<int>(value % 12);
          break;
        case 'm':
          if (value > 59) return fail(fmt::format("minute {} out of range", value));
          minute = static_cast<int>(value);
          break;
        case 's':
          if (value > 59) return fail(fmt::format("second {} out of range", value));
          second = static_cast<int>(value);
          break;
        case 'S': {
          int64_t ms = value;
          for (size_t i = n; i < 3; ++i) ms *= 10;
          for (size_t i = 3; i < n; ++i) ms /= 10;
          millis = static_cast<int>(ms);
          break;
        }
      }
      continue;
    }
    size_t len = 0;
    switch (tok.letter) {
      case 'M':
      case 'L': {
        int m = MatchName(rest, kMonths, 12, &len);
        if (m < 0) return fail(fmt::format("expected a month name at character {}", pos + 1));
        month = m + 1;
        has_month = true;
        break;
      }
      case 'E':
        if (MatchName(rest, kWeekdays, 7, &len) < 0) {
          return fail(fmt::format("expected a day name at character {}", pos + 1));
        }
        break;
      case 'a':
        if (rest.size() >= 2 &&
            (IEquals(rest.substr(0, 2), "AM") || IEquals(rest.substr(0, 2), "PM"))) {
          pm = IEquals(rest.substr(0, 2), "PM") ? 1 : 0;
          len = 2;
        } else {
          return fail(fmt::format("expected AM or PM at character {}", pos + 1));
        }
        break;
      case 'G':
        if (rest.size() >= 2 &&
            (IEquals(rest.substr(0, 2), "AD") || IEquals(rest.substr(0, 2), "BC"))) {
          bc = IEquals(rest.substr(0, 2), "BC");
          len = 2;
        } else {
          return fail(fmt::format("expected AD or BC at character {}", pos + 1));
        }
        break;
      case 'z':
        if (!ParseZoneName(rest, &len, &offset)) {
          return fail(fmt::format("expected a time zone at character {}", pos + 1));
        }
        has_offset = true;
        break;
      case 'Z':
      case 'X':
        if (!ParseOffset(rest, &len, &offset)) {
          return fail(fmt::format("expected a UTC offset at character {}", pos + 1));
        }
        has_offset = true;
        break;
    }
    pos += len;
  }
  if (hour12 >= 0) hour = hour12 + (pm == 1 ? 12 : 0);  // 'a' only qualifies h and K
  if (bc) year = 1 - year;
  // Far enough for any real data; keeps the millisecond arithmetic in range.
  if (year < -200000 || year > 200000) return fail(fmt::format("year {} out of range", year));
  if (day_of_year > 0 && !has_month && !has_day) {
    const int64_t days_in_year = DaysFromCivil(year + 1, 1, 1) - DaysFromCivil(year, 1, 1);
    if (day_of_year > days_in_year)
      return fail(fmt::format("day of year {} out of range", day_of_year));
  } else {
    day_of_year = 0;
  }
  if (month < 1 || month > 12) return fail(fmt::format("month {} out of range", month));
  const int64_t days_in_month =
      DaysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
      DaysFromCivil(year, month, 1);
  if (day < 1 || day > days_in_month) return fail(fmt::format("day {} out of range", day));
  const int64_t days = day_of_year > 0 ? DaysFromCivil(year, 1, 1) + day_of_year - 1
                                       : DaysFromCivil(year, month, day);
  const int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
  const int64_t utc = has_offset ? local - offset : zone.LocalToUtc(local);
  return utc * 1000 + millis;
}

}  // namespace secor
