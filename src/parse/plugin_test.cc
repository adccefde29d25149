#include "parse/plugin.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

TEST(PluginTest, ExampleCsvParserThroughTheRegistry) {
  Config config = Config::FromMap({{"secor.message.parser.class", "plugin"},
                                   {"secor.message.parser.plugin.path", SECOR_EXAMPLE_PLUGIN},
                                   {"secor.plugin.csv.prefix.special", "day="}});
  auto parser = NewMessageParser(config, "t");
  ASSERT_TRUE(parser.ok()) << parser.status().ToString();
  Message m;
  m.payload = "2024-06-15T18:30:05,click,42";
  std::string path;
  ASSERT_TRUE((*parser)->Partition(m, &path).ok());
  EXPECT_EQ(path, "dt=2024-06-15");
  m.payload = "click,2024-06-15";
  EXPECT_EQ((*parser)->Partition(m, &path).message(), "first CSV column holds no date");
  // Per-topic plug-in settings, and a path longer than the first buffer.
  auto special = NewMessageParser(config, "special");
  ASSERT_TRUE(special.ok()) << special.status().ToString();
  m.payload = "1999-12-31,x";
  std::string small;
  ASSERT_TRUE((*special)->Partition(m, &small).ok());
  EXPECT_EQ(small, "day=1999-12-31");
}

TEST(PluginTest, ExampleTransformer) {
  Config config =
      Config::FromMap({{"secor.message.transformer.class", "plugin"},
                       {"secor.message.transformer.plugin.path", SECOR_EXAMPLE_PLUGIN}});
  auto t = NewMessageTransformer(config, "t");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  Message m;
  const std::string lower(1000, 'a');
  m.payload = lower;
  std::string out;
  auto r = (*t)->Transform(m, &out);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(out, std::string(1000, 'A'));
  m.payload = "";
  r = (*t)->Transform(m, &out);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(PluginTest, WrongAbiVersionIsRefused) {
  Config config = Config::FromMap({{"secor.message.parser.class", "plugin"},
                                   {"secor.message.parser.plugin.path", SECOR_WRONG_ABI_PLUGIN}});
  EXPECT_EQ(NewMessageParser(config, "t").status().message(),
            std::string("secor.message.parser.plugin.path=") + SECOR_WRONG_ABI_PLUGIN +
                " (test): plug-in " + SECOR_WRONG_ABI_PLUGIN +
                ": ABI version 99, but this secor supports version 1");
}

TEST(PluginTest, MissingLibraryAndMissingFunctions) {
  Config config = Config::FromMap({{"secor.message.parser.class", "plugin"},
                                   {"secor.message.parser.plugin.path", "/nonexistent/plugin.so"}});
  EXPECT_EQ(NewMessageParser(config, "t").status().message(),
            "secor.message.parser.plugin.path=/nonexistent/plugin.so (test): plug-in "
            "/nonexistent/plugin.so: "
            "/nonexistent/plugin.so: cannot open shared object file: No such file or directory");
  Config none = Config::FromMap({{"secor.message.parser.class", "plugin"}});
  EXPECT_EQ(NewMessageParser(none, "t").status().message(),
            "secor.message.parser.plugin.path: required setting is missing");
}

}  // namespace
}  // namespace secor
