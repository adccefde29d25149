// One `secor consume` with every thread it can have busy at once: several
// upload threads, the compression pool, and the status server answering
// /metrics and /status while the consumer writes what they read. Under
// scripts/test.sh this test also runs on the ThreadSanitizer build
// (SECOR_TEST_BINARY_DIR=build-tsan), where a data race in the child fails it
// (tests/integration/sanitizer_reports_test.cc); on the other builds it
// checks that the threads together still store every message once.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "support/cluster.h"
#include "support/test_util.h"

namespace secor {
namespace {

using namespace std::chrono_literals;
using testing::BaseConsumerSettings;
using testing::BinaryPath;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::TestBroker;
using testing::WriteProperties;

TEST(ConsumerThreadsTest, UploadThreadsCompressionPoolAndStatusServerStoreEveryMessageOnce) {
  TempDir dir;
  const int64_t kMessages = 4000;
  TestBroker broker(dir.path(), {"threads:4"});
  testing::Produce(broker.bootstrap(), "threads", kMessages);
  int port = testing::FreeLocalPort();
  auto settings =
      BaseConsumerSettings(broker.bootstrap(), "threadsg", dir.Join("staging"), dir.Join("store"));
  settings["secor.upload.threads"] = "4";
  settings["secor.compression.threads"] = "2";
  settings["secor.compression.codec"] = "gzip";
  settings["secor.max.file.age.seconds"] = "1";
  settings["secor.http.port"] = std::to_string(port);
  settings["secor.http.bind.address"] = "127.0.0.1";
  std::string config = WriteProperties(dir.Join("c.properties"), settings);
  Process consumer;
  consumer.Start({BinaryPath("secor"), "consume", "-c", config}, dir.Join("consume"));

  // Scrapes while the consumer reads, writes and uploads: the server's
  // threads read what the others change.
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::thread scraper([&] {
    while (!stop) {
      for (const char* path : {"/metrics", "/status", "/"}) {
        auto r = RunCommand({"curl", "-sS", "-f", "-m", "10", "-o", "/dev/null", base + path});
        if (r.exit_code == 0) ++answered;
      }
    }
  });
  auto v = testing::WaitForVerify(config, "threads", kMessages, 120s);
  stop = true;
  scraper.join();
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("0 duplicate offsets, 0 gaps"), std::string::npos) << v.out;
  EXPECT_GT(answered.load(), 0);
  auto metrics = RunCommand({"curl", "-sS", "-m", "10", base + "/metrics"});
  EXPECT_NE(metrics.out.find("\nsecor_consumer_messages_total{topic=\"threads\"} 4000\n"),
            std::string::npos)
      << metrics.out;
  consumer.Signal(SIGTERM);
  EXPECT_EQ(consumer.Wait(60s), 0) << consumer.Stderr();
  testing::ExpectVerifyStillPasses(config, "threads", kMessages);
}

}  // namespace
}  // namespace secor
