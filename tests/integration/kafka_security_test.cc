// Kafka over SASL_SSL on the run's real broker (scripts/kafka.sh adds a
// SASL_SSL listener with SCRAM-SHA-512 and PLAIN users and a private CA):
// the consumer and the tools connect with the original Secor's keys and with
// librdkafka's own; a wrong password or an untrusted CA gives one clear line,
// is retried with backoff at low CPU and stops on SIGTERM; tools fail within
// a bounded time; no password shows in logs, /status, /metrics or files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/strings.h"
#include "support/cluster.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WaitUntil;
using testing::WriteProperties;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// What scripts/kafka.sh wrote about its SASL_SSL listener.
struct Sasl {
  std::string bootstrap, ca, untrusted_ca, scram_user, scram_password, plain_user, plain_password;
};

// False (and the test skipped, or failed under CI) when the run's Kafka has
// no SASL_SSL listener.
bool LoadSasl(Sasl* s) {
  s->bootstrap = Env("SECOR_TEST_KAFKA_SASL_SSL_BOOTSTRAP");
  s->ca = Env("SECOR_TEST_KAFKA_CA_FILE");
  s->untrusted_ca = Env("SECOR_TEST_KAFKA_UNTRUSTED_CA_FILE");
  s->scram_user = Env("SECOR_TEST_KAFKA_SCRAM_USER");
  s->scram_password = Env("SECOR_TEST_KAFKA_SCRAM_PASSWORD");
  s->plain_user = Env("SECOR_TEST_KAFKA_PLAIN_USER");
  s->plain_password = Env("SECOR_TEST_KAFKA_PLAIN_PASSWORD");
  return !s->bootstrap.empty() && !s->ca.empty() && !s->scram_password.empty() &&
         !s->plain_password.empty() && testing::RunRealKafka() != nullptr;
}

#define REQUIRE_SASL(s)                                                                \
  Sasl s;                                                                              \
  if (!LoadSasl(&s)) {                                                                 \
    if (Env("CI") == "true") FAIL() << "no SASL_SSL listener: run scripts/kafka.sh";   \
    GTEST_SKIP() << "no SECOR_TEST_KAFKA_SASL_SSL_BOOTSTRAP (scripts/kafka.sh start)"; \
  }

// Apache Kafka 4.x refuses librdkafka 2.0.2's SCRAM login with the right
// password (scripts/kafka.sh finds out at start; docs/testing.md).
#define REQUIRE_SCRAM(s)                                        \
  REQUIRE_SASL(s);                                              \
  if (Env("SECOR_TEST_KAFKA_SCRAM_WORKS") != "true") {          \
    GTEST_SKIP() << "Kafka " << Env("SECOR_TEST_KAFKA_VERSION") \
                 << " refuses librdkafka's SCRAM-SHA-512 login" \
                 << " (SECOR_TEST_KAFKA_SCRAM_WORKS)";          \
  }

// The original Secor's keys (the Java client's) for a SCRAM-SHA-512 login.
std::map<std::string, std::string> OriginalScramKeys(const Sasl& s, const std::string& password,
                                                     const std::string& ca) {
  return {
      {"kafka.bootstrap.servers", s.bootstrap},
      {"kafka.new.consumer.security.protocol", "SASL_SSL"},
      {"kafka.new.consumer.sasl.mechanism", "SCRAM-SHA-512"},
      {"kafka.new.consumer.sasl.jaas.config",
       "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" +
           s.scram_user + "\" password=\"" + password + "\";"},
      {"kafka.new.consumer.ssl.truststore.location", ca},
  };
}

// librdkafka's own keys (kafka.client.X is X) for a PLAIN login.
std::map<std::string, std::string> LibrdkafkaPlainKeys(const Sasl& s) {
  return {
      {"kafka.client.security.protocol", "SASL_SSL"},
      {"kafka.client.sasl.mechanisms", "PLAIN"},
      {"kafka.client.sasl.username", s.plain_user},
      {"kafka.client.sasl.password", s.plain_password},
      {"kafka.client.ssl.ca.location", s.ca},
  };
}

