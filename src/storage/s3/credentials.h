// Where S3 credentials come from, in the order the AWS SDKs use, first match
// wins:
//   1. config keys aws.access.key / aws.secret.key (/ aws.session.token)
//   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//      ~/.aws/credentials), then the config file (AWS_CONFIG_FILE, else
//      ~/.aws/config), profile AWS_PROFILE or "default"
//   4. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, exchanged at
//      STS by AssumeRoleWithWebIdentity (EKS service accounts)
//   5. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (under
//      169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (ECS, Fargate)
//   6. EC2 instance metadata, IMDSv2 (a token PUT, then the role's keys)
// Temporary credentials (4-6) are fetched again a few minutes before they
// expire. The lookup happens on first use, not when the store opens.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"
#include "net/http_client.h"
#include "storage/s3/sigv4.h"

namespace secor {
class Config;
}

namespace secor::s3 {

struct CredentialSettings {
  // From the config (1.); empty when not set.
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string region = "us-east-1";
  // Endpoints of the temporary-credential services; empty takes the
  // environment's or AWS's default (see docs/s3.md).
  std::string sts_endpoint;
  std::string imds_endpoint;
  std::string container_endpoint;
  // The environment, replaceable for tests.
  std::function<std::string(const std::string&)> getenv;
  // Renew temporary credentials this long before they expire.
  std::chrono::seconds refresh_before = std::chrono::minutes(5);
  // Per-request limit for the credential services (IMDS answers fast or
  // not at all: off EC2 it must not hold up start-up for long).
  int64_t timeout_ms = 2000;
  // HTTPS to the credential services: the S3 store's CA and verification.
  net::TlsOptions tls;
};

// The settings from config keys aws.* and the process environment.
Result<CredentialSettings> CredentialSettingsFromConfig(const Config& config);

class CredentialsProvider {
 public:
  explicit CredentialsProvider(CredentialSettings settings);
  // Credentials valid for at least refresh_before, looked up (again) when
  // needed. Thread-safe.
  Result<Credentials> Get();
  // Forgets cached credentials (after the service rejected them).
  void Invalidate();

 private:
  Result<Credentials> Resolve();

  CredentialSettings s_;
  std::mutex mu_;
  bool cached_ = false;
  Credentials creds_;
};

// The individual steps, for tests. Each returns empty credentials when its
// source is not configured and an error when it is configured but fails.
Result<Credentials> CredentialsFromEnvironment(const CredentialSettings& s);
Result<Credentials> CredentialsFromProfileFiles(const CredentialSettings& s);
Result<Credentials> CredentialsFromWebIdentity(const CredentialSettings& s);
Result<Credentials> CredentialsFromContainer(const CredentialSettings& s);
Result<Credentials> CredentialsFromInstanceMetadata(const CredentialSettings& s);

// The fields secor reads from the JSON credential documents of the container
// credentials endpoint and of EC2 instance metadata ("" when absent or not a
// string). Corruption when body is not a JSON object.
struct CredentialDocument {
  std::string code;  // IMDS: "Success"
  std::string access_key_id;
  std::string secret_access_key;
  std::string token;
  std::string expiration;
};
Result<CredentialDocument> ParseCredentialDocument(std::string_view body);

// "2026-11-25T15:00:00Z" (fractions allowed) as a time point.
Result<std::chrono::system_clock::time_point> ParseIso8601(const std::string& s);

}  // namespace secor::s3
