// SPDX-License-Identifier: Apache-2.0
//
// The AWS IoT SQL parser: tokens to the tree of sql_ast.h, refusing every
// construct outside the subset with its position and name.

#ifndef SHADOWSYNC_RULES_SQL_PARSER_H_
#define SHADOWSYNC_RULES_SQL_PARSER_H_

#include <memory>
#include <string_view>

#include "rules/sql_ast.h"
#include "rules/sql_lexer.h"
#include "shadowsync/status.h"

namespace shadowsync::rules_internal {

/// Expressions nested deeper than this (parentheses, NOT, unary minus,
/// operator chains) are refused, so hostile SQL cannot exhaust the stack.
inline constexpr int kMaxExpressionDepth = 64;

/// Parses a whole statement: SELECT ... FROM '<filter>' [WHERE ...].
Result<std::unique_ptr<Statement>> ParseStatement(std::string_view sql);

/// Parses one expression that must span all of `text` (the inside of a
/// template's `${...}`); positions and messages follow `label`.
Result<std::unique_ptr<Expr>> ParseExpression(std::string_view text, const SourceLabel& label);

}  // namespace shadowsync::rules_internal

#endif  // SHADOWSYNC_RULES_SQL_PARSER_H_
