// Sanitizer findings in the processes a test starts fail that test.
//
// The integration tests run `secor` and its tools as child processes; under
// scripts/test.sh some of them are the AddressSanitizer or ThreadSanitizer
// builds (SECOR_TEST_BINARY_DIR). A child's exit code alone would not do: the
// chaos test SIGKILLs and restarts members, so a member that aborted on a
// finding reads as one more crash. So scripts/test.sh sets log_path= in
// ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS (each sanitizer then writes its
// report to <log_path>.<pid> instead of stderr), and this environment fails
// the test program when a report file appeared while it ran, printing it.
// ctest runs each test as its own program, so the failure names the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace secor {
namespace {

// The log_path= values in sanitizer option strings (options are separated
// by ':' or spaces).
std::vector<std::string> LogPathsIn(const std::vector<std::string>& option_strings) {
  std::set<std::string> out;
  for (const auto& options : option_strings) {
    size_t pos = 0;
    while (pos <= options.size()) {
      size_t end = options.find_first_of(": ", pos);
      if (end == std::string::npos) end = options.size();
      std::string option = options.substr(pos, end - pos);
      if (option.rfind("log_path=", 0) == 0 && option.size() > 9) out.insert(option.substr(9));
      pos = end + 1;
    }
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> SanitizerLogPaths() {
  std::vector<std::string> values;
  for (const char* var : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(var)) values.emplace_back(value);
  }
  return LogPathsIn(values);
}

// Report files of the sanitizer with log_path prefix: <prefix>.<pid>.
std::set<std::string> ReportFiles(const std::string& prefix) {
  std::set<std::string> out;
  std::filesystem::path p(prefix);
  std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  std::string stem = p.filename().string() + ".";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(stem, 0) == 0) out.insert(entry.path().string());
  }
  return out;
}

class SanitizerReports : public ::testing::Environment {
 public:
  void SetUp() override {
    prefixes_ = SanitizerLogPaths();
    for (const auto& prefix : prefixes_) {
      for (const auto& f : ReportFiles(prefix)) before_.insert(f);
    }
  }

  void TearDown() override {
    for (const auto& prefix : prefixes_) {
      for (const auto& f : ReportFiles(prefix)) {
        if (before_.count(f)) continue;
        std::ifstream in(f, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().empty()) continue;
        ADD_FAILURE() << "a child process reported a sanitizer finding in " << f << ":\n"
                      << text.str().substr(0, 20000);
      }
    }
  }

 private:
  std::vector<std::string> prefixes_;
  std::set<std::string> before_;
};

[[maybe_unused]] ::testing::Environment* const kSanitizerReports =
    ::testing::AddGlobalTestEnvironment(new SanitizerReports);

TEST(SanitizerReportsTest, LogPathsAreReadFromEverySanitizersOptions) {
  EXPECT_EQ(LogPathsIn({"detect_leaks=1:abort_on_error=1:log_path=/tmp/x/asan",
                        "print_stacktrace=1 log_path=/tmp/x/asan halt_on_error=1",
                        "log_path=/tmp/x/tsan", "log_path=", "suppressions=/a:b"}),
            (std::vector<std::string>{"/tmp/x/asan", "/tmp/x/tsan"}));
}

}  // namespace
}  // namespace secor
