// SPDX-License-Identifier: Apache-2.0
//
// cli/command_line.h: the conventions every program shares (--x=v, --help,
// --version, the error wording, did you mean, subcommands).

#include "cli/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace shadowsync::cli {
namespace {

using ::testing::HasSubstr;

struct Program {
  CommandLine line{"prog", "Does one thing well.", "1.2.3"};
  std::string name;
  int count = 0;
  bool quiet = false;

  Program() {
    line.app().add_option("--name", name, "a name")->required();
    line.app().add_option("--count", count, "how many")->check(CLI::Range(1, 9));
    line.app().add_flag("--quiet", quiet, "say less");
  }
};

TEST(CommandLineTest, TakesBothValueSpellings) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--name=a", "--count", "3", "--quiet"});
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(*outcome, ParseOutcome::kRun);
  EXPECT_EQ(p.name, "a");
  EXPECT_EQ(p.count, 3);
  EXPECT_TRUE(p.quiet);
}

TEST(CommandLineTest, HelpWinsOverEveryError) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--count", "x", "--bogus", "--help"});
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(*outcome, ParseOutcome::kHelp);
  const std::string help = p.line.HelpText();
  EXPECT_THAT(help, HasSubstr("Does one thing well."));
  EXPECT_THAT(help, HasSubstr("--name"));
  EXPECT_THAT(help, HasSubstr("--version"));
}

TEST(CommandLineTest, VersionPrintsNameAndVersion) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--version"});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, ParseOutcome::kVersion);
  EXPECT_EQ(p.line.VersionText(), "prog 1.2.3\n");
}

TEST(CommandLineTest, ErrorsNameTheFlag) {
  {
    Program p;
    Result<ParseOutcome> outcome = p.line.Parse({"--count", "3"});
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(outcome.status().message(), HasSubstr("--name is required"));
  }
  {
    Program p;
    Result<ParseOutcome> outcome = p.line.Parse({"--name", "a", "--count", "12"});
    ASSERT_FALSE(outcome.ok());
    EXPECT_THAT(outcome.status().message(), HasSubstr("--count"));
    EXPECT_THAT(outcome.status().message(), HasSubstr("12"));
  }
  {
    Program p;
    Result<ParseOutcome> outcome = p.line.Parse({"--name"});
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().message(), "--name: needs a value");
  }
}

TEST(CommandLineTest, UnknownFlagSuggestsTheNearest) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--name", "a", "--qiet"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "unknown flag '--qiet'; did you mean '--quiet'?");

  Program q;
  outcome = q.line.Parse({"--name", "a", "--frobnicate=1"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "unknown flag '--frobnicate'");

  Program r;
  outcome = r.line.Parse({"--name", "a", "stray"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "unexpected argument 'stray'");
}

TEST(CommandLineTest, UnknownCommandSuggestsTheNearest) {
  CommandLine line("tool", "Has commands.", "1");
  std::string thing;
  line.app().add_subcommand("get", "read")->add_option("--thing", thing);
  line.app().add_subcommand("delete", "remove");
  Result<ParseOutcome> outcome = line.Parse({"gte"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "unknown command 'gte'; did you mean 'get'?");

  CommandLine far("tool", "Has commands.", "1");
  far.app().add_subcommand("get", "read");
  far.app().add_subcommand("delete", "remove");
  outcome = far.Parse({"list"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "unknown command 'list'; expected get, delete");

  CommandLine again("tool", "Has commands.", "1");
  again.app().add_subcommand("get", "read")->add_option("--thing", thing);
  outcome = again.Parse({"get", "--thng", "x"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "unknown flag '--thng'; did you mean '--thing'?");
}

TEST(CommandLineTest, AnotherCommandsFlagSaysWhichCommand) {
  CommandLine line("tool", "Has commands.", "1");
  std::string value;
  line.app().add_subcommand("get", "read");
  line.app().add_subcommand("update", "write")->add_option("--desired", value);
  Result<ParseOutcome> outcome = line.Parse({"get", "--desired", "{}"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--desired is only valid with update");
}

TEST(CommandLineTest, AFlagGivenTwice) {
  Program p;
  Result<ParseOutcome> outcome = p.line.Parse({"--name", "a", "--name", "b"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--name given more than once");
}

TEST(CommandLineTest, SubcommandHelpIsTheSubcommands) {
  CommandLine line("tool", "Has commands.", "1");
  std::string thing;
  line.app().add_subcommand("get", "read a shadow")->add_option("--thing", thing, "the thing");
  Result<ParseOutcome> outcome = line.Parse({"get", "--help"});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, ParseOutcome::kHelp);
  EXPECT_THAT(line.HelpText(), HasSubstr("read a shadow"));
  EXPECT_THAT(line.HelpText(), HasSubstr("--thing"));
}

TEST(CommandLineTest, ParseOrExitPrintsAndReturnsTheExitCode) {
  const char* bad[] = {"prog", "--count", "3"};
  Program p;
  std::ostringstream out, err;
  EXPECT_EQ(p.line.ParseOrExit(3, bad, out, err), kExitUsage);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "error: --name is required\nsee 'prog --help'\n");

  const char* version[] = {"prog", "--version"};
  Program q;
  std::ostringstream out2, err2;
  EXPECT_EQ(q.line.ParseOrExit(2, version, out2, err2), 0);
  EXPECT_EQ(out2.str(), "prog 1.2.3\n");

  const char* good[] = {"prog", "--name", "x"};
  Program r;
  std::ostringstream out3, err3;
  EXPECT_EQ(r.line.ParseOrExit(3, good, out3, err3), std::nullopt);
}

}  // namespace
}  // namespace shadowsync::cli