std::map<std::string, std::string> Merge(std::map<std::string, std::string> a,
                                         const std::map<std::string, std::string>& b) {
  for (const auto& [k, v] : b) a[k] = v;
  return a;
}

std::string Get(const std::string& url) { return RunCommand({"curl", "-sS", "-m", "10", url}).out; }

// CPU time (user + system, clock ticks) a process has used.
int64_t CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) in parentheses.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  return utime + stime;
}

// Lines of text that contain needle.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// No secret in any of texts, nor in any file under dir except the
// .properties files that hold them.
void ExpectNoSecret(const std::vector<std::string>& secrets, const std::vector<std::string>& texts,
                    const std::string& dir) {
  for (const auto& secret : secrets) {
    for (const auto& text : texts) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "secret " << secret << " in: " << text;
    }
    auto grep = RunCommand({"grep", "-rlF", "--exclude=*.properties", "-e", secret, dir});
    EXPECT_EQ(grep.out, "") << "secret " << secret << " in these files";
    EXPECT_EQ(grep.exit_code, 1) << grep.err;  // 1: nothing found
  }
}

// Messages of topic read by kcat over SASL_SSL with SCRAM.
size_t KcatCount(const Sasl& s, const std::string& topic) {
  auto r = RunCommand({"kcat", "-C",
                       "-b",   s.bootstrap,
                       "-t",   topic,
                       "-o",   "beginning",
                       "-e",   "-q",
                       "-f",   "%p %o\n",
                       "-X",   "security.protocol=SASL_SSL",
                       "-X",   "sasl.mechanisms=SCRAM-SHA-512",
                       "-X",   "sasl.username=" + s.scram_user,
                       "-X",   "sasl.password=" + s.scram_password,
                       "-X",   "ssl.ca.location=" + s.ca});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Count(r.out, "\n");
}

std::string Port(const std::string& bootstrap) {
  return bootstrap.substr(bootstrap.rfind(':') + 1, bootstrap.find(',') - bootstrap.rfind(':') - 1);
}

// The data lines of `secor progress` for a fully consumed partition.
std::string ProgressLine(const std::string& group, const std::string& topic, int partition,
                         int64_t end) {
  return fmt::format("{:<20} {:<30} {:>9} {:>12} {:>12} {:>11} {:>11}\n", group, topic, partition,
                     end, end, 0, 0);
}

TEST(KafkaSecurityTest, ScramWithTheOriginalKeys) {
  REQUIRE_SCRAM(s);
  TempDir dir;
  TestBroker broker(dir.path(), {"sec_scram:2"});
  int port = testing::FreeLocalPort();
  auto settings = Merge(
      BaseConsumerSettings(s.bootstrap, "sec_scram_g", dir.Join("staging"), dir.Join("store")),
      OriginalScramKeys(s, s.scram_password, s.ca));
  settings["secor.http.port"] = std::to_string(port);
  settings["secor.http.bind.address"] = "127.0.0.1";
  std::string config = WriteProperties(dir.Join("scram.properties"), settings);

  // The producer tool over SASL_SSL with the same configuration.
  auto produced =
      RunCommand({BinaryPath("secor"), "produce", "-c", config, "-t", "sec_scram", "-m", "400"});
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  EXPECT_EQ(produced.out, "produced 400 messages to sec_scram\n");
  EXPECT_EQ(KcatCount(s, "sec_scram"), 400u);

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  auto verified = testing::WaitForVerify(config, "sec_scram", 400, 90s);
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err << consumer.Stderr();
  // Commits went over SASL_SSL too; Kafka's own tools (plaintext) judge them.
  ASSERT_TRUE(testing::WaitForKafkaCommittedToEnd("sec_scram_g", "sec_scram", 60s));
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string metrics = Get(base + "/metrics");
  EXPECT_NE(metrics.find("\nsecor_consumer_messages_total{topic=\"sec_scram\"} 400\n"),
            std::string::npos)
      << metrics;
  std::string status = Get(base + "/status");
  EXPECT_NE(status.find("\"group\":\"sec_scram_g\""), std::string::npos) << status;

  // The lag tool over SASL_SSL: both partitions consumed to the end.
  auto progress = RunCommand({BinaryPath("secor"), "progress", "-c", config});
  ASSERT_EQ(progress.exit_code, 0) << progress.err;
  auto end = testing::KafkaToolEndOffsets("sec_scram");
  ASSERT_EQ(end.size(), 2u);
  EXPECT_NE(progress.out.find(ProgressLine("sec_scram_g", "sec_scram", 0, end[{"sec_scram", 0}])),
            std::string::npos)
      << progress.out;
  EXPECT_NE(progress.out.find(ProgressLine("sec_scram_g", "sec_scram", 1, end[{"sec_scram", 1}])),
            std::string::npos)
      << progress.out;

  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "sec_scram", 400);

  // reset-offsets (a group member and a plain client) over SASL_SSL.
  auto reset = RunCommand({BinaryPath("secor"), "reset-offsets", "-c", config, "-t", "sec_scram",
                           "--to-earliest", "--dry-run"});
  ASSERT_EQ(reset.exit_code, 0) << reset.out << reset.err;
  EXPECT_EQ(reset.out.rfind("group sec_scram_g, topic sec_scram, output ", 0), 0u) << reset.out;
  ExpectNoSecret({s.scram_password},
                 {consumer.Stdout(), consumer.Stderr(), metrics, status, produced.err, progress.out,
                  progress.err, verified.out, verified.err, reset.out, reset.err},
                 dir.path());
}

