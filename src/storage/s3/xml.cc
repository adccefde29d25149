#include "storage/s3/xml.h"

#include <cctype>
#include <cstdlib>

namespace secor::s3 {
namespace {

// Finds "<tag>" or "<tag " (not "<tagOther>") from pos; returns the position
// just after the opening tag's '>' or npos. Sets *self_closing for "<tag/>".
size_t FindOpen(std::string_view doc, std::string_view tag, size_t pos, size_t* start,
                bool* self_closing) {
  std::string open = "<" + std::string(tag);
  while (true) {
    size_t p = doc.find(open, pos);
    if (p == std::string_view::npos) return p;
    size_t after = p + open.size();
    if (after < doc.size() && (doc[after] == '>' || doc[after] == ' ' || doc[after] == '/')) {
      size_t gt = doc.find('>', after);
      if (gt == std::string_view::npos) return gt;
      *start = p;
      *self_closing = doc[gt - 1] == '/';
      return gt + 1;
    }
    pos = after;
  }
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view doc, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while (true) {
    size_t start = 0;
    bool self_closing = false;
    size_t body = FindOpen(doc, tag, pos, &start, &self_closing);
    if (body == std::string_view::npos) break;
    if (self_closing) {
      out.push_back(doc.substr(body, 0));
      pos = body;
      continue;
    }
    size_t end = doc.find(close, body);
    if (end == std::string_view::npos) break;
    out.push_back(doc.substr(body, end - body));
    pos = end + close.size();
  }
  return out;
}

std::string XmlText(std::string_view doc, std::string_view tag) {
  auto all = XmlElements(doc, tag);
  return all.empty() ? "" : XmlUnescape(all[0]);
}

bool XmlRootIs(std::string_view doc, std::string_view tag) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < doc.size() && std::isspace(static_cast<unsigned char>(doc[i]))) ++i;
  };
  skip_space();
  if (doc.substr(i, 5) == "<?xml") {
    size_t end = doc.find("?>", i);
    if (end == std::string_view::npos) return false;
    i = end + 2;
    skip_space();
  }
  if (doc.substr(i, 1) != "<" || doc.substr(i + 1, tag.size()) != tag) return false;
  size_t after = i + 1 + tag.size();
  return after < doc.size() && (doc[after] == '>' || doc[after] == ' ' || doc[after] == '/');
}

bool XmlHas(std::string_view doc, std::string_view tag) {
  size_t start = 0;
  bool self_closing = false;
  return FindOpen(doc, tag, 0, &start, &self_closing) != std::string_view::npos;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out.push_back('&');
    else if (ent == "lt")
      out.push_back('<');
    else if (ent == "gt")
      out.push_back('>');
    else if (ent == "quot")
      out.push_back('"');
    else if (ent == "apos")
      out.push_back('\'');
    else if (!ent.empty() && ent[0] == '#') {
      long cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
                    ? std::strtol(std::string(ent.substr(2)).c_str(), nullptr, 16)
                    : std::strtol(std::string(ent.substr(1)).c_str(), nullptr, 10);
      // UTF-8 encode the code point (S3 escapes control characters in keys).
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

}  // namespace secor::s3
