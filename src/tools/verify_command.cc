// secor verify: checks a topic's output in the store (tools/verify.h does the
// checking) and prints the report. Exit 0 when every check passed, 1 when one
// failed or a file could not be read, 2 when the configuration or the store
// failed.
#include "common/file_util.h"
#include "storage/object_store.h"
#include "tools/command.h"
#include "tools/progress_bar.h"
#include "tools/verify.h"

namespace secor {
namespace {

struct VerifyArgs {
  ConfigFlags flags;
  std::string topic;
  std::string output;
  std::string expect_payloads;
  VerifyOptions options;
  bool quiet = false;
  size_t max_report = 20;
};

int RunVerify(VerifyArgs& args) {
  auto config = LoadConfig(args.flags);
  if (!config.ok()) return Fail("verify", config.status(), 2);
  if (!args.expect_payloads.empty()) {
    auto text = ReadFile(args.expect_payloads);
    if (!text.ok()) return Fail("verify", text.status(), 2);
    auto expected = ParseExpectedPayloads(*text);
    if (!expected.ok()) {
      return Fail("verify", expected.status().WithContext(args.expect_payloads), 2);
    }
    args.options.expected_payloads = std::move(*expected);
  }
  std::string uri = args.output;
  if (uri.empty()) {
    auto u = OutputUri(*config);
    if (!u.ok()) return Fail("verify", u.status(), 2);
    uri = *u;
  }
  auto store = OpenObjectStore(uri, *config);
  if (!store.ok()) return Fail("verify", store.status(), 2);
  ProgressBar bar("verify " + args.topic, "objects");
  args.options.progress = [&bar](int64_t done, int64_t total) { bar.Update(done, total); };
  auto report = Verify(**store, args.topic, args.options);
  bar.Finish();
  if (!report.ok()) return Fail("verify", report.status(), 2);
  // A file that cannot be read makes every count meaningless: only it is named.
  if (!report->unreadable.empty()) {
    const auto& first = report->unreadable.front();
    return Fail("verify", first.status, first.store_failed ? 2 : 1);
  }
  std::string out = FormatVerifyReport(*report, args.quiet, args.max_report);
  std::fputs(out.c_str(), stdout);
  return report->ok() ? 0 : 1;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand(
      "verify", "check a topic's output: no duplicate offsets, no gaps, the expected count");
  auto args = std::make_shared<VerifyArgs>();
  args->flags.AddTo(sub, false);
  sub->add_option("-t,--topic", args->topic, "topic to check")->required();
  sub->add_option("--output", args->output, "output root URI (default: from the configuration)");
  sub->add_option("-m,--messages", args->options.expected_count, "expected number of messages");
  sub->add_flag("-q,--quiet", args->quiet, "print only problems");
  sub->add_flag("--allow-gaps", args->options.allow_gaps,
                "do not fail on missing offsets (compacted topics, transactions, filters)");
  sub->add_option("--expect-payloads", args->expect_payloads,
                  "file of `PARTITION OFFSET PAYLOAD_BASE64` lines: each must be stored with "
                  "that payload");
  sub->callback([run, args] { *run = [args] { return RunVerify(*args); }; });
}

}  // namespace secor
