// Verify: reads back every data file of one topic in a store, taking offsets
// from the files themselves, and reports per Kafka partition what is stored
// twice, what is missing and what could not be read. `secor verify` prints the
// report; the report is typed so that tests can assert on it exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace secor {

class ObjectStore;

// Payloads a caller knows were produced, by (Kafka partition, offset).
using ExpectedPayloads = std::map<std::pair<int32_t, int64_t>, std::string>;

// Parses the `--expect-payloads` file: one message a line,
// `PARTITION OFFSET PAYLOAD_BASE64` (the payload may be empty); blank lines and
// lines starting with '#' are skipped. Errors name the line.
Result<ExpectedPayloads> ParseExpectedPayloads(std::string_view text);

struct VerifyOptions {
  int64_t expected_count = -1;  // -1: not checked
  // Holes between stored offsets are counted but not failed on: compaction,
  // transaction markers and filters leave them legitimately. Never excuses a
  // duplicate, a missing expected payload or a wrong count.
  bool allow_gaps = false;
  // When not empty, each of these must be stored with exactly this payload (as
  // the topic's reader returns it); offsets stored beyond them are not judged.
  ExpectedPayloads expected_payloads;
  // Called after each file with the files read and the files to read.
  std::function<void(int64_t done, int64_t total)> progress;
};

// Offsets first..last absent between two stored ones; `before` is the file
// holding last + 1.
struct VerifyGap {
  int64_t first = 0;
  int64_t last = 0;
  std::string before;
  bool operator==(const VerifyGap&) const = default;
};

// An offset stored again; `first_file` is where it was seen first (in key order).
struct VerifyDuplicate {
  int64_t offset = 0;
  std::string first_file;
  std::string second_file;
  bool operator==(const VerifyDuplicate&) const = default;
};

// A record whose offset lies below the start offset its file name states.
struct VerifyMisplaced {
  std::string file;
  int64_t offset = 0;
  int64_t start_offset = 0;
  bool operator==(const VerifyMisplaced&) const = default;
};

// Expected offsets first..last of which no copy is stored (head, middle or tail).
struct VerifyMissing {
  int64_t first = 0;
  int64_t last = 0;
  bool operator==(const VerifyMissing&) const = default;
};

// A stored copy whose payload is not the expected one.
struct VerifyMismatch {
  int64_t offset = 0;
  std::string file;
  bool operator==(const VerifyMismatch&) const = default;
};

// A file that could not be read to the end: its content is bad (exit 1), or
// the store failed (exit 2; the scan stops there).
struct VerifyUnreadable {
  std::string file;
  Status status;
  bool store_failed = false;
};

struct VerifyPartition {
  int64_t messages = 0;       // records read, error records and offsetless ones included
  int64_t errors = 0;         // of which in the error output
  int64_t first_offset = -1;  // lowest and highest stored offset, -1 when none
  int64_t last_offset = -1;
  std::vector<VerifyDuplicate> duplicates;  // in the order found
  std::vector<VerifyGap> gaps;              // ascending
  std::vector<VerifyMissing> missing;       // ascending; only with expected payloads
  std::vector<VerifyMismatch> mismatches;   // ascending; only with expected payloads
};

struct VerifyReport {
  std::string topic;
  std::string topic_uri;  // where the topic's files were listed
  VerifyOptions options;
  int64_t files = 0;     // data files (by name), error files included
  int64_t messages = 0;  // records in them
  int64_t error_records = 0;
  int64_t payloads_as_expected = 0;  // stored copies matching an expected payload
  std::map<int32_t, VerifyPartition> partitions;
  std::vector<VerifyMisplaced> misplaced;     // in scan order
  std::vector<std::string> offsetless_files;  // files whose format stores no offsets
  std::vector<VerifyUnreadable> unreadable;   // in scan order

  int64_t duplicate_count() const;
  int64_t gap_count() const;  // counted whether or not gaps are allowed
  // One line per failed check, the order `secor verify` prints them in (without "FAIL ").
  std::vector<std::string> Problems() const;
  bool ok() const { return unreadable.empty() && Problems().empty(); }
};

// Lists <topic>/ in store and reads every data file (object_names.h) under it.
// Fails only when the listing does; files that cannot be read are reported.
Result<VerifyReport> Verify(ObjectStore& store, const std::string& topic,
                            const VerifyOptions& options);

// What `secor verify` prints on standard output for a report without
// unreadable files: the summary, per-partition lines unless quiet, at most
// max_problems FAIL lines, and OK.
std::string FormatVerifyReport(const VerifyReport& report, bool quiet, size_t max_problems);

}  // namespace secor