TEST(KafkaSecurityTest, PlainWithLibrdkafkaKeys) {
  REQUIRE_SASL(s);
  TempDir dir;
  TestBroker broker(dir.path(), {"sec_plain:3"});
  // secor produce -b with a configuration that names no servers: its
  // security settings still apply (they were dropped once).
  std::string produce_config =
      WriteProperties(dir.Join("produce.properties"), LibrdkafkaPlainKeys(s));
  auto produced = RunCommand({BinaryPath("secor"), "produce", "-b", s.bootstrap, "-c",
                              produce_config, "-t", "sec_plain", "-m", "300"});
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  EXPECT_EQ(produced.out, "produced 300 messages to sec_plain\n");

  auto settings = Merge(
      BaseConsumerSettings(s.bootstrap, "sec_plain_g", dir.Join("staging"), dir.Join("store")),
      LibrdkafkaPlainKeys(s));
  std::string config = WriteProperties(dir.Join("plain.properties"), settings);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  auto verified = testing::WaitForVerify(config, "sec_plain", 300, 90s);
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err << consumer.Stderr();
  ASSERT_TRUE(testing::WaitForKafkaCommittedToEnd("sec_plain_g", "sec_plain", 60s));
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "sec_plain", 300);
  ExpectNoSecret({s.plain_password},
                 {consumer.Stdout(), consumer.Stderr(), produced.err, verified.out, verified.err},
                 dir.path());
}

// Waits until the consumer has retried the listing a few times after its
// first refusal (debug lines), then checks: one error line, low CPU, alive,
// stops on SIGTERM.
void ExpectOneLineRetriedCalmly(Process& consumer, const std::string& needle,
                                std::string* stderr_out) {
  ASSERT_TRUE(consumer.WaitForOutput(needle, 60s)) << consumer.Stderr();
  int64_t cpu_before = CpuTicks(consumer.pid());
  auto retries = [&] { return Count(consumer.Stderr(), "cannot list topics (") >= 4; };
  ASSERT_TRUE(WaitUntil(retries, 60s)) << consumer.Stderr();
  int64_t cpu_used = CpuTicks(consumer.pid()) - cpu_before;
  std::string err = consumer.Stderr();
  // Four attempts with backoff (0.5 + 1 + 2 s at least): a busy loop would
  // burn about 350 ticks; a calm retry a few.
  EXPECT_LT(cpu_used, 50) << "CPU ticks over the retries";
  EXPECT_EQ(LinesWith(err, needle).size(), 1u) << err;
  EXPECT_EQ(LinesWith(err, "Z E ").size(), 1u) << err;  // the only error line
  EXPECT_TRUE(consumer.Running());
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(30s), 0) << consumer.Stderr();
  *stderr_out = consumer.Stderr();
}

