// SPDX-License-Identifier: Apache-2.0
//
// The IAM wildcard matcher behind AWS IoT policies (lib/src/policy/glob.cc):
// `*` any run of characters across `/` and `:`, `?` one UTF-8 character,
// `+` and `#` literal, pieces spliced from policy variables literal even
// when they hold `*` or `?`, and ASCII case folding for action names.

#include "policy/glob.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace shadowsync {
namespace {

using policy_internal::GlobMatch;
using policy_internal::GlobPiece;

struct GlobCase {
  std::string pattern;
  std::string subject;
  bool match;
};

// The pieces of a pattern written as text: '*' and '?' are wildcards, every
// other character a one-character literal.
std::vector<GlobPiece> Pieces(std::string_view pattern) {
  std::vector<GlobPiece> pieces;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*') {
      pieces.push_back({GlobPiece::kStar, {}});
    } else if (pattern[i] == '?') {
      pieces.push_back({GlobPiece::kQuestion, {}});
    } else {
      pieces.push_back({GlobPiece::kLiteral, pattern.substr(i, 1)});
    }
  }
  return pieces;
}

bool Matches(std::string_view pattern, std::string_view subject, bool ignore_case = false) {
  const std::vector<GlobPiece> pieces = Pieces(pattern);
  return GlobMatch(pieces.data(), pieces.size(), subject, ignore_case);
}

TEST(GlobTest, StarQuestionAndLiterals) {
  using policy_internal::GlobMatch;
  using policy_internal::GlobPiece;
  const std::vector<GlobCase> cases = {
      {"a/*", "a/b/c", true},  // '*' crosses '/'
      {"a/*", "a/", true},
      {"a/*", "a", false},
      {"*", "", true},
      {"", "", true},
      {"", "x", false},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"a?c",
       "a\xC3\xA9"
       "c",
       true},                     // '?' is one character, not one byte
      {"a/+/b", "a/x/b", false},  // '+' is literal
      {"a/+/b", "a/+/b", true},
      {"a/#", "a/b", false},  // '#' is literal
      {"a/#", "a/#", true},
      {"*b*b*", "abxbx", true},
      {"*b*b*c", "abxbx", false},
      {"a*b*c", "aXbYbZc", true},  // backtracking past a first 'b'
      {"a*c", "acxc", true},
      {"**", "anything", true},
      {"ab", "AB", false},  // case-sensitive by default
  };
  for (const GlobCase& c : cases) {
    std::vector<GlobPiece> pieces;
    for (std::size_t i = 0; i < c.pattern.size(); ++i) {
      const char ch = c.pattern[i];
      if (ch == '*') {
        pieces.push_back({GlobPiece::kStar, {}});
      } else if (ch == '?') {
        pieces.push_back({GlobPiece::kQuestion, {}});
      } else {
        pieces.push_back({GlobPiece::kLiteral, std::string_view(c.pattern).substr(i, 1)});
      }
    }
    EXPECT_EQ(GlobMatch(pieces.data(), pieces.size(), c.subject, false), c.match)
        << c.pattern << " vs " << c.subject;
  }
  const GlobPiece upper[] = {{GlobPiece::kLiteral, "IOT:PUBLISH"}};
  EXPECT_TRUE(GlobMatch(upper, 1, "iot:Publish", true));
  EXPECT_FALSE(GlobMatch(upper, 1, "iot:Publishx", true));
}

TEST(GlobTest, QuestionMarkAndStarTakeWholeUtf8Characters) {
  const std::string e_acute = "\xC3\xA9";        // 2 bytes
  const std::string snowman = "\xE2\x98\x83";    // 3 bytes
  const std::string emoji = "\xF0\x9F\x98\x80";  // 4 bytes
  EXPECT_TRUE(Matches("?", e_acute));
  EXPECT_TRUE(Matches("?", snowman));
  EXPECT_TRUE(Matches("?", emoji));
  EXPECT_FALSE(Matches("??", e_acute));  // one character, not two bytes
  EXPECT_TRUE(Matches("??", e_acute + snowman));
  EXPECT_TRUE(Matches("a?b", "a" + emoji + "b"));
  EXPECT_FALSE(Matches("a?b", "a" + e_acute + e_acute + "b"));
  // A '*' that grows never stops inside a character, so a literal after it
  // that equals a continuation byte cannot match there.
  const std::string continuation = "\xA9";
  const std::vector<GlobPiece> star_then_byte = {{GlobPiece::kStar, {}},
                                                 {GlobPiece::kLiteral, continuation}};
  EXPECT_FALSE(GlobMatch(star_then_byte.data(), star_then_byte.size(), e_acute, false));
  const std::vector<GlobPiece> star_then_e_acute = {{GlobPiece::kStar, {}},
                                                    {GlobPiece::kLiteral, e_acute}};
  EXPECT_TRUE(
      GlobMatch(star_then_e_acute.data(), star_then_e_acute.size(), "x" + emoji + e_acute, false));
}

