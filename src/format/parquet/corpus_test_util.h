// The Parquet test corpus: with SECOR_PARQUET_TEST_CORPUS=DIR set, unit tests
// that write Parquet files keep each one in DIR (named after the test), with
// its rows beside it as JSON lines and what else independent readers must
// find in it. tests/integration/parquet_corpus_test.cc runs the format unit
// tests so and has DuckDB and hyparquet read every kept file
// (tests/node/parquet_corpus_check.mjs). Without the variable nothing happens.
//
// Call KeepForReaders only after the test has checked the file's rows against
// its own expectations: the rows kept are the ones our reader returns, so they
// are the test's expected rows.
//
// NAME.rows.jsonl: one object per row, top-level columns in file order, each
// value as our reader renders it (timestamps as integers in the column's
// unit, dates "YYYY-MM-DD", groups as objects, lists as arrays), except
// top-level non-string BYTE_ARRAY columns (raw `value`, `__key`, binary
// columns), given as {"hex": "..."} because they need not be UTF-8.
// NAME.checks.json: {"codec", "min_row_groups", "dictionary_columns"}.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "format/parquet/reader.h"

namespace secor::testing {

struct CorpusChecks {
  // Compression of every column chunk as DuckDB names it (UNCOMPRESSED,
  // SNAPPY, GZIP, ZSTD, LZ4_RAW); empty: not checked.
  std::string codec;
  int min_row_groups = 0;
  // Columns (path in schema, dotted) whose every chunk must be
  // dictionary-encoded.
  std::vector<std::string> dictionary_columns;
};

inline std::string CorpusHex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

inline void KeepForReaders(const std::string& path, const CorpusChecks& checks = {}) {
  const char* dir = std::getenv("SECOR_PARQUET_TEST_CORPUS");
  if (dir == nullptr || *dir == '\0') return;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name =
      std::string(info->test_suite_name()) + "." + info->name() + "-" + BaseName(path);
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  if (name.size() < 8 || name.substr(name.size() - 8) != ".parquet") name += ".parquet";
  std::string kept = JoinPath(dir, name);

  auto reader = parquet::Reader::Open(path);
  ASSERT_TRUE(reader.ok()) << path << ": " << reader.status().ToString();
  // Which top-level fields are binary leaves: walk the flattened schema.
  const auto& schema = (*reader)->meta().schema;
  std::vector<bool> binary;
  for (size_t i = 1; i < schema.size();) {
    const auto& e = schema[i];
    binary.push_back(e.num_children == 0 && e.type == parquet::PhysicalType::kByteArray &&
                     e.logical != parquet::LogicalKind::kString);
    // Skip the element's subtree.
    size_t pending = 1;
    while (pending > 0 && i < schema.size()) {
      pending += static_cast<size_t>(schema[i].num_children);
      --pending;
      ++i;
    }
  }
  const auto& names = (*reader)->field_names();
  ASSERT_EQ(binary.size(), names.size()) << path;
  std::string rows;
  std::vector<parquet::Cell> cells;
  while (true) {
    auto more = (*reader)->Next(&cells);
    ASSERT_TRUE(more.ok()) << path << ": " << more.status().ToString();
    if (!*more) break;
    rows += '{';
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) rows += ',';
      rows += JsonQuote(names[i]) + ':';
      rows += binary[i] && !cells[i].is_null ? "{\"hex\":\"" + CorpusHex(cells[i].bytes) + "\"}"
                                             : cells[i].json;
    }
    rows += "}\n";
  }
  std::string dictionary;
  for (const auto& c : checks.dictionary_columns) {
    dictionary += (dictionary.empty() ? "" : ",") + JsonQuote(c);
  }
  std::string check_json = "{\"codec\":" + JsonQuote(checks.codec) +
                           ",\"min_row_groups\":" + std::to_string(checks.min_row_groups) +
                           ",\"dictionary_columns\":[" + dictionary + "]}\n";
  ASSERT_TRUE(MakeDirs(dir).ok()) << dir;
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok()) << path;
  ASSERT_TRUE(WriteFileAtomic(kept, *bytes).ok()) << kept;
  ASSERT_TRUE(WriteFileAtomic(kept + ".rows.jsonl", rows).ok()) << kept;
  ASSERT_TRUE(WriteFileAtomic(kept + ".checks.json", check_json).ok()) << kept;
}

// Encodings of the data pages of one column chunk, read from the page
// headers; *dictionary_pages counts the dictionary pages.
inline std::vector<int32_t> DataPageEncodings(const std::string& file, const parquet::ColumnMeta& c,
                                              int* dictionary_pages) {
  std::vector<int32_t> out;
  int64_t start = c.dictionary_page_offset ? *c.dictionary_page_offset : c.data_page_offset;
  std::string_view chunk(file.data() + start, static_cast<size_t>(c.total_compressed_size));
  size_t pos = 0;
  while (pos < chunk.size()) {
    size_t used = 0;
    auto h = parquet::ParsePageHeader(chunk.substr(pos), &used);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (!h.ok()) break;
    pos += used + static_cast<size_t>(h->compressed_size);
    if (h->type == parquet::kDictionaryPage) {
      ++*dictionary_pages;
    } else {
      out.push_back(h->encoding);
    }
  }
  EXPECT_EQ(pos, chunk.size()) << "pages do not fill the column chunk exactly";
  return out;
}

}  // namespace secor::testing
