// DuckDB reads compressed JSON lines as the compression pool writes them: a
// gzip member or zstd frame per chunk of about a megabyte, one after another.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "format/compression_pool.h"
#include "format/file_format.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::RunCommand;
using secor::testing::TempDir;

const std::string kNodeDir = std::string(SECOR_SOURCE_DIR) + "/tests/node";

TEST(TextReaders, DuckDbReadsJsonLinesWrittenAsManyMembers) {
  ASSERT_EQ(RunCommand({kNodeDir + "/install.sh"}).exit_code, 0);
  TempDir dir;
  constexpr int kMessages = 40000;  // about 3 MB of lines: three members or more
  SetSharedCompressionThreads(1);
  for (const std::string codec : {"gzip", "zstd"}) {
    auto format = NewFileFormat("jsonl", {codec, "t"});
    ASSERT_TRUE(format.ok());
    auto w = (*format)->NewWriter(dir.Join("t-" + codec + ".jsonl"));
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    Message m;
    m.topic = "t";
    m.partition = 1;
    std::string payload;
    for (int i = 0; i < kMessages; ++i) {
      m.offset = 100 + i;
      payload = fmt::format(R"({{"n":{},"pad":"{:060}"}})", i, i);
      m.payload = payload;
      ASSERT_TRUE((*w)->Append(m).ok());
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  SetSharedCompressionThreads(0);
  for (const std::string codec : {"gzip", "zstd"}) {
    auto q = RunCommand(
        {"node", kNodeDir + "/duckdb_query.mjs",
         fmt::format("SELECT count(*)::INTEGER AS rows, count(DISTINCT \"offset\")::INTEGER AS "
                     "offsets, sum(value.n)::BIGINT AS total FROM read_json('{}', "
                     "compression='{}', format='newline_delimited')",
                     dir.Join("t-" + codec + ".jsonl"), codec)});
    ASSERT_EQ(q.exit_code, 0) << codec << ": " << q.err;
    const int64_t total = int64_t{kMessages} * (kMessages - 1) / 2;
    EXPECT_EQ(q.out, fmt::format("{{\"rows\":{},\"offsets\":{},\"total\":\"{}\"}}\n", kMessages,
                                 kMessages, total))
        << codec;
  }
}

}  // namespace
}  // namespace secor
