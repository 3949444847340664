// SPDX-License-Identifier: Apache-2.0
//
// A recursive-descent parser for the AWS IoT SQL subset (docs/rules.md).
// Precedence, loosest first: OR, AND, NOT, comparison, + -, * / %, unary
// minus. Constructs of the full language that the subset leaves out are
// recognised where they would start and refused by name, so that a user
// learns what to change instead of reading a generic syntax error.

#include "rules/sql_parser.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "ascii.h"
#include "rules/sql_functions.h"
#include "shadowsync/topic.h"

namespace shadowsync::rules_internal {
namespace {

bool IsKeyword(const Token& token, std::string_view keyword) {
  return token.kind == TokenKind::kIdentifier && ascii::EqualsIgnoreCase(token.text, keyword);
}

// Reserved words that cannot name a field without quoting (which the subset
// does not have either).
constexpr std::array<std::string_view, 10> kReserved = {"select", "from", "where", "as",    "and",
                                                        "or",     "not",  "true",  "false", "null"};

// Keywords of the full language that the subset refuses, with what to say.
struct Refused {
  std::string_view keyword;
  std::string_view message;
};
constexpr std::array<Refused, 14> kRefusedKeywords = {{
    {"case", "CASE is not supported"},
    {"in", "IN is not supported"},
    {"like", "LIKE is not supported"},
    {"is", "IS is not supported"},
    {"between", "BETWEEN is not supported"},
    {"exists", "EXISTS is not supported"},
    {"group", "GROUP BY is not supported"},
    {"order", "ORDER BY is not supported"},
    {"limit", "LIMIT is not supported"},
    {"having", "HAVING is not supported"},
    {"join", "JOIN is not supported"},
    {"union", "UNION is not supported"},
    {"distinct", "DISTINCT is not supported"},
    {"set", "SET is not supported"},
}};

const Refused* FindRefused(const Token& token) {
  for (const Refused& r : kRefusedKeywords) {
    if (IsKeyword(token, r.keyword)) return &r;
  }
  return nullptr;
}

bool IsReserved(const Token& token) {
  for (std::string_view word : kReserved) {
    if (IsKeyword(token, word)) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, SourceLabel label)
      : tokens_(std::move(tokens)), label_(label) {}

  Result<std::unique_ptr<Statement>> ParseStatement(std::string_view sql) {
    auto statement = std::make_unique<Statement>();
    statement->text = std::string(sql);
    if (IsKeyword(Peek(), "set")) return Error(Peek(), "the SET clause is not supported");
    if (!IsKeyword(Peek(), "select")) return Error(Peek(), "expected SELECT, found " + Found());
    Advance();
    // `SELECT VALUE expr` (SQL 2016-03-23), told apart from a payload key
    // named "value" (`SELECT value, ...`, `SELECT value AS v`) by what follows.
    if (IsKeyword(Peek(), "value") && StartsOperand(Peek(1)) && !IsKeyword(Peek(1), "from") &&
        !IsKeyword(Peek(1), "as")) {
      return Error(Peek(), "SELECT VALUE is not supported (only object results)");
    }
    if (IsKeyword(Peek(), "distinct")) return Error(Peek(), "DISTINCT is not supported");
    while (true) {
      SelectItem item;
      if (Status s = ParseSelectItem(&item); !s.ok()) return s;
      statement->select.push_back(std::move(item));
      if (Peek().kind != TokenKind::kComma) break;
      Advance();
    }
    if (!IsKeyword(Peek(), "from")) return Error(Peek(), "expected FROM, found " + Found());
    Advance();
    if (Peek().kind != TokenKind::kString) {
      return Error(Peek(), "FROM needs a topic filter in single quotes, found " + Found());
    }
    if (!IsValidTopicFilter(Peek().text)) {
      return Error(Peek(), "FROM '" + Peek().text +
                               "' is not a valid MQTT topic filter (+ and # only as whole "
                               "levels, # last)");
    }
    statement->topic_filter = Peek().text;
    Advance();
    if (IsKeyword(Peek(), "where")) {
      Advance();
      if (Status s = ParseExpr(&statement->where); !s.ok()) return s;
    }
    if (Peek().kind != TokenKind::kEnd) return Unexpected();
    return statement;
  }

  Result<std::unique_ptr<Expr>> ParseLoneExpression() {
    std::unique_ptr<Expr> expr;
    if (Peek().kind == TokenKind::kEnd) return Error(Peek(), "empty expression");
    if (Status s = ParseExpr(&expr); !s.ok()) return s;
    if (Peek().kind != TokenKind::kEnd) return Unexpected();
    return expr;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    const std::size_t i = next_ + ahead;
    return tokens_[i < tokens_.size() ? i : tokens_.size() - 1];
  }
  void Advance() {
    if (next_ + 1 < tokens_.size()) ++next_;
  }
  std::string Found() const { return DescribeToken(Peek()); }
  static bool StartsOperand(const Token& t) {
    return t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kNumber ||
           t.kind == TokenKind::kString || t.kind == TokenKind::kLeftParen;
  }
  Status Error(const Token& at, const std::string& what) const {
    return SqlError(label_, at.position, what);
  }

  // An error for a token that cannot continue what came before: a refused
  // construct by name, else a generic message.
  Status Unexpected() const {
    const Token& t = Peek();
    if (const Refused* r = FindRefused(t)) return Error(t, std::string(r->message));
    switch (t.kind) {
      case TokenKind::kBangEqual:
        return Error(t, "!= is not an AWS IoT SQL operator; use <>");
      case TokenKind::kLeftBracket:
        return Error(t, "array indexing and array literals ([...]) are not supported");
      case TokenKind::kLeftBrace:
        return Error(t, "object literals ({...}) are not supported");
      case TokenKind::kDoubleQuoted:
        return Error(t, "double-quoted names are not supported");
      default:
        break;
    }
    if (IsKeyword(t, "select")) return Error(t, "nested SELECT is not supported");
    return Error(t, "unexpected " + Found());
  }

  Status ParseSelectItem(SelectItem* item) {
    if (Peek().kind == TokenKind::kStar) {
      item->star = true;
      Advance();
      return Status::Ok();
    }
    const Token& start = Peek();
    if (Status s = ParseExpr(&item->expr); !s.ok()) return s;
    if (IsKeyword(Peek(), "as")) {
      Advance();
      const Token& alias = Peek();
      if (alias.kind != TokenKind::kIdentifier || IsReserved(alias)) {
        return Error(alias, "expected a name after AS, found " + Found());
      }
      item->key = alias.text;
      Advance();
    } else if (item->expr->kind == Expr::Kind::kPath) {
      item->key = item->expr->path.back();
    } else {
      return Error(start,
                   "this SELECT item needs AS <name>: shadowsync names only plain paths "
                   "implicitly");
    }
    return Status::Ok();
  }

  // Tracks the nesting depth of one recursive call.
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int* depth_;
  };

