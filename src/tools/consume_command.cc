#include <atomic>
#include <csignal>
#include <cstdio>

#include <unistd.h>

#include "consumer/consumer.h"
#include "tools/command.h"

namespace secor {
namespace {

Consumer* g_consumer = nullptr;
std::atomic<int> g_signals{0};

void OnSignal(int) {
  // The first signal stops gracefully; a second one exits at once (nothing
  // uncommitted is lost: the next owner reads it again from Kafka).
  if (++g_signals > 1) _exit(130);
  if (g_consumer) g_consumer->RequestStop();
}

}  // namespace

void AddConsumeCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand("consume", "run a consumer-group member that uploads topics to the store");
  auto flags = std::make_shared<ConfigFlags>();
  flags->AddTo(sub, false);  // --set alone may carry every setting
  auto max_messages = std::make_shared<int64_t>(0);
  sub->add_option("--max-messages", *max_messages, "stop after this many messages (tests, demos)");
  sub->callback([run, flags, max_messages] {
    *run = [flags, max_messages] {
      auto config = LoadConfig(*flags);
      if (!config.ok()) return Fail("consume", config.status(), 2);
      ConsumerOptions options;
      options.max_messages = *max_messages;
      auto consumer = Consumer::Create(*config, options);
      if (!consumer.ok()) return Fail("consume", consumer.status(), 2);
      g_consumer = consumer->get();
      std::signal(SIGTERM, OnSignal);
      std::signal(SIGINT, OnSignal);
      Status st = (*consumer)->Run();
      g_consumer = nullptr;
      if (!st.ok()) return Fail("consume", st, 1);
      return 0;
    };
  });
}

}  // namespace secor
