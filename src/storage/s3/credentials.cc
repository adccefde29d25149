#include "storage/s3/credentials.h"

#include <cstdlib>
#include <ctime>
#include <map>
#include <string_view>

#include <simdjson.h>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "net/http_client.h"
#include "storage/s3/xml.h"

namespace secor::s3 {

using net::HttpRequest;
using net::HttpResponse;
using net::SendHttp;

namespace {

using Clock = std::chrono::system_clock;

std::string Env(const CredentialSettings& s, const std::string& name) {
  if (s.getenv) return s.getenv(name);
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

}  // namespace

Result<CredentialDocument> ParseCredentialDocument(std::string_view body) {
  // simdjson's DOM parser, not a scan for '"AccessKeyId"': a string value
  // that contains that text, or the same key in a nested object, cannot
  // stand in for the real field.
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object object;
  if (auto error = parser.parse(padded).get(object)) {
    return Status::Corruption("not a JSON object ({})", simdjson::error_message(error));
  }
  // A field that is absent, or not a string, reads as "".
  auto field = [&](const char* key) {
    std::string_view v;
    return object[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  CredentialDocument d;
  d.code = field("Code");
  d.access_key_id = field("AccessKeyId");
  d.secret_access_key = field("SecretAccessKey");
  d.token = field("Token");
  d.expiration = field("Expiration");
  return d;
}

namespace {

// INI sections of an AWS shared file: section name -> key -> value.
using Ini = std::map<std::string, std::map<std::string, std::string>>;

Ini ParseIni(const std::string& text) {
  Ini ini;
  std::string section;
  for (const std::string& raw : Split(text, '\n')) {
    std::string line(Trim(raw));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    ini[section][ToLower(Trim(line.substr(0, eq)))] = std::string(Trim(line.substr(eq + 1)));
  }
  return ini;
}

Result<Credentials> FromCredentialDocument(const CredentialDocument& d, const std::string& source) {
  Credentials c;
  c.access_key_id = d.access_key_id;
  c.secret_access_key = d.secret_access_key;
  c.session_token = d.token;
  c.source = source;
  if (c.empty())
    return Status::Unavailable("{}: the answer holds no AccessKeyId/SecretAccessKey", source);
  if (!d.expiration.empty()) {
    ASSIGN_OR_RETURN(c.expiration, ParseIso8601(d.expiration));
  }
  return c;
}

Result<Credentials> FromJsonDocument(const std::string& body, const std::string& source) {
  auto doc = ParseCredentialDocument(body);
  if (!doc.ok()) return Status::Unavailable("{}: {}", source, doc.status().message());
  return FromCredentialDocument(*doc, source);
}

Result<HttpResponse> Fetch(const CredentialSettings& s, HttpRequest req, const std::string& what) {
  req.timeout_ms = s.timeout_ms;
  req.connect_timeout_ms = s.timeout_ms;
  req.tls = &s.tls;
  auto resp = SendHttp(req);
  if (!resp.ok()) return resp.status().WithContext(what);
  if (resp->status != 200) {
    std::string body = resp->body.substr(0, 200);
    for (char& ch : body) {
      if (ch == '\n' || ch == '\r') ch = ' ';
    }
    return Status::Unavailable("{}: HTTP {} from {}: {}", what, resp->status, req.url, body);
  }
  return resp;
}

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

Result<Clock::time_point> ParseIso8601(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return Status::InvalidArgument("bad timestamp '{}' (want 2026-01-31T12:00:00Z)", s);
  // The clock counts nanoseconds in 64 bits (years 1678 to 2262): a service
  // that answers year 6697 must get an error, not an overflow.
  if (tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 2200) {
    return Status::InvalidArgument("timestamp '{}' out of range (years 1970 to 2200)", s);
  }
  return Clock::from_time_t(timegm(&tm));
}

Result<CredentialSettings> CredentialSettingsFromConfig(const Config& config) {
  CredentialSettings s;
  ASSIGN_OR_RETURN(s.access_key, config.String("aws.access.key"));
  ASSIGN_OR_RETURN(s.secret_key, config.String("aws.secret.key"));
  ASSIGN_OR_RETURN(s.session_token, config.String("aws.session.token"));
  ASSIGN_OR_RETURN(s.region, config.String("aws.region"));
  ASSIGN_OR_RETURN(s.sts_endpoint, config.String("aws.sts.endpoint"));
  ASSIGN_OR_RETURN(s.imds_endpoint, config.String("aws.imds.endpoint"));
  ASSIGN_OR_RETURN(s.container_endpoint, config.String("aws.container.credentials.endpoint"));
  if (s.access_key.empty() != s.secret_key.empty()) {
    return config.BadValue(s.access_key.empty() ? "aws.secret.key" : "aws.access.key",
                           "aws.access.key and aws.secret.key must be set together");
  }
  return s;
}

Result<Credentials> CredentialsFromEnvironment(const CredentialSettings& s) {
  Credentials c;
  c.access_key_id = Env(s, "AWS_ACCESS_KEY_ID");
  c.secret_access_key = Env(s, "AWS_SECRET_ACCESS_KEY");
  c.session_token = Env(s, "AWS_SESSION_TOKEN");
  c.source = "environment (AWS_ACCESS_KEY_ID)";
  if (c.access_key_id.empty() && c.secret_access_key.empty()) return Credentials{};
  if (c.empty()) {
    return Status::InvalidArgument(
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (one is empty)");
  }
  return c;
}

Result<Credentials> CredentialsFromProfileFiles(const CredentialSettings& s) {
  std::string profile = Env(s, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  std::string home = Env(s, "HOME");
  std::string creds_file = Env(s, "AWS_SHARED_CREDENTIALS_FILE");
  if (creds_file.empty() && !home.empty()) creds_file = home + "/.aws/credentials";
  std::string config_file = Env(s, "AWS_CONFIG_FILE");
  if (config_file.empty() && !home.empty()) config_file = home + "/.aws/config";

  // The credentials file names sections by profile; the config file uses
  // "profile NAME" except for the default profile.
  struct Source {
    std::string path;
    std::string section;
  };
  std::vector<Source> sources = {
      {creds_file, profile},
      {config_file, profile == "default" ? "default" : "profile " + profile}};
  for (const Source& src : sources) {
    if (src.path.empty() || !PathExists(src.path)) continue;
    ASSIGN_OR_RETURN(std::string text, ReadFile(src.path));
    Ini ini = ParseIni(text);
    auto it = ini.find(src.section);
    if (it == ini.end()) continue;
    Credentials c;
    c.access_key_id = it->second["aws_access_key_id"];
    c.secret_access_key = it->second["aws_secret_access_key"];
    c.session_token = it->second["aws_session_token"];
    c.source = src.path + " [" + src.section + "]";
    if (c.access_key_id.empty() && c.secret_access_key.empty()) continue;
    if (c.empty()) {
      return Status::InvalidArgument(
          "{}: aws_access_key_id and aws_secret_access_key must both be set", c.source);
    }
    return c;
  }
  return Credentials{};
}

Result<Credentials> CredentialsFromWebIdentity(const CredentialSettings& s) {
  std::string token_file = Env(s, "AWS_WEB_IDENTITY_TOKEN_FILE");
  std::string role = Env(s, "AWS_ROLE_ARN");
  if (token_file.empty() || role.empty()) return Credentials{};
  std::string session = Env(s, "AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = "secor-" + std::to_string(std::time(nullptr));
  ASSIGN_OR_RETURN(std::string token, ReadFile(token_file));
  token = std::string(Trim(token));
  std::string endpoint = s.sts_endpoint.empty() ? "https://sts." + s.region + ".amazonaws.com"
                                                : TrimSlash(s.sts_endpoint);
  HttpRequest req;
  req.url = endpoint + "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
            UriEncode(role, false) + "&RoleSessionName=" + UriEncode(session, false) +
            "&WebIdentityToken=" + UriEncode(token, false);
  req.headers = {{"Accept", "application/xml"}};
  ASSIGN_OR_RETURN(
      HttpResponse resp,
      Fetch(s, req, "web identity credentials (STS AssumeRoleWithWebIdentity for " + role + ")"));
  Credentials c;
  c.source = "web identity (" + role + ")";
  auto sts = ParseStsCredentials(resp.body);
  if (sts.ok()) {
    c.access_key_id = sts->access_key_id;
    c.secret_access_key = sts->secret_access_key;
    c.session_token = sts->session_token;
  }
  if (c.empty()) return Status::Unavailable("{}: STS answer holds no credentials", c.source);
  if (!sts->expiration.empty()) {
    ASSIGN_OR_RETURN(c.expiration, ParseIso8601(sts->expiration));
  }
  return c;
}

Result<Credentials> CredentialsFromContainer(const CredentialSettings& s) {
  std::string relative = Env(s, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::string full = Env(s, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (relative.empty() && full.empty()) return Credentials{};
  HttpRequest req;
  if (!relative.empty()) {
    std::string base =
        s.container_endpoint.empty() ? "http://169.254.170.2" : TrimSlash(s.container_endpoint);
    req.url = base + (StartsWith(relative, "/") ? "" : "/") + relative;
  } else {
    req.url = full;
  }
  std::string auth = Env(s, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  std::string auth_file = Env(s, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (!auth_file.empty()) {
    ASSIGN_OR_RETURN(auth, ReadFile(auth_file));
    auth = std::string(Trim(auth));
  }
  if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
  ASSIGN_OR_RETURN(HttpResponse resp, Fetch(s, req, "container credentials"));
  return FromJsonDocument(resp.body, "container credentials (" + req.url + ")");
}

Result<Credentials> CredentialsFromInstanceMetadata(const CredentialSettings& s) {
  if (ToLower(Env(s, "AWS_EC2_METADATA_DISABLED")) == "true") return Credentials{};
  std::string base = s.imds_endpoint;
  if (base.empty()) base = Env(s, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  base = TrimSlash(base);
  const std::string what = "instance metadata credentials (IMDSv2 at " + base + ")";

  HttpRequest token_req;
  token_req.method = "PUT";
  token_req.url = base + "/latest/api/token";
  token_req.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  ASSIGN_OR_RETURN(HttpResponse token, Fetch(s, token_req, what + ", token"));

  HttpRequest role_req;
  role_req.url = base + "/latest/meta-data/iam/security-credentials/";
  role_req.headers = {{"X-aws-ec2-metadata-token", token.body}};
  ASSIGN_OR_RETURN(HttpResponse roles, Fetch(s, role_req, what + ", role"));
  std::string role(Trim(Split(roles.body, '\n').empty() ? "" : Split(roles.body, '\n')[0]));
  if (role.empty()) return Status::Unavailable("{}: the instance has no IAM role", what);

  HttpRequest cred_req = role_req;
  cred_req.url += role;
  ASSIGN_OR_RETURN(HttpResponse doc, Fetch(s, cred_req, what + ", role " + role));
  const std::string source = "instance metadata (role " + role + ")";
  auto parsed = ParseCredentialDocument(doc.body);
  if (!parsed.ok()) return Status::Unavailable("{}: {}", source, parsed.status().message());
  if (!parsed->code.empty() && parsed->code != "Success") {
    return Status::Unavailable("{}: role {} answered Code={}", what, role, parsed->code);
  }
  return FromCredentialDocument(*parsed, source);
}

CredentialsProvider::CredentialsProvider(CredentialSettings settings) : s_(std::move(settings)) {}

void CredentialsProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_ = false;
}

Result<Credentials> CredentialsProvider::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ && (creds_.expiration == Clock::time_point::max() ||
                  Clock::now() + s_.refresh_before < creds_.expiration)) {
    return creds_;
  }
  auto fresh = Resolve();
  if (!fresh.ok()) {
    // A refresh that fails while the old keys still work keeps them.
    if (cached_ && Clock::now() < creds_.expiration) return creds_;
    return fresh.status();
  }
  creds_ = *fresh;
  cached_ = true;
  return creds_;
}

Result<Credentials> CredentialsProvider::Resolve() {
  if (!s_.access_key.empty() || !s_.secret_key.empty()) {
    if (s_.access_key.empty() || s_.secret_key.empty()) {
      return Status::InvalidArgument("aws.access.key and aws.secret.key must be set together");
    }
    return Credentials{s_.access_key, s_.secret_key, s_.session_token, Clock::time_point::max(),
                       "config (aws.access.key)"};
  }
  using Step = Result<Credentials> (*)(const CredentialSettings&);
  const Step steps[] = {CredentialsFromEnvironment, CredentialsFromProfileFiles,
                        CredentialsFromWebIdentity, CredentialsFromContainer};
  for (Step step : steps) {
    ASSIGN_OR_RETURN(Credentials c, step(s_));
    if (!c.empty()) return c;
  }
  auto imds = CredentialsFromInstanceMetadata(s_);
  if (imds.ok() && !imds->empty()) return imds;
  return Status::PermissionDenied(
      "no S3 credentials found: set aws.access.key and aws.secret.key, or AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials (AWS_PROFILE), or run with a "
      "web identity, container or instance role{}",
      imds.ok() ? "" : " (" + imds.status().message() + ")");
}

}  // namespace secor::s3
