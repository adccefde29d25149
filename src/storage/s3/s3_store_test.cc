#include "storage/s3/s3_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "common/base64.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "support/fake_http_server.h"
#include "support/test_util.h"

namespace secor::s3 {
namespace {

using internal::Outcome;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

FakeResponse Xml(int status, const std::string& body) {
  return FakeResponse{status, {{"Content-Type", "application/xml"}}, body, false};
}

FakeResponse S3ErrorBody(int status, const std::string& code) {
  return Xml(status, "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>msg for " +
                         code + "</Message></Error>");
}

// A store on a fake S3 (one that fails on purpose), with fast retries.
std::unique_ptr<ObjectStore> StoreOn(const FakeHttpServer& server, S3Settings s = {}) {
  s.bucket = "bkt";
  s.prefix = "pre";
  s.endpoint = server.url();
  s.path_style = true;
  s.retry_base_ms = 1;
  s.retry_max_ms = 5;
  s.request_timeout_ms = 5000;
  CredentialSettings cs;
  cs.access_key = "AK";
  cs.secret_key = "SK";
  return NewS3Store(s, std::make_shared<CredentialsProvider>(cs));
}

TEST(S3Classify, RetriesServerErrorsThrottlingAndTransportFailures) {
  Status ok;
  EXPECT_EQ(internal::Classify(ok, 200, ""), Outcome::kOk);
  EXPECT_EQ(internal::Classify(ok, 204, ""), Outcome::kOk);
  EXPECT_EQ(internal::Classify(ok, 500, "InternalError"), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 502, ""), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 503, "SlowDown"), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 400, "RequestTimeout"), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 400, "Throttling"), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 429, ""), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 400, "ExpiredToken"), Outcome::kRetry);
  // An <Error> inside a 200 (CompleteMultipartUpload) is an error.
  EXPECT_EQ(internal::Classify(ok, 200, "InternalError"), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(ok, 200, "PreconditionFailed"), Outcome::kFail);
  EXPECT_EQ(internal::Classify(Status::Unavailable("reset"), 0, ""), Outcome::kRetry);
  EXPECT_EQ(internal::Classify(Status::InvalidArgument("bad url"), 0, ""), Outcome::kFail);
  // Other 4xx fail at once.
  EXPECT_EQ(internal::Classify(ok, 403, "AccessDenied"), Outcome::kFail);
  EXPECT_EQ(internal::Classify(ok, 403, "SignatureDoesNotMatch"), Outcome::kFail);
  EXPECT_EQ(internal::Classify(ok, 404, "NoSuchBucket"), Outcome::kFail);
  EXPECT_EQ(internal::Classify(ok, 412, "PreconditionFailed"), Outcome::kFail);
  EXPECT_EQ(internal::Classify(ok, 409, "ConditionalRequestConflict"), Outcome::kFail);
  EXPECT_EQ(internal::Classify(ok, 400, "InvalidArgument"), Outcome::kFail);
}

TEST(S3Classify, BackoffIsCappedFullJitter) {
  using std::chrono::milliseconds;
  EXPECT_EQ(internal::Backoff(1, 100, 20000, 0), milliseconds(0));
  EXPECT_EQ(internal::Backoff(1, 100, 20000, 100), milliseconds(100));
  EXPECT_EQ(internal::Backoff(1, 100, 20000, 101), milliseconds(0));  // 101 % 101
  EXPECT_EQ(internal::Backoff(3, 100, 20000, 400), milliseconds(400));
  EXPECT_EQ(internal::Backoff(3, 100, 20000, 401), milliseconds(0));
  // Past the cap every draw stays within [0, cap].
  EXPECT_EQ(internal::Backoff(40, 100, 20000, 20000), milliseconds(20000));
  EXPECT_EQ(internal::Backoff(40, 100, 20000, 20001), milliseconds(0));
}

