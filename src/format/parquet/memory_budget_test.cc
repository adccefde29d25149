// The memory budget that open Parquet files share: many files each holding
// pages below parquet.page.size must not add up to more than the budget, the
// files they make must hold the same rows, and closed files give their share
// back.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/file_util.h"
#include "format/parquet/corpus_test_util.h"
#include "format/parquet/reader.h"
#include "format/parquet/writer.h"
#include "support/test_util.h"

namespace secor::parquet {
namespace {

using secor::testing::CorpusChecks;
using secor::testing::DataPageEncodings;
using secor::testing::KeepForReaders;
using secor::testing::TempDir;

// id INT64 required, name STRING optional (dictionary-friendly), note STRING
// optional (distinct: goes plain).
std::vector<SchemaElement> Schema() {
  std::vector<SchemaElement> s(4);
  s[0].name = "secor";
  s[0].num_children = 3;
  s[1].name = "id";
  s[1].type = PhysicalType::kInt64;
  s[1].repetition = Repetition::kRequired;
  s[2].name = "name";
  s[2].type = PhysicalType::kByteArray;
  s[2].repetition = Repetition::kOptional;
  s[2].logical = LogicalKind::kString;
  s[3].name = "note";
  s[3].type = PhysicalType::kByteArray;
  s[3].repetition = Repetition::kOptional;
  s[3].logical = LogicalKind::kString;
  return s;
}

std::string NameOf(int file, int row) { return fmt::format("name-{}-{}", file, row % 3000); }
std::string NoteOf(int file, int row) { return fmt::format("note {} of file {}", row, file); }

Status AddRow(Writer* w, int file, int row) {
  std::string name = NameOf(file, row), note = NoteOf(file, row);
  Value id{int64_t{file} * 1'000'000 + row, 0, {}};
  Value n{0, 0, name}, t{0, 0, note};
  w->column(0).Add(0, 0, &id);
  w->column(1).Add(row % 7 == 0 ? 0 : 1, 0, row % 7 == 0 ? nullptr : &n);
  w->column(2).Add(1, 0, &t);
  return w->EndRow();
}

// Checks every row of a file that AddRow filled for file, and that it has rows.
void ExpectRows(const std::string& path, int file, int rows) {
  auto reader = Reader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<Cell> row;
  int r = 0;
  while (true) {
    auto more = (*reader)->Next(&row);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ASSERT_EQ(row[0].i, int64_t{file} * 1'000'000 + r);
    if (r % 7 == 0) {
      ASSERT_TRUE(row[1].is_null) << r;
    } else {
      ASSERT_EQ(row[1].bytes, NameOf(file, r)) << r;
    }
    ASSERT_EQ(row[2].bytes, NoteOf(file, r)) << r;
    ++r;
  }
  EXPECT_EQ(r, rows);
}

TEST(MemoryBudget, ManyOpenFilesStayWithinTheBudgetAndKeepEveryRow) {
  TempDir dir;
  constexpr int kFiles = 40;
  constexpr int kRows = 6000;
  constexpr int64_t kLimit = 512 << 10;
  MemoryBudget budget(kLimit);
  WriterOptions options;
  options.codec = kZstd;
  options.budget = &budget;
  // Without the budget every page of every file would stay in memory: about
  // 40 files x 6,000 rows x 40 bytes, 9 MiB.
  std::vector<std::unique_ptr<Writer>> writers;
  for (int f = 0; f < kFiles; ++f) {
    auto w = Writer::Open(dir.Join(fmt::format("f{}.parquet", f)), Schema(), options);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    writers.push_back(std::move(w).value());
  }
  // Over the limit, each column may keep up to its share and a step that it
  // has not yet told the budget.
  const int64_t columns = int64_t{kFiles} * 3;
  const int64_t slack = columns * (std::max(kMinFairShare, kLimit / columns) + kBudgetStep);
  int64_t peak = 0;
  for (int r = 0; r < kRows; ++r) {
    for (int f = 0; f < kFiles; ++f) ASSERT_TRUE(AddRow(writers[f].get(), f, r).ok());
    peak = std::max(peak, budget.used());
  }
  EXPECT_GT(peak, kLimit) << "the test must reach the budget to test it";
  EXPECT_LE(peak, kLimit + slack);
  for (int f = 0; f < kFiles; ++f) {
    ASSERT_TRUE(writers[f]->Close({}).ok());
    writers[f].reset();
  }
  EXPECT_EQ(budget.used(), 0) << "closed files give their memory back";

  for (int f : {0, kFiles / 2, kFiles - 1}) {
    std::string path = dir.Join(fmt::format("f{}.parquet", f));
    ExpectRows(path, f, kRows);
    KeepForReaders(path, CorpusChecks{"ZSTD", 1, {}});
  }
}

// A dictionary that the budget freezes is written once, first in its chunk,
// from the spill file: later values of the chunk are plain.
TEST(MemoryBudget, AFrozenDictionaryStaysFirstInItsChunk) {
  TempDir dir;
  MemoryBudget budget(1);  // always exceeded; a column's share is kMinFairShare
  WriterOptions options;
  options.codec = kSnappy;
  options.budget = &budget;
  options.block_size = 256 << 10;  // several row groups, each with its own dictionary
  std::string path = dir.Join("frozen.parquet");
  {
    auto w = Writer::Open(path, Schema(), options);
    ASSERT_TRUE(w.ok());
    for (int r = 0; r < 20000; ++r) ASSERT_TRUE(AddRow(w->get(), 3, r).ok());
    ASSERT_TRUE((*w)->Close({}).ok());
  }
  EXPECT_EQ(budget.used(), 0);
  auto reader = Reader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const FileMeta& meta = (*reader)->meta();
  ASSERT_GE(meta.row_groups.size(), 2u);
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  int frozen_chunks = 0;
  for (const auto& group : meta.row_groups) {
    const ColumnMeta& name = group.columns[1];
    int dictionary_pages = 0;
    auto encodings = DataPageEncodings(*bytes, name, &dictionary_pages);
    ASSERT_EQ(dictionary_pages, 1);
    ASSERT_LT(*name.dictionary_page_offset, name.data_page_offset);
    // Dictionary pages until the freeze, plain ones after.
    ASSERT_FALSE(encodings.empty());
    EXPECT_EQ(encodings.front(), kRleDictionary);
    frozen_chunks += encodings.back() == kPlain;
  }
  EXPECT_GE(frozen_chunks, 1) << "a dictionary past its share of an exceeded budget is frozen";
  ExpectRows(path, 3, 20000);
  KeepForReaders(path, CorpusChecks{"SNAPPY", 2, {}});
}

}  // namespace
}  // namespace secor::parquet
