#include "tools/progress_bar.h"

#include <gtest/gtest.h>

#include <thread>

namespace secor {
namespace {

std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressBarTest, OnATerminalRedrawsOneLineAtMostTenTimesASecond) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("verify t", "objects", f, true);
    bar.Update(1, 4);  // at once: too soon after the start to draw
    EXPECT_EQ(Contents(f), "");
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    bar.Update(2, 4);
    bar.Update(3, 4);  // within 100 ms of the last drawing: kept for Finish
    EXPECT_EQ(Contents(f), "\r[###############               ] verify t: 2/4 objects (50%)");
    bar.Finish();
  }
  EXPECT_EQ(Contents(f),
            "\r[###############               ] verify t: 2/4 objects (50%)"
            "\r[######################        ] verify t: 3/4 objects (75%)\n");
  std::fclose(f);
}

TEST(ProgressBarTest, AShortRunLeavesNoTrace) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar terminal("verify t", "objects", f, true);
    terminal.Update(1, 1);
    ProgressBar plain("verify t", "objects", f, false);
    plain.Update(1, 1);
  }
  EXPECT_EQ(Contents(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace secor
