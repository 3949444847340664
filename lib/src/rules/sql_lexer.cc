// SPDX-License-Identifier: Apache-2.0
//
// The AWS IoT SQL tokenizer. Strings are single-quoted with no escapes (the
// AWS reference shows none); numbers are decimal with an optional fraction
// and exponent. AWS IoT SQL has no comments, so "--" is refused rather than
// read as two minus signs.

#include "rules/sql_lexer.h"

#include <string>
#include <utility>

namespace shadowsync::rules_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string DescribeChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7f) {
    static const char kHex[] = "0123456789abcdef";
    return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xf];
  }
  return std::string("'") + c + "'";
}

}  // namespace

Status SqlError(const SourceLabel& label, std::size_t position, const std::string& what) {
  return InvalidArgumentError(std::string(label.name) + " position " + std::to_string(position) +
                              ": " + what);
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of statement";
    case TokenKind::kString:
      return "string '" + token.text + "'";
    case TokenKind::kOther:
      return DescribeChar(token.text[0]);
    default:
      return "'" + token.text + "'";
  }
}

Result<std::vector<Token>> Tokenize(std::string_view sql, const SourceLabel& label) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  const auto add = [&](TokenKind kind, std::size_t start, std::size_t length) {
    tokens.push_back(Token{kind, std::string(sql.substr(start, length)), label.offset + start + 1});
    i = start + length;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (IsSpace(c)) {
      ++i;
    } else if (IsIdentifierStart(c)) {
      std::size_t end = i;
      while (end < sql.size() && IsIdentifierChar(sql[end])) ++end;
      add(TokenKind::kIdentifier, i, end - i);
    } else if (IsDigit(c)) {
      std::size_t end = i;
      while (end < sql.size() && IsDigit(sql[end])) ++end;
      if (end + 1 < sql.size() && sql[end] == '.' && IsDigit(sql[end + 1])) {
        ++end;
        while (end < sql.size() && IsDigit(sql[end])) ++end;
      }
      if (end < sql.size() && (sql[end] == 'e' || sql[end] == 'E')) {
        std::size_t exp = end + 1;
        if (exp < sql.size() && (sql[exp] == '+' || sql[exp] == '-')) ++exp;
        if (exp < sql.size() && IsDigit(sql[exp])) {
          end = exp;
          while (end < sql.size() && IsDigit(sql[end])) ++end;
        }
      }
      if (end < sql.size() && IsIdentifierChar(sql[end])) {
        return SqlError(label, label.offset + end + 1,
                        "unexpected " + DescribeChar(sql[end]) + " in a number");
      }
      add(TokenKind::kNumber, i, end - i);
    } else if (c == '\'') {
      const std::size_t close = sql.find('\'', i + 1);
      if (close == std::string_view::npos)
        return SqlError(label, label.offset + i + 1, "unterminated string");
      tokens.push_back(Token{TokenKind::kString, std::string(sql.substr(i + 1, close - i - 1)),
                             label.offset + i + 1});
      i = close + 1;
    } else if (c == '"') {
      const std::size_t close = sql.find('"', i + 1);
      const std::size_t length = close == std::string_view::npos ? 1 : close - i + 1;
      add(TokenKind::kDoubleQuoted, i, length);
    } else if (c == '-' && next == '-') {
      return SqlError(label, label.offset + i + 1,
                      "comments (--) are not supported: AWS IoT SQL has none");
    } else if (c == '<' && next == '>') {
      add(TokenKind::kNotEqual, i, 2);
    } else if (c == '<' && next == '=') {
      add(TokenKind::kLessEqual, i, 2);
    } else if (c == '>' && next == '=') {
      add(TokenKind::kGreaterEqual, i, 2);
    } else if (c == '!' && next == '=') {
      add(TokenKind::kBangEqual, i, 2);
    } else {
      TokenKind kind;
      switch (c) {
        case '*':
          kind = TokenKind::kStar;
          break;
        case ',':
          kind = TokenKind::kComma;
          break;
        case '.':
          kind = TokenKind::kDot;
          break;
        case '(':
          kind = TokenKind::kLeftParen;
          break;
        case ')':
          kind = TokenKind::kRightParen;
          break;
        case '+':
          kind = TokenKind::kPlus;
          break;
        case '-':
          kind = TokenKind::kMinus;
          break;
        case '/':
          kind = TokenKind::kSlash;
          break;
        case '%':
          kind = TokenKind::kPercent;
          break;
        case '=':
          kind = TokenKind::kEqual;
          break;
        case '<':
          kind = TokenKind::kLess;
          break;
        case '>':
          kind = TokenKind::kGreater;
          break;
        case '[':
          kind = TokenKind::kLeftBracket;
          break;
        case '{':
          kind = TokenKind::kLeftBrace;
          break;
        default:
          kind = TokenKind::kOther;
          break;
      }
      add(kind, i, 1);
    }
  }
  tokens.push_back(Token{TokenKind::kEnd, "", label.offset + sql.size() + 1});
  return tokens;
}

}  // namespace shadowsync::rules_internal
