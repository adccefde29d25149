// S3 over TLS: nginx with a certificate from a private CA in front of the
// Ceph gateway (scripts/ceph.sh writes SECOR_TEST_S3_TLS_ENDPOINT, an
// https://localhost:PORT, and SECOR_TEST_S3_CA_FILE). With the CA given
// (aws.ca.bundle or AWS_CA_BUNDLE) the store and the consumer work, multipart
// uploads included, and secor print / verify and awscli --ca-bundle read
// back; without it, and for a host name the certificate does not hold
// (https://127.0.0.1:PORT), the connection is refused in one line that names
// the endpoint and the problem; aws.verify.ssl=false connects anyway and
// warns at every start.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <random>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "storage/object_store.h"
#include "storage/s3/sigv4.h"
#include "support/cluster.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::CommandResult;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

const char kUntrusted[] =
    "its certificate is not trusted (SSL certificate problem: unable to get local issuer "
    "certificate); to trust a private CA, set aws.ca.bundle (or AWS_CA_BUNDLE) to its PEM file";
const char kWrongName[] =
    "its certificate is not for this host name (SSL: no alternative certificate subject name "
    "matches target host name '127.0.0.1'); aws.endpoint must name a host the certificate is for";

// Pseudo-random bytes (xorshift), so that nothing compresses or repeats.
std::string RandomBytes(size_t n) {
  std::string data(n, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&data[i], &x, 8);
  }
  return data;
}

class S3TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_endpoint_ = Env("SECOR_TEST_S3_TLS_ENDPOINT");
    ca_file_ = Env("SECOR_TEST_S3_CA_FILE");
    ASSERT_FALSE(tls_endpoint_.empty() || ca_file_.empty())
        << "SECOR_TEST_S3_TLS_ENDPOINT/SECOR_TEST_S3_CA_FILE are not set: run via scripts/test.sh, "
           "or start Ceph with scripts/ceph.sh start DIR and source DIR/env";
    ASSERT_TRUE(StartsWith(tls_endpoint_, "https://localhost:")) << tls_endpoint_;
    port_ = tls_endpoint_.substr(std::strlen("https://localhost:"));
    ip_endpoint_ = "https://127.0.0.1:" + port_;
    // The tests decide where the CA comes from, not the caller's shell.
    ::unsetenv("AWS_CA_BUNDLE");
    bucket_ = "secor-tls-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::random_device{}() % 100000);
    auto mb = Aws({"s3", "mb", "s3://" + bucket_});
    ASSERT_EQ(mb.exit_code, 0) << mb.err;
  }

  // awscli through the same TLS front, trusting the test CA.
  CommandResult Aws(std::vector<std::string> args) {
    std::vector<std::string> argv{"aws", "--endpoint-url", tls_endpoint_, "--ca-bundle", ca_file_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "",
                      {{"AWS_ACCESS_KEY_ID", Env("SECOR_TEST_S3_ACCESS_KEY")},
                       {"AWS_SECRET_ACCESS_KEY", Env("SECOR_TEST_S3_SECRET_KEY")},
                       {"AWS_DEFAULT_REGION", "us-east-1"},
                       {"AWS_EC2_METADATA_DISABLED", "true"},
                       // Newer botocore sends uploads over HTTPS as aws-chunked
                       // with a checksum trailer, which Ceph 16 answers with 411.
                       {"AWS_REQUEST_CHECKSUM_CALCULATION", "when_required"},
                       {"AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required"}});
  }

  std::map<std::string, std::string> StoreSettings(const std::string& endpoint) {
    return {{"aws.endpoint", endpoint},
            {"aws.access.key", Env("SECOR_TEST_S3_ACCESS_KEY")},
            {"aws.secret.key", Env("SECOR_TEST_S3_SECRET_KEY")},
            {"aws.region", "us-east-1"},
            {"secor.s3.retry.base.ms", "50"},
            {"secor.s3.retry.max.ms", "500"}};
  }

  Result<std::unique_ptr<ObjectStore>> Open(const std::map<std::string, std::string>& kv) {
    return OpenObjectStore("s3://" + bucket_ + "/store", Config::FromMap(kv));
  }

  TempDir dir_;
  std::string tls_endpoint_, ip_endpoint_, port_, ca_file_, bucket_;
};

