#include "storage/s3/credentials.h"

#include <gtest/gtest.h>

#include <map>

#include "common/file_util.h"
#include "support/fake_http_server.h"
#include "support/test_util.h"

namespace secor::s3 {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

// A port on which nothing listens, so a provider that should not be reached
// fails fast instead of going to a link-local address.
int ClosedPort() {
  FakeHttpServer s([](const FakeRequest&) { return FakeResponse{}; });
  return s.port();
}

struct Fixture {
  secor::testing::TempDir dir;
  std::map<std::string, std::string> env;
  CredentialSettings settings() {
    CredentialSettings s;
    s.getenv = [this](const std::string& k) {
      auto it = env.find(k);
      return it == env.end() ? std::string() : it->second;
    };
    s.imds_endpoint = "http://127.0.0.1:" + std::to_string(closed_port);
    s.timeout_ms = 1000;
    return s;
  }
  Fixture() {
    env["HOME"] = dir.path();  // no ~/.aws of the machine's user
  }
  int closed_port = ClosedPort();
};

// The fake STS answers AssumeRoleWithWebIdentity; expiration in the future.
FakeResponse StsAnswer(const std::string& key, const std::string& expiration) {
  return FakeResponse{200,
                      {{"Content-Type", "text/xml"}},
                      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                      "<Credentials><AccessKeyId>" +
                          key +
                          "</AccessKeyId><SecretAccessKey>stsSecret</SecretAccessKey>"
                          "<SessionToken>stsToken</SessionToken><Expiration>" +
                          expiration +
                          "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
                          "</AssumeRoleWithWebIdentityResponse>",
                      false};
}

TEST(Credentials, ConfigWinsOverEnvironment) {
  Fixture f;
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  f.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  CredentialSettings s = f.settings();
  s.access_key = "CFGKEY";
  s.secret_key = "cfgsecret";
  s.session_token = "cfgtoken";
  CredentialsProvider p(s);
  auto c = p.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "CFGKEY");
  EXPECT_EQ(c->secret_access_key, "cfgsecret");
  EXPECT_EQ(c->session_token, "cfgtoken");
  EXPECT_EQ(c->source, "config (aws.access.key)");
}

TEST(Credentials, EnvironmentWinsOverProfileFile) {
  Fixture f;
  ASSERT_TRUE(MakeDirs(f.dir.Join(".aws")).ok());
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join(".aws/credentials"),
                              "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n")
                  .ok());
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  f.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  f.env["AWS_SESSION_TOKEN"] = "envtoken";
  CredentialsProvider p(f.settings());
  auto c = p.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ENVKEY");
  EXPECT_EQ(c->session_token, "envtoken");

  f.env.erase("AWS_ACCESS_KEY_ID");
  f.env.erase("AWS_SECRET_ACCESS_KEY");
  CredentialsProvider p2(f.settings());
  c = p2.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "FILEKEY");
  EXPECT_EQ(c->source, f.dir.Join(".aws/credentials") + " [default]");
}

TEST(Credentials, HalfSetEnvironmentIsAnError) {
  Fixture f;
  f.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  CredentialsProvider p(f.settings());
  auto c = p.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (one is empty)");
}

TEST(Credentials, ProfileFromCredentialsFileThenConfigFile) {
  Fixture f;
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("creds"),
                              "# comment\n[default]\naws_access_key_id=D\naws_secret_access_key=d\n"
                              "[other]\naws_access_key_id = OTHER\naws_secret_access_key = o\n"
                              "aws_session_token = ot\n")
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("config"),
                              "[profile third]\naws_access_key_id=THIRD\naws_secret_access_key=t\n")
                  .ok());
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = f.dir.Join("creds");
  f.env["AWS_CONFIG_FILE"] = f.dir.Join("config");
  f.env["AWS_PROFILE"] = "other";
  auto c = CredentialsFromProfileFiles(f.settings());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "OTHER");
  EXPECT_EQ(c->secret_access_key, "o");
  EXPECT_EQ(c->session_token, "ot");

  f.env["AWS_PROFILE"] = "third";
  c = CredentialsFromProfileFiles(f.settings());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "THIRD");
  EXPECT_EQ(c->source, f.dir.Join("config") + " [profile third]");

  f.env["AWS_PROFILE"] = "missing";
  c = CredentialsFromProfileFiles(f.settings());
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
}

