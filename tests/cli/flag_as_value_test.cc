// SPDX-License-Identifier: Apache-2.0
//
// cli/flag_as_value.h: a flag given where a value belongs.

#include "cli/flag_as_value.h"

#include <gtest/gtest.h>

#include <string>

#include "cli/command_line.h"

namespace shadowsync::cli {
namespace {

struct Program {
  CommandLine line{"prog", "Stores and exports.", "1"};
  std::string store;
  std::string exported;
  int level = 0;

  Program() {
    line.app().add_option("--store", store, "where");
    line.app().add_option("--export", exported, "to where");
    line.app().add_option("-l,--level", level, "how much");
    RefuseFlagsAsValues(line.app());
  }
};

TEST(RefuseFlagsAsValuesTest, NamesTheFlagThatHadNoValue) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--store", "--export", "out.json"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--store: needs a value (got the flag '--export')");

  Program q;
  outcome = q.line.Parse({"--store", "--level=2"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--store: needs a value (got the flag '--level=2')");

  Program r;
  outcome = r.line.Parse({"--store", "-l"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--store: needs a value (got the flag '-l')");
}

TEST(RefuseFlagsAsValuesTest, TakesValuesThatOnlyLookLikeFlags) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--store", "--not-a-flag", "--export=-1"});
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(p.store, "--not-a-flag");
  EXPECT_EQ(p.exported, "-1");
}

}  // namespace
}  // namespace shadowsync::cli