  Status CheckDepth() const {
    if (depth_ > kMaxExpressionDepth) {
      return Error(Peek(), "expression nested deeper than " + std::to_string(kMaxExpressionDepth) +
                               " levels");
    }
    return Status::Ok();
  }

  static std::unique_ptr<Expr> Binary(BinaryOp op, std::size_t position, std::unique_ptr<Expr> left,
                                      std::unique_ptr<Expr> right) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kBinary;
    e->op = op;
    e->position = position;
    e->operands.push_back(std::move(left));
    e->operands.push_back(std::move(right));
    return e;
  }

  Status ParseExpr(std::unique_ptr<Expr>* out) { return ParseOr(out); }

  Status ParseOr(std::unique_ptr<Expr>* out) {
    DepthGuard guard(&depth_);
    if (Status s = CheckDepth(); !s.ok()) return s;
    if (Status s = ParseAnd(out); !s.ok()) return s;
    while (IsKeyword(Peek(), "or")) {
      const std::size_t position = Peek().position;
      Advance();
      std::unique_ptr<Expr> right;
      if (Status s = ParseAnd(&right); !s.ok()) return s;
      *out = Binary(BinaryOp::kOr, position, std::move(*out), std::move(right));
    }
    return Status::Ok();
  }

  Status ParseAnd(std::unique_ptr<Expr>* out) {
    if (Status s = ParseNot(out); !s.ok()) return s;
    while (IsKeyword(Peek(), "and")) {
      const std::size_t position = Peek().position;
      Advance();
      std::unique_ptr<Expr> right;
      if (Status s = ParseNot(&right); !s.ok()) return s;
      *out = Binary(BinaryOp::kAnd, position, std::move(*out), std::move(right));
    }
    return Status::Ok();
  }

  Status ParseNot(std::unique_ptr<Expr>* out) {
    if (!IsKeyword(Peek(), "not")) return ParseComparison(out);
    DepthGuard guard(&depth_);
    if (Status s = CheckDepth(); !s.ok()) return s;
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kNot;
    e->position = Peek().position;
    Advance();
    e->operands.emplace_back();
    if (Status s = ParseNot(&e->operands[0]); !s.ok()) return s;
    *out = std::move(e);
    return Status::Ok();
  }

  static bool ComparisonOp(TokenKind kind, BinaryOp* op) {
    switch (kind) {
      case TokenKind::kEqual:
        *op = BinaryOp::kEqual;
        return true;
      case TokenKind::kNotEqual:
        *op = BinaryOp::kNotEqual;
        return true;
      case TokenKind::kLess:
        *op = BinaryOp::kLess;
        return true;
      case TokenKind::kLessEqual:
        *op = BinaryOp::kLessEqual;
        return true;
      case TokenKind::kGreater:
        *op = BinaryOp::kGreater;
        return true;
      case TokenKind::kGreaterEqual:
        *op = BinaryOp::kGreaterEqual;
        return true;
      default:
        return false;
    }
  }

