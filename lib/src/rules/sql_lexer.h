// SPDX-License-Identifier: Apache-2.0
//
// The tokens of AWS IoT SQL, each with its 1-based position in the text, so
// that every parse error can name where it is.

#ifndef SHADOWSYNC_RULES_SQL_LEXER_H_
#define SHADOWSYNC_RULES_SQL_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::rules_internal {

enum class TokenKind {
  kIdentifier,  // a name or a keyword: keywords are recognised by the parser
  kNumber,
  kString,  // 'text', the quotes removed
  kStar,
  kComma,
  kDot,
  kLeftParen,
  kRightParen,
  kPlus,
  kMinus,
  kSlash,
  kPercent,
  kEqual,
  kNotEqual,   // <>
  kBangEqual,  // != : not AWS IoT SQL, refused by the parser with a hint
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kLeftBracket,   // [ : refused by the parser (arrays)
  kLeftBrace,     // { : refused by the parser (object literals)
  kDoubleQuoted,  // "name": refused by the parser
  kOther,         // any other character: the parser reports it where it stands
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;          // as written; for kString the content
  std::size_t position = 0;  // 1-based byte position of its first character
};

/// Where a text comes from, for messages: "SQL" for a statement, "template"
/// for an expression inside a substitution template, whose positions start
/// `offset` bytes into the template.
struct SourceLabel {
  const char* name = "SQL";
  std::size_t offset = 0;
};

/// "<label> position P: <what>", the one shape of every SQL error.
Status SqlError(const SourceLabel& label, std::size_t position, const std::string& what);

/// Splits `sql` into tokens ending with kEnd; positions count from
/// label.offset + 1. Errors: an unterminated string, a bad number and
/// a comment ("--"). A character that starts no token becomes kOther, so
/// that an earlier refusal (e.g. "[") is the one reported.
Result<std::vector<Token>> Tokenize(std::string_view sql, const SourceLabel& label = {});

/// How a token is shown in messages: "'FROM'", "end of statement".
std::string DescribeToken(const Token& token);

}  // namespace shadowsync::rules_internal

#endif  // SHADOWSYNC_RULES_SQL_LEXER_H_
