#include "net/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "support/fake_http_server.h"
#include "support/test_util.h"

namespace secor::net {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

TEST(HttpClient, ReusesTheConnectionAcrossRequests) {
  FakeHttpServer server([](const FakeRequest& r) {
    return FakeResponse{200, {{"X-Echo", r.target}}, "hello " + r.target, false};
  });
  int64_t before = ConnectionsOpenedByThisThread();
  for (int i = 0; i < 5; ++i) {
    HttpRequest req;
    req.url = server.url() + "/n" + std::to_string(i);
    auto resp = SendHttp(req);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "hello /n" + std::to_string(i));
    EXPECT_EQ(resp->Header("x-echo"), "/n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(ConnectionsOpenedByThisThread() - before, 1);
}

TEST(HttpClient, StreamsARegionOfAFileAndDownloadsToAFile) {
  FakeHttpServer server([](const FakeRequest& r) {
    if (r.method == "PUT") return FakeResponse{200, {}, "", false};
    return FakeResponse{200, {}, std::string(3 << 20, 'z'), false};
  });
  testing::TempDir dir;
  std::string data;
  for (int i = 0; i < 3000000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  ASSERT_TRUE(WriteFileAtomic(dir.Join("in"), data).ok());

  HttpRequest put;
  put.method = "PUT";
  put.url = server.url() + "/up";
  put.upload_file = dir.Join("in");
  put.upload_offset = 1000;
  put.upload_length = 2000000;  // over 1 MiB: goes through Expect: 100-continue
  auto resp = SendHttp(put);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].body, data.substr(1000, 2000000));
  EXPECT_EQ(server.received()[0].headers.at("content-length"), "2000000");

  HttpRequest get;
  get.url = server.url() + "/down";
  get.download_file = dir.Join("out");
  resp = SendHttp(get);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "");
  EXPECT_EQ(ReadFile(dir.Join("out")).value(), std::string(3 << 20, 'z'));
}

TEST(HttpClient, ErrorBodiesStayInMemoryWhenDownloading) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{404, {}, "<Error>nope</Error>", false};
  });
  testing::TempDir dir;
  HttpRequest get;
  get.url = server.url() + "/missing";
  get.download_file = dir.Join("out");
  auto resp = SendHttp(get);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 404);
  EXPECT_EQ(resp->body, "<Error>nope</Error>");
  EXPECT_FALSE(PathExists(dir.Join("out")));
}

TEST(HttpClient, TimeoutIsRetryable) {
  FakeHttpServer server([](const FakeRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return FakeResponse{200, {}, "late", false};
  });
  HttpRequest req;
  req.url = server.url() + "/slow";
  req.timeout_ms = 200;
  auto resp = SendHttp(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(resp.status().message().find("GET " + server.url() + "/slow"), std::string::npos)
      << resp.status().message();
}

TEST(HttpClient, ConnectionRefusedAndDroppedAreRetryable) {
  int port;
  {
    FakeHttpServer gone([](const FakeRequest&) { return FakeResponse{}; });
    port = gone.port();
  }
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto resp = SendHttp(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Status::Code::kUnavailable);

  FakeHttpServer dropper([](const FakeRequest&) { return FakeResponse{200, {}, "", true}; });
  req.url = dropper.url() + "/";
  resp = SendHttp(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Status::Code::kUnavailable);
}

TEST(HttpClient, BadUrlIsNotRetryable) {
  HttpRequest req;
  req.url = "nosuchscheme://x/";
  auto resp = SendHttp(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Status::Code::kInvalidArgument);
}

TEST(HttpClient, MissingUploadFileIsALocalError) {
  HttpRequest req;
  req.method = "PUT";
  req.url = "http://127.0.0.1:1/";
  req.upload_file = "/nonexistent/file";
  req.upload_length = 10;
  auto resp = SendHttp(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().message(), "open /nonexistent/file: No such file or directory");
}

}  // namespace
}  // namespace secor::net