TEST(S3Errors, OneLineWithCodeAndHint) {
  EXPECT_EQ(internal::S3Error("PutObject", "s3://b/p/k", 403, "SignatureDoesNotMatch",
                              "The request signature we calculated does not match", "config")
                .ToString(),
            "PermissionDenied: S3 PutObject s3://b/p/k: HTTP 403 SignatureDoesNotMatch (The "
            "request signature we calculated does not match): check aws.secret.key (or "
            "AWS_SECRET_ACCESS_KEY); credentials from config");
  EXPECT_EQ(
      internal::S3Error("GetObject", "s3://b/k", 403, "InvalidAccessKeyId", "", "env").message(),
      "S3 GetObject s3://b/k: HTTP 403 InvalidAccessKeyId: check aws.access.key (or "
      "AWS_ACCESS_KEY_ID); credentials from env");
  Status nb = internal::S3Error("ListObjectsV2", "s3://nob/*", 404, "NoSuchBucket", "x\ny", "");
  EXPECT_EQ(nb.code(), Status::Code::kNotFound);
  EXPECT_EQ(nb.message(),
            "S3 ListObjectsV2 s3://nob/*: HTTP 404 NoSuchBucket (x y): check secor.s3.bucket (the "
            "bucket must exist)");
  EXPECT_EQ(internal::S3Error("PutObject", "s3://b/k", 403, "AccessDenied", "", "").message(),
            "S3 PutObject s3://b/k: HTTP 403 AccessDenied: the credentials lack permission for "
            "this; check the IAM policy or bucket policy");
}

TEST(S3Target, PathStyleAndVirtualHost) {
  S3Settings s;
  s.bucket = "my-bucket";
  s.region = "eu-west-1";
  auto t = internal::MakeTarget(s, "a b/c+d", "");
  EXPECT_EQ(t.url, "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd");
  EXPECT_EQ(t.host, "my-bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(t.path, "/a%20b/c%2Bd");
  s.path_style = true;
  s.endpoint = "http://127.0.0.1:8080/";
  t = internal::MakeTarget(s, "k", "uploads=");
  EXPECT_EQ(t.url, "http://127.0.0.1:8080/my-bucket/k?uploads=");
  EXPECT_EQ(t.host, "127.0.0.1:8080");
  t = internal::MakeTarget(s, "", "list-type=2");
  EXPECT_EQ(t.url, "http://127.0.0.1:8080/my-bucket?list-type=2");
  EXPECT_EQ(t.path, "/my-bucket");
}

TEST(S3Settings, FromConfigAndIpEndpointsUsePathStyle) {
  Config c = Config::FromMap({{"aws.endpoint", "http://127.0.0.1:7480"},
                              {"secor.s3.multipart.part.bytes", "5242880"},
                              {"aws.storage.class", "STANDARD_IA"}});
  auto s = S3SettingsFromConfig("s3://bucket/some/prefix/", c);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->bucket, "bucket");
  EXPECT_EQ(s->prefix, "some/prefix");
  EXPECT_TRUE(s->path_style);
  EXPECT_EQ(s->part_size, 5242880);
  EXPECT_EQ(s->storage_class, "STANDARD_IA");

  c = Config::FromMap({{"aws.endpoint", "https://storage.googleapis.com"}});
  s = S3SettingsFromConfig("s3://b", c);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->path_style);
  EXPECT_EQ(s->prefix, "");

  c = Config::FromMap({{"secor.s3.multipart.part.bytes", "1000"}});
  s = S3SettingsFromConfig("s3://b/p", c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("secor.s3.multipart.part.bytes=1000"), std::string::npos)
      << s.status().message();
  c = Config::FromMap({{"aws.sse.type", "customer"}, {"aws.sse.customer.key", "c2hvcnQ="}});
  s = S3SettingsFromConfig("s3://b/p", c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "aws.sse.customer.key: want the base64 of a 256-bit key (44 characters), got 8 "
            "characters that decode to 5 bytes");
}

