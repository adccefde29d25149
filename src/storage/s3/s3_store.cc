#include "storage/s3/s3_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/base64.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "storage/s3/xml.h"

namespace secor::s3 {

using net::HttpRequest;
using net::HttpResponse;
using net::SendHttp;

namespace internal {

std::string ObjectName(const S3Settings& s, const std::string& key) {
  std::string name = s.prefix.empty() ? key : s.prefix + "/" + key;
  if (!s.md5_prefix) return name;
  // The original Secor hashes "topic/partition dirs" and keeps 4 hex digits,
  // in front of the whole path, so that S3 spreads a topic's load.
  size_t slash = key.rfind('/');
  std::string dir = slash == std::string::npos ? "" : key.substr(0, slash);
  return HexEncode(Md5(dir)).substr(0, 4) + "/" + name;
}

Target MakeTarget(const S3Settings& s, const std::string& object_name, const std::string& query) {
  std::string endpoint =
      s.endpoint.empty() ? "https://s3." + s.region + ".amazonaws.com" : s.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  size_t scheme_end = endpoint.find("://");
  std::string scheme = scheme_end == std::string::npos ? "https" : endpoint.substr(0, scheme_end);
  std::string authority =
      scheme_end == std::string::npos ? endpoint : endpoint.substr(scheme_end + 3);
  std::string base_path;
  size_t slash = authority.find('/');
  if (slash != std::string::npos) {
    base_path = authority.substr(slash);
    authority = authority.substr(0, slash);
  }
  Target t;
  std::string encoded = UriEncode(object_name, /*keep_slash=*/true);
  if (s.path_style) {
    t.host = authority;
    t.path = base_path + "/" + s.bucket + (object_name.empty() ? "" : "/" + encoded);
  } else {
    t.host = s.bucket + "." + authority;
    t.path = base_path + "/" + encoded;
  }
  t.url = scheme + "://" + t.host + t.path + (query.empty() ? "" : "?" + query);
  return t;
}

Outcome Classify(const Status& transport, long http_status, const std::string& code) {
  if (!transport.ok()) return transport.IsRetryable() ? Outcome::kRetry : Outcome::kFail;
  if (http_status >= 200 && http_status < 300) {
    // A 200 whose body is an <Error> (CompleteMultipartUpload, CopyObject).
    if (code.empty()) return Outcome::kOk;
  }
  static const char* kRetryCodes[] = {
      "SlowDown",      "Throttling",           "ThrottlingException",  "RequestTimeout",
      "InternalError", "ServiceUnavailable",   "RequestLimitExceeded", "TooManyRequests",
      "ExpiredToken",  "RequestTimeTooSkewed", "OperationAborted",     "BadDigest"};
  for (const char* c : kRetryCodes) {
    if (code == c) return Outcome::kRetry;
  }
  if (http_status >= 500 || http_status == 429) return Outcome::kRetry;
  return Outcome::kFail;
}

std::chrono::milliseconds Backoff(int attempt, int64_t base_ms, int64_t max_ms, uint64_t random) {
  int shift = std::min(attempt - 1, 30);
  int64_t ceiling = std::min<int64_t>(max_ms, base_ms << shift);
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(
      static_cast<int64_t>(random % static_cast<uint64_t>(ceiling + 1)));
}

Status S3Error(const std::string& operation, const std::string& uri, long http_status,
               const std::string& code, const std::string& message,
               const std::string& credential_source) {
  std::string hint;
  Status::Code sc = Status::Code::kIOError;
  if (code == "SignatureDoesNotMatch") {
    hint = "check aws.secret.key (or AWS_SECRET_ACCESS_KEY)";
  } else if (code == "InvalidAccessKeyId") {
    hint = "check aws.access.key (or AWS_ACCESS_KEY_ID)";
  } else if (code == "NoSuchBucket") {
    hint = "check secor.s3.bucket (the bucket must exist)";
  } else if (code == "AccessDenied" || code == "AllAccessDisabled") {
    hint = "the credentials lack permission for this; check the IAM policy or bucket policy";
  } else if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
             code == "IllegalLocationConstraintException") {
    hint = "check aws.region (or aws.endpoint)";
  } else if (code == "InvalidToken" || code == "ExpiredToken") {
    hint = "check aws.session.token (or AWS_SESSION_TOKEN)";
  } else if (http_status == 403 && code.empty()) {
    hint = "check the credentials and permissions (HEAD answers carry no error code)";
  }
  if (http_status == 404) sc = Status::Code::kNotFound;
  if (http_status == 403) sc = Status::Code::kPermissionDenied;
  if (http_status == 400) sc = Status::Code::kInvalidArgument;
  if (http_status == 409) sc = Status::Code::kConflict;
  if (http_status == 412) sc = Status::Code::kAlreadyExists;
  if (http_status >= 500 || http_status == 429) sc = Status::Code::kUnavailable;
  // Codes decide over the status: a 200 CompleteMultipartUpload can carry them.
  if (code == "PreconditionFailed") sc = Status::Code::kAlreadyExists;
  if (code == "ConditionalRequestConflict") sc = Status::Code::kConflict;
  std::string msg = message;
  std::replace(msg.begin(), msg.end(), '\n', ' ');
  std::replace(msg.begin(), msg.end(), '\r', ' ');
  std::string line = fmt::format("S3 {} {}: HTTP {}", operation, uri, http_status);
  if (!code.empty()) line += " " + code;
  if (!msg.empty()) line += " (" + msg + ")";
  if (!hint.empty()) line += ": " + hint;
  if (!credential_source.empty() && (http_status == 403 || code == "SignatureDoesNotMatch")) {
    line += "; credentials from " + credential_source;
  }
  return Status(sc, line);
}

Result<Headers> SseHeaders(const S3Settings& s, bool for_write) {
  Headers h;
  std::string type = ToLower(s.sse_type);
  if (type.empty() || type == "none") return h;
  if (type == "s3" || type == "aes256" || type == "sse-s3") {
    if (for_write) h.emplace_back("x-amz-server-side-encryption", "AES256");
    return h;
  }
  if (type == "kms" || type == "aws:kms" || type == "sse-kms") {
    if (for_write) {
      h.emplace_back("x-amz-server-side-encryption", "aws:kms");
      if (!s.sse_kms_key.empty()) {
        h.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", s.sse_kms_key);
      }
    }
    return h;
  }
  if (type == "customer" || type == "sse-c" || type == "c") {
    std::string raw;
    // A malformed key reads as no bytes, so the size check below names it.
    if (!Base64Decode(Trim(s.sse_customer_key), &raw).ok()) raw.clear();
    if (raw.size() != 32) {
      return Status::InvalidArgument(
          "aws.sse.customer.key: want the base64 of a 256-bit key (44 characters), got {} "
          "characters that decode to {} bytes",
          s.sse_customer_key.size(), raw.size());
    }
    h.emplace_back("x-amz-server-side-encryption-customer-algorithm", "AES256");
    h.emplace_back("x-amz-server-side-encryption-customer-key", Base64Encode(raw));
    h.emplace_back("x-amz-server-side-encryption-customer-key-MD5", Base64Encode(Md5(raw)));
    return h;
  }
  return Status::InvalidArgument("aws.sse.type={}: want S3, KMS or customer (or empty)",
                                 s.sse_type);
}

}  // namespace internal

