// The S3 store against a real S3 implementation (Ceph RGW started by
// scripts/ceph.sh), with awscli as the independent reader.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "config/config.h"
#include "storage/object_store.h"
#include "storage/s3/sigv4.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::RunCommand;
using secor::testing::TempDir;

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

struct S3Env {
  std::string endpoint = EnvOr("SECOR_TEST_S3_ENDPOINT");
  std::string access_key = EnvOr("SECOR_TEST_S3_ACCESS_KEY");
  std::string secret_key = EnvOr("SECOR_TEST_S3_SECRET_KEY");
  std::string ceph_dir = EnvOr("SECOR_TEST_CEPH_DIR");
  bool ok() const { return !endpoint.empty() && !access_key.empty() && !secret_key.empty(); }
};

const char* kNoEnv =
    "SECOR_TEST_S3_ENDPOINT/SECOR_TEST_S3_ACCESS_KEY/SECOR_TEST_S3_SECRET_KEY are not set: run via "
    "scripts/test.sh or start Ceph with scripts/ceph.sh start DIR and source DIR/env";

secor::testing::CommandResult Aws(const S3Env& e, std::vector<std::string> args) {
  std::vector<std::string> argv = {"aws", "--endpoint-url", e.endpoint};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, "",
                    {{"AWS_ACCESS_KEY_ID", e.access_key},
                     {"AWS_SECRET_ACCESS_KEY", e.secret_key},
                     {"AWS_DEFAULT_REGION", "us-east-1"},
                     {"AWS_EC2_METADATA_DISABLED", "true"}});
}

class S3StoreIT : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    S3Env e;
    if (!e.ok()) return;
    bucket_ = "secor-it-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
    auto r = Aws(e, {"s3", "mb", "s3://" + bucket_});
    if (r.exit_code != 0) {
      bucket_error_ = "aws s3 mb s3://" + bucket_ + " failed: " + r.err + r.out;
    }
  }

  void SetUp() override {
    ASSERT_TRUE(env_.ok()) << kNoEnv;
    ASSERT_TRUE(bucket_error_.empty()) << bucket_error_;
    prefix_ = "t/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  Config StoreConfig(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> m = {
        {"aws.endpoint", env_.endpoint},     {"aws.access.key", env_.access_key},
        {"aws.secret.key", env_.secret_key}, {"aws.client.pathstyleaccess", "true"},
        {"secor.s3.retry.base.ms", "50"},    {"secor.s3.retry.max.ms", "1000"},
    };
    for (auto& [k, v] : extra) m[k] = v;
    return Config::FromMap(m);
  }

  std::unique_ptr<ObjectStore> Open(std::map<std::string, std::string> extra = {}) {
    auto s = OpenObjectStore("s3://" + bucket_ + "/" + prefix_, StoreConfig(extra));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::string S3Url(const std::string& key) {
    return "s3://" + bucket_ + "/" + prefix_ + "/" + key;
  }

  // The object's bytes as awscli downloads them.
  std::string AwsGet(const std::string& key) {
    TempDir d;
    auto r = Aws(env_, {"s3", "cp", "--only-show-errors", S3Url(key), d.Join("f")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto data = ReadFile(d.Join("f"));
    return data.ok() ? *data : "<missing>";
  }

  S3Env env_;
  std::string prefix_;
  static std::string bucket_;
  static std::string bucket_error_;
};

std::string S3StoreIT::bucket_;
std::string S3StoreIT::bucket_error_;

TEST_F(S3StoreIT, PutGetHeadListDeleteRoundTrip) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  PutOptions opts;
  opts.metadata = {{"writer", "host-1"}, {"end", "42"}};
  ASSERT_TRUE(store->PutBytes("a/one bin+x", body, opts).ok());
  ASSERT_TRUE(store->PutBytes("a/two", "second", {}).ok());
  ASSERT_TRUE(store->PutBytes("b/three", "third", {}).ok());

  EXPECT_EQ(store->Get("a/one bin+x").value(), body);
  EXPECT_EQ(AwsGet("a/one bin+x"), body);

  auto head = store->Head("a/one bin+x");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 256);
  EXPECT_EQ(head->metadata, opts.metadata);
  auto api =
      Aws(env_, {"s3api", "head-object", "--bucket", bucket_, "--key", prefix_ + "/a/one bin+x"});
  ASSERT_EQ(api.exit_code, 0) << api.err;
  EXPECT_NE(api.out.find("\"writer\": \"host-1\""), std::string::npos) << api.out;

  std::vector<ObjectInfo> list;
  ASSERT_TRUE(store->List("a/", &list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].key, "a/one bin+x");
  EXPECT_EQ(list[0].size, 256);
  EXPECT_EQ(list[1].key, "a/two");

  TempDir d;
  ASSERT_TRUE(store->GetToFile("b/three", d.Join("three")).ok());
  EXPECT_EQ(ReadFile(d.Join("three")).value(), "third");

  ASSERT_TRUE(store->Delete("a/two").ok());
  ASSERT_TRUE(store->Delete("a/two").ok());  // missing is fine
  EXPECT_TRUE(store->Head("a/two").status().IsNotFound());
  EXPECT_TRUE(store->Get("a/two").status().IsNotFound());
  list.clear();
  ASSERT_TRUE(store->List("", &list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].key, "b/three");
}