// Sets an environment variable for one scope, and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

const char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

TEST(S3Settings, CaBundleFromTheKeyElseAwsCaBundleAndABadOneStopsStartUp) {
  testing::TempDir dir;
  std::string ca = dir.Join("ca.pem"), env_ca = dir.Join("env-ca.pem");
  ASSERT_TRUE(WriteFileAtomic(ca, kPem).ok());
  ASSERT_TRUE(WriteFileAtomic(env_ca, kPem).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.Join("key.pem"), "-----BEGIN PRIVATE KEY-----\n").ok());

  {
    ScopedEnv unset("AWS_CA_BUNDLE", nullptr);
    auto s = S3SettingsFromConfig("s3://b/p", Config());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->tls.ca_file, "");
    EXPECT_TRUE(s->tls.verify);
    EXPECT_EQ(s->tls.untrusted_hint,
              "to trust a private CA, set aws.ca.bundle (or AWS_CA_BUNDLE) to its PEM file");
    EXPECT_EQ(s->tls.name_hint, "aws.endpoint must name a host the certificate is for");
  }
  ScopedEnv env("AWS_CA_BUNDLE", env_ca.c_str());
  auto s = S3SettingsFromConfig("s3://b/p", Config());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->tls.ca_file, env_ca);
  EXPECT_EQ(s->tls.untrusted_hint,
            "AWS_CA_BUNDLE=" + env_ca + " does not hold the CA that signed it");

  // The key wins over the environment.
  s = S3SettingsFromConfig("s3://b/p", Config::FromMap({{"aws.ca.bundle", ca}}, "f:3"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->tls.ca_file, ca);
  EXPECT_EQ(s->tls.untrusted_hint, "aws.ca.bundle=" + ca + " does not hold the CA that signed it");

  s = S3SettingsFromConfig("s3://b/p",
                           Config::FromMap({{"aws.ca.bundle", dir.Join("none.pem")}}, "f:3"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "aws.ca.bundle=" + dir.Join("none.pem") +
                                      " (f:3): cannot read the CA file: open " +
                                      dir.Join("none.pem") + ": No such file or directory");
  s = S3SettingsFromConfig("s3://b/p",
                           Config::FromMap({{"aws.ca.bundle", dir.Join("key.pem")}}, "f:3"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "aws.ca.bundle=" + dir.Join("key.pem") +
                " (f:3): the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");

  ScopedEnv missing("AWS_CA_BUNDLE", dir.Join("gone.pem").c_str());
  s = S3SettingsFromConfig("s3://b/p", Config());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "AWS_CA_BUNDLE=" + dir.Join("gone.pem") +
                                      " (environment): cannot read the CA file: open " +
                                      dir.Join("gone.pem") + ": No such file or directory");
}

TEST(S3Settings, VerificationOffAndPlainHttpToAnotherHostWarnAtEveryStart) {
  ScopedEnv unset("AWS_CA_BUNDLE", nullptr);
  auto warnings = [](const std::map<std::string, std::string>& kv) {
    auto s = S3SettingsFromConfig("s3://b/p", Config::FromMap(kv));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? TransportWarnings(*s) : std::vector<std::string>{"not parsed"};
  };
  // HTTPS checked, and plain HTTP on this machine: nothing to say.
  EXPECT_EQ(warnings({}), std::vector<std::string>{});
  EXPECT_EQ(warnings({{"aws.endpoint", "https://s3.example.com"}}), std::vector<std::string>{});
  for (const char* local : {"http://127.0.0.1:7480", "http://localhost:7480", "http://[::1]:7480",
                            "http://127.10.0.1", "http://ceph.localhost:80/"}) {
    EXPECT_EQ(warnings({{"aws.endpoint", local}}), std::vector<std::string>{}) << local;
  }
  // Only the explicit key turns checks off, and it says so.
  EXPECT_EQ(warnings({{"aws.endpoint", "https://s3.example.com"}, {"aws.verify.ssl", "false"}}),
            std::vector<std::string>{
                "aws.verify.ssl=false: the certificate of https://s3.example.com is not checked, "
                "so anyone on the network path can pose as the store and read or change what "
                "secor writes; give its CA with aws.ca.bundle instead"});
  EXPECT_TRUE(StartsWith(warnings({{"aws.region", "eu-west-1"}, {"aws.verify.ssl", "false"}}).at(0),
                         "aws.verify.ssl=false: the certificate of "
                         "https://s3.eu-west-1.amazonaws.com is not checked"));
  for (const char* remote : {"http://ceph.internal:7480", "http://10.0.0.7:7480",
                             "http://127.0.0.1.example.com", "HTTP://[2001:db8::1]:80"}) {
    EXPECT_EQ(warnings({{"aws.endpoint", remote}}),
              std::vector<std::string>{
                  "aws.endpoint=" + std::string(remote) +
                  ": plain HTTP to another host: objects cross the network unencrypted and "
                  "unauthenticated; use https://"})
        << remote;
  }
  auto s = S3SettingsFromConfig("s3://b/p", Config::FromMap({{"aws.verify.ssl", "no way"}}, "f:9"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "aws.verify.ssl=no way (f:9): not a boolean (true or false)");
}

TEST(S3Keys, Md5PrefixMatchesTheOriginalSecor) {
  S3Settings s;
  s.prefix = "raw_logs";
  EXPECT_EQ(internal::ObjectName(s, "topic/dt=2020-01-01/1_0_00000000000000000000"),
            "raw_logs/topic/dt=2020-01-01/1_0_00000000000000000000");
  s.md5_prefix = true;
  // md5("topic/dt=2020-01-01") starts with these four hex digits.
  std::string want = HexEncode(Md5("topic/dt=2020-01-01")).substr(0, 4);
  EXPECT_EQ(internal::ObjectName(s, "topic/dt=2020-01-01/1_0_00000000000000000000"),
            want + "/raw_logs/topic/dt=2020-01-01/1_0_00000000000000000000");
  EXPECT_EQ(HexEncode(Md5("topic/dt=2020-01-01")).size(), 32u);
}

TEST(S3Sse, HeadersPerType) {
  S3Settings s;
  s.sse_type = "S3";
  EXPECT_EQ(internal::SseHeaders(s, true).value(),
            (Headers{{"x-amz-server-side-encryption", "AES256"}}));
  EXPECT_TRUE(internal::SseHeaders(s, false)->empty());
  s.sse_type = "KMS";
  s.sse_kms_key = "arn:key";
  EXPECT_EQ(internal::SseHeaders(s, true).value(),
            (Headers{{"x-amz-server-side-encryption", "aws:kms"},
                     {"x-amz-server-side-encryption-aws-kms-key-id", "arn:key"}}));
  s.sse_type = "customer";
  std::string key(32, 'k');
  s.sse_customer_key = Base64Encode(key);
  Headers want{{"x-amz-server-side-encryption-customer-algorithm", "AES256"},
               {"x-amz-server-side-encryption-customer-key", Base64Encode(key)},
               {"x-amz-server-side-encryption-customer-key-MD5", Base64Encode(Md5(key))}};
  EXPECT_EQ(internal::SseHeaders(s, true).value(), want);
  EXPECT_EQ(internal::SseHeaders(s, false).value(), want);
  s.sse_type = "bogus";
  EXPECT_FALSE(internal::SseHeaders(s, true).ok());
}

TEST(S3Store, RetriesSlowDownThenSucceeds) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const FakeRequest&) {
    return ++n <= 2 ? S3ErrorBody(503, "SlowDown")
                    : FakeResponse{200, {{"ETag", "\"e\""}}, "", false};
  });
  auto store = StoreOn(server);
  PutOptions opts;
  opts.metadata["writer"] = "w1";
  ASSERT_TRUE(store->PutBytes("t/k", "data", opts).ok());
  auto got = server.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].method, "PUT");
  EXPECT_EQ(got[2].target, "/bkt/pre/t/k");
  EXPECT_EQ(got[2].body, "data");
  EXPECT_EQ(got[2].headers["x-amz-meta-writer"], "w1");
  EXPECT_EQ(got[2].headers["x-amz-content-sha256"], Sha256Hex("data"));
  EXPECT_NE(got[2].headers["authorization"].find("Credential=AK/"), std::string::npos);
  EXPECT_EQ(got[2].headers.count("if-none-match"), 0u);
}

