#include "storage/local_store.h"

#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <atomic>
#include <thread>

#include "common/file_util.h"
#include "config/config.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::TempDir;

std::unique_ptr<ObjectStore> OpenLocal(const std::string& uri) {
  auto s = OpenObjectStore(uri, Config());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(LocalStore, PutGetHeadDelete) {
  TempDir d;
  auto store = OpenLocal("file://" + d.path());
  ASSERT_TRUE(store->PutBytes("t/dt=1/a", "hello", {}).ok());
  EXPECT_EQ(store->Get("t/dt=1/a").value(), "hello");
  EXPECT_EQ(ReadFile(d.Join("t/dt=1/a")).value(), "hello");
  EXPECT_EQ(store->Uri("t/dt=1/a"), d.Join("t/dt=1/a"));
  auto head = store->Head("t/dt=1/a");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->key, "t/dt=1/a");
  EXPECT_EQ(head->size, 5);
  // A plain put overwrites.
  ASSERT_TRUE(store->PutBytes("t/dt=1/a", "bye", {}).ok());
  EXPECT_EQ(store->Get("t/dt=1/a").value(), "bye");
  ASSERT_TRUE(store->Delete("t/dt=1/a").ok());
  ASSERT_TRUE(store->Delete("t/dt=1/a").ok());
  EXPECT_TRUE(store->Head("t/dt=1/a").status().IsNotFound());
  EXPECT_TRUE(store->Get("t/dt=1/a").status().IsNotFound());
}

TEST(LocalStore, PutFileAndGetToFile) {
  TempDir d, src;
  auto store = OpenLocal(d.path());  // a plain path works too
  std::string data(300000, 'q');
  ASSERT_TRUE(WriteFileAtomic(src.Join("f"), data).ok());
  ASSERT_TRUE(store->PutFile("x/f", src.Join("f"), {}).ok());
  ASSERT_TRUE(store->GetToFile("x/f", src.Join("back")).ok());
  EXPECT_EQ(ReadFile(src.Join("back")).value(), data);
  EXPECT_EQ(store->Head("x/f")->size, 300000);
}

TEST(LocalStore, CreateOnlyRefusesAnExistingKey) {
  TempDir d;
  auto store = OpenLocal(d.path());
  PutOptions opts;
  opts.create_only = true;
  ASSERT_TRUE(store->PutBytes("m/1", "first", opts).ok());
  Status st = store->PutBytes("m/1", "second", opts);
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_EQ(st.message(), d.Join("m/1") + " already exists");
  EXPECT_EQ(store->Get("m/1").value(), "first");
  // No temporary file is left behind.
  EXPECT_EQ(ListFilesRecursive(d.path()).value(), std::vector<std::string>{"m/1"});
  EXPECT_TRUE(ProbeCreateOnly(*store, "_probe").ok());
}

TEST(LocalStore, EightConcurrentCreatorsExactlyOneWins) {
  TempDir d;
  for (int round = 0; round < 20; ++round) {
    std::string key = "race/" + std::to_string(round);
    std::atomic<int> won{0}, lost{0}, other{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        auto store = OpenLocal(d.path());
        PutOptions opts;
        opts.create_only = true;
        Status st = store->PutBytes(key, "creator " + std::to_string(i), opts);
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
    ASSERT_EQ(won, 1) << "round " << round;
    ASSERT_EQ(lost, 7);
    ASSERT_EQ(other, 0);
    EXPECT_EQ(ReadFile(d.Join(key)).value(), "creator " + std::to_string(winner.load()));
  }
}

TEST(LocalStore, ListIsSortedFilteredAndSkipsTemporaries) {
  TempDir d;
  auto store = OpenLocal(d.path());
  for (const char* k : {"b/2", "a/1", "a/10", "a/sub/3", "ab/4"}) {
    ASSERT_TRUE(store->PutBytes(k, k, {}).ok());
  }
  ASSERT_TRUE(WriteFileAtomic(d.Join("a/._tmp.x.1.2"), "partial").ok());
  std::vector<ObjectInfo> out;
  ASSERT_TRUE(store->List("a/", &out).ok());
  std::vector<std::string> keys;
  for (auto& o : out) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/10", "a/sub/3"}));
  EXPECT_EQ(out[1].size, 4);

  out.clear();
  ASSERT_TRUE(store->List("a", &out).ok());
  EXPECT_EQ(out.size(), 4u);  // "ab/4" shares the prefix
  out.clear();
  ASSERT_TRUE(store->List("", &out).ok());
  EXPECT_EQ(out.size(), 5u);
  out.clear();
  ASSERT_TRUE(store->List("nothing/", &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(LocalStore, MetadataRoundTripsThroughHead) {
  TempDir d;
  auto store = OpenLocal(d.path());
  PutOptions opts;
  opts.metadata = {{"writer", "host-1/123"}, {"end", "42"}};
  ASSERT_TRUE(store->PutBytes("k", "v", opts).ok());
  auto head = store->Head("k");
  ASSERT_TRUE(head.ok());
  // The store keeps metadata in user xattrs; where the filesystem has none
  // it must come back empty, never wrong.
  std::string probe = d.Join("xattr-probe");
  ASSERT_TRUE(WriteFileAtomic(probe, "").ok());
  bool xattrs = ::setxattr(probe.c_str(), "user.probe", "1", 1, 0) == 0;
  if (xattrs) {
    EXPECT_EQ(head->metadata, opts.metadata);
  } else {
    EXPECT_TRUE(head->metadata.empty());
  }
}

TEST(LocalStore, RejectsBadKeys) {
  TempDir d;
  auto store = OpenLocal(d.path());
  EXPECT_EQ(store->PutBytes("../escape", "x", {}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store->PutBytes("", "x", {}).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace secor

namespace secor {
namespace {

TEST(LocalStore, ALinkedStagingFileStaysIntactWhenItsPathIsWrittenAgain) {
  testing::TempDir root, staging;
  auto store = OpenObjectStore(root.path(), Config());
  ASSERT_TRUE(store.ok());
  std::string local = staging.Join("round/file");
  {
    BufferedFile f;
    ASSERT_TRUE(f.Open(local).ok());
    ASSERT_TRUE(f.Append("the round's bytes").ok());
    ASSERT_TRUE(f.Close().ok());
  }
  PutOptions opts;
  opts.create_only = true;
  ASSERT_TRUE((*store)->PutFile("t/1_0_00000000000000000000", local, opts).ok());
  // The same staging path written again must not reach the stored object.
  BufferedFile again;
  ASSERT_TRUE(again.Open(local).ok());
  ASSERT_TRUE(again.Append("other").ok());
  ASSERT_TRUE(again.Close().ok());
  EXPECT_EQ(*(*store)->Get("t/1_0_00000000000000000000"), "the round's bytes");
  EXPECT_EQ(*ReadFile(local), "other");
}

}  // namespace
}  // namespace secor