namespace {

using internal::Outcome;

// The body of one request: memory or a file region.
struct Body {
  std::string_view data;
  std::string file;
  int64_t offset = 0;
  int64_t length = 0;
};

struct Call {
  std::string operation;  // "PutObject", for messages
  std::string method;
  std::string object;  // object name in the bucket; "" for bucket-level calls
  std::string query;   // encoded
  Headers headers;
  Body body;
  bool has_body = false;
  std::string download_file;
  bool whole_request_timeout = true;
};

class S3Store : public ObjectStore {
 public:
  S3Store(S3Settings s, std::shared_ptr<CredentialsProvider> creds)
      : s_(std::move(s)), creds_(std::move(creds)), rng_(std::random_device{}()) {}

  std::string Uri(const std::string& key) const override {
    if (key.empty()) return "s3://" + s_.bucket + (s_.prefix.empty() ? "" : "/" + s_.prefix);
    return "s3://" + s_.bucket + "/" + internal::ObjectName(s_, key);
  }

  Status PutFile(const std::string& key, const std::string& local_path,
                 const PutOptions& options) override {
    RETURN_IF_ERROR(CheckKey(key));
    ASSIGN_OR_RETURN(int64_t size, FileSize(local_path));
    // At or above the threshold as documented, even below one part: a
    // single part may be smaller than 5 MiB, being the last.
    if (size >= s_.multipart_threshold) {
      return MultipartPut(key, local_path, size, options);
    }
    Body body;
    body.file = local_path;
    body.length = size;
    return SinglePut(key, body, options);
  }