TEST(S3Store, StorageClassAclEncryptionAndMetadataGoOnEveryWrite) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{200, {{"ETag", "\"e\""}}, "", false};
  });
  S3Settings s;
  s.storage_class = "STANDARD_IA";
  s.canned_acl = "bucket-owner-full-control";
  s.sse_type = "KMS";
  s.sse_kms_key = "arn:aws:kms:eu-west-1:1:key/k";
  auto store = StoreOn(server, s);
  PutOptions opts;
  opts.create_only = true;
  opts.metadata = {{"secor-topic", "t"}, {"secor-round-end", "9"}};
  ASSERT_TRUE(store->PutBytes("t/offset=0/1_0_00000000000000000000", "data", opts).ok());
  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].headers["x-amz-storage-class"], "STANDARD_IA");
  EXPECT_EQ(got[0].headers["x-amz-acl"], "bucket-owner-full-control");
  EXPECT_EQ(got[0].headers["x-amz-server-side-encryption"], "aws:kms");
  EXPECT_EQ(got[0].headers["x-amz-server-side-encryption-aws-kms-key-id"],
            "arn:aws:kms:eu-west-1:1:key/k");
  EXPECT_EQ(got[0].headers["x-amz-meta-secor-topic"], "t");
  EXPECT_EQ(got[0].headers["x-amz-meta-secor-round-end"], "9");
  EXPECT_EQ(got[0].headers["if-none-match"], "*");
  // Every one of them is signed.
  for (const char* h : {"x-amz-storage-class", "x-amz-acl", "x-amz-meta-secor-topic"}) {
    EXPECT_NE(got[0].headers["authorization"].find(h), std::string::npos) << h;
  }
}

