#include "tools/command.h"

namespace secor {

void AddAllCommands(CLI::App& app, CommandRun* run) {
  AddConsumeCommand(app, run);
  AddPrintCommand(app, run);
  AddVerifyCommand(app, run);
  AddProduceCommand(app, run);
  AddKeysCommand(app, run);
  AddProgressCommand(app, run);
  AddFinalizeCommand(app, run);
  AddImportOffsetsCommand(app, run);
  AddResetOffsetsCommand(app, run);
  AddCheckCommand(app, run);
  AddVersionCommand(app, run);
}

}  // namespace secor
