// SPDX-License-Identifier: Apache-2.0
//
// `credential_process` (lib/src/aws/credential_process.cc): the command line
// split like a POSIX shell's, the program run without a shell with a
// deadline, and its JSON output read; no message ever quotes the output,
// which holds secrets. The chain that uses it: credentials_test.cc.

#include "aws/credential_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>

namespace shadowsync {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TEST(AwsCredentialProcessTest, SplitsLikeAPosixShell) {
  auto words = aws::SplitCommandLine(R"(/bin/helper --a 'b c' "d \"e\" \$f" g\ h)");
  ASSERT_TRUE(words.ok());
  EXPECT_THAT(*words, ::testing::ElementsAre("/bin/helper", "--a", "b c", "d \"e\" $f", "g h"));
  EXPECT_FALSE(aws::SplitCommandLine("helper 'open").ok());
  EXPECT_FALSE(aws::SplitCommandLine("   ").ok());
}

TEST(AwsCredentialProcessTest, ParsesIso8601) {
  auto t = aws::ParseIso8601("2019-05-29T00:21:43Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, std::chrono::system_clock::from_time_t(1559089303));
  EXPECT_EQ(*aws::ParseIso8601("2019-05-29T02:21:43.123+02:00"), *t);
  EXPECT_FALSE(aws::ParseIso8601("2019-05-29").ok());
  EXPECT_FALSE(aws::ParseIso8601("2019-05-29T00:21:43").ok());
}

TEST(AwsCredentialProcessTest, SplitsEmptyQuotesAndAdjacentPieces) {
  auto words = aws::SplitCommandLine("a '' \"\" b'c'\"d\"  \t e");
  ASSERT_TRUE(words.ok()) << words.status().ToString();
  EXPECT_THAT(*words, ::testing::ElementsAre("a", "", "", "bcd", "e"));
  // Single quotes keep backslashes; double quotes keep those that escape
  // nothing.
  words = aws::SplitCommandLine(R"('a\b' "c\d")");
  ASSERT_TRUE(words.ok());
  EXPECT_THAT(*words, ::testing::ElementsAre(R"(a\b)", R"(c\d)"));
  EXPECT_EQ(aws::SplitCommandLine("helper \"open").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(aws::SplitCommandLine("").status().code(), StatusCode::kInvalidArgument);
}

TEST(AwsCredentialProcessTest, ReadsTheDocumentedOutput) {
  auto c = aws::ParseCredentialProcessOutput(
      std::string(R"({"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": ")") + kSecret +
          R"(", "SessionToken": "tok", "Expiration": "2030-01-02T03:04:05Z"})",
      "credential_process of profile 'p'");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, "tok");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, std::chrono::system_clock::from_time_t(1893553445));
  EXPECT_EQ(c->source, "credential_process of profile 'p'");
  // Token and expiration are optional; a null Expiration is none.
  auto minimal = aws::ParseCredentialProcessOutput(
      R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": null})", "p");
  ASSERT_TRUE(minimal.ok()) << minimal.status().ToString();
  EXPECT_TRUE(minimal->session_token.empty());
  EXPECT_FALSE(minimal->expiration.has_value());
}

TEST(AwsCredentialProcessTest, BadOutputNamesTheFieldButNeverShowsTheOutput) {
  const std::string secret_field = std::string(R"("SecretAccessKey": ")") + kSecret + "\"";
  const std::pair<std::string, std::string> cases[] = {
      {"not json " + std::string(kSecret), "the output is not JSON"},
      {"[" + std::string("\"") + kSecret + "\"]", "the output is not a JSON object"},
      {"{" + secret_field + "}", "\"Version\" must be the number 1"},
      {R"({"Version": "1", )" + secret_field + "}", "\"Version\" must be the number 1"},
      {R"({"Version": 1, )" + secret_field + "}",
       "\"AccessKeyId\" is missing or not a non-empty string"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": ""})",
       "\"SecretAccessKey\" is missing or not a non-empty string"},
      {R"({"Version": 1, "AccessKeyId": "A", )" + secret_field + R"(, "Expiration": 5})",
       "\"Expiration\" must be a string"},
      {R"({"Version": 1, "AccessKeyId": "A", )" + secret_field + R"(, "Expiration": "soon"})",
       "Expiration is not an ISO 8601 time"},
  };
  for (const auto& [output, message] : cases) {
    auto c = aws::ParseCredentialProcessOutput(output, "credential_process of profile 'p'");
    ASSERT_FALSE(c.ok()) << message;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(c.status().message(),
                AllOf(HasSubstr("credential_process of profile 'p': "), HasSubstr(message),
                      HasSubstr("(output not shown: it holds secrets)"), Not(HasSubstr(kSecret))));
  }
}

TEST(AwsCredentialProcessTest, RunsAProgramForItsStdout) {
  auto output =
      aws::RunProcessForOutput({"sh", "-c", "printf 'one\\ntwo'; cat"}, std::chrono::seconds(10));
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(*output, "one\ntwo");  // stdin is /dev/null: cat ends at once
  auto killed = aws::RunProcessForOutput({"sh", "-c", "kill -9 $$"}, std::chrono::seconds(10));
  EXPECT_EQ(killed.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(killed.status().message(), HasSubstr("'sh' was killed by signal 9"));
  EXPECT_EQ(aws::RunProcessForOutput({}, std::chrono::seconds(1)).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shadowsync