TEST(Credentials, WebIdentityAgainstFakeSts) {
  Fixture f;
  FakeHttpServer sts(
      [](const FakeRequest&) { return StsAnswer("STSKEY", "2099-01-01T00:00:00Z"); });
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("token"), "eyJ.web.token\n").ok());
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = f.dir.Join("token");
  f.env["AWS_ROLE_ARN"] = "arn:aws:iam::123:role/secor";
  f.env["AWS_ROLE_SESSION_NAME"] = "s1";
  // The container endpoint is also set: web identity comes first.
  f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:" + std::to_string(f.closed_port);
  CredentialSettings s = f.settings();
  s.sts_endpoint = sts.url() + "/";
  CredentialsProvider p(s);
  auto c = p.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "STSKEY");
  EXPECT_EQ(c->secret_access_key, "stsSecret");
  EXPECT_EQ(c->session_token, "stsToken");
  EXPECT_EQ(std::chrono::system_clock::to_time_t(c->expiration), 4070908800);
  ASSERT_EQ(sts.received().size(), 1u);
  EXPECT_EQ(
      sts.received()[0].target,
      "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123%"
      "3Arole%2Fsecor&RoleSessionName=s1&WebIdentityToken=eyJ.web.token");
}

TEST(Credentials, ContainerRelativeUriWithAuthorizationToken) {
  Fixture f;
  FakeHttpServer ecs([](const FakeRequest& r) {
    if (r.target != "/v2/credentials/abc" || r.headers.count("authorization") == 0 ||
        r.headers.at("authorization") != "Bearer xyz") {
      return FakeResponse{403, {}, "denied", false};
    }
    return FakeResponse{200,
                        {},
                        R"({"AccessKeyId":"ECSKEY","SecretAccessKey":"ecs\/secret",)"
                        R"("Token":"ecsToken","Expiration":"2099-01-01T00:00:00Z"})",
                        false};
  });
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("auth"), "Bearer xyz\n").ok());
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = f.dir.Join("auth");
  CredentialSettings s = f.settings();
  s.container_endpoint = ecs.url();
  CredentialsProvider p(s);
  auto c = p.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ECSKEY");
  EXPECT_EQ(c->secret_access_key, "ecs/secret");
  EXPECT_EQ(c->session_token, "ecsToken");
}

TEST(Credentials, InstanceMetadataV2UsesTheToken) {
  Fixture f;
  FakeHttpServer imds([](const FakeRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.headers.count("x-aws-ec2-metadata-token-ttl-seconds") == 0) {
        return FakeResponse{400, {}, "", false};
      }
      return FakeResponse{200, {}, "TOKEN123", false};
    }
    auto tok = r.headers.find("x-aws-ec2-metadata-token");
    if (tok == r.headers.end() || tok->second != "TOKEN123")
      return FakeResponse{401, {}, "", false};
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return FakeResponse{200, {}, "secor-role\n", false};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/secor-role") {
      return FakeResponse{200,
                          {},
                          R"({"Code":"Success","AccessKeyId":"IMDSKEY","SecretAccessKey":"i",)"
                          R"("Token":"imdsToken","Expiration":"2099-01-01T00:00:00Z"})",
                          false};
    }
    return FakeResponse{404, {}, "", false};
  });
  CredentialSettings s = f.settings();
  s.imds_endpoint = imds.url();
  CredentialsProvider p(s);
  auto c = p.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "IMDSKEY");
  EXPECT_EQ(c->session_token, "imdsToken");
  EXPECT_EQ(c->source, "instance metadata (role secor-role)");
  EXPECT_EQ(imds.requests(), 3);

  // The endpoint can also come from the environment.
  CredentialSettings s2 = f.settings();
  s2.imds_endpoint = "";
  f.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  auto c2 = CredentialsFromInstanceMetadata(s2);
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  EXPECT_EQ(c2->access_key_id, "IMDSKEY");
}