TEST(S3Store, AnObjectWhoseBytesLookLikeAnErrorIsStillItsBytes) {
  // The loopback fake S3 answers GetObject with a user object that happens to
  // be an S3 error document (an XML payload stored by the error output).
  const std::string body = "<?xml version=\"1.0\"?><Error><Code>InternalError</Code></Error>\n";
  FakeHttpServer server([&](const FakeRequest&) { return FakeResponse{200, {}, body, false}; });
  auto store = StoreOn(server);
  auto got = store->Get("t/_errors/x.jsonl");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
  EXPECT_EQ(server.received().size(), 1u);
}

TEST(S3Store, GivesUpAfterMaxAttempts) {
  FakeHttpServer server([](const FakeRequest&) { return S3ErrorBody(500, "InternalError"); });
  S3Settings s;
  s.max_attempts = 3;
  auto store = StoreOn(server, s);
  Status st = store->PutBytes("k", "x", {});
  EXPECT_EQ(st.code(), Status::Code::kUnavailable);
  EXPECT_EQ(st.message(),
            "S3 PutObject s3://bkt/pre/k: HTTP 500 InternalError (msg for InternalError) (gave up "
            "after 3 attempts)");
  EXPECT_EQ(server.requests(), 3);
}

TEST(S3Store, ForbiddenIsNotRetried) {
  FakeHttpServer server(
      [](const FakeRequest&) { return S3ErrorBody(403, "SignatureDoesNotMatch"); });
  auto store = StoreOn(server);
  auto r = store->Get("k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(r.status().message(),
            "S3 GetObject s3://bkt/pre/k: HTTP 403 SignatureDoesNotMatch (msg for "
            "SignatureDoesNotMatch): check aws.secret.key (or AWS_SECRET_ACCESS_KEY); credentials "
            "from config (aws.access.key)");
  EXPECT_EQ(server.requests(), 1);
}

