// secor version: the version of this build (as secor --version).
#include <cstdio>

#include "tools/command.h"

namespace secor {

void AddVersionCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand("version", "print the version of secor");
  sub->callback([run] {
    *run = [] {
      std::printf("%s\n", kSecorVersionLine);
      return 0;
    };
  });
}

}  // namespace secor
