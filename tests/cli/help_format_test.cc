// SPDX-License-Identifier: Apache-2.0
//
// cli/help_format.h: wrapping --help at a width.

#include "cli/help_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "cli/command_line.h"

namespace shadowsync::cli {
namespace {

using ::testing::HasSubstr;

TEST(WrapTextTest, BreaksLongLinesAtSpacesKeepingTheIndentation) {
  EXPECT_EQ(WrapText("one two three four", 9), "one two\nthree\nfour");
  EXPECT_EQ(WrapText("  aa bb cc dd", 8), "  aa bb\n  cc dd");
  EXPECT_EQ(WrapText("short\n  kept   as is\n", 20), "short\n  kept   as is\n");
  EXPECT_EQ(WrapText("averyveryverylongword x", 5), "averyveryverylongword\nx");
  EXPECT_EQ(WrapText("", 10), "");
}

TEST(WrapHelpTest, EveryLineOfTheHelpFits) {
  CommandLine line("prog", std::string(30, 'd') + " " + std::string(60, 'e'), "1");
  std::string value;
  line.app().add_option("--value", value,
                        "a long description of the flag that goes on and on well past the edge "
                        "of any terminal anyone still uses");
  line.app().footer("Exit codes:\n  0   fine\n  2   usage");
  WrapHelp(line.app());
  const std::string help = line.HelpText();
  for (std::size_t start = 0; start < help.size();) {
    const std::size_t end = help.find('\n', start);
    EXPECT_LE(end - start, kHelpWidth) << help.substr(start, end - start);
    start = end + 1;
  }
  EXPECT_THAT(help, HasSubstr("a long description"));
  EXPECT_THAT(help, HasSubstr("Exit codes:\n  0   fine\n  2   usage"));
}

}  // namespace
}  // namespace shadowsync::cli
