// secor keys [FILTER]: the configuration keys this build knows, with defaults,
// whether secor consume needs them, their ranges and descriptions; FILTER
// keeps the keys whose name contains it. --markdown prints the table of
// docs/configuration.md, --java-markdown the Java Secor's keys for
// docs/compatibility.md.
#include <limits>

#include <fmt/format.h>

#include "config/key_rules.h"
#include "config/keys.h"
#include "config/keys_java.h"
#include "tools/command.h"

namespace secor {

void AddKeysCommand(CLI::App& app, CommandRun* run) {
  auto* sub = app.add_subcommand("keys", "list the configuration keys, their defaults and meaning");
  auto markdown = std::make_shared<bool>(false);
  sub->add_flag("--markdown", *markdown, "print a markdown table");
  auto java = std::make_shared<bool>(false);
  auto filter = std::make_shared<std::string>();
  sub->add_option("filter", *filter,
                  "show only keys whose name contains this (e.g. secor.max.file, upload)");
  sub->add_flag("--java-markdown", *java,
                "print the Java Secor's keys and what each means here as a markdown table");
  sub->callback([run, markdown, java, filter] {
    *run = [markdown, java, filter] {
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
      size_t shown = 0;
      if (*markdown) {
        std::printf("| key | default | required | meaning |\n|---|---|---|---|\n");
      }
      for (const KeyInfo& k : KnownKeys()) {
        if (k.name.starts_with("secor.placeholder.")) continue;
        if (!filter->empty() && k.name.find(*filter) == std::string_view::npos) continue;
        ++shown;
        std::string name(k.name);
        if (k.is_prefix) name += "*";
        std::string def = k.default_value.empty() ? "" : std::string(k.default_value);
        std::string desc(k.description);
        if (k.per_topic) desc += " (per topic: `" + std::string(k.name) + ".<topic>`)";
        if (k.secret) desc += " (secret: never logged)";
        if (const KeyRange* r = FindKeyRange(k.name)) {
          desc += r->max == std::numeric_limits<int64_t>::max()
                      ? fmt::format(" (at least {})", r->min)
                      : fmt::format(" ({} to {})", r->min, r->max);
        }
        // "yes" in the table's column; "required: " before the plain text.
        std::string required, required_note;
        if (const RequiredKey* r = FindRequiredKey(k.name)) {
          std::string alt(r->alternative);
          required = alt.empty() ? "yes" : "yes, " + alt;
          required_note = alt.empty() ? "required: " : "required (" + alt + "): ";
        }
        if (*markdown) {
          for (auto& s : {&def}) {
            std::string escaped;
            for (char ch : *s) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
            *s = escaped;
          }
          std::printf("| `%s` | %s | %s | %s |\n", name.c_str(),
                      def.empty() ? "" : ("`" + def + "`").c_str(), required.c_str(), desc.c_str());
        } else {
          std::printf("%s=%s\n    %s%s\n", name.c_str(), def.c_str(), required_note.c_str(),
                      desc.c_str());
        }
      }
      if (shown == 0 && !filter->empty()) {
        return Fail("keys", Status::NotFound("no key contains '{}'", *filter));
      }
      return 0;
    };
  });
}

}  // namespace secor
