// secor import-offsets: moves a group from the original Secor to this one by
// reading the original's ZooKeeper offsets
// (<kafka.zookeeper.path>/consumers/<group>/offsets/<topic>/<partition>,
// decimal text: the next offset to read) and committing them to the Kafka
// group. Stop the original first; the group must have no running members.
//
// libzookeeper-mt is loaded at run time (dlopen), so only this command needs
// it installed and the secor binary does not link it.
#include <dlfcn.h>
// The synchronous API is declared for the multi-threaded library only.
#define THREADED
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/strings.h"
#include "config/config.h"
#include "tools/command.h"
#include "tools/group_offsets.h"

namespace secor {
namespace {

struct ImportArgs {
  ConfigFlags flags;
  std::string group;
  bool dry_run = false;
};

// The few libzookeeper-mt entry points this command uses.
struct ZooApi {
  void* lib = nullptr;
  decltype(&::zookeeper_init) init = nullptr;
  decltype(&::zookeeper_close) close = nullptr;
  decltype(&::zoo_get_children) get_children = nullptr;
  decltype(&::zoo_get) get = nullptr;
  decltype(&::deallocate_String_vector) free_strings = nullptr;
  decltype(&::zoo_set_debug_level) set_debug_level = nullptr;

  Status Load() {
    for (const char* name : {"libzookeeper_mt.so.2", "libzookeeper_mt.so"}) {
      lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (lib) break;
    }
    if (!lib)
      return Status::Unavailable("cannot load libzookeeper_mt (install Debian libzookeeper-mt2)");
    init = reinterpret_cast<decltype(init)>(dlsym(lib, "zookeeper_init"));
    close = reinterpret_cast<decltype(close)>(dlsym(lib, "zookeeper_close"));
    get_children = reinterpret_cast<decltype(get_children)>(dlsym(lib, "zoo_get_children"));
    get = reinterpret_cast<decltype(get)>(dlsym(lib, "zoo_get"));
    free_strings = reinterpret_cast<decltype(free_strings)>(dlsym(lib, "deallocate_String_vector"));
    set_debug_level =
        reinterpret_cast<decltype(set_debug_level)>(dlsym(lib, "zoo_set_debug_level"));
    if (!init || !close || !get_children || !get || !free_strings || !set_debug_level) {
      return Status::Unavailable("libzookeeper_mt lacks a needed symbol");
    }
    return Status::OK();
  }
};

class Zoo {
 public:
  explicit Zoo(ZooApi* api) : api_(api) {}
  ~Zoo() {
    if (zh_) api_->close(zh_);
  }
  Status Connect(const std::string& quorum) {
    api_->set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zh_ = api_->init(quorum.c_str(), nullptr, 10000, nullptr, nullptr, 0);
    if (!zh_) return Status::Unavailable("zookeeper_init {} failed", quorum);
    return Status::OK();
  }
  // Retries while the session is still being established.
  Result<std::vector<std::string>> Children(const std::string& path) {
    String_vector v{0, nullptr};
    int rc = Retry([&] { return api_->get_children(zh_, path.c_str(), 0, &v); });
    if (rc == ZNONODE) return Status::NotFound("zookeeper: no node {}", path);
    if (rc != ZOK) return Status::Unavailable("zookeeper: listing {}: error {}", path, rc);
    std::vector<std::string> out(v.data, v.data + v.count);
    api_->free_strings(&v);
    std::sort(out.begin(), out.end());
    return out;
  }
  Result<std::string> Get(const std::string& path) {
    char buf[256];
    int len = 0;
    int rc = Retry([&] {
      len = sizeof buf;
      return api_->get(zh_, path.c_str(), 0, buf, &len, nullptr);
    });
    if (rc != ZOK) return Status::Unavailable("zookeeper: reading {}: error {}", path, rc);
    return std::string(buf, len > 0 ? static_cast<size_t>(len) : 0);
  }

 private:
  template <typename F>
  int Retry(F f) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    int rc;
    while ((rc = f()) == ZCONNECTIONLOSS || rc == ZINVALIDSTATE) {
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return rc;
  }
  ZooApi* api_;
  zhandle_t* zh_ = nullptr;
};

int RunImport(const ImportArgs& args) {
  auto config = LoadConfig(args.flags);
  if (!config.ok()) return Fail("import-offsets", config.status(), 2);
  std::string group = args.group;
  if (group.empty()) {
    auto g = config->Required("secor.kafka.group");
    if (!g.ok()) return Fail("import-offsets", g.status(), 2);
    group = *g;
  }
  auto quorum = config->Required("zookeeper.quorum");
  if (!quorum.ok()) return Fail("import-offsets", quorum.status(), 2);
  auto zk_root = config->String("kafka.zookeeper.path");
  if (!zk_root.ok()) return Fail("import-offsets", zk_root.status(), 2);
  std::string root = *zk_root;
  while (!root.empty() && root.back() == '/') root.pop_back();
  std::string base = root + "/consumers/" + group + "/offsets";

  ZooApi api;
  Status st = api.Load();
  if (!st.ok()) return Fail("import-offsets", st, 2);
  Zoo zoo(&api);
  st = zoo.Connect(*quorum);
  if (!st.ok()) return Fail("import-offsets", st, 1);
  auto topics = zoo.Children(base);
  if (!topics.ok()) return Fail("import-offsets", topics.status(), 1);
  std::map<std::pair<std::string, int32_t>, int64_t> offsets;
  for (const auto& topic : *topics) {
    std::string topic_path = base;
    topic_path.append("/").append(topic);
    auto parts = zoo.Children(topic_path);
    if (!parts.ok()) return Fail("import-offsets", parts.status(), 1);
    for (const auto& p : *parts) {
      std::string path = topic_path;
      path.append("/").append(p);
      auto partition = ParseInt64(p);
      if (!partition || *partition < 0)
        return Fail("import-offsets", Status::Corruption("{}: not a partition", path));
      auto text = zoo.Get(path);
      if (!text.ok()) return Fail("import-offsets", text.status(), 1);
      auto offset = ParseInt64(Trim(*text));
      if (!offset || *offset < 0) {
        return Fail("import-offsets", Status::Corruption("{}: '{}' is not an offset", path, *text));
      }
      offsets[{topic, static_cast<int32_t>(*partition)}] = *offset;
      std::printf("%s %s %lld %lld\n", group.c_str(), topic.c_str(),
                  static_cast<long long>(*partition), static_cast<long long>(*offset));
    }
  }
  std::fflush(stdout);
  if (args.dry_run) return 0;
  auto kafka = GroupOffsets::Create(*config, group);
  if (!kafka.ok()) return Fail("import-offsets", kafka.status(), 2);
  st = (*kafka)->Commit(offsets);
  if (!st.ok()) return Fail("import-offsets", st, 1);
  spdlog::info("import-offsets: committed {} partition offset(s) of group {} from {}{}",
               offsets.size(), group, *quorum, base);
  return 0;
}

}  // namespace

void AddImportOffsetsCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand(
      "import-offsets",
      "commit the original Secor's ZooKeeper offsets to the Kafka consumer group");
  auto args = std::make_shared<ImportArgs>();
  args->flags.AddTo(sub, true);
  sub->add_option("-g,--group", args->group, "consumer group (default: secor.kafka.group)");
  sub->add_flag("-n,--dry-run", args->dry_run, "print the offsets found, commit nothing");
  sub->callback([run, args] { *run = [args] { return RunImport(*args); }; });
}

}  // namespace secor
