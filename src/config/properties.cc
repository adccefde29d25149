#include "config/properties.h"

#include <cctype>

namespace secor {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Appends the UTF-8 encoding of code point cp.
void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Splits text into logical lines, joining backslash continuations (the
// leading blanks of a continued line are dropped, as Java does).
struct LogicalLine {
  std::string text;
  int line;
};

std::vector<LogicalLine> LogicalLines(std::string_view text) {
  std::vector<LogicalLine> out;
  int line_no = 0;
  size_t pos = 0;
  bool continuing = false;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    ++line_no;
    if (continuing) {
      while (!raw.empty() && IsBlank(raw.front())) raw.remove_prefix(1);
    } else {
      size_t i = 0;
      while (i < raw.size() && IsBlank(raw[i])) ++i;
      if (i == raw.size() || raw[i] == '#' || raw[i] == '!') {
        pos = end + 1;
        if (end == text.size()) break;
        continue;
      }
      out.push_back({"", line_no});
    }
    // A line continues when it ends in an odd number of backslashes.
    size_t backslashes = 0;
    while (backslashes < raw.size() && raw[raw.size() - 1 - backslashes] == '\\') ++backslashes;
    continuing = backslashes % 2 == 1;
    if (continuing) raw.remove_suffix(1);
    out.back().text.append(raw);
    if (end == text.size()) break;
    pos = end + 1;
  }
  return out;
}

// keep_list_escapes: a value keeps "\\," (an escaped comma) for Config to
// split lists at unescaped commas, as Commons Configuration does.
Status Unescape(std::string_view in, std::string* out, const std::string& where,
                bool keep_list_escapes) {
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\' || i + 1 == in.size()) {
      out->push_back(c);
      continue;
    }
    char e = in[++i];
    switch (e) {
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        if (i + 4 >= in.size()) {
          return Status::InvalidArgument("{}: malformed \\u escape", where);
        }
        uint32_t cp = 0;
        for (int k = 1; k <= 4; ++k) {
          char h = in[i + k];
          if (!std::isxdigit(static_cast<unsigned char>(h))) {
            return Status::InvalidArgument("{}: malformed \\u escape", where);
          }
          cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : (std::tolower(h) - 'a' + 10));
        }
        AppendUtf8(out, cp);
        i += 4;
        break;
      }
      case ',':
        if (keep_list_escapes) out->push_back('\\');
        out->push_back(e);
        break;
      default:
        out->push_back(e);
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<PropertyLine>> ParseProperties(std::string_view text,
                                                  const std::string& origin) {
  std::vector<PropertyLine> entries;
  for (const LogicalLine& ll : LogicalLines(text)) {
    std::string_view s = ll.text;
    size_t i = 0;
    while (i < s.size() && IsBlank(s[i])) ++i;
    size_t key_start = i;
    while (i < s.size()) {
      if (s[i] == '\\') {
        i += 2;
        continue;
      }
      if (s[i] == '=' || s[i] == ':' || IsBlank(s[i])) break;
      ++i;
    }
    i = std::min(i, s.size());
    std::string_view raw_key = s.substr(key_start, i - key_start);
    while (i < s.size() && IsBlank(s[i])) ++i;
    if (i < s.size() && (s[i] == '=' || s[i] == ':')) ++i;
    while (i < s.size() && IsBlank(s[i])) ++i;
    std::string_view raw_value = s.substr(i);
    std::string where = origin + ":" + std::to_string(ll.line);
    PropertyLine entry;
    entry.line = ll.line;
    RETURN_IF_ERROR(Unescape(raw_key, &entry.key, where, false));
    RETURN_IF_ERROR(Unescape(raw_value, &entry.value, where, true));
    // Trailing blanks are kept by Java, but they are never meant in a config
    // value and cause confusing "not a number" errors; drop them.
    while (!entry.value.empty() && IsBlank(entry.value.back())) entry.value.pop_back();
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace secor