TEST(KafkaSecurityTest, WrongPasswordIsOneLineRetriedAndToolsFail) {
  REQUIRE_SCRAM(s);
  TempDir dir;
  TestBroker broker(dir.path(), {"sec_bad:1"});
  const std::string wrong = "wrongPw-5d1e9a-s3cr";
  auto settings =
      Merge(BaseConsumerSettings(s.bootstrap, "sec_bad_g", dir.Join("staging"), dir.Join("store")),
            OriginalScramKeys(s, wrong, s.ca));
  settings["secor.log.level"] = "debug";  // the retries show as debug lines
  std::string config = WriteProperties(dir.Join("bad.properties"), settings);
  const std::string line = "broker 127.0.0.1:" + Port(s.bootstrap) +
                           " refused the login: SASL authentication error: Authentication failed "
                           "during authentication due to invalid credentials with SASL mechanism "
                           "SCRAM-SHA-512; check the SASL user name, password and mechanism";

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  std::string consumer_err;
  ExpectOneLineRetriedCalmly(consumer, "kafka: " + line + "; retrying with backoff", &consumer_err);
  EXPECT_NE(consumer_err.find("stopping: asked to stop before the broker could be reached"),
            std::string::npos)
      << consumer_err;

  // Tools stop with the reason, in bounded time.
  settings.erase("secor.log.level");
  config = WriteProperties(dir.Join("bad.properties"), settings);
  auto started = std::chrono::steady_clock::now();
  auto progress = RunCommand({BinaryPath("secor"), "progress", "-c", config});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(progress.exit_code, 1) << progress.err;
  EXPECT_NE(progress.err.find("secor progress: "), std::string::npos) << progress.err;
  EXPECT_NE(progress.err.find("secor progress: listing topics: " + line + "\n"), std::string::npos)
      << progress.err;

  started = std::chrono::steady_clock::now();
  auto produced =
      RunCommand({BinaryPath("secor"), "produce", "-c", config, "-t", "sec_bad", "-m", "10"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(produced.exit_code, 1) << produced.err;
  EXPECT_NE(produced.err.find("secor produce: metadata of topic sec_bad: " + line + "\n"),
            std::string::npos)
      << produced.err;

  ExpectNoSecret(
      {wrong, s.scram_password, s.plain_password},
      {consumer_err, consumer.Stdout(), progress.out, progress.err, produced.out, produced.err},
      dir.path());
}

TEST(KafkaSecurityTest, UntrustedCertificateIsOneLineRetried) {
  REQUIRE_SASL(s);
  TempDir dir;
  TestBroker broker(dir.path(), {"sec_tls:1"});
  auto settings =
      Merge(BaseConsumerSettings(s.bootstrap, "sec_tls_g", dir.Join("staging"), dir.Join("store")),
            OriginalScramKeys(s, s.scram_password, s.untrusted_ca));
  settings["secor.log.level"] = "debug";
  std::string config = WriteProperties(dir.Join("tls.properties"), settings);
  const std::string line =
      "kafka: TLS handshake with broker 127.0.0.1:" + Port(s.bootstrap) + " failed: ";

  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));
  std::string consumer_err;
  ExpectOneLineRetriedCalmly(consumer, line, &consumer_err);
  auto lines = LinesWith(consumer_err, line);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("certificate verify failed"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("; check the CA file (ssl.ca.location, "
                          "kafka.new.consumer.ssl.truststore.location) and the broker's "
                          "certificate; retrying with backoff"),
            std::string::npos)
      << lines[0];

  settings.erase("secor.log.level");
  config = WriteProperties(dir.Join("tls.properties"), settings);
  auto started = std::chrono::steady_clock::now();
  auto progress = RunCommand({BinaryPath("secor"), "progress", "-c", config});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(progress.exit_code, 1) << progress.err;
  EXPECT_NE(progress.err.find("secor progress: listing topics: TLS handshake with broker "
                              "127.0.0.1:" +
                              Port(s.bootstrap) + " failed: "),
            std::string::npos)
      << progress.err;
  ExpectNoSecret({s.scram_password}, {consumer_err, consumer.Stdout(), progress.err}, dir.path());
}

}  // namespace
}  // namespace secor