TEST(S3Store, CreateOnlySendsIfNoneMatchAnd412IsAlreadyExists) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.headers.count("if-none-match") && r.headers.at("if-none-match") == "*") {
      return S3ErrorBody(412, "PreconditionFailed");
    }
    return FakeResponse{200, {}, "", false};
  });
  auto store = StoreOn(server);
  PutOptions opts;
  opts.create_only = true;
  Status st = store->PutBytes("m/1", "x", opts);
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_EQ(st.message(), "s3://bkt/pre/m/1 already exists");
  EXPECT_EQ(server.requests(), 1);
}

TEST(S3Store, HeadReadsSizeAndMetadataAnd404IsNotFound) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.target == "/bkt/pre/there") {
      return FakeResponse{200, {{"x-amz-meta-writer", "w9"}, {"X-Amz-Meta-End", "42"}}, "", false};
    }
    return FakeResponse{404, {}, "", false};
  });
  auto store = StoreOn(server);
  auto info = store->Head("there");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, "there");
  EXPECT_EQ(info->metadata, (std::map<std::string, std::string>{{"end", "42"}, {"writer", "w9"}}));
  auto missing = store->Head("gone");
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_TRUE(store->Delete("gone").ok());
}

TEST(S3Store, ListFollowsContinuationTokens) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.target.find("continuation-token=tok%2B1") != std::string::npos) {
      return Xml(200,
                 "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>pre/d/b</Key>"
                 "<Size>2</Size></Contents></ListBucketResult>");
    }
    return Xml(200,
               "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok+1"
               "</NextContinuationToken><Contents><Key>pre/d/a&amp;</Key><Size>1</Size></Contents>"
               "</ListBucketResult>");
  });
  S3Settings s;
  s.list_page_size = 1;
  auto store = StoreOn(server, s);
  std::vector<ObjectInfo> out;
  ASSERT_TRUE(store->List("d/", &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].key, "d/a&");
  EXPECT_EQ(out[0].size, 1);
  EXPECT_EQ(out[1].key, "d/b");
  auto got = server.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].target, "/bkt?list-type=2&max-keys=1&prefix=pre%2Fd%2F");
  EXPECT_EQ(got[1].target,
            "/bkt?list-type=2&max-keys=1&prefix=pre%2Fd%2F&continuation-token=tok%2B1");
}

// A fake S3 that speaks just enough multipart; behaviour of Complete is set
// per test.
struct FakeMultipart {
  std::mutex mu;
  std::map<int, std::string> parts;
  int creates = 0;
  int completes = 0;
  int aborts = 0;
  std::function<FakeResponse(int completes)> on_complete;

  FakeResponse Handle(const FakeRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    if (r.method == "HEAD") return FakeResponse{404, {}, "", false};
    if (r.method == "POST" && r.target.find("?uploads") != std::string::npos) {
      ++creates;
      parts.clear();
      return Xml(200, "<InitiateMultipartUploadResult><UploadId>up" + std::to_string(creates) +
                          "</UploadId></InitiateMultipartUploadResult>");
    }
    if (r.method == "PUT" && r.target.find("partNumber=") != std::string::npos) {
      int n = std::stoi(r.target.substr(r.target.find("partNumber=") + 11));
      parts[n] = r.body;
      return FakeResponse{200, {{"ETag", "\"etag" + std::to_string(n) + "\""}}, "", false};
    }
    if (r.method == "POST") return on_complete(++completes);
    if (r.method == "DELETE") {
      ++aborts;
      return FakeResponse{204, {}, "", false};
    }
    return FakeResponse{400, {}, "", false};
  }
};

