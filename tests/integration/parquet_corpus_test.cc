// Every Parquet file the writer's unit tests make is read by DuckDB and by
// hyparquet: the format unit tests run with SECOR_PARQUET_TEST_CORPUS set keep
// their files and expected rows (src/format/parquet/corpus_test_util.h), and
// tests/node/parquet_corpus_check.mjs compares, file by file and value by
// value, what both readers return with those rows, and checks codecs, row
// group counts and dictionary encoding with DuckDB's parquet_metadata().
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "common/strings.h"
#include "support/test_util.h"

namespace secor {
namespace {

using secor::testing::RunCommand;
using secor::testing::TempDir;

const std::string kNodeDir = std::string(SECOR_SOURCE_DIR) + "/tests/node";

std::string Field(const std::string& json_line, const std::string& name) {
  size_t p = json_line.find("\"" + name + "\":");
  if (p == std::string::npos) return "";
  std::string rest = json_line.substr(p + name.size() + 3);
  if (!rest.empty() && rest[0] == '"') return rest.substr(1, rest.find('"', 1) - 1);
  return rest.substr(0, rest.find_first_of(",}"));
}

TEST(ParquetCorpus, DuckDbAndHyparquetReadEveryFileTheWriterTestsMake) {
  auto installed = RunCommand({kNodeDir + "/install.sh"});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  TempDir dir;
  std::string corpus = dir.Join("corpus");
  auto unit = RunCommand({std::string(SECOR_BINARY_DIR) + "/tests/secor_format_test",
                          "--gtest_filter=ParquetFormat.*:ParquetEdgeCases.*:ParquetNested.*:"
                          "ParquetFromAvro.*:ParquetFromProtobuf.*:MemoryBudget.*"},
                         "", {{"SECOR_PARQUET_TEST_CORPUS", corpus}});
  ASSERT_EQ(unit.exit_code, 0) << unit.out << unit.err;

  auto check = RunCommand({"node", kNodeDir + "/parquet_corpus_check.mjs", corpus});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  std::map<std::string, std::string> reports;
  for (const auto& line : Split(check.out, '\n', true)) {
    reports[Field(line, "file")] = line;
    EXPECT_NE(line.find("\"problems\":[]"), std::string::npos) << line;
  }
  // The files of the tests below are all there (other tests may add more).
  const std::string edge = "ParquetEdgeCases.";
  const std::string format = "ParquetFormat.";
  const std::string budget = "MemoryBudget.";
  const std::string nested = "ParquetNested.";
  std::set<std::string> want = {
      edge + "EveryTypeUnderEveryCodec-types-UNCOMPRESSED.parquet",
      edge + "EveryTypeUnderEveryCodec-types-SNAPPY.parquet",
      edge + "EveryTypeUnderEveryCodec-types-GZIP.parquet",
      edge + "EveryTypeUnderEveryCodec-types-ZSTD.parquet",
      edge + "EveryTypeUnderEveryCodec-types-LZ4_RAW.parquet",
      edge + "ValuesAboveOneMegabyte-long.parquet",
      edge + "TenThousandDistinctValuesStayDictionaryEncoded-dict.parquet",
      edge + "ManyRowGroupsWithAllNullColumnsAndLists-groups.parquet",
      edge + "NullOnlyPagesNeedNoDictionaryPage-nulls.parquet",
      edge + "PagesCloseAtPageSizeOfMemory-pages.parquet",
      format + "RawRoundTripKeepsOffsetsKeysAndBytes-a.parquet",
      format + "JsonColumnsRoundTrip-j.parquet",
      format + "MismatchIsInvalidArgumentNamingFieldAndWriterGoesOn-e.parquet",
      format + "ManyRowGroupsPagesAndDictionaryFallback-m.parquet",
      format + "ManyRowGroupsPagesAndDictionaryFallback-msnappy.parquet",
      format + "ManyRowGroupsPagesAndDictionaryFallback-mzstd.parquet",
      format + "ManyRowGroupsPagesAndDictionaryFallback-mgzip.parquet",
      format + "ManyRowGroupsPagesAndDictionaryFallback-mlz4.parquet",
      format + "EmptyFileIsValid-e.parquet",
      budget + "ManyOpenFilesStayWithinTheBudgetAndKeepEveryRow-f0.parquet",
      budget + "ManyOpenFilesStayWithinTheBudgetAndKeepEveryRow-f39.parquet",
      budget + "AFrozenDictionaryStaysFirstInItsChunk-frozen.parquet",
      // Lists of records, nested lists and maps from JSON, Avro and Protobuf.
      nested + "JsonWithAnAvroSchemaFile-doc.parquet",
      nested + "ColumnListListsAndMaps-cols.parquet",
      nested + "ManyRowGroupsAndPagesOfRepeatedRows-many.parquet",
      "ParquetFromAvro.ArraysOfRecordsMapsAndNestedArrays-cart.parquet",
      "ParquetFromAvro.ArraysOfRecordsMapsAndNestedArrays-picked.parquet",
      "ParquetFromProtobuf.RepeatedMessagesAndMapsBecomeListsOfGroupsAndMaps-order.parquet",
  };
  for (const auto& name : want) EXPECT_TRUE(reports.count(name)) << name << " was not checked";
  // Row counts as the tests wrote them: the readers read every row.
  EXPECT_EQ(
      Field(reports[edge + "TenThousandDistinctValuesStayDictionaryEncoded-dict.parquet"], "rows"),
      "30000");
  EXPECT_EQ(
      Field(reports[format + "ManyRowGroupsPagesAndDictionaryFallback-mzstd.parquet"], "rows"),
      "10000");
  EXPECT_EQ(Field(reports[budget + "AFrozenDictionaryStaysFirstInItsChunk-frozen.parquet"], "rows"),
            "20000");
  EXPECT_EQ(Field(reports[edge + "EveryTypeUnderEveryCodec-types-SNAPPY.parquet"], "rows"), "5");
  EXPECT_EQ(Field(reports[format + "EmptyFileIsValid-e.parquet"], "rows"), "0");
  EXPECT_EQ(Field(reports[nested + "ManyRowGroupsAndPagesOfRepeatedRows-many.parquet"], "rows"),
            "3000");
}

}  // namespace
}  // namespace secor