TEST(Credentials, TemporaryCredentialsAreRefreshedBeforeExpiry) {
  Fixture f;
  int calls = 0;
  std::mutex mu;
  FakeHttpServer sts([&](const FakeRequest&) {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    // First answer expires in 2 minutes (inside the 5-minute refresh window).
    std::time_t exp = std::time(nullptr) + (calls == 1 ? 120 : 7200);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&exp));
    return StsAnswer("KEY" + std::to_string(calls), buf);
  });
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("token"), "t").ok());
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = f.dir.Join("token");
  f.env["AWS_ROLE_ARN"] = "arn:r";
  CredentialSettings s = f.settings();
  s.sts_endpoint = sts.url();
  CredentialsProvider p(s);
  EXPECT_EQ(p.Get()->access_key_id, "KEY1");
  EXPECT_EQ(p.Get()->access_key_id, "KEY2");  // KEY1 was about to expire
  EXPECT_EQ(p.Get()->access_key_id, "KEY2");  // still good for two hours: cached
  EXPECT_EQ(sts.requests(), 2);
}

TEST(Credentials, NothingFoundSaysWhereItLooked) {
  Fixture f;
  CredentialsProvider p(f.settings());
  auto c = p.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(c.status().message().find("no S3 credentials found: set aws.access.key and "
                                      "aws.secret.key, or AWS_ACCESS_KEY_ID"),
            0u)
      << c.status().message();
  EXPECT_NE(c.status().message().find("IMDSv2 at http://127.0.0.1:"), std::string::npos)
      << c.status().message();
}

TEST(Credentials, StsErrorIsReported) {
  Fixture f;
  FakeHttpServer sts([](const FakeRequest&) {
    return FakeResponse{403, {}, "<Error><Code>AccessDenied</Code></Error>", false};
  });
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("token"), "t").ok());
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = f.dir.Join("token");
  f.env["AWS_ROLE_ARN"] = "arn:r";
  f.env["AWS_ROLE_SESSION_NAME"] = "s2";
  CredentialSettings s = f.settings();
  s.sts_endpoint = sts.url();
  auto c = CredentialsProvider(s).Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "web identity credentials (STS AssumeRoleWithWebIdentity for arn:r): HTTP 403 from " +
                sts.url() +
                "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Ar&"
                "RoleSessionName=s2&WebIdentityToken=t: <Error><Code>AccessDenied</Code></Error>");
}

TEST(Credentials, ProfileFileWinsOverWebIdentity) {
  Fixture f;
  FakeHttpServer sts(
      [](const FakeRequest&) { return StsAnswer("STSKEY", "2099-01-01T00:00:00Z"); });
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("token"), "t").ok());
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("creds"),
                              "[default]\naws_access_key_id=FILEKEY\naws_secret_access_key=f\n")
                  .ok());
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = f.dir.Join("token");
  f.env["AWS_ROLE_ARN"] = "arn:r";
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = f.dir.Join("creds");
  CredentialSettings s = f.settings();
  s.sts_endpoint = sts.url();
  auto c = CredentialsProvider(s).Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "FILEKEY");
  EXPECT_EQ(sts.requests(), 0);
}

