// SPDX-License-Identifier: Apache-2.0
//
// cli/log.h: the log every program writes: the line format, the levels and
// their names, and the journal's priority prefix when stderr is the journal.

#include "cli/log.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace shadowsync::cli {
namespace {

using ::testing::ElementsAre;

TEST(LogLevelTest, NamesAndPriorities) {
  EXPECT_STREQ(LogLevelName(LogLevel::kWarning), "warning");
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("Info"), std::nullopt);
  EXPECT_EQ(SyslogPriority(LogLevel::kError), 3);
  EXPECT_EQ(SyslogPriority(LogLevel::kWarning), 4);
  EXPECT_EQ(SyslogPriority(LogLevel::kInfo), 6);
  EXPECT_EQ(SyslogPriority(LogLevel::kDebug), 7);
}

TEST(LoggerTest, WritesLevelAndAboveWithTheComponent) {
  std::vector<std::string> lines;
  Logger logger(
      LogLevel::kInfo, [&](LogLevel, const std::string& line) { lines.push_back(line); }, "prog");
  logger.Debug("d");
  logger.Info("i");
  logger.Warning("w");
  logger.Error("e");
  logger.set_level(LogLevel::kError);
  logger.Warning("hidden");
  EXPECT_THAT(lines, ElementsAre("prog: info: i", "prog: warning: w", "prog: error: e"));
}

TEST(LoggerTest, WithoutComponentTheLineStartsWithTheLevel) {
  std::vector<std::string> lines;
  Logger logger(LogLevel::kInfo, [&](LogLevel, const std::string& line) { lines.push_back(line); });
  logger.Warning("w");
  EXPECT_THAT(lines, ElementsAre("warning: w"));
}

TEST(PrintableTest, EscapesAndBounds) {
  EXPECT_EQ(Printable("a\nb\\"), "a\\x0ab\\x5c");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
}

// Runs `body` with stderr redirected to a file, and returns what it wrote.
template <typename Body>
std::string CapturedStderr(const testing_support::TempDir& dir, Body body) {
  const std::string path = dir.File("stderr.txt");
  const int file = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  EXPECT_GE(file, 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  body();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  std::string text;
  char buffer[512];
  const int in = ::open(path.c_str(), O_RDONLY);
  for (ssize_t n; (n = ::read(in, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(in);
  return text;
}

TEST(LoggerTest, UnderTheJournalLinesCarryTheirPriority) {
  auto dir = testing_support::TempDir::Create("log-test");
  ASSERT_TRUE(dir.ok());
  const std::string path = (*dir)->File("stderr.txt");
  ::close(::open(path.c_str(), O_CREAT | O_WRONLY, 0600));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  // What systemd sets for a service whose stderr is the journal stream.
  const std::string stream = std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
                             std::to_string(static_cast<unsigned long long>(st.st_ino));
  ::setenv("JOURNAL_STREAM", stream.c_str(), 1);
  const std::string journal = CapturedStderr(**dir, [] {
    Logger logger(LogLevel::kDebug);
    logger.Warning("disk almost full");
    logger.Debug("detail");
  });
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_EQ(journal, "<4>warning: disk almost full\n<7>debug: detail\n");

  const std::string terminal = CapturedStderr(**dir, [] { Logger(LogLevel::kInfo).Info("hello"); });
  EXPECT_EQ(terminal, "info: hello\n");
}

}  // namespace
}  // namespace shadowsync::cli
