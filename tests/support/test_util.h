// Helpers for unit and integration tests: temporary directories and child
// processes with their output captured.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace secor::testing {

// A fresh directory under $TMPDIR (or /tmp), removed when the object dies
// unless SECOR_KEEP_TEST_DIRS is set.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls cond every 10 ms until it holds (true) or timeout passes (false): a
// wait on a condition with a deadline, not a sleep before an assertion.
bool WaitUntil(const std::function<bool()>& cond,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Path of a binary the build made (build/secor, build/secor-testbroker).
std::string BinaryPath(const std::string& name);

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv to completion (with an optional standard input), capturing output.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         const std::map<std::string, std::string>& env = {});

// Runs "sh -c command".
CommandResult RunShell(const std::string& command);

// A child process running in the background, its stdout and stderr sent to
// files, its stdin a pipe we hold.
class Process {
 public:
  Process() = default;
  ~Process();  // SIGKILLs the child if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void Start(const std::vector<std::string>& argv, const std::string& log_prefix,
             const std::map<std::string, std::string>& env = {});
  // Writes a line to the child's stdin.
  void WriteLine(const std::string& line);
  // Waits until the child's stdout has at least n lines; returns them.
  std::vector<std::string> WaitForLines(size_t n, std::chrono::milliseconds timeout);
  // Waits until stdout or stderr contains needle.
  bool WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout);
  void Signal(int sig);
  // Waits for exit; returns the exit code, 128+signal when killed, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int exit_code_ = -1;
  std::string out_path_;
  std::string err_path_;
};

}  // namespace secor::testing
