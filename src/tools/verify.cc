#include "tools/verify.h"

#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "common/base64.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "format/file_format.h"
#include "storage/object_store.h"
#include "upload/object_names.h"

namespace secor {
namespace {

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// A reader's error about the local copy, told of the object it came from.
Status InStore(const Status& st, const std::string& local, const std::string& uri) {
  std::string message = st.message();
  if (size_t at = message.find(local); at != std::string::npos) {
    return Status(st.code(), message.replace(at, local.size(), uri));
  }
  return st.WithContext(uri);
}

// Error files are JSON lines whatever the topic's format and codec
// (docs/design.md); the JSON lines reader reads them.
Result<std::unique_ptr<FileReader>> ErrorFileReader(const std::string& path) {
  ASSIGN_OR_RETURN(auto format, NewFileFormat("jsonl", FormatOptions{}, nullptr));
  return format->NewReader(path);
}

// Returns false when the store itself failed (the scan stops), true otherwise;
// a file whose content is bad is recorded and skipped.
bool ReadDataFile(ObjectStore& store, const std::string& key, bool is_error,
                  const std::string& local, bool want_payloads, std::vector<Record>* records,
                  VerifyReport* report) {
  Status st = store.GetToFile(key, local);
  if (!st.ok()) {
    report->unreadable.push_back({key, st, true});
    return false;
  }
  auto reader = is_error ? ErrorFileReader(local) : OpenReaderAuto(local);
  if (!reader.ok()) {
    report->unreadable.push_back({key, reader.status().WithContext(store.Uri(key)), false});
    return true;
  }
  Record r;
  while (true) {
    auto more = (*reader)->Next(&r);
    if (!more.ok()) {
      report->unreadable.push_back({key, InStore(more.status(), local, store.Uri(key)), false});
      break;
    }
    if (!*more) break;
    if (!want_payloads) r.payload.clear();  // keeps a large topic's scan small
    records->push_back(r);
  }
  RemoveAll(local);
  return true;
}

// Runs of consecutive offsets as ranges.
std::vector<VerifyMissing> Ranges(const std::vector<int64_t>& sorted) {
  std::vector<VerifyMissing> out;
  for (int64_t off : sorted) {
    if (!out.empty() && out.back().last + 1 == off) {
      out.back().last = off;
    } else {
      out.push_back({off, off});
    }
  }
  return out;
}

}  // namespace

Result<ExpectedPayloads> ParseExpectedPayloads(std::string_view text) {
  ExpectedPayloads out;
  size_t line_no = 0;
  for (const auto& raw : Split(text, '\n')) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto fields = Split(line, ' ', true);
    int64_t partition = 0, offset = 0;
    std::string payload;
    if (fields.size() < 2 || fields.size() > 3 || !ParseInt(fields[0], &partition) ||
        !ParseInt(fields[1], &offset) || partition < 0 || partition > INT32_MAX || offset < 0 ||
        (fields.size() == 3 && !Base64Decode(fields[2], &payload).ok())) {
      return Status::InvalidArgument(
          "expected payloads line {}: want PARTITION OFFSET PAYLOAD_BASE64", line_no);
    }
    auto [it, inserted] =
        out.emplace(std::make_pair(static_cast<int32_t>(partition), offset), std::move(payload));
    if (!inserted) {
      return Status::InvalidArgument("expected payloads line {}: partition {} offset {} again",
                                     line_no, partition, offset);
    }
  }
  return out;
}

int64_t VerifyReport::duplicate_count() const {
  int64_t n = 0;
  for (const auto& [partition, p] : partitions) n += static_cast<int64_t>(p.duplicates.size());
  return n;
}

int64_t VerifyReport::gap_count() const {
  int64_t n = 0;
  for (const auto& [partition, p] : partitions) n += static_cast<int64_t>(p.gaps.size());
  return n;
}

std::vector<std::string> VerifyReport::Problems() const {
  std::vector<std::string> out;
  for (const auto& m : misplaced) {
    out.push_back(fmt::format("{}: offset {} is below the file's start offset {}", m.file, m.offset,
                              m.start_offset));
  }
  for (const auto& [partition, p] : partitions) {
    for (const auto& d : p.duplicates) {
      out.push_back(fmt::format("duplicate: partition {} offset {} in {} and {}", partition,
                                d.offset, d.first_file, d.second_file));
    }
    if (!options.allow_gaps) {
      for (const auto& g : p.gaps) {
        out.push_back(fmt::format("gap: partition {} has no offsets {}..{} (before {})", partition,
                                  g.first, g.last, g.before));
      }
    }
    for (const auto& m : p.missing) {
      out.push_back(fmt::format("missing: partition {} has no offsets {}..{} of the expected ones",
                                partition, m.first, m.last));
    }
    for (const auto& m : p.mismatches) {
      out.push_back(fmt::format("payload: partition {} offset {} in {} is not the expected payload",
                                partition, m.offset, m.file));
    }
  }
  if (options.expected_count >= 0 && messages != options.expected_count) {
    out.push_back(
        fmt::format("count: {} messages stored, {} expected", messages, options.expected_count));
  }
  if (files == 0) out.push_back("no data files under " + topic_uri);
  return out;
}

