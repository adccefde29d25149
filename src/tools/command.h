// The secor binary's subcommands. Each Add*Command adds its subcommand to the
// CLI app and, when that subcommand is chosen, stores what to run in *run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/status.h"
#include "config/config.h"

namespace secor {

using CommandRun = std::function<int()>;

void AddConsumeCommand(CLI::App& app, CommandRun* run);
void AddPrintCommand(CLI::App& app, CommandRun* run);
void AddVerifyCommand(CLI::App& app, CommandRun* run);
void AddProduceCommand(CLI::App& app, CommandRun* run);
void AddKeysCommand(CLI::App& app, CommandRun* run);
void AddProgressCommand(CLI::App& app, CommandRun* run);
void AddFinalizeCommand(CLI::App& app, CommandRun* run);
void AddImportOffsetsCommand(CLI::App& app, CommandRun* run);
void AddResetOffsetsCommand(CLI::App& app, CommandRun* run);
void AddCheckCommand(CLI::App& app, CommandRun* run);
void AddVersionCommand(CLI::App& app, CommandRun* run);

// What secor version and secor --version print.
inline constexpr char kSecorVersionLine[] = "secor 0.1.0";

// Adds every subcommand (commands.cc lists them).
void AddAllCommands(CLI::App& app, CommandRun* run);

// Options every configured subcommand shares: --config, --set, --log-level.
struct ConfigFlags {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string log_level;
  bool log_json = false;
  void AddTo(CLI::App* sub, bool config_required);
};

// Loads the configuration of flags, sets up logging and warns about unknown
// keys. On error prints one line to stderr and returns nullopt-like failure.
// stop_on_unsupported: a key of the Java Secor this version cannot honour is
// an error here (false: left to ValidateConsumeConfig, which reports it with
// every other problem).
Result<Config> LoadConfig(const ConfigFlags& flags, bool stop_on_unsupported = true);

// Prints "secor <command>: <message>" to stderr and returns exit code 1 (or code).
int Fail(const std::string& command, const Status& status, int code = 1);

}  // namespace secor
