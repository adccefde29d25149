// Hadoop DataOutput encodings and small helpers shared by the formats.
#include "common/strings.h"
#include "format/format_internal.h"

namespace secor::format_internal {

void PutVLong(std::string* out, int64_t v) {
  if (v >= -112 && v <= 127) {
    out->push_back(static_cast<char>(v));
    return;
  }
  int len = -112;
  uint64_t mag = static_cast<uint64_t>(v);
  if (v < 0) {
    mag = ~mag;
    len = -120;
  }
  for (uint64_t tmp = mag; tmp != 0; tmp >>= 8) --len;
  out->push_back(static_cast<char>(len));
  int bytes = len < -120 ? -(len + 120) : -(len + 112);
  for (int i = bytes; i > 0; --i) out->push_back(static_cast<char>(mag >> ((i - 1) * 8)));
}

Status GetVLong(std::string_view in, size_t* pos, int64_t* v) {
  if (*pos >= in.size()) return Status::Corruption("truncated vint");
  int8_t first = static_cast<int8_t>(in[*pos]);
  ++*pos;
  if (first >= -112) {
    *v = first;  // NOLINT(bugprone-signed-char-misuse): Hadoop's one-byte vints are signed
    return Status::OK();
  }
  bool negative = first < -120;
  int bytes = negative ? -(first + 120) : -(first + 112);
  if (in.size() - *pos < static_cast<size_t>(bytes)) return Status::Corruption("truncated vint");
  uint64_t mag = 0;
  for (int i = 0; i < bytes; ++i) mag = (mag << 8) | static_cast<unsigned char>(in[(*pos)++]);
  *v = static_cast<int64_t>(negative ? ~mag : mag);
  return Status::OK();
}

void PutHadoopString(std::string* out, std::string_view s) {
  PutVLong(out, static_cast<int64_t>(s.size()));
  out->append(s);
}

Status GetHadoopString(std::string_view in, size_t* pos, std::string* s) {
  int64_t len = 0;
  RETURN_IF_ERROR(GetVLong(in, pos, &len));
  if (len < 0 || in.size() - *pos < static_cast<uint64_t>(len)) {
    return Status::Corruption("truncated string");
  }
  s->assign(in.substr(*pos, len));
  *pos += len;
  return Status::OK();
}

Status SyncAndClose(BufferedFile* file) {
  RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}
}  // namespace

Result<std::string> UnescapeDelimiter(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '0':
        out.push_back('\0');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case 'x':
      case 'u': {
        size_t digits = c == 'x' ? 2 : 4;
        if (s.size() - i - 1 < digits) {
          return Status::InvalidArgument("delimiter '{}': \\{} needs {} hex digits", s, c, digits);
        }
        uint32_t cp = 0;
        for (size_t k = 1; k <= digits; ++k) {
          int d = HexDigit(s[i + k]);
          if (d < 0) return Status::InvalidArgument("delimiter '{}': bad hex digit", s);
          cp = cp * 16 + d;
        }
        i += digits;
        if (c == 'x') {
          out.push_back(static_cast<char>(cp));
        } else {
          AppendUtf8(&out, cp);
        }
        break;
      }
      default:
        out.push_back('\\');
        out.push_back(c);
    }
  }
  if (out.empty()) return Status::InvalidArgument("secor.text.delimiter is empty");
  return out;
}

}  // namespace secor::format_internal