TEST_F(S3TlsTest, WithTheCaTheStoreUploadsMultipartAndAwsCliReadsItBack) {
  auto kv = StoreSettings(tls_endpoint_);
  kv["aws.ca.bundle"] = ca_file_;
  kv["secor.s3.multipart.threshold.bytes"] = "5242880";
  kv["secor.s3.multipart.part.bytes"] = "5242880";
  auto store = Open(kv);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string data = RandomBytes(11 << 20);  // three parts
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("big"), data).ok());
  PutOptions create_only;
  create_only.create_only = true;
  Status put = (*store)->PutFile("big.bin", dir_.Join("big"), create_only);
  ASSERT_TRUE(put.ok()) << put.ToString();
  ASSERT_TRUE((*store)->PutBytes("small", "over TLS", create_only).ok());

  auto head = Aws({"s3api", "head-object", "--bucket", bucket_, "--key", "store/big.bin"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_NE(head.out.find("-3\\\""), std::string::npos)
      << "a three-part upload's ETag: " << head.out;
  auto cp = Aws({"s3", "cp", "--only-show-errors", "s3://" + bucket_ + "/store/big.bin",
                 dir_.Join("aws-big")});
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  EXPECT_EQ(s3::Sha256Hex(ReadFile(dir_.Join("aws-big")).value()), s3::Sha256Hex(data));
  ASSERT_TRUE((*store)->GetToFile("big.bin", dir_.Join("ours")).ok());
  EXPECT_EQ(s3::Sha256Hex(ReadFile(dir_.Join("ours")).value()), s3::Sha256Hex(data));
  EXPECT_EQ((*store)->Get("small").value(), "over TLS");
  Status again = (*store)->PutBytes("small", "twice", create_only);
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();

  // AWS_CA_BUNDLE, the AWS SDKs' variable, serves as well as the key.
  ::setenv("AWS_CA_BUNDLE", ca_file_.c_str(), 1);
  auto by_env = Open(StoreSettings(tls_endpoint_));
  ::unsetenv("AWS_CA_BUNDLE");
  ASSERT_TRUE(by_env.ok()) << by_env.status().ToString();
  EXPECT_EQ((*by_env)->Get("small").value(), "over TLS");
}

TEST_F(S3TlsTest, WithoutTheCaOrForAnotherHostNameTheConnectionIsRefusedInOneLine) {
  auto store = Open(StoreSettings(tls_endpoint_));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status refused = (*store)->PutBytes("x", "never", {});
  EXPECT_EQ(refused.code(), Status::Code::kInvalidArgument) << "not worth a retry";
  EXPECT_EQ(refused.message(), "S3 PutObject s3://" + bucket_ + "/store/x: TLS to " +
                                   tls_endpoint_ + " refused: " + kUntrusted);

  auto kv = StoreSettings(ip_endpoint_);
  kv["aws.ca.bundle"] = ca_file_;
  store = Open(kv);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status mismatch = (*store)->Get("x").status();
  EXPECT_EQ(mismatch.message(), "S3 GetObject s3://" + bucket_ + "/store/x: TLS to " +
                                    ip_endpoint_ + " refused: " + kWrongName);

  // A CA file that is not the one: still refused, and the hint names the file.
  auto other_ca = RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                              "1", "-subj", "/CN=another CA", "-keyout", dir_.Join("other.key"),
                              "-out", dir_.Join("other.pem")});
  ASSERT_EQ(other_ca.exit_code, 0) << other_ca.err;
  kv = StoreSettings(tls_endpoint_);
  kv["aws.ca.bundle"] = dir_.Join("other.pem");
  store = Open(kv);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Get("x").status().message(),
            "S3 GetObject s3://" + bucket_ + "/store/x: TLS to " + tls_endpoint_ +
                " refused: its certificate is not trusted (SSL certificate problem: unable to get "
                "local issuer certificate); aws.ca.bundle=" +
                dir_.Join("other.pem") + " does not hold the CA that signed it");
  auto listed = Aws({"s3", "ls", "--recursive", "s3://" + bucket_ + "/"});
  EXPECT_EQ(listed.out, "") << "nothing went through";
}

TEST_F(S3TlsTest, VerificationOffOnlyByItsKeyAndThenEveryStartWarns) {
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("f"), "line\n").ok());
  auto cp = Aws({"s3", "cp", "--only-show-errors", dir_.Join("f"),
                 "s3://" + bucket_ + "/store/topic/offset=0/1_0_00000000000000000000"});
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  std::string object = "s3://" + bucket_ + "/store/topic/offset=0/1_0_00000000000000000000";
  auto kv = StoreSettings(ip_endpoint_);  // untrusted and the wrong name
  std::string config = testing::WriteProperties(dir_.Join("secor.properties"), kv);

  auto refused = RunCommand({BinaryPath("secor"), "print", "-f", object, "-c", config});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("TLS to " + ip_endpoint_ + " refused: its certificate is not"),
            std::string::npos)
      << refused.err;

  std::string warning =
      "aws.verify.ssl=false: the certificate of " + ip_endpoint_ +
      " is not checked, so anyone on the network path can pose as the store and read or change "
      "what secor writes; give its CA with aws.ca.bundle instead";
  for (int start = 0; start < 2; ++start) {
    auto r = RunCommand({BinaryPath("secor"), "print", "-f", object, "-c", config, "--set",
                         "aws.verify.ssl=false"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "-1\t\tline\n") << "a text file: no offsets";
    EXPECT_NE(r.err.find(warning), std::string::npos) << r.err;
  }
}