std::string MakeFile(const secor::testing::TempDir& dir, size_t size) {
  std::string data;
  data.reserve(size);
  for (size_t i = 0; i < size; ++i) data.push_back(static_cast<char>('A' + (i * 7) % 26));
  std::string path = dir.Join("big");
  EXPECT_TRUE(WriteFileAtomic(path, data).ok());
  return path;
}

S3Settings SmallParts() {
  S3Settings s;
  s.multipart_threshold = 5 << 20;
  s.part_size = 5 << 20;
  s.parallelism = 3;
  return s;
}

TEST(S3Multipart, UploadsPartsInParallelAndCompletesWithCreateOnly) {
  FakeMultipart fake;
  std::string complete_body, if_none_match;
  fake.on_complete = [&](int) { return Xml(200, "<CompleteMultipartUploadResult/>"); };
  FakeHttpServer server([&](const FakeRequest& r) {
    if (r.method == "POST" && r.target.find("uploadId=") != std::string::npos) {
      complete_body = r.body;
      auto it = r.headers.find("if-none-match");
      if_none_match = it == r.headers.end() ? "" : it->second;
    }
    return fake.Handle(r);
  });
  secor::testing::TempDir dir;
  size_t size = (5 << 20) * 3 + 123;
  std::string path = MakeFile(dir, size);
  auto store = StoreOn(server, SmallParts());
  PutOptions opts;
  opts.create_only = true;
  ASSERT_TRUE(store->PutFile("t/big", path, opts).ok());
  EXPECT_EQ(fake.creates, 1);
  ASSERT_EQ(fake.parts.size(), 4u);
  std::string joined;
  for (auto& [n, body] : fake.parts) joined += body;
  EXPECT_EQ(joined, ReadFile(path).value());
  EXPECT_EQ(if_none_match, "*");
  EXPECT_EQ(complete_body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;etag1&quot;"
            "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;etag2&quot;</ETag></Part>"
            "<Part><PartNumber>3</PartNumber><ETag>&quot;etag3&quot;</ETag></Part><Part>"
            "<PartNumber>4</PartNumber><ETag>&quot;etag4&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
  // The HEAD check came first.
  EXPECT_EQ(server.received()[0].method, "HEAD");
}

TEST(S3Multipart, ErrorInsideA200CompleteIsThatError) {
  FakeMultipart fake;
  fake.on_complete = [](int) {
    return Xml(200,
               "<Error><Code>PreconditionFailed</Code><Message>At least one of the "
               "pre-conditions you specified did not hold</Message></Error>");
  };
  FakeHttpServer server([&](const FakeRequest& r) { return fake.Handle(r); });
  secor::testing::TempDir dir;
  std::string path = MakeFile(dir, (5 << 20) + 10);
  auto store = StoreOn(server, SmallParts());
  PutOptions opts;
  opts.create_only = true;
  Status st = store->PutFile("k", path, opts);
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_EQ(fake.aborts, 1);

  // A retryable error inside a 200 is retried.
  FakeMultipart fake2;
  fake2.on_complete = [](int n) {
    return n == 1 ? Xml(200, "<Error><Code>InternalError</Code></Error>")
                  : Xml(200, "<CompleteMultipartUploadResult/>");
  };
  FakeHttpServer server2([&](const FakeRequest& r) { return fake2.Handle(r); });
  auto store2 = StoreOn(server2, SmallParts());
  EXPECT_TRUE(store2->PutFile("k", path, {}).ok());
  EXPECT_EQ(fake2.completes, 2);
  EXPECT_EQ(fake2.aborts, 0);
}

TEST(S3Multipart, ConditionalRequestConflictRestartsTheWholeUpload) {
  FakeMultipart fake;
  fake.on_complete = [](int n) {
    return n == 1 ? S3ErrorBody(409, "ConditionalRequestConflict")
                  : Xml(200, "<CompleteMultipartUploadResult/>");
  };
  FakeHttpServer server([&](const FakeRequest& r) { return fake.Handle(r); });
  secor::testing::TempDir dir;
  std::string path = MakeFile(dir, (5 << 20) + 10);
  auto store = StoreOn(server, SmallParts());
  PutOptions opts;
  opts.create_only = true;
  ASSERT_TRUE(store->PutFile("k", path, opts).ok());
  EXPECT_EQ(fake.creates, 2);
  EXPECT_EQ(fake.completes, 2);
  EXPECT_EQ(fake.aborts, 1);
}

TEST(S3Multipart, FailedPartAbortsTheUpload) {
  FakeMultipart fake;
  fake.on_complete = [](int) { return Xml(200, "<CompleteMultipartUploadResult/>"); };
  FakeHttpServer server([&](const FakeRequest& r) {
    if (r.method == "PUT" && r.target.find("partNumber=2") != std::string::npos) {
      return S3ErrorBody(400, "EntityTooSmall");
    }
    return fake.Handle(r);
  });
  secor::testing::TempDir dir;
  std::string path = MakeFile(dir, (5 << 20) * 2 + 10);
  auto store = StoreOn(server, SmallParts());
  Status st = store->PutFile("k", path, {});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(
      st.message(),
      "S3 UploadPart s3://bkt/pre/k part 2: HTTP 400 EntityTooSmall (msg for EntityTooSmall)");
  EXPECT_EQ(fake.aborts, 1);
  EXPECT_EQ(fake.completes, 0);
}

TEST(S3Multipart, CreateOnlyRefusedByHeadBeforeStarting) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.method == "HEAD") return FakeResponse{200, {}, "", false};
    return FakeResponse{500, {}, "", false};
  });
  secor::testing::TempDir dir;
  std::string path = MakeFile(dir, (5 << 20) + 10);
  auto store = StoreOn(server, SmallParts());
  PutOptions opts;
  opts.create_only = true;
  Status st = store->PutFile("k", path, opts);
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_EQ(server.requests(), 1);
}