TEST_F(S3StoreIT, MultipartUploadOf50MBMatchesWhatAwsCliDownloads) {
  auto store = Open({{"secor.s3.multipart.threshold.bytes", "8388608"},
                     {"secor.s3.multipart.part.bytes", "8388608"},
                     {"secor.s3.upload.parallelism", "4"}});
  ASSERT_TRUE(store);
  TempDir d;
  std::string data(50 << 20, '\0');
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < data.size(); i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&data[i], &x, 8);
  }
  ASSERT_TRUE(WriteFileAtomic(d.Join("big"), data).ok());
  PutOptions opts;
  opts.create_only = true;
  ASSERT_TRUE(store->PutFile("big.bin", d.Join("big"), opts).ok());

  auto r = Aws(env_, {"s3", "cp", "--only-show-errors", S3Url("big.bin"), d.Join("aws")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s3::Sha256Hex(ReadFile(d.Join("aws")).value()), s3::Sha256Hex(data));
  ASSERT_TRUE(store->GetToFile("big.bin", d.Join("ours")).ok());
  EXPECT_EQ(s3::Sha256Hex(ReadFile(d.Join("ours")).value()), s3::Sha256Hex(data));
  EXPECT_EQ(store->Head("big.bin")->size, 50 << 20);

  // A second create-only multipart upload of the key is refused.
  Status again = store->PutFile("big.bin", d.Join("big"), opts);
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
}

TEST_F(S3StoreIT, CreateOnlyRefusesAnExistingKeyAndOneOfEightCreatorsWins) {
  auto store = Open();
  ASSERT_TRUE(store);
  PutOptions opts;
  opts.create_only = true;
  ASSERT_TRUE(store->PutBytes("marker", "first", opts).ok());
  Status second = store->PutBytes("marker", "second", opts);
  EXPECT_TRUE(second.IsAlreadyExists()) << second.ToString();
  EXPECT_EQ(second.message(), S3Url("marker") + " already exists");
  EXPECT_EQ(AwsGet("marker"), "first");

  std::atomic<int> won{0}, lost{0}, other{0};
  std::atomic<int> winner{-1};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto s = Open();
      Status st = s->PutBytes("race", "creator " + std::to_string(i), opts);
      if (st.ok()) {
        ++won;
        winner = i;
      } else if (st.IsAlreadyExists()) {
        ++lost;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(lost, 7);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(AwsGet("race"), "creator " + std::to_string(winner.load()));
}

TEST_F(S3StoreIT, ProbeCreateOnlyPassesOnRgw) {
  auto store = Open();
  ASSERT_TRUE(store);
  Status st = ProbeCreateOnly(*store, "_probe/p1");
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(store->Head("_probe/p1").status().IsNotFound());
}

TEST_F(S3StoreIT, WrongSecretGivesOneLineNamingTheKey) {
  auto store = Open({{"aws.secret.key", "not-the-secret"}});
  ASSERT_TRUE(store);
  Status st = store->PutBytes("x", "y", {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(st.message().find("S3 PutObject " + S3Url("x") + ": HTTP 403 SignatureDoesNotMatch"),
            0u)
      << st.message();
  EXPECT_NE(st.message().find("check aws.secret.key (or AWS_SECRET_ACCESS_KEY)"), std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find('\n'), std::string::npos);
}

TEST_F(S3StoreIT, MissingBucketNamesTheBucketKey) {
  auto s = OpenObjectStore("s3://no-such-bucket-secor/p", StoreConfig());
  ASSERT_TRUE(s.ok());
  Status st = (*s)->PutBytes("x", "y", {});
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("NoSuchBucket"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("check secor.s3.bucket"), std::string::npos) << st.message();
}

TEST_F(S3StoreIT, ListPagesThroughMoreThanAThousandKeys) {
  auto store = Open({{"secor.s3.list.page.size", "100"}});
  ASSERT_TRUE(store);
  const int kKeys = 1050;
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < kKeys; i = next++) {
        if (!store->PutBytes(fmt::format("k/{:05d}", i), "v", {}).ok()) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failed, 0);
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(store->List("k/", &list).ok());
  ASSERT_EQ(list.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) EXPECT_EQ(list[i].key, fmt::format("k/{:05d}", i));
}

TEST_F(S3StoreIT, PutsSurviveARadosGatewayRestart) {
  ASSERT_FALSE(env_.ceph_dir.empty())
      << "SECOR_TEST_CEPH_DIR is not set (scripts/ceph.sh writes it to DIR/env)";
  auto store = Open({{"secor.s3.max.attempts", "30"},
                     {"secor.s3.retry.base.ms", "100"},
                     {"secor.s3.retry.max.ms", "1000"},
                     {"secor.s3.request.timeout.ms", "5000"}});
  ASSERT_TRUE(store);
  const int kPuts = 40;
  std::atomic<int> done{0};
  std::vector<Status> results(kPuts);
  std::thread writer([&] {
    for (int i = 0; i < kPuts; ++i) {
      results[i] = store->PutBytes(fmt::format("r/{:03d}", i), "value " + std::to_string(i), {});
      ++done;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  while (done < 5) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto restart = RunCommand({SECOR_SOURCE_DIR "/scripts/ceph.sh", "restart-rgw", env_.ceph_dir});
  int done_when_back = done;
  writer.join();
  EXPECT_EQ(restart.exit_code, 0) << restart.err;
  // The restart happened in the middle of the series, not after it.
  EXPECT_LT(done_when_back, kPuts);
  for (int i = 0; i < kPuts; ++i)
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(store->List("r/", &list).ok());
  EXPECT_EQ(list.size(), static_cast<size_t>(kPuts));
  EXPECT_EQ(AwsGet("r/039"), "value 39");
}

}  // namespace
}  // namespace secor