Result<VerifyReport> Verify(ObjectStore& store, const std::string& topic,
                            const VerifyOptions& options) {
  VerifyReport report;
  report.topic = topic;
  report.topic_uri = store.Uri(topic + "/");
  report.options = options;
  std::vector<ObjectInfo> objects;
  Status st = store.List(topic + "/", &objects);
  if (!st.ok()) return st;

  const bool want_payloads = !options.expected_payloads.empty();
  std::map<int32_t, std::map<int64_t, std::string>> where;  // partition -> offset -> first file
  char tmpl[] = "/tmp/secor-verify-XXXXXX";
  std::string tmpdir = mkdtemp(tmpl) ? tmpl : "/tmp";
  std::vector<Record> records;
  int64_t files_read = 0;
  for (const auto& o : objects) {
    if (options.progress) options.progress(files_read++, static_cast<int64_t>(objects.size()));
    auto id = ParseDataFileName(BaseName(o.key));
    if (!id) continue;  // _SUCCESS and other non-data objects
    ++report.files;
    bool is_error = o.key.find("/" + std::string(kErrorPartition) + "/") != std::string::npos;
    records.clear();
    if (!ReadDataFile(store, o.key, is_error, tmpdir + "/file", want_payloads, &records, &report)) {
      break;
    }
    VerifyPartition& p = report.partitions[id->kafka_partition];
    auto& seen = where[id->kafka_partition];
    bool offsetless = false;
    for (const Record& r : records) {
      ++report.messages;
      ++p.messages;
      if (is_error) {
        ++report.error_records;
        ++p.errors;
      }
      if (r.offset < 0) {
        offsetless = true;
        continue;
      }
      if (r.offset < id->start_offset) {
        report.misplaced.push_back({o.key, r.offset, id->start_offset});
      }
      auto [it, inserted] = seen.emplace(r.offset, o.key);
      if (!inserted) p.duplicates.push_back({r.offset, it->second, o.key});
      if (want_payloads) {
        auto e = options.expected_payloads.find({id->kafka_partition, r.offset});
        if (e == options.expected_payloads.end()) continue;
        if (e->second == r.payload) {
          ++report.payloads_as_expected;
        } else {
          p.mismatches.push_back({r.offset, o.key});
        }
      }
    }
    if (offsetless) report.offsetless_files.push_back(o.key);
  }
  RemoveAll(tmpdir);

  for (auto& [partition, p] : report.partitions) {
    const auto& seen = where[partition];
    if (!seen.empty()) {
      p.first_offset = seen.begin()->first;
      p.last_offset = seen.rbegin()->first;
    }
    int64_t prev = -1;
    for (const auto& [off, key] : seen) {
      if (prev >= 0 && off != prev + 1) p.gaps.push_back({prev + 1, off - 1, key});
      prev = off;
    }
    std::sort(p.mismatches.begin(), p.mismatches.end(),
              [](const VerifyMismatch& a, const VerifyMismatch& b) {
                return a.offset != b.offset ? a.offset < b.offset : a.file < b.file;
              });
  }
  // Expected offsets of which no copy is stored, whether or not their
  // partition has any file at all.
  std::map<int32_t, std::vector<int64_t>> absent;
  for (const auto& [at, payload] : options.expected_payloads) {
    auto w = where.find(at.first);
    if (w == where.end() || !w->second.contains(at.second)) absent[at.first].push_back(at.second);
  }
  for (const auto& [partition, offsets] : absent) {
    report.partitions[partition].missing = Ranges(offsets);
  }
  return report;
}

std::string FormatVerifyReport(const VerifyReport& report, bool quiet, size_t max_problems) {
  std::string out;
  auto problems = report.Problems();
  if (!quiet || !problems.empty()) {
    out += fmt::format(
        "topic {}: {} messages ({} in the error output) in {} files over {} partitions; {} "
        "duplicate offsets, {} gaps\n",
        report.topic, report.messages, report.error_records, report.files, report.partitions.size(),
        report.duplicate_count(), report.gap_count());
    if (!quiet) {
      for (const auto& [partition, p] : report.partitions) {
        out += fmt::format("  partition {}: {} messages, offsets {}..{}\n", partition, p.messages,
                           p.first_offset, p.last_offset);
      }
      if (!report.options.expected_payloads.empty()) {
        out += fmt::format("  payloads: {} expected, {} stored copies as expected\n",
                           report.options.expected_payloads.size(), report.payloads_as_expected);
      }
    }
    if (!report.offsetless_files.empty()) {
      out +=
          "note: some files store no offsets (delimited text): only counts were checked for "
          "them\n";
    }
  }
  for (size_t i = 0; i < problems.size() && i < max_problems; ++i) {
    out += "FAIL " + problems[i] + "\n";
  }
  if (problems.size() > max_problems) {
    out += fmt::format("FAIL ... and {} more\n", problems.size() - max_problems);
  }
  if (problems.empty() && !quiet) out += "OK\n";
  return out;
}

}  // namespace secor
