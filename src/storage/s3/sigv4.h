// AWS Signature Version 4 for header authentication, plus the hashing helpers
// the S3 client needs (SHA-256, HMAC, MD5; base64 is common/base64.h). The signer is a pure
// function of the request, the credentials and the time, so it is tested
// against AWS's published test suite byte for byte.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace secor::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; max() for long-term keys.
  std::chrono::system_clock::time_point expiration = std::chrono::system_clock::time_point::max();
  // The provider that found them ("config", "environment", ...), for messages.
  std::string source;

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct SigningRequest {
  std::string method;
  std::string path;   // as sent on the wire ("/bucket/key%20name")
  std::string query;  // as sent on the wire, without '?'
  Headers headers;    // must hold Host; the signer adds its own headers here
};

struct SigningOptions {
  std::string region = "us-east-1";
  std::string service = "s3";
  std::string amz_date;  // "20150830T123600Z"; see AmzDate()
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" (S3 only, over TLS).
  std::string payload_hash;
  // S3 signs the path as sent; other services remove dot segments and double
  // slashes, and percent-encode the path once more.
  bool normalize_path = false;
  bool encode_path = false;
  // S3 requires the x-amz-content-sha256 header on every request.
  bool add_content_sha256_header = true;
  // Some services want X-Amz-Security-Token sent but left out of the signature.
  bool sign_session_token = true;
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
};

// Signs request: adds X-Amz-Date, x-amz-content-sha256 (when asked),
// X-Amz-Security-Token (when the credentials have one) and Authorization to
// request->headers, and returns the intermediate strings for tests and logs.
SigningResult SignV4(SigningRequest* request, const Credentials& credentials,
                     const SigningOptions& options);

// The pieces, exposed for tests.
std::string CanonicalPath(std::string_view wire_path, bool normalize, bool encode);
std::string CanonicalQuery(std::string_view wire_query);
// Lower-cased names sorted, values trimmed with inner whitespace runs made one
// space, repeated headers joined by ','. Returns the block and the signed list.
std::pair<std::string, std::string> CanonicalHeaders(const Headers& headers);
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

// "YYYYMMDDTHHMMSSZ" in UTC.
std::string AmzDate(std::chrono::system_clock::time_point t);

// RFC 3986 percent-encoding of everything but unreserved characters (and '/'
// when keep_slash), upper-case hex, as SigV4 and S3 keys need.
std::string UriEncode(std::string_view s, bool keep_slash);
std::string UriDecode(std::string_view s);

std::string Sha256(std::string_view data);  // raw 32 bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string Md5(std::string_view data);                               // raw 16 bytes

inline constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";

}  // namespace secor::s3