  Status ParseComparison(std::unique_ptr<Expr>* out) {
    if (Status s = ParseAdditive(out); !s.ok()) return s;
    BinaryOp op;
    if (!ComparisonOp(Peek().kind, &op)) return Status::Ok();
    const std::size_t position = Peek().position;
    Advance();
    std::unique_ptr<Expr> right;
    if (Status s = ParseAdditive(&right); !s.ok()) return s;
    *out = Binary(op, position, std::move(*out), std::move(right));
    if (ComparisonOp(Peek().kind, &op)) {
      return Error(Peek(), "comparisons do not chain; use AND");
    }
    return Status::Ok();
  }

  Status ParseAdditive(std::unique_ptr<Expr>* out) {
    if (Status s = ParseMultiplicative(out); !s.ok()) return s;
    while (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
      const BinaryOp op = Peek().kind == TokenKind::kPlus ? BinaryOp::kAdd : BinaryOp::kSubtract;
      const std::size_t position = Peek().position;
      Advance();
      std::unique_ptr<Expr> right;
      if (Status s = ParseMultiplicative(&right); !s.ok()) return s;
      *out = Binary(op, position, std::move(*out), std::move(right));
    }
    return Status::Ok();
  }

  Status ParseMultiplicative(std::unique_ptr<Expr>* out) {
    if (Status s = ParseUnary(out); !s.ok()) return s;
    while (Peek().kind == TokenKind::kStar || Peek().kind == TokenKind::kSlash ||
           Peek().kind == TokenKind::kPercent) {
      const BinaryOp op = Peek().kind == TokenKind::kStar    ? BinaryOp::kMultiply
                          : Peek().kind == TokenKind::kSlash ? BinaryOp::kDivide
                                                             : BinaryOp::kModulo;
      const std::size_t position = Peek().position;
      Advance();
      std::unique_ptr<Expr> right;
      if (Status s = ParseUnary(&right); !s.ok()) return s;
      *out = Binary(op, position, std::move(*out), std::move(right));
    }
    return Status::Ok();
  }

  Status ParseUnary(std::unique_ptr<Expr>* out) {
    if (Peek().kind != TokenKind::kMinus) return ParsePrimary(out);
    DepthGuard guard(&depth_);
    if (Status s = CheckDepth(); !s.ok()) return s;
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kNegate;
    e->position = Peek().position;
    Advance();
    e->operands.emplace_back();
    if (Status s = ParseUnary(&e->operands[0]); !s.ok()) return s;
    *out = std::move(e);
    return Status::Ok();
  }

  Status ParsePrimary(std::unique_ptr<Expr>* out) {
    const Token& t = Peek();
    auto e = std::make_unique<Expr>();
    e->position = t.position;
    switch (t.kind) {
      case TokenKind::kNumber: {
        e->kind = Expr::Kind::kLiteral;
        e->literal.Parse(t.text.c_str(), t.text.size());
        if (e->literal.HasParseError() || !e->literal.IsNumber()) {
          return Error(t, "number " + t.text + " is out of range");
        }
        Advance();
        break;
      }
      case TokenKind::kString:
        e->kind = Expr::Kind::kLiteral;
        e->literal.SetString(t.text.c_str(), static_cast<rapidjson::SizeType>(t.text.size()),
                             e->literal.GetAllocator());
        Advance();
        break;
      case TokenKind::kLeftParen: {
        Advance();
        if (IsKeyword(Peek(), "select")) return Error(Peek(), "nested SELECT is not supported");
        if (Status s = ParseExpr(&e); !s.ok()) return s;
        if (Peek().kind != TokenKind::kRightParen) {
          if (Peek().kind == TokenKind::kComma || Peek().kind == TokenKind::kEnd ||
              IsKeyword(Peek(), "from")) {
            return Error(Peek(), "expected ')', found " + Found());
          }
          return Unexpected();
        }
        Advance();
        break;
      }
      case TokenKind::kIdentifier:
        if (IsKeyword(t, "true") || IsKeyword(t, "false")) {
          e->kind = Expr::Kind::kLiteral;
          e->literal.SetBool(IsKeyword(t, "true"));
          Advance();
        } else if (IsKeyword(t, "null")) {
          e->kind = Expr::Kind::kLiteral;
          e->literal.SetNull();
          Advance();
        } else if (IsKeyword(t, "select")) {
          return Error(t, "nested SELECT is not supported");
        } else if (IsKeyword(t, "undefined")) {
          return Error(t,
                       "Undefined is not a literal in AWS IoT SQL (it would read the payload "
                       "key \"Undefined\", so a comparison with it is never true); use "
                       "isUndefined(x) or NOT isUndefined(x)");
        } else if (const Refused* r = FindRefused(t)) {
          return Error(t, std::string(r->message));
        } else if (IsReserved(t)) {
          return Error(t, "expected an expression, found " + Found());
        } else if (Peek(1).kind == TokenKind::kLeftParen) {
          if (Status s = ParseCall(e.get()); !s.ok()) return s;
        } else {
          if (Status s = ParsePath(e.get()); !s.ok()) return s;
        }
        break;
      case TokenKind::kStar:
        return Error(t, "* is allowed only as a whole SELECT item");
      case TokenKind::kEnd:
        return Error(t, "expected an expression, found end of statement");
      default:
        if (t.kind == TokenKind::kComma || t.kind == TokenKind::kRightParen ||
            t.kind == TokenKind::kDot) {
          return Error(t, "expected an expression, found " + Found());
        }
        return Unexpected();
    }
    *out = std::move(e);
    return Status::Ok();
  }