// The threshold is what docs/s3.md says it is: a file at or above it goes up
// as a multipart upload even when it fits in one part (the last part of an
// upload may be smaller than 5 MiB); one byte less is a plain PUT.
TEST(S3Multipart, AFileAtTheThresholdBelowOnePartIsOneSmallPart) {
  FakeMultipart fake;
  int puts = 0;
  fake.on_complete = [&](int) { return Xml(200, "<CompleteMultipartUploadResult/>"); };
  FakeHttpServer server([&](const FakeRequest& r) {
    if (r.method == "PUT" && r.target.find("partNumber=") == std::string::npos) {
      ++puts;
      return FakeResponse{200, {{"ETag", "\"e\""}}, "", false};
    }
    return fake.Handle(r);
  });
  secor::testing::TempDir dir;
  S3Settings s = SmallParts();
  s.multipart_threshold = 4000;
  auto store = StoreOn(server, s);
  std::string path = MakeFile(dir, 4000);
  ASSERT_TRUE(store->PutFile("t/at", path, {}).ok());
  EXPECT_EQ(fake.creates, 1);
  EXPECT_EQ(fake.completes, 1);
  ASSERT_EQ(fake.parts.size(), 1u);
  EXPECT_EQ(fake.parts[1], ReadFile(path).value());
  EXPECT_EQ(puts, 0);
  std::string below = dir.Join("below");
  ASSERT_TRUE(WriteFileAtomic(below, std::string(3999, 'x')).ok());
  ASSERT_TRUE(store->PutFile("t/below", below, {}).ok());
  EXPECT_EQ(puts, 1);
  EXPECT_EQ(fake.creates, 1);
}

}  // namespace
}  // namespace secor::s3
