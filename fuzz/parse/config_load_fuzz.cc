// libFuzzer: Config::Load on files, with include= and ${...} references. The
// input is split at its first NUL byte into a main file and a second file the
// main one may include (as "inc.properties", or itself, for the cycle
// check); both are written to a temporary directory. Loading and expanding
// every key must return a value or a one-line Status, never crash or hang.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/file_util.h"
#include "config/config.h"

namespace {

const std::string& Dir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/secor-config-fuzz-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    std::string d = tmpl;
    // The temporary directory goes with the process, however it ends.
    static struct Cleanup {
      std::string d;
      ~Cleanup() { (void)secor::RemoveAll(d); }
    } cleanup{d};
    return d;
  }();
  return dir;
}

// Plain writes: WriteFileAtomic syncs, which would make a run 100 times slower.
void WriteOrDie(const std::string& path, std::string_view text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // An include of a device or kernel file (/dev/zero, /dev/stdin) reads
  // forever by design, like cat: not what this target is after.
  for (std::string_view special : {"/dev", "/proc", "/sys"}) {
    if (input.find(special) != std::string_view::npos) return 0;
  }
  size_t nul = input.find('\0');
  std::string_view main_text = input.substr(0, nul);
  std::string_view included = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  const std::string main_path = Dir() + "/main.properties";
  WriteOrDie(main_path, main_text);
  WriteOrDie(Dir() + "/inc.properties", included);
  auto config = secor::Config::Load(main_path, {"secor.fuzz.override=${secor.kafka.group}"});
  if (!config.ok()) {
    if (config.status().message().find('\n') != std::string::npos) std::abort();
    return 0;
  }
  (void)config->WithPrefix("");
  (void)config->Int("secor.generation");
  (void)config->Bool("secor.upload.on.shutdown");
  (void)config->String("secor.fuzz.override");
  (void)config->StringForTopic("secor.message.parser.class", "t");
  return 0;
}
