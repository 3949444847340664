// SPDX-License-Identifier: Apache-2.0
//
// The tree the parser builds and the evaluator walks: expressions, the
// SELECT list, FROM and WHERE. Every node keeps its 1-based position.

#ifndef SHADOWSYNC_RULES_SQL_AST_H_
#define SHADOWSYNC_RULES_SQL_AST_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadowsync/json.h"

namespace shadowsync::rules_internal {

enum class BinaryOp {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAnd,
  kOr,
};

/// The functions of the subset (sql_functions.h has their names and arity).
enum class Function {
  kTopic,
  kTimestamp,
  kClientId,
  kPrincipal,
  kNewUuid,
  kUpper,
  kLower,
  kConcat,
  kIsUndefined,
};

struct Expr {
  enum class Kind { kLiteral, kPath, kNegate, kNot, kBinary, kCall };

  Kind kind = Kind::kLiteral;
  std::size_t position = 0;
  JsonDocument literal;                         // kLiteral
  std::vector<std::string> path;                // kPath: "state.reported.temp" as its segments
  BinaryOp op = BinaryOp::kAdd;                 // kBinary
  Function function = Function::kTopic;         // kCall
  std::vector<std::unique_ptr<Expr>> operands;  // kNegate/kNot: 1, kBinary: 2, kCall: args
};

/// One SELECT item: `*`, or an expression with the key it gets.
struct SelectItem {
  bool star = false;
  std::unique_ptr<Expr> expr;  // null for `*`
  std::string key;             // the AS alias, or the last segment of a path
};

struct Statement {
  std::string text;
  std::vector<SelectItem> select;
  std::string topic_filter;
  std::unique_ptr<Expr> where;  // null without WHERE
};

}  // namespace shadowsync::rules_internal

#endif  // SHADOWSYNC_RULES_SQL_AST_H_
