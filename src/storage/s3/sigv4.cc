#include "storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/strings.h"

namespace secor::s3 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims and turns every run of whitespace into one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string CanonicalPath(std::string_view wire_path, bool normalize, bool encode) {
  std::string path(wire_path.empty() ? "/" : wire_path);
  if (normalize) {
    std::vector<std::string> kept;
    for (const std::string& seg : Split(path, '/')) {
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        if (!kept.empty()) kept.pop_back();
        continue;
      }
      kept.push_back(seg);
    }
    std::string out = "/" + Join(kept, "/");
    bool trailing = EndsWith(path, "/");
    if (trailing && out != "/") out.push_back('/');
    path = out;
  }
  if (encode) path = UriEncode(path, /*keep_slash=*/true);
  return path;
}

std::string CanonicalQuery(std::string_view wire_query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& part : Split(wire_query, '&', /*skip_empty=*/true)) {
    size_t eq = part.find('=');
    std::string name = eq == std::string::npos ? part : part.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
    params.emplace_back(UriEncode(UriDecode(name), false), UriEncode(UriDecode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::pair<std::string, std::string> CanonicalHeaders(const Headers& headers) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string key = ToLower(Trim(name));
    std::string v = CanonicalHeaderValue(value);
    auto it = merged.find(key);
    if (it == merged.end()) {
      merged.emplace(key, v);
    } else {
      it->second += "," + v;
    }
  }
  std::string block, signed_list;
  for (const auto& [name, value] : merged) {
    block.append(name).append(":").append(value).append("\n");
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list += name;
  }
  return {block, signed_list};
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string k = HmacSha256("AWS4" + std::string(secret), date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

SigningResult SignV4(SigningRequest* request, const Credentials& credentials,
                     const SigningOptions& options) {
  Headers& h = request->headers;
  h.emplace_back("X-Amz-Date", options.amz_date);
  if (options.add_content_sha256_header)
    h.emplace_back("x-amz-content-sha256", options.payload_hash);
  bool token_late = !credentials.session_token.empty() && !options.sign_session_token;
  if (!credentials.session_token.empty() && options.sign_session_token) {
    h.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  auto [header_block, signed_headers] = CanonicalHeaders(h);
  SigningResult r;
  r.canonical_request = request->method + "\n" +
                        CanonicalPath(request->path, options.normalize_path, options.encode_path) +
                        "\n" + CanonicalQuery(request->query) + "\n" + header_block + "\n" +
                        signed_headers + "\n" + options.payload_hash;

  std::string date = options.amz_date.substr(0, 8);
  std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
  r.string_to_sign = "AWS4-HMAC-SHA256\n" + options.amz_date + "\n" + scope + "\n" +
                     Sha256Hex(r.canonical_request);
  r.signature = HexEncode(
      HmacSha256(SigningKey(credentials.secret_access_key, date, options.region, options.service),
                 r.string_to_sign));
  r.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                    ", SignedHeaders=" + signed_headers + ", Signature=" + r.signature;
  if (token_late) h.emplace_back("X-Amz-Security-Token", credentials.session_token);
  h.emplace_back("Authorization", r.authorization);
  return r;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  ::SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ::HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Md5(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ::EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace secor::s3
