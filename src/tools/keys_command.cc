// secor keys: the configuration keys this build knows, with defaults and
// descriptions; --markdown prints the table of docs/configuration.md,
// --java-markdown the Java Secor's keys for docs/compatibility.md.
#include "config/keys.h"
#include "config/keys_java.h"
#include "tools/command.h"

namespace secor {

void AddKeysCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand("keys", "list the configuration keys, their defaults and meaning");
  auto markdown = std::make_shared<bool>(false);
  sub->add_flag("--markdown", *markdown, "print a markdown table");
  auto java = std::make_shared<bool>(false);
  sub->add_flag("--java-markdown", *java,
                "print the Java Secor's keys and what each means here as a markdown table");
  sub->callback([run, markdown, java] {
    *run = [markdown, java] {
      if (*java) {
        std::printf("| key of the Java Secor | here | how |\n|---|---|---|\n");
        for (const JavaKeyInfo& k : JavaKeys()) {
          std::string name(k.name);
          if (k.is_prefix) name += "*";
          std::string how(k.note);
          if (k.array) how += how.empty() ? "a comma list" : "; a comma list";
          std::printf("| `%s` | %s | %s |\n", name.c_str(),
                      std::string(JavaKeyStatusName(k.status)).c_str(), how.c_str());
        }
        return 0;
      }
      if (*markdown) {
        std::printf("| key | default | meaning |\n|---|---|---|\n");
      }
      for (const KeyInfo& k : KnownKeys()) {
        if (k.name.starts_with("secor.placeholder.")) continue;
        std::string name(k.name);
        if (k.is_prefix) name += "*";
        std::string def = k.default_value.empty() ? "" : std::string(k.default_value);
        std::string desc(k.description);
        if (k.per_topic) desc += " (per topic: `" + std::string(k.name) + ".<topic>`)";
        if (k.secret) desc += " (secret: never logged)";
        if (*markdown) {
          for (auto& s : {&def}) {
            std::string escaped;
            for (char ch : *s) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
            *s = escaped;
          }
          std::printf("| `%s` | %s | %s |\n", name.c_str(),
                      def.empty() ? "" : ("`" + def + "`").c_str(), desc.c_str());
        } else {
          std::printf("%s=%s\n    %s\n", name.c_str(), def.c_str(), desc.c_str());
        }
      }
      return 0;
    };
  });
}

}  // namespace secor
