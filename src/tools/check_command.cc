// secor check: validates a configuration for `secor consume` as a whole and
// reports every problem at once, then (unless --offline) probes what the
// consumer will use, without joining its group: the Kafka bootstrap, the
// topics the filter matches and the store's create-only write.
//
// Exit status: 0 all good; 2 the configuration has problems (nothing is
// probed); 3 Kafka cannot be reached or no topic matches; 4 the store probe
// failed; 5 both probes failed. docs/operations.md lists them too.
#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

#include "common/strings.h"
#include "consumer/consumer_settings.h"
#include "kafka/client_config.h"
#include "kafka/kafka_admin.h"
#include "storage/object_store.h"
#include "tools/command.h"
#include "tools/config_check.h"

namespace secor {
namespace {

constexpr int kConfigProblems = 2;
constexpr int kKafkaFailed = 3;
constexpr int kStoreFailed = 4;
constexpr int kBothFailed = 5;

// The bootstrap answers and the filter matches at least one topic.
bool ProbeKafka(const Config& config) {
  auto settings = PlainClientSettings(config);
  if (!settings.ok()) {
    Fail("check", settings.status());
    return false;
  }
  std::string bootstrap = (*settings)["bootstrap.servers"];
  auto admin = KafkaAdmin::Create(*settings);
  if (!admin.ok()) {
    Fail("check", admin.status().WithContext("kafka " + bootstrap));
    return false;
  }
  auto topics = (*admin)->ListTopics(10000);
  if (!topics.ok()) {
    Fail("check", topics.status().WithContext("kafka " + bootstrap));
    return false;
  }
  auto selection = TopicSelection::FromConfig(config);
  if (!selection.ok()) {
    Fail("check", selection.status());
    return false;
  }
  std::vector<std::string> matching;
  for (const std::string& t : *topics) {
    if (selection->Matches(t)) matching.push_back(t);
  }
  if (matching.empty()) {
    Fail("check", Status::NotFound("kafka {}: none of its {} topics matches the topic filter "
                                   "(secor.kafka.topic_filter, kafka.new.consumer.topic.list, "
                                   "secor.kafka.topic_blacklist)",
                                   bootstrap, topics->size()));
    return false;
  }
  std::sort(matching.begin(), matching.end());
  std::string shown =
      Join(std::vector<std::string>(matching.begin(),
                                    matching.begin() + std::min<size_t>(matching.size(), 10)),
           ", ");
  if (matching.size() > 10) shown += ", ...";
  std::printf("kafka: %s answers; %zu of its %zu topics match: %s\n", bootstrap.c_str(),
              matching.size(), topics->size(), shown.c_str());
  return true;
}

// The store accepts a create-only write and refuses a second one.
bool ProbeStore(const Config& config) {
  auto settings = ConsumerSettings::FromConfig(config);
  if (!settings.ok()) {
    Fail("check", settings.status());
    return false;
  }
  auto store = OpenObjectStore(settings->output_uri, config);
  if (!store.ok()) {
    Fail("check", store.status());
    return false;
  }
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string key =
      fmt::format("{}/{}/_probe/check-{}-{}-{}", settings->state_path, settings->group, host,
                  ::getpid(), std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  Status probed = ProbeCreateOnly(**store, key);
  if (!probed.ok()) {
    if (settings->delivery == Delivery::kAtLeastOnce &&
        probed.code() == Status::Code::kInvalidArgument) {
      std::printf(
          "store: %s takes writes, but not create-only ones (secor.delivery="
          "at-least-once accepts that): %s\n",
          (*store)->Uri("").c_str(), probed.message().c_str());
      return true;
    }
    Fail("check", probed);
    return false;
  }
  std::printf("store: %s accepts create-only writes\n", (*store)->Uri("").c_str());
  return true;
}

}  // namespace

void AddCheckCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand(
      "check",
      "check a configuration for consume: every problem at once, then (unless --offline) "
      "probe Kafka, the topic filter and the store without joining the group. Exit 0 good, "
      "2 configuration problems, 3 Kafka, 4 store, 5 both");
  auto flags = std::make_shared<ConfigFlags>();
  flags->AddTo(sub, true);
  auto offline = std::make_shared<bool>(false);
  sub->add_flag("--offline", *offline, "check the configuration only; contact nothing");
  sub->callback([run, flags, offline] {
    *run = [flags, offline] {
      if (flags->log_level.empty()) flags->log_level = "warn";
      auto config = LoadConfig(*flags, /*stop_on_unsupported=*/false);
      if (!config.ok()) return Fail("check", config.status(), kConfigProblems);
      std::vector<std::string> problems = ValidateConsumeConfig(*config);
      for (const std::string& p : problems) Fail("check", Status::InvalidArgument("{}", p));
      if (!problems.empty()) {
        return Fail("check",
                    Status::InvalidArgument("{} {} in {}; nothing was probed", problems.size(),
                                            problems.size() == 1 ? "problem" : "problems",
                                            flags->config_path),
                    kConfigProblems);
      }
      std::printf("config: %s is complete and valid for secor consume\n",
                  flags->config_path.c_str());
      if (*offline) return 0;
      bool kafka_ok = ProbeKafka(*config);
      bool store_ok = ProbeStore(*config);
      if (!kafka_ok && !store_ok) return kBothFailed;
      if (!kafka_ok) return kKafkaFailed;
      if (!store_ok) return kStoreFailed;
      return 0;
    };
  });
}

}  // namespace secor