  Status PutBytes(const std::string& key, std::string_view data,
                  const PutOptions& options) override {
    RETURN_IF_ERROR(CheckKey(key));
    Body body;
    body.data = data;
    body.length = static_cast<int64_t>(data.size());
    return SinglePut(key, body, options);
  }

  Result<std::string> Get(const std::string& key) override {
    Call c = ObjectCall("GetObject", "GET", key);
    ASSIGN_OR_RETURN(Headers sse, internal::SseHeaders(s_, false));
    c.headers.insert(c.headers.end(), sse.begin(), sse.end());
    ASSIGN_OR_RETURN(HttpResponse r, Execute(c, Uri(key)));
    return std::move(r.body);
  }

  Status GetToFile(const std::string& key, const std::string& local_path) override {
    Call c = ObjectCall("GetObject", "GET", key);
    ASSIGN_OR_RETURN(Headers sse, internal::SseHeaders(s_, false));
    c.headers.insert(c.headers.end(), sse.begin(), sse.end());
    std::string tmp = local_path + ".s3tmp";
    c.download_file = tmp;
    c.whole_request_timeout = false;
    auto r = Execute(c, Uri(key));
    if (!r.ok()) {
      ::unlink(tmp.c_str());
      return r.status();
    }
    if (::rename(tmp.c_str(), local_path.c_str()) != 0) {
      return Status::FromErrno("rename " + tmp + " to " + local_path, errno);
    }
    return Status::OK();
  }

  Result<ObjectInfo> Head(const std::string& key) override {
    Call c = ObjectCall("HeadObject", "HEAD", key);
    ASSIGN_OR_RETURN(Headers sse, internal::SseHeaders(s_, false));
    c.headers.insert(c.headers.end(), sse.begin(), sse.end());
    ASSIGN_OR_RETURN(HttpResponse r, Execute(c, Uri(key)));
    ObjectInfo info;
    info.key = key;
    info.size = ParseInt64(r.Header("content-length")).value_or(0);
    for (const auto& [name, value] : r.headers) {
      if (StartsWith(name, "x-amz-meta-")) info.metadata[name.substr(11)] = value;
    }
    return info;
  }