TEST(GlobTest, SplicedLiteralsAreNotWildcards) {
  // A policy variable's value ("${iot:ClientId}" = "dev*?") is one literal
  // piece: its '*' and '?' match only themselves.
  const std::vector<GlobPiece> pieces = {
      {GlobPiece::kLiteral, "client/"}, {GlobPiece::kLiteral, "dev*?"}, {GlobPiece::kStar, {}}};
  EXPECT_TRUE(GlobMatch(pieces.data(), pieces.size(), "client/dev*?", false));
  EXPECT_TRUE(GlobMatch(pieces.data(), pieces.size(), "client/dev*?/x", false));
  EXPECT_FALSE(GlobMatch(pieces.data(), pieces.size(), "client/device1", false));
  EXPECT_FALSE(GlobMatch(pieces.data(), pieces.size(), "client/dev", false));
}

TEST(GlobTest, EmptyPiecesAndEmptyPatterns) {
  // An empty literal (a variable whose value is "") takes no characters.
  const std::vector<GlobPiece> pieces = {{GlobPiece::kLiteral, "a"},
                                         {GlobPiece::kLiteral, ""},
                                         {GlobPiece::kLiteral, ""},
                                         {GlobPiece::kLiteral, "b"}};
  EXPECT_TRUE(GlobMatch(pieces.data(), pieces.size(), "ab", false));
  EXPECT_FALSE(GlobMatch(pieces.data(), pieces.size(), "a", false));
  const GlobPiece only_empty[] = {{GlobPiece::kLiteral, ""}};
  EXPECT_TRUE(GlobMatch(only_empty, 1, "", false));
  EXPECT_FALSE(GlobMatch(only_empty, 1, "x", false));
  EXPECT_TRUE(GlobMatch(nullptr, 0, "", false));
  EXPECT_FALSE(GlobMatch(nullptr, 0, "x", false));
  // Trailing stars match the empty rest; a trailing '?' needs a character.
  EXPECT_TRUE(Matches("ab***", "ab"));
  EXPECT_FALSE(Matches("ab*?", "ab"));
  EXPECT_TRUE(Matches("ab*?", "abc"));
}

TEST(GlobTest, BacktrackingFindsTheLaterMatch) {
  // Each needs the last '*' to give back characters more than once.
  EXPECT_TRUE(Matches("*a*b", "aaaab"));
  EXPECT_TRUE(Matches("*ab", "aaab"));
  EXPECT_FALSE(Matches("*ab", "aaaba"));
  EXPECT_TRUE(Matches("a*a*a", "aaa"));
  EXPECT_FALSE(Matches("a*a*a", "aa"));
  EXPECT_TRUE(Matches("arn:*:topic/*/x", "arn:aws:iot:topic/a/b/x"));
  EXPECT_FALSE(Matches("arn:*:topic/*/x", "arn:aws:iot:topic/a/b/y"));
  // A long subject against many stars stays quick (no exponential search).
  const std::string subject(4000, 'a');
  EXPECT_FALSE(Matches("*a*a*a*a*a*a*a*a*b", subject));
}

TEST(GlobTest, IgnoreCaseFoldsAsciiLettersOnly) {
  EXPECT_TRUE(Matches("iot:*", "IOT:Publish", true));
  EXPECT_FALSE(Matches("iot:*", "IOT:Publish", false));
  EXPECT_TRUE(Matches("IOT:?ECEIVE", "iot:receive", true));
  // Non-ASCII bytes are compared as they are: "É" does not fold to "é".
  EXPECT_FALSE(Matches("\xC3\x89", "\xC3\xA9", true));
  EXPECT_TRUE(policy_internal::EqualsIgnoreCase("iot:Connect", "IOT:CONNECT"));
  EXPECT_FALSE(policy_internal::EqualsIgnoreCase("iot:Connect", "iot:Connects"));
}

}  // namespace
}  // namespace shadowsync
