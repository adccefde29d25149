// Helpers for the format unit tests: message sets with awkward payloads, and
// writing / reading whole files through the FileFormat interfaces.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/message.h"
#include "format/file_format.h"

namespace secor::testing {

struct TestMessage {
  int64_t offset = 0;
  int32_t partition = 0;
  std::string key;
  bool has_key = false;
  std::string payload;
  int64_t timestamp_ms = -1;
};

// n messages with offsets start, start+3, ... (gaps on purpose). Payloads mix
// empty, JSON, text and (when binary) arbitrary bytes; avoid_byte never
// appears in payloads (a text delimiter).
inline std::vector<TestMessage> MakeMessages(size_t n, bool binary, int avoid_byte = -1,
                                             int64_t start = 1000) {
  std::mt19937 rng(42);
  std::vector<TestMessage> out;
  for (size_t i = 0; i < n; ++i) {
    TestMessage m;
    m.offset = start + static_cast<int64_t>(i) * 3;
    m.partition = 2;
    m.timestamp_ms = i % 5 == 0 ? -1 : 1700000000000 + static_cast<int64_t>(i);
    m.has_key = i % 4 != 0;
    if (m.has_key) m.key = "key-" + std::to_string(i);
    switch (i % 6) {
      case 0:
        break;  // empty payload
      case 1:
        m.payload = "{\"i\":" + std::to_string(i) + ",\"s\":\"x y\"}";
        break;
      case 2:
        m.payload = "plain text " + std::to_string(i) + " \xc3\xa9";
        break;
      case 3:
        m.payload = std::string(rng() % 3000, 'a' + static_cast<char>(i % 26));
        break;
      default: {
        size_t len = rng() % 200;
        for (size_t k = 0; k < len; ++k) {
          char c = binary ? static_cast<char>(rng() & 0xff) : static_cast<char>('!' + rng() % 90);
          m.payload.push_back(c);
        }
        if (binary && m.has_key) m.key.push_back('\xff');
      }
    }
    if (avoid_byte >= 0) {
      for (char& c : m.payload) {
        if (static_cast<unsigned char>(c) == avoid_byte) c = '_';
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

inline Message ToMessage(const TestMessage& t, const std::string& topic) {
  Message m;
  m.topic = topic;
  m.partition = t.partition;
  m.offset = t.offset;
  m.key = t.key;
  m.has_key = t.has_key;
  m.payload = t.payload;
  m.timestamp_ms = t.timestamp_ms;
  return m;
}

inline void WriteAll(FileWriter* w, const std::vector<TestMessage>& msgs) {
  for (const auto& t : msgs) ASSERT_TRUE(w->Append(ToMessage(t, "topic")).ok());
  Status st = w->Close();
  ASSERT_TRUE(st.ok()) << st.ToString();
}

inline std::vector<Record> ReadAll(FileReader* r, Status* error = nullptr) {
  std::vector<Record> out;
  while (true) {
    Record rec;
    auto more = r->Next(&rec);
    if (!more.ok()) {
      if (error)
        *error = more.status();
      else
        ADD_FAILURE() << more.status().ToString();
      break;
    }
    if (!*more) break;
    out.push_back(std::move(rec));
  }
  return out;
}

// Builds format for options and config, then opens a writer at path: the
// consumer's two steps (once per topic, once per file) in one, for tests that
// try one configuration per file. Errors of either step are returned.
inline Result<std::unique_ptr<FileWriter>> OpenWriter(const std::string& format,
                                                      const std::string& path,
                                                      const FormatOptions& options = {},
                                                      const Config* config = nullptr) {
  ASSIGN_OR_RETURN(auto f, NewFileFormat(format, options, config));
  return f->NewWriter(path);
}

// The same for a reader.
inline Result<std::unique_ptr<FileReader>> OpenReader(const std::string& format,
                                                      const std::string& path,
                                                      const FormatOptions& options = {},
                                                      const Config* config = nullptr) {
  ASSIGN_OR_RETURN(auto f, NewFileFormat(format, options, config));
  return f->NewReader(path);
}

// Every record of the file at path, read with format.
inline std::vector<Record> ReadAll(const FileFormat& format, const std::string& path) {
  auto r = format.NewReader(path);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  if (!r.ok()) return {};
  Status error;
  auto out = ReadAll(r->get(), &error);
  EXPECT_TRUE(error.ok()) << path << ": " << error.ToString();
  return out;
}

}  // namespace secor::testing