  Status List(const std::string& prefix, std::vector<ObjectInfo>* out) override {
    std::string root = s_.prefix.empty() ? "" : s_.prefix + "/";
    // With MD5 prefixes a key's place depends on its directory: scan all.
    std::string list_prefix = s_.md5_prefix ? "" : root + prefix;
    std::string token;
    std::vector<ObjectInfo> found;
    while (true) {
      std::string query = "list-type=2&max-keys=" + std::to_string(s_.list_page_size) +
                          "&prefix=" + UriEncode(list_prefix, false);
      if (!token.empty()) query += "&continuation-token=" + UriEncode(token, false);
      Call c;
      c.operation = "ListObjectsV2";
      c.method = "GET";
      c.query = query;
      ASSIGN_OR_RETURN(HttpResponse r, Execute(c, Uri(prefix) + "*"));
      auto page = ParseListObjectsV2(r.body);
      if (!page.ok()) return page.status().WithContext("S3 ListObjectsV2 " + Uri(prefix));
      for (const ListedObject& item : page->objects) {
        const std::string& name = item.key;
        std::string rel = name;
        if (s_.md5_prefix) {
          // "<4 hex>/<root><key>"
          if (rel.size() < 5 || rel[4] != '/') continue;
          rel = rel.substr(5);
        }
        if (!StartsWith(rel, root)) continue;
        rel = rel.substr(root.size());
        if (!StartsWith(rel, prefix)) continue;
        if (s_.md5_prefix && internal::ObjectName(s_, rel) != name) continue;
        found.push_back(ObjectInfo{rel, item.size, {}});
      }
      if (!page->truncated) break;
      token = page->next_token;
      if (token.empty()) {
        return Status::Corruption(
            "S3 ListObjectsV2 {}: truncated page without a continuation token", Uri(prefix));
      }
    }
    std::sort(found.begin(), found.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    out->insert(out->end(), found.begin(), found.end());
    return Status::OK();
  }

  Status Delete(const std::string& key) override {
    Call c = ObjectCall("DeleteObject", "DELETE", key);
    auto r = Execute(c, Uri(key));
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
    return Status::OK();
  }

 private:
  static Status CheckKey(const std::string& key) {
    if (key.empty() || StartsWith(key, "/")) {
      return Status::InvalidArgument("bad object key '{}'", key);
    }
    return Status::OK();
  }

  Call ObjectCall(const std::string& op, const std::string& method, const std::string& key) {
    Call c;
    c.operation = op;
    c.method = method;
    c.object = internal::ObjectName(s_, key);
    return c;
  }

  Result<Headers> WriteHeaders(const PutOptions& options) {
    Headers h;
    h.emplace_back("Content-Type", options.content_type);
    for (const auto& [k, v] : options.metadata) h.emplace_back("x-amz-meta-" + k, v);
    if (!s_.storage_class.empty()) h.emplace_back("x-amz-storage-class", s_.storage_class);
    if (!s_.canned_acl.empty()) h.emplace_back("x-amz-acl", s_.canned_acl);
    ASSIGN_OR_RETURN(Headers sse, internal::SseHeaders(s_, true));
    h.insert(h.end(), sse.begin(), sse.end());
    return h;
  }

  Status SinglePut(const std::string& key, const Body& body, const PutOptions& options) {
    Call c = ObjectCall("PutObject", "PUT", key);
    ASSIGN_OR_RETURN(c.headers, WriteHeaders(options));
    if (options.create_only) c.headers.emplace_back("If-None-Match", "*");
    c.body = body;
    c.has_body = true;
    c.whole_request_timeout = false;
    auto r = Execute(c, Uri(key));
    if (r.ok()) return Status::OK();
    if (r.status().IsAlreadyExists()) return Status::AlreadyExists("{} already exists", Uri(key));
    return r.status();
  }

  // The hex SHA-256 of a body. Files are hashed in chunks (bounded memory);
  // over TLS the payload goes unsigned, since TLS already protects it.
  Result<std::string> PayloadHash(const Call& c) {
    if (!c.has_body) return std::string(kEmptySha256);
    if (StartsWith(internal::MakeTarget(s_, "", "").url, "https://")) {
      return std::string(kUnsignedPayload);
    }
    if (c.body.file.empty()) return Sha256Hex(c.body.data);
    int fd = ::open(c.body.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + c.body.file, errno);
    std::string digest = Sha256FileRegion(fd, c.body.offset, c.body.length);
    ::close(fd);
    if (digest.empty()) return Status::IOError("read {} to hash it: short file", c.body.file);
    return digest;
  }

  // Sends a call with signing and retries. HTTP errors become Status (via
  // S3Error); an <Error> inside a 2xx body does too.
  Result<HttpResponse> Execute(const Call& c, const std::string& uri) {
    ASSIGN_OR_RETURN(std::string payload_hash, PayloadHash(c));
    Status last;
    for (int attempt = 1;; ++attempt) {
      ASSIGN_OR_RETURN(Credentials creds, creds_->Get());
      internal::Target t = internal::MakeTarget(s_, c.object, c.query);
      SigningRequest sreq;
      sreq.method = c.method;
      sreq.path = t.path;
      sreq.query = c.query;
      sreq.headers = c.headers;
      sreq.headers.emplace_back("Host", t.host);
      SigningOptions opts;
      opts.region = s_.region;
      opts.service = "s3";
      opts.amz_date = AmzDate(std::chrono::system_clock::now());
      opts.payload_hash = payload_hash;
      SignV4(&sreq, creds, opts);

      HttpRequest req;
      req.method = c.method;
      req.url = t.url;
      req.headers = std::move(sreq.headers);
      if (c.has_body) {
        if (!c.body.file.empty()) {
          req.upload_file = c.body.file;
          req.upload_offset = c.body.offset;
          req.upload_length = c.body.length;
        } else {
          req.body = c.body.data;
        }
      }
      req.download_file = c.download_file;
      req.tls = &s_.tls;
      req.stall_timeout_ms = s_.request_timeout_ms;
      if (c.whole_request_timeout) req.timeout_ms = s_.request_timeout_ms;

      auto resp = SendHttp(req);
      Status transport = resp.ok() ? Status::OK() : resp.status();
      long status = resp.ok() ? resp->status : 0;
      std::string code, message;
      // An error document: any answer outside 2xx, or a 2xx answer whose
      // root element is <Error> (CompleteMultipartUpload and CopyObject
      // report failures that way). The body of a GetObject that succeeded
      // is the user's data, whatever it contains.
      bool success = status >= 200 && status < 300;
      std::optional<ErrorDocument> error_doc;
      if (resp.ok() && !resp->body.empty() && !(success && c.operation == "GetObject")) {
        error_doc = ParseErrorDocument(resp->body, /*root_only=*/success);
      }
      if (error_doc) {
        code = error_doc->code;
        message = error_doc->message;
        if (code.empty()) code = "UnknownError";
      }
      if (resp.ok() && (status < 200 || status >= 300) && code.empty()) {
        // HEAD and some proxies answer without a body.
        if (status == 404) code = c.method == "HEAD" ? "" : "NotFound";
        if (status == 412) code = "PreconditionFailed";
      }
      Outcome o = internal::Classify(transport, status, code);
      if (o == Outcome::kOk) return std::move(resp).value();
      if (code == "ExpiredToken") creds_->Invalidate();
      last = transport.ok()
                 ? internal::S3Error(c.operation, uri, status, code, message, creds.source)
                 : transport.WithContext("S3 " + c.operation + " " + uri);
      if (o == Outcome::kFail || attempt >= s_.max_attempts) {
        if (o == Outcome::kRetry) {
          return Status(last.code(),
                        fmt::format("{} (gave up after {} attempts)", last.message(), attempt));
        }
        return last;
      }
      uint64_t r;
      {
        std::lock_guard<std::mutex> lock(rng_mu_);
        r = rng_();
      }
      auto wait = internal::Backoff(attempt, s_.retry_base_ms, s_.retry_max_ms, r);
      spdlog::warn("{}; retry {} of {} in {} ms", last.message(), attempt, s_.max_attempts - 1,
                   wait.count());
      std::this_thread::sleep_for(wait);
    }
  }

  Status MultipartPut(const std::string& key, const std::string& path, int64_t size,
                      const PutOptions& options) {
    const std::string uri = Uri(key);
    if (options.create_only) {
      // Ceph 16 ignores If-None-Match on Complete: refuse early when the key
      // is already there (a concurrent creator can still slip in between).
      auto head = Head(key);
      if (head.ok()) return Status::AlreadyExists("{} already exists", uri);
      if (!head.status().IsNotFound()) return head.status();
    }
    Status last;
    for (int restart = 0; restart < s_.max_attempts; ++restart) {
      Status st = MultipartOnce(key, path, size, options);
      if (st.code() != Status::Code::kConflict) return st;
      last = st;
      spdlog::warn("{}; restarting the multipart upload", st.message());
    }
    return last;
  }

  Status MultipartOnce(const std::string& key, const std::string& path, int64_t size,
                       const PutOptions& options) {
    const std::string uri = Uri(key);
    Call create = ObjectCall("CreateMultipartUpload", "POST", key);
    create.query = "uploads=";
    ASSIGN_OR_RETURN(create.headers, WriteHeaders(options));
    create.has_body = true;  // empty
    ASSIGN_OR_RETURN(HttpResponse created, Execute(create, uri));
    auto parsed_id = ParseInitiateMultipartUpload(created.body);
    if (!parsed_id.ok()) return parsed_id.status().WithContext("S3 CreateMultipartUpload " + uri);
    const std::string upload_id = *parsed_id;
    const std::string id_query = "uploadId=" + UriEncode(upload_id, false);

    int64_t parts = (size + s_.part_size - 1) / s_.part_size;
    if (parts > 10000) {
      return Status::InvalidArgument(
          "{}: {} bytes need {} parts of secor.s3.multipart.part.bytes={}; S3 allows 10000", uri,
          size, parts, s_.part_size);
    }
    std::vector<std::string> etags(static_cast<size_t>(parts));
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex err_mu;
    Status first_error;
    ASSIGN_OR_RETURN(Headers part_sse, internal::SseHeaders(s_, false));
    auto worker = [&] {
      while (!failed) {
        int64_t i = next++;
        if (i >= parts) return;
        Call part = ObjectCall("UploadPart", "PUT", key);
        part.query = "partNumber=" + std::to_string(i + 1) + "&" + id_query;
        part.headers = part_sse;
        part.body.file = path;
        part.body.offset = i * s_.part_size;
        part.body.length = std::min(s_.part_size, size - part.body.offset);
        part.has_body = true;
        part.whole_request_timeout = false;
        auto r = Execute(part, uri + " part " + std::to_string(i + 1));
        if (!r.ok() || r->Header("etag").empty()) {
          std::lock_guard<std::mutex> lock(err_mu);
          if (first_error.ok()) {
            first_error = r.ok()
                              ? Status::Corruption("S3 UploadPart {} part {}: no ETag", uri, i + 1)
                              : r.status();
          }
          failed = true;
          return;
        }
        etags[static_cast<size_t>(i)] = r->Header("etag");
      }
    };
    int threads = static_cast<int>(std::min<int64_t>(std::max(1, s_.parallelism), parts));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (failed) {
      Abort(key, id_query, uri);
      return first_error;
    }

    std::string xml = "<CompleteMultipartUpload>";
    for (int64_t i = 0; i < parts; ++i) {
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
             XmlEscape(etags[static_cast<size_t>(i)]) + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    Call complete = ObjectCall("CompleteMultipartUpload", "POST", key);
    complete.query = id_query;
    complete.headers = {{"Content-Type", "application/xml"}};
    if (options.create_only) complete.headers.emplace_back("If-None-Match", "*");
    complete.body.data = xml;
    complete.body.length = static_cast<int64_t>(xml.size());
    complete.has_body = true;
    complete.whole_request_timeout = false;
    auto done = Execute(complete, uri);
    if (done.ok()) {
      // Execute turned a 200 whose body is an <Error> into that error; a
      // body that is neither that nor a result (cut short) leaves open
      // whether the upload completed: the object's size tells.
      if (ParseCompleteMultipartUpload(done->body, nullptr) != CompleteOutcome::kUnknown) {
        return Status::OK();
      }
      auto head = Head(key);
      if (head.ok() && head->size == size) return Status::OK();
      done = Status::IOError("S3 CompleteMultipartUpload {}: an unreadable answer ({} bytes)", uri,
                             done->body.size());
    }
    Status st = done.status();
    if (st.message().find("NoSuchUpload") != std::string::npos) {
      // A retried Complete whose first try went through: the object is there.
      auto head = Head(key);
      if (head.ok() && head->size == size) return Status::OK();
    }
    Abort(key, id_query, uri);
    if (st.IsAlreadyExists()) return Status::AlreadyExists("{} already exists", uri);
    return st;
  }

  void Abort(const std::string& key, const std::string& id_query, const std::string& uri) {
    Call abort = ObjectCall("AbortMultipartUpload", "DELETE", key);
    abort.query = id_query;
    auto r = Execute(abort, uri);
    if (!r.ok() && !r.status().IsNotFound()) {
      spdlog::warn("{} (parts stay until a lifecycle rule removes them)", r.status().message());
    }
  }

  // Hex SHA-256 of length bytes at offset, read in 1 MiB chunks; "" when
  // the file is shorter.
  static std::string Sha256FileRegion(int fd, int64_t offset, int64_t length) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    std::string buf(1 << 20, '\0');
    int64_t done = 0;
    bool ok = true;
    while (done < length) {
      size_t want = static_cast<size_t>(std::min<int64_t>(length - done, 1 << 20));
      ssize_t n = ::pread(fd, buf.data(), want, offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = false;
        break;
      }
      EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(n));
      done += n;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    if (!ok) return "";
    return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
  }

  S3Settings s_;
  std::shared_ptr<CredentialsProvider> creds_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace

namespace {

// The host of an endpoint URL, without port or IPv6 brackets.
std::string EndpointHost(const std::string& endpoint) {
  size_t scheme_end = endpoint.find("://");
  std::string host = scheme_end == std::string::npos ? endpoint : endpoint.substr(scheme_end + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string::npos) host.erase(0, at + 1);
  if (!host.empty() && host[0] == '[') return host.substr(1, host.find(']') - 1);
  return host.substr(0, host.find(':'));
}

bool IsLoopbackHost(const std::string& host) {
  std::string h = ToLower(host);
  if (h == "localhost" || EndsWith(h, ".localhost") || h == "::1") return true;
  // 127.0.0.0/8, written as a dotted IPv4 address.
  return StartsWith(h, "127.") && h.find_first_not_of("0123456789.") == std::string::npos;
}

// aws.ca.bundle, else the AWS SDKs' AWS_CA_BUNDLE: a readable file holding
// at least one PEM certificate, or start-up stops naming where it came from.
Status ReadTlsSettings(const Config& config, net::TlsOptions* tls) {
  ASSIGN_OR_RETURN(tls->ca_file, config.String("aws.ca.bundle"));
  std::string source = "aws.ca.bundle";
  if (tls->ca_file.empty()) {
    const char* env = std::getenv("AWS_CA_BUNDLE");
    tls->ca_file = env ? env : "";
    source = "AWS_CA_BUNDLE";
  }
  auto bad = [&](const std::string& why) {
    return source == "aws.ca.bundle"
               ? config.BadValue(source, why)
               : Status::InvalidArgument("AWS_CA_BUNDLE={} (environment): {}", tls->ca_file, why);
  };
  if (!tls->ca_file.empty()) {
    auto pem = ReadFile(tls->ca_file);
    if (!pem.ok()) return bad("cannot read the CA file: " + pem.status().message());
    if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return bad("the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
  }
  ASSIGN_OR_RETURN(tls->verify, config.Bool("aws.verify.ssl"));
  tls->untrusted_hint =
      tls->ca_file.empty()
          ? "to trust a private CA, set aws.ca.bundle (or AWS_CA_BUNDLE) to its PEM file"
          : fmt::format("{}={} does not hold the CA that signed it", source, tls->ca_file);
  tls->name_hint = "aws.endpoint must name a host the certificate is for";
  return Status::OK();
}

}  // namespace

std::vector<std::string> TransportWarnings(const S3Settings& s) {
  std::vector<std::string> out;
  std::string endpoint =
      s.endpoint.empty() ? "https://s3." + s.region + ".amazonaws.com" : s.endpoint;
  if (!s.tls.verify) {
    out.push_back(fmt::format(
        "aws.verify.ssl=false: the certificate of {} is not checked, so anyone on the network "
        "path can pose as the store and read or change what secor writes; give its CA with "
        "aws.ca.bundle instead",
        endpoint));
  }
  if (StartsWith(ToLower(endpoint), "http://") && !IsLoopbackHost(EndpointHost(endpoint))) {
    out.push_back(fmt::format(
        "aws.endpoint={}: plain HTTP to another host: objects cross the network unencrypted and "
        "unauthenticated; use https://",
        endpoint));
  }
  return out;
}

Result<S3Settings> S3SettingsFromConfig(const std::string& uri, const Config& config) {
  S3Settings s;
  std::string scheme, rest;
  SplitUri(uri, &scheme, &rest);
  size_t slash = rest.find('/');
  s.bucket = rest.substr(0, slash);
  s.prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  while (!s.prefix.empty() && s.prefix.back() == '/') s.prefix.pop_back();
  while (!s.prefix.empty() && s.prefix.front() == '/') s.prefix.erase(0, 1);
  if (s.bucket.empty())
    return Status::InvalidArgument("{}: no bucket (want s3://bucket/prefix)", uri);
  ASSIGN_OR_RETURN(s.region, config.String("aws.region"));
  ASSIGN_OR_RETURN(s.endpoint, config.String("aws.endpoint"));
  if (!s.endpoint.empty() && s.endpoint.find("://") == std::string::npos) {
    s.endpoint = "https://" + s.endpoint;
  }
  ASSIGN_OR_RETURN(s.path_style, config.Bool("aws.client.pathstyleaccess"));
  ASSIGN_OR_RETURN(s.sse_type, config.String("aws.sse.type"));
  ASSIGN_OR_RETURN(s.sse_kms_key, config.String("aws.sse.kms.key"));
  ASSIGN_OR_RETURN(s.sse_customer_key, config.String("aws.sse.customer.key"));
  ASSIGN_OR_RETURN(s.storage_class, config.String("aws.storage.class"));
  ASSIGN_OR_RETURN(s.canned_acl, config.String("aws.canned.acl"));
  ASSIGN_OR_RETURN(s.md5_prefix, config.Bool("secor.s3.prefix.md5hash"));
  ASSIGN_OR_RETURN(s.multipart_threshold, config.Int("secor.s3.multipart.threshold.bytes"));
  ASSIGN_OR_RETURN(s.part_size, config.Int("secor.s3.multipart.part.bytes"));
  ASSIGN_OR_RETURN(int64_t par, config.Int("secor.s3.upload.parallelism"));
  ASSIGN_OR_RETURN(int64_t attempts, config.Int("secor.s3.max.attempts"));
  ASSIGN_OR_RETURN(s.retry_base_ms, config.Int("secor.s3.retry.base.ms"));
  ASSIGN_OR_RETURN(s.retry_max_ms, config.Int("secor.s3.retry.max.ms"));
  ASSIGN_OR_RETURN(s.request_timeout_ms, config.Int("secor.s3.request.timeout.ms"));
  ASSIGN_OR_RETURN(int64_t page, config.Int("secor.s3.list.page.size"));
  if (s.part_size < (5 << 20)) {
    return config.BadValue("secor.s3.multipart.part.bytes",
                           "S3 needs parts of at least 5 MiB (5242880)");
  }
  if (par < 1 || par > 64) return config.BadValue("secor.s3.upload.parallelism", "want 1 to 64");
  if (attempts < 1) return config.BadValue("secor.s3.max.attempts", "want at least 1");
  if (page < 1 || page > 1000) return config.BadValue("secor.s3.list.page.size", "want 1 to 1000");
  s.parallelism = static_cast<int>(par);
  s.max_attempts = static_cast<int>(attempts);
  s.list_page_size = static_cast<int>(page);
  // An endpoint given as an IP address or localhost has no DNS for
  // bucket.host names: address buckets in the path there.
  if (!s.path_style && !s.endpoint.empty()) {
    std::string host = s.endpoint.substr(s.endpoint.find("://") + 3);
    host = host.substr(0, host.find('/'));
    if (!host.empty() && host[0] == '[') {
      s.path_style = true;
    } else {
      host = host.substr(0, host.find(':'));
      s.path_style =
          host == "localhost" || host.find_first_not_of("0123456789.") == std::string::npos;
    }
  }
  RETURN_IF_ERROR(internal::SseHeaders(s, true).status());
  RETURN_IF_ERROR(ReadTlsSettings(config, &s.tls));
  return s;
}

std::unique_ptr<ObjectStore> NewS3Store(S3Settings settings,
                                        std::shared_ptr<CredentialsProvider> credentials) {
  return std::make_unique<S3Store>(std::move(settings), std::move(credentials));
}

Result<std::unique_ptr<ObjectStore>> NewS3Store(const std::string& uri, const Config& config) {
  ASSIGN_OR_RETURN(S3Settings s, S3SettingsFromConfig(uri, config));
  ASSIGN_OR_RETURN(CredentialSettings cs, CredentialSettingsFromConfig(config));
  cs.region = s.region;
  cs.tls = s.tls;
  for (const std::string& warning : TransportWarnings(s)) spdlog::warn("{}", warning);
  return NewS3Store(std::move(s), std::make_shared<CredentialsProvider>(std::move(cs)));
}

}  // namespace secor::s3