  Status ParsePath(Expr* e) {
    e->kind = Expr::Kind::kPath;
    e->path.push_back(Peek().text);
    Advance();
    while (Peek().kind == TokenKind::kDot) {
      Advance();
      const Token& segment = Peek();
      if (segment.kind == TokenKind::kStar) {
        return Error(segment, "wildcard paths (a.*) are not supported");
      }
      if (segment.kind == TokenKind::kLeftParen || segment.kind == TokenKind::kDoubleQuoted ||
          segment.kind == TokenKind::kString) {
        return Error(segment, "only plain names may follow '.' in a path");
      }
      if (segment.kind != TokenKind::kIdentifier) {
        return Error(segment, "expected a name after '.', found " + Found());
      }
      e->path.push_back(segment.text);
      Advance();
      if (Peek().kind == TokenKind::kLeftParen) {
        return Error(Peek(), "method calls (a.b(...)) are not supported");
      }
    }
    if (Peek().kind == TokenKind::kLeftBracket) {
      return Error(Peek(), "array indexing ([n]) is not supported");
    }
    return Status::Ok();
  }

  Status ParseCall(Expr* e) {
    const Token& name = Peek();
    const std::optional<FunctionInfo> info = LookUpFunction(name.text);
    if (!info) {
      return Error(name, "function " + name.text + "() is not supported (supported: " +
                             std::string(SupportedFunctionList()) + ")");
    }
    e->kind = Expr::Kind::kCall;
    e->function = info->function;
    Advance();  // the name
    Advance();  // (
    if (Peek().kind != TokenKind::kRightParen) {
      while (true) {
        if (Peek().kind == TokenKind::kStar) {
          return Error(Peek(), "* as a function argument is not supported");
        }
        e->operands.emplace_back();
        if (Status s = ParseExpr(&e->operands.back()); !s.ok()) return s;
        if (Peek().kind != TokenKind::kComma) break;
        Advance();
      }
      if (Peek().kind != TokenKind::kRightParen) {
        if (Peek().kind == TokenKind::kEnd || IsKeyword(Peek(), "from")) {
          return Error(Peek(),
                       "expected ')' to close " + std::string(info->name) + "(, found " + Found());
        }
        return Unexpected();
      }
    }
    Advance();  // )
    const std::size_t n = e->operands.size();
    if (n < info->min_args || n > info->max_args) {
      std::string expected;
      if (info->min_args == info->max_args) {
        expected = std::to_string(info->min_args);
      } else if (info->max_args > 100) {
        expected = "at least " + std::to_string(info->min_args);
      } else {
        expected = std::to_string(info->min_args) + " or " + std::to_string(info->max_args);
      }
      return Error(name, std::string(info->name) + "() takes " + expected + " argument" +
                             (expected == "1" ? "" : "s") + ", not " + std::to_string(n));
    }
    return Status::Ok();
  }

  std::vector<Token> tokens_;
  SourceLabel label_;
  std::size_t next_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Statement>> ParseStatement(std::string_view sql) {
  const SourceLabel label;
  Result<std::vector<Token>> tokens = Tokenize(sql, label);
  if (!tokens.ok()) return tokens.status();
  Parser parser(std::move(*tokens), label);
  return parser.ParseStatement(sql);
}

Result<std::unique_ptr<Expr>> ParseExpression(std::string_view text, const SourceLabel& label) {
  Result<std::vector<Token>> tokens = Tokenize(text, label);
  if (!tokens.ok()) return tokens.status();
  Parser parser(std::move(*tokens), label);
  return parser.ParseLoneExpression();
}

}  // namespace shadowsync::rules_internal
