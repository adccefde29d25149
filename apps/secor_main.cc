// secor: persists Kafka topics to object storage, exactly once.
// One binary with subcommands in the style of git: secor <command> --help.
#include <CLI/CLI.hpp>

#include "tools/command.h"

int main(int argc, char** argv) {
  CLI::App app{"secor: persist Kafka topics to S3 or a filesystem, exactly once"};
  app.require_subcommand(1);
  app.set_version_flag("--version", secor::kSecorVersionLine);
  secor::CommandRun run;
  secor::AddAllCommands(app, &run);
  CLI11_PARSE(app, argc, argv);
  return run ? run() : 0;
}
