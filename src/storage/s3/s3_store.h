// S3Store: the ObjectStore for "s3://bucket/prefix" URIs, spoken directly over
// HTTP with SigV4 (no SDK). Keys are relative to the prefix. Beyond plain
// object calls it gives what exactly-once output needs (docs/s3.md):
//   - create-only PUT with If-None-Match: * (412 -> AlreadyExists);
//   - multipart uploads for large files, parts read from the file only when
//     sent and uploaded in parallel; create-only multipart sends If-None-Match
//     on Complete, reads an <Error> inside a 200 Complete answer as that error,
//     restarts the whole upload on 409 ConditionalRequestConflict, and checks
//     with HEAD before starting because Ceph 16 ignores the header on Complete
//     (a window remains there: two creators that both pass the HEAD both
//     complete; the later one wins on such stores);
//   - retries of 5xx, throttling, timeouts and resets with capped exponential
//     backoff and full jitter; other 4xx fail at once, in one line that names
//     the operation, the object, the S3 error code and what to check.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "net/http_client.h"
#include "storage/object_store.h"
#include "storage/s3/credentials.h"
#include "storage/s3/sigv4.h"

namespace secor::s3 {

struct S3Settings {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'
  std::string region = "us-east-1";
  std::string endpoint;  // "" -> https://s3.<region>.amazonaws.com
  bool path_style = false;
  std::string sse_type;  // "", "S3", "KMS", "customer"
  std::string sse_kms_key;
  std::string sse_customer_key;  // base64 of 32 bytes
  std::string storage_class;
  std::string canned_acl;
  bool md5_prefix = false;  // secor.s3.prefix.md5hash
  int64_t multipart_threshold = 64 << 20;
  int64_t part_size = 16 << 20;
  int parallelism = 4;
  int max_attempts = 8;
  int64_t retry_base_ms = 100;
  int64_t retry_max_ms = 20000;
  int64_t request_timeout_ms = 60000;
  int list_page_size = 1000;
  // HTTPS: the CA file (aws.ca.bundle, else AWS_CA_BUNDLE; "" is the system
  // store) and whether certificates are checked at all (aws.verify.ssl).
  net::TlsOptions tls;
};

// Reads every S3 setting of config for uri ("s3://bucket/prefix"). A CA file
// that cannot be read or holds no PEM certificate stops here, naming it.
Result<S3Settings> S3SettingsFromConfig(const std::string& uri, const Config& config);

// What an operator must hear at every start about how the store is reached,
// one line each: certificates not checked (aws.verify.ssl=false), plain HTTP
// to a host other than this one. NewS3Store(uri, config) logs them.
std::vector<std::string> TransportWarnings(const S3Settings& s);

Result<std::unique_ptr<ObjectStore>> NewS3Store(const std::string& uri, const Config& config);
std::unique_ptr<ObjectStore> NewS3Store(S3Settings settings,
                                        std::shared_ptr<CredentialsProvider> credentials);

// Pieces exposed for unit tests.
namespace internal {

// The object name in the bucket for a store-relative key. With the MD5
// prefix (as the original Secor does) it is "<4 hex of md5(dir of key)>/
// <prefix>/<key>", where the directory is "topic/partition dirs".
std::string ObjectName(const S3Settings& s, const std::string& key);

struct Target {
  std::string url;   // full URL, query included
  std::string host;  // Host header value
  std::string path;  // wire path, percent-encoded
};
// URL for an object (object_name non-empty) or the bucket, path-style or
// virtual-host; query is already encoded.
Target MakeTarget(const S3Settings& s, const std::string& object_name, const std::string& query);

enum class Outcome { kOk, kRetry, kFail };
// What to do with an answer: transport status (non-OK when no answer), HTTP
// status and the S3 error code from the body.
Outcome Classify(const Status& transport, long http_status, const std::string& code);

// Full-jitter backoff before retry number attempt (1-based): uniform in
// [0, min(max_ms, base_ms * 2^(attempt-1))].
std::chrono::milliseconds Backoff(int attempt, int64_t base_ms, int64_t max_ms, uint64_t random);

// The one-line error for a failed S3 answer.
Status S3Error(const std::string& operation, const std::string& uri, long http_status,
               const std::string& code, const std::string& message,
               const std::string& credential_source);

// Headers for server-side encryption on PUT/CreateMultipartUpload (writes)
// or GET/HEAD/UploadPart (reads need only the customer key ones).
Result<Headers> SseHeaders(const S3Settings& s, bool for_write);

}  // namespace internal
}  // namespace secor::s3
