#include "storage/s3/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace secor::s3 {
namespace {

namespace fs = std::filesystem;

// AWS's signing test suite, kept in the shared folder beside the repository.
const std::string kSuiteDir = SECOR_SOURCE_DIR "/../shared/testdata/aws-sigv4";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value of "key" in the suite's flat context.json (strings and booleans).
std::string JsonField(const std::string& json, const std::string& key) {
  size_t k = json.find("\"" + key + "\"");
  if (k == std::string::npos) return "";
  size_t colon = json.find(':', k);
  size_t p = json.find_first_not_of(" \t\n", colon + 1);
  if (json[p] == '"') return json.substr(p + 1, json.find('"', p + 1) - p - 1);
  size_t end = json.find_first_of(",}\n", p);
  return std::string(Trim(json.substr(p, end - p)));
}

// Parses request.txt: request line (the path may hold spaces), headers with
// folded continuation lines, then the body.
struct ParsedRequest {
  SigningRequest req;
  std::string body;
};

ParsedRequest ParseRequest(const std::string& text) {
  ParsedRequest out;
  size_t eol = text.find('\n');
  std::string first = text.substr(0, eol);
  size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
  out.req.method = first.substr(0, sp1);
  std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t q = target.find('?');
  out.req.path = target.substr(0, q);
  if (q != std::string::npos) out.req.query = target.substr(q + 1);
  size_t pos = eol == std::string::npos ? text.size() : eol + 1;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    std::string line = text.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
    pos = e == std::string::npos ? text.size() : e + 1;
    if (line.empty()) {
      out.body = text.substr(pos);
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.req.headers.empty()) {
      out.req.headers.back().second += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    out.req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return out;
}

std::string ExpectedAuthorization(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (StartsWith(line, "Authorization:")) return line.substr(strlen("Authorization:"));
  }
  return "";
}

std::vector<std::string> SuiteCases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kSuiteDir, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "request.txt")) {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SigV4Suite, FolderHoldsTheWholeSuite) {
  // A missing folder would make the parameterized test below vanish silently.
  EXPECT_EQ(SuiteCases().size(), 38u) << "expected AWS's SigV4 cases in " << kSuiteDir;
}

class SigV4SuiteCase : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteCase, MatchesCanonicalRequestStringToSignAndAuthorization) {
  fs::path dir = fs::path(kSuiteDir) / GetParam();
  std::string ctx = Slurp(dir / "context.json");
  ParsedRequest parsed = ParseRequest(Slurp(dir / "request.txt"));

  Credentials creds;
  creds.access_key_id = JsonField(ctx, "access_key_id");
  creds.secret_access_key = JsonField(ctx, "secret_access_key");
  creds.session_token = JsonField(ctx, "token");

  SigningOptions opts;
  opts.region = JsonField(ctx, "region");
  opts.service = JsonField(ctx, "service");
  std::string ts = JsonField(ctx, "timestamp");  // 2015-08-30T12:36:00Z
  opts.amz_date = ts.substr(0, 4) + ts.substr(5, 2) + ts.substr(8, 2) + "T" + ts.substr(11, 2) +
                  ts.substr(14, 2) + ts.substr(17, 2) + "Z";
  opts.normalize_path = JsonField(ctx, "normalize") == "true";
  // Services other than S3 encode the path once more.
  opts.encode_path = opts.service != "s3";
  opts.add_content_sha256_header = JsonField(ctx, "sign_body") == "true";
  opts.sign_session_token = JsonField(ctx, "omit_session_token") != "true";
  opts.payload_hash = Sha256Hex(parsed.body);

  SigningResult r = SignV4(&parsed.req, creds, opts);
  EXPECT_EQ(r.canonical_request, Slurp(dir / "header-canonical-request.txt"));
  EXPECT_EQ(r.string_to_sign, Slurp(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(r.signature, std::string(Trim(Slurp(dir / "header-signature.txt"))));
  EXPECT_EQ(r.authorization, ExpectedAuthorization(Slurp(dir / "header-signed-request.txt")));
  // The Authorization header itself is on the request.
  ASSERT_FALSE(parsed.req.headers.empty());
  EXPECT_EQ(parsed.req.headers.back().first, "Authorization");
  EXPECT_EQ(parsed.req.headers.back().second, r.authorization);
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4SuiteCase, ::testing::ValuesIn(SuiteCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(SigV4, S3GetObjectExampleFromAwsDocs) {
  // The GET Object example of the S3 SigV4 documentation (signed payload of
  // an empty body, Range header).
  Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", {}, ""};
  SigningRequest req{
      "GET", "/test.txt", "", {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}}};
  SigningOptions opts;
  opts.amz_date = "20130524T000000Z";
  opts.payload_hash = kEmptySha256;
  SigningResult r = SignV4(&req, creds, opts);
  EXPECT_EQ(r.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, UnsignedPayloadAndSessionTokenAreSigned) {
  Credentials creds{"AK", "SK", "TOKEN", {}, ""};
  SigningRequest req{"PUT", "/b/k", "", {{"Host", "h"}}};
  SigningOptions opts;
  opts.amz_date = "20240101T000000Z";
  opts.payload_hash = kUnsignedPayload;
  SigningResult r = SignV4(&req, creds, opts);
  EXPECT_EQ(r.canonical_request,
            "PUT\n/b/k\n\nhost:h\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"
            "x-amz-date:20240101T000000Z\nx-amz-security-token:TOKEN\n\n"
            "host;x-amz-content-sha256;x-amz-date;x-amz-security-token\nUNSIGNED-PAYLOAD");
}

TEST(SigV4, CanonicalQueryEncodesAndSorts) {
  EXPECT_EQ(CanonicalQuery("uploads"), "uploads=");
  EXPECT_EQ(CanonicalQuery("prefix=a%2Fb&list-type=2&continuation-token=x+y"),
            "continuation-token=x%2By&list-type=2&prefix=a%2Fb");
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(UriEncode("a b/c~ä", true), "a%20b/c~%C3%A4");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriDecode("a%20b%2"), "a b%2");
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Sha256Hex(""), kEmptySha256);
  EXPECT_EQ(AmzDate(std::chrono::system_clock::time_point(std::chrono::seconds(1440938160))),
            "20150830T123600Z");
}

}  // namespace
}  // namespace secor::s3