// Web identity, then the container endpoint, then instance metadata, with all
// three answering: each one is used only when those before it are not set up,
// and the ones after it are never asked.
TEST(Credentials, WebIdentityThenContainerThenInstanceMetadata) {
  Fixture f;
  FakeHttpServer sts(
      [](const FakeRequest&) { return StsAnswer("STSKEY", "2099-01-01T00:00:00Z"); });
  FakeHttpServer ecs([](const FakeRequest&) {
    return FakeResponse{200,
                        {},
                        R"({"AccessKeyId":"ECSKEY","SecretAccessKey":"e","Token":"t",)"
                        R"("Expiration":"2099-01-01T00:00:00Z"})",
                        false};
  });
  FakeHttpServer imds([](const FakeRequest& r) {
    if (r.method == "PUT") return FakeResponse{200, {}, "TOKEN", false};
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return FakeResponse{200, {}, "role\n", false};
    }
    return FakeResponse{200,
                        {},
                        R"({"Code":"Success","AccessKeyId":"IMDSKEY","SecretAccessKey":"i",)"
                        R"("Token":"t","Expiration":"2099-01-01T00:00:00Z"})",
                        false};
  });
  ASSERT_TRUE(WriteFileAtomic(f.dir.Join("token"), "web-token").ok());
  f.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = f.dir.Join("token");
  f.env["AWS_ROLE_ARN"] = "arn:aws:iam::123:role/secor";
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  auto get = [&] {
    CredentialSettings s = f.settings();
    s.sts_endpoint = sts.url() + "/";
    s.container_endpoint = ecs.url();
    s.imds_endpoint = imds.url();
    auto c = CredentialsProvider(s).Get();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->access_key_id : std::string();
  };
  EXPECT_EQ(get(), "STSKEY");
  EXPECT_EQ(sts.requests(), 1);
  EXPECT_EQ(ecs.requests(), 0);
  EXPECT_EQ(imds.requests(), 0);

  f.env.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  EXPECT_EQ(get(), "ECSKEY");
  EXPECT_EQ(sts.requests(), 1);
  EXPECT_EQ(ecs.requests(), 1);
  EXPECT_EQ(imds.requests(), 0);

  f.env.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  EXPECT_EQ(get(), "IMDSKEY");
  EXPECT_EQ(ecs.requests(), 1);
  EXPECT_EQ(imds.requests(), 3);
}

TEST(Credentials, CredentialDocumentsAreParsedAsJson) {
  auto d = ParseCredentialDocument(
      R"({"Code" : "Success", "LastUpdated":"2026-01-01T00:00:00Z", "Type":"AWS-HMAC",)"
      R"( "AccessKeyId":"AK\u0031", "SecretAccessKey":"s\/\"e\"c", "Token":"t",)"
      R"( "Expiration":"2099-01-01T00:00:00Z"})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->code, "Success");
  EXPECT_EQ(d->access_key_id, "AK1");
  EXPECT_EQ(d->secret_access_key, "s/\"e\"c");
  EXPECT_EQ(d->token, "t");
  EXPECT_EQ(d->expiration, "2099-01-01T00:00:00Z");
  // A key's name inside another value, or in a nested object, is not the key.
  d = ParseCredentialDocument(
      R"({"Note":"\"AccessKeyId\":\"FAKE\"","Inner":{"AccessKeyId":"NESTED"},)"
      R"("SecretAccessKey":7})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->access_key_id, "");
  EXPECT_EQ(d->secret_access_key, "");
  EXPECT_FALSE(ParseCredentialDocument("").ok());
  EXPECT_FALSE(ParseCredentialDocument(R"(["AccessKeyId","x"])").ok());
  EXPECT_FALSE(ParseCredentialDocument(R"({"AccessKeyId":"x")").ok());
  EXPECT_FALSE(ParseCredentialDocument("<html>").ok());
}

TEST(Credentials, ParseIso8601) {
  auto t = ParseIso8601("2015-08-30T12:36:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 1440938160);
  EXPECT_FALSE(ParseIso8601("yesterday").ok());
}

TEST(Credentials, ExpirationBeyondTheClockIsRefused) {
  // Found by s3_credentials_fuzz: year 6697 overflowed system_clock.
  EXPECT_FALSE(ParseIso8601("6697-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseIso8601("0001-01-01T00:00:00Z").ok());
  EXPECT_TRUE(ParseIso8601("2200-12-31T23:59:59Z").ok());
}

}  // namespace
}  // namespace secor::s3