// The consumer end to end over TLS: refused without the CA (one line, exit
// 2, nothing written), then with aws.ca.bundle every message lands once,
// a file above the multipart threshold as a multipart upload; secor verify
// (trusting the CA through AWS_CA_BUNDLE), secor print and awscli read back.
TEST_F(S3TlsTest, TheConsumerUploadsOverTlsAndPrintVerifyAndAwsCliReadBack) {
  const int64_t kMessages = 3000;
  TestBroker broker(dir_.path(), {"tls:1"});
  testing::Produce(broker.bootstrap(), "tls", kMessages, {"--type", "json", "--size", "2500"});
  auto kv = testing::BaseConsumerSettings(broker.bootstrap(), "s3tls", dir_.Join("staging"),
                                          "s3://" + bucket_ + "/raw");
  for (const auto& [k, v] : StoreSettings(tls_endpoint_)) kv[k] = v;
  // About 7.5 MB in all: the first file closes at 6 MB and goes up in two
  // parts of 5 MiB and less, the rest by age in one PUT.
  kv["secor.max.file.size.bytes"] = "6000000";
  kv["secor.max.file.age.seconds"] = "10";
  kv["secor.s3.multipart.threshold.bytes"] = "5242880";
  kv["secor.s3.multipart.part.bytes"] = "5242880";
  std::string no_ca = testing::WriteProperties(dir_.Join("no-ca.properties"), kv);
  kv["aws.ca.bundle"] = ca_file_;
  std::string config = testing::WriteProperties(dir_.Join("secor.properties"), kv);

  auto refused = RunCommand({BinaryPath("secor"), "consume", "-c", no_ca});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  std::vector<std::string> lines;
  for (const auto& line : Split(refused.err, '\n')) {
    if (line.find("TLS to") != std::string::npos) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 1u) << refused.err;
  EXPECT_TRUE(StartsWith(
      lines[0], "secor consume: create-only probe, first write of s3://" + bucket_ + "/raw/"))
      << lines[0];
  EXPECT_TRUE(EndsWith(lines[0], ": TLS to " + tls_endpoint_ + " refused: " + kUntrusted))
      << lines[0];

  Process p;
  p.Start({BinaryPath("secor"), "consume", "-c", config}, dir_.Join("consumer"));
  auto v = testing::WaitForVerify(config, "tls", kMessages, 180s);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(60s), 0) << p.Stderr();
  EXPECT_EQ(p.Stderr().find("aws.verify.ssl"), std::string::npos) << "no warning when checked";

  // secor verify trusting the CA through AWS_CA_BUNDLE alone.
  auto env_verify = RunCommand(
      {BinaryPath("secor"), "verify", "-c", no_ca, "-t", "tls", "-m", std::to_string(kMessages)},
      "", {{"AWS_CA_BUNDLE", ca_file_}});
  EXPECT_EQ(env_verify.exit_code, 0) << env_verify.out << env_verify.err;

  // The first file went up in parts (its ETag counts them).
  std::string first = "raw/tls/offset=0/1_0_00000000000000000000";
  auto head = Aws({"s3api", "head-object", "--bucket", bucket_, "--key", first});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_NE(head.out.find("-2\\\""), std::string::npos) << "a two-part upload's ETag: " << head.out;

  auto kafka = testing::ReadTopicWithKcat(broker.bootstrap(), "tls");
  ASSERT_EQ(static_cast<int64_t>(kafka.size()), kMessages);
  auto printed = RunCommand(
      {BinaryPath("secor"), "print", "-f", "s3://" + bucket_ + "/" + first, "-c", config});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  int64_t n = 0;
  for (const auto& line : Split(printed.out, '\n')) {
    if (line.empty()) continue;
    auto fields = Split(line, '\t');
    ASSERT_GE(fields.size(), 3u) << line;
    EXPECT_EQ(fields[0], std::to_string(n));
    EXPECT_EQ(fields[2], (kafka[{0, n}])) << "offset " << n;
    ++n;
  }
  EXPECT_GT(n, 0);
  EXPECT_LT(n, kMessages) << "the rest went into another file, by age";

  auto cp = Aws({"s3", "cp", "--recursive", "--quiet", "s3://" + bucket_ + "/raw/tls",
                 dir_.Join("download/tls")});
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  testing::ExpectSameMessages(kafka, testing::ReadStoredTopic(dir_.Join("download"), "tls"), "tls");
}

}  // namespace
}  // namespace secor
