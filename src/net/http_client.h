// HttpClient: secor's one HTTP/1.1 client, on libcurl, under the S3 store and
// its credential providers, the schema registry client and the operator tools
// (OpenTSDB, Qubole). Each thread keeps one curl handle for its life, so
// connections to the same host are reused across requests. Bodies can come
// from memory or stream from a region of a file; responses can stream into a
// file, so a multi-gigabyte object never sits in memory. Proxies follow
// libcurl's usual variables (https_proxy, no_proxy, ...); HTTPS checks
// certificates against the system CA store, or the CA file a request names.
//
// Only transport failures are errors here: any HTTP status is a response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

// secor::net keeps these apart from the status server's own HttpResponse.
namespace secor::net {

// Header name and value pairs, in order (the same type as s3::Headers).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// How HTTPS checks the server. The S3 store and its credential services take
// theirs from aws.ca.bundle / AWS_CA_BUNDLE and aws.verify.ssl (docs/s3.md).
struct TlsOptions {
  // PEM file of the CA certificates to trust instead of the system store;
  // "" trusts the system store.
  std::string ca_file;
  // false accepts any certificate for any host name (the caller warns).
  bool verify = true;
  // What to check, appended to the error when the server's certificate does
  // not lead to a trusted CA, and when it does not name the host.
  std::string untrusted_hint;
  std::string name_hint;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  // The body: from memory, or (when upload_file is set) upload_length bytes
  // of upload_file from upload_offset. Content-Length is set from it.
  std::string_view body;
  std::string upload_file;
  int64_t upload_offset = 0;
  int64_t upload_length = 0;
  // When set, a 2xx response body goes to this file instead of memory.
  std::string download_file;
  // Whole-request limit (0: none); a transfer with no progress for
  // stall_timeout_ms fails too, which is what bounds large uploads.
  int64_t timeout_ms = 0;
  int64_t stall_timeout_ms = 30000;
  int64_t connect_timeout_ms = 10000;
  // nullptr: the system CA store, certificates checked. The pointee must
  // outlive the call.
  const TlsOptions* tls = nullptr;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names lower-cased, in arrival order
  std::string body;     // empty when it went to download_file
  // The first header named name (lower case), or "".
  std::string Header(std::string_view name) const;
};

// Sends one request. Errors: kUnavailable for failures worth retrying
// (connection refused or reset, timeouts, DNS), kInvalidArgument for ones that
// are not (bad URL, certificate problems), kIOError for local file trouble.
// A certificate refused reads "TLS to https://host:port refused: <problem>
// (<libcurl's words>); <hint of TlsOptions>".
Result<HttpResponse> SendHttp(const HttpRequest& request);

// A small request to a service beside the data path (the schema registry,
// OpenTSDB, the Qubole API): timeout_ms bounds the whole request, connecting
// included, with no stall limit. Any transport failure is kUnavailable, worth
// retrying for these callers, and its message has URL passwords redacted.
Result<HttpResponse> SendServiceHttp(const std::string& method, const std::string& url,
                                     std::string_view body, const HttpHeaders& headers,
                                     int64_t timeout_ms = 30000);

// For tests: how many connections the calling thread's handle has opened.
int64_t ConnectionsOpenedByThisThread();

}  // namespace secor::net
