// SPDX-License-Identifier: Apache-2.0
//
// The AWS IoT SQL tokenizer (lib/src/rules/sql_lexer.cc): each token's kind,
// text and 1-based position (counted from a label's offset inside a
// template), the three errors it reports itself (an unterminated string, a
// bad number, a comment), and how tokens are named in messages.

#include "rules/sql_lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace shadowsync {
namespace {

using rules_internal::DescribeToken;
using rules_internal::SourceLabel;
using rules_internal::Token;
using rules_internal::Tokenize;
using rules_internal::TokenKind;
using ::testing::ElementsAre;

std::vector<Token> MustTokenize(const std::string& sql, const SourceLabel& label = {}) {
  Result<std::vector<Token>> tokens = Tokenize(sql, label);
  EXPECT_TRUE(tokens.ok()) << sql << ": " << tokens.status().ToString();
  return tokens.ok() ? *tokens : std::vector<Token>{};
}

std::vector<TokenKind> Kinds(const std::vector<Token>& tokens) {
  std::vector<TokenKind> kinds;
  for (const Token& t : tokens) kinds.push_back(t.kind);
  return kinds;
}

std::vector<std::string> Texts(const std::vector<Token>& tokens) {
  std::vector<std::string> texts;
  for (const Token& t : tokens) texts.push_back(t.text);
  return texts;
}

std::vector<int> Positions(const std::vector<Token>& tokens) {
  std::vector<int> positions;
  for (const Token& t : tokens) positions.push_back(static_cast<int>(t.position));
  return positions;
}

TEST(SqlLexerTest, TokensKeepTheirTextAndOneBasedPosition) {
  const std::vector<Token> tokens = MustTokenize("SELECT a.b, 'x y' FROM '#'\tWHERE c<>1.5e3");
  EXPECT_THAT(Kinds(tokens),
              ElementsAre(TokenKind::kIdentifier, TokenKind::kIdentifier, TokenKind::kDot,
                          TokenKind::kIdentifier, TokenKind::kComma, TokenKind::kString,
                          TokenKind::kIdentifier, TokenKind::kString, TokenKind::kIdentifier,
                          TokenKind::kIdentifier, TokenKind::kNotEqual, TokenKind::kNumber,
                          TokenKind::kEnd));
  // Strings lose their quotes; keywords are plain identifiers here.
  EXPECT_THAT(Texts(tokens), ElementsAre("SELECT", "a", ".", "b", ",", "x y", "FROM", "#", "WHERE",
                                         "c", "<>", "1.5e3", ""));
  EXPECT_THAT(Positions(tokens), ElementsAre(1, 8, 9, 10, 11, 13, 19, 24, 28, 34, 35, 37, 42));
}

TEST(SqlLexerTest, EveryOperatorAndPunctuation) {
  EXPECT_THAT(
      Kinds(MustTokenize("* , . ( ) + - / % = <> != < <= > >= [ { \"q\" ? ~")),
      ElementsAre(TokenKind::kStar, TokenKind::kComma, TokenKind::kDot, TokenKind::kLeftParen,
                  TokenKind::kRightParen, TokenKind::kPlus, TokenKind::kMinus, TokenKind::kSlash,
                  TokenKind::kPercent, TokenKind::kEqual, TokenKind::kNotEqual,
                  TokenKind::kBangEqual, TokenKind::kLess, TokenKind::kLessEqual,
                  TokenKind::kGreater, TokenKind::kGreaterEqual, TokenKind::kLeftBracket,
                  TokenKind::kLeftBrace, TokenKind::kDoubleQuoted, TokenKind::kOther,
                  TokenKind::kOther, TokenKind::kEnd));
  // Without spaces, the longest operator wins.
  EXPECT_THAT(Kinds(MustTokenize("a<=b>=c<>d")),
              ElementsAre(TokenKind::kIdentifier, TokenKind::kLessEqual, TokenKind::kIdentifier,
                          TokenKind::kGreaterEqual, TokenKind::kIdentifier, TokenKind::kNotEqual,
                          TokenKind::kIdentifier, TokenKind::kEnd));
  // A double-quoted name keeps its quotes; an unclosed one is one character.
  EXPECT_THAT(Texts(MustTokenize("\"my-key\" \"open")),
              ElementsAre("\"my-key\"", "\"", "open", ""));
}

TEST(SqlLexerTest, NumberForms) {
  EXPECT_THAT(Texts(MustTokenize("0 42 1.5 3E-2 1e+5 7.25e10")),
              ElementsAre("0", "42", "1.5", "3E-2", "1e+5", "7.25e10", ""));
  // "1." is the number 1 and a dot; a sign is a token of its own.
  EXPECT_THAT(Kinds(MustTokenize("1. -2")),
              ElementsAre(TokenKind::kNumber, TokenKind::kDot, TokenKind::kMinus,
                          TokenKind::kNumber, TokenKind::kEnd));
  // Names may hold digits after the first character.
  EXPECT_THAT(Texts(MustTokenize("_a1 b_2")), ElementsAre("_a1", "b_2", ""));
}

TEST(SqlLexerTest, ErrorsNameTheirPosition) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a = 'open", "SQL position 5: unterminated string"},
      {"12abc", "SQL position 3: unexpected 'a' in a number"},
      {"2e", "SQL position 2: unexpected 'e' in a number"},
      {"1.5x", "SQL position 4: unexpected 'x' in a number"},
      {"a -- note", "SQL position 3: comments (--) are not supported: AWS IoT SQL has none"},
  };
  for (const auto& [sql, message] : cases) {
    Result<std::vector<Token>> tokens = Tokenize(sql);
    ASSERT_FALSE(tokens.ok()) << sql;
    EXPECT_EQ(tokens.status().code(), StatusCode::kInvalidArgument) << sql;
    EXPECT_EQ(tokens.status().message(), message) << sql;
  }
  // "- -" is two minus signs, not a comment.
  EXPECT_THAT(Kinds(MustTokenize("- -1")), ElementsAre(TokenKind::kMinus, TokenKind::kMinus,
                                                       TokenKind::kNumber, TokenKind::kEnd));
}

TEST(SqlLexerTest, ALabelMovesPositionsAndNamesTheSource) {
  const SourceLabel label{"template", 6};
  EXPECT_THAT(Positions(MustTokenize("topic(2)", label)), ElementsAre(7, 12, 13, 14, 15));
  Result<std::vector<Token>> open = Tokenize("x + 'y", label);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().message(), "template position 11: unterminated string");
  EXPECT_EQ(rules_internal::SqlError(label, 3, "what").message(), "template position 3: what");
}

TEST(SqlLexerTest, DescribeTokenForMessages) {
  const std::vector<Token> tokens = MustTokenize("FROM 'y' # \x01");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(DescribeToken(tokens[0]), "'FROM'");
  EXPECT_EQ(DescribeToken(tokens[1]), "string 'y'");
  EXPECT_EQ(DescribeToken(tokens[2]), "'#'");
  EXPECT_EQ(DescribeToken(tokens[3]), "byte 0x01");  // never a raw control character
  EXPECT_EQ(DescribeToken(tokens[4]), "end of statement");
  EXPECT_EQ(DescribeToken(Token{TokenKind::kOther, "\xc3", 1}), "byte 0xc3");
}

}  // namespace
}  // namespace shadowsync
