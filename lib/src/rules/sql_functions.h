// SPDX-License-Identifier: Apache-2.0
//
// The functions of the AWS IoT SQL subset: looked up by name when parsing
// (with their arity), and applied to evaluated arguments when evaluating.
// Semantics follow the AWS IoT SQL functions reference: a function given an
// argument of the wrong type returns Undefined.

#ifndef SHADOWSYNC_RULES_SQL_FUNCTIONS_H_
#define SHADOWSYNC_RULES_SQL_FUNCTIONS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/sql_ast.h"
#include "rules/sql_value.h"
#include "shadowsync/sql.h"

namespace shadowsync::rules_internal {

struct FunctionInfo {
  Function function;
  std::string_view name;  // as the docs spell it
  std::size_t min_args;
  std::size_t max_args;
};

/// Looks `name` up case-insensitively; std::nullopt when it is not in the
/// subset.
std::optional<FunctionInfo> LookUpFunction(std::string_view name);

/// "topic(), topic(n), timestamp(), ..." for error messages.
std::string_view SupportedFunctionList();

/// Applies `function` to `args` (already evaluated) for `message`.
/// Values are allocated with `allocator`. Sets `*error` (and returns
/// Undefined) only for newuuid() without a uuid source.
SqlValue CallFunction(Function function, std::vector<SqlValue>& args, const SqlMessage& message,
                      JsonAllocator& allocator, Status* error);

}  // namespace shadowsync::rules_internal

#endif  // SHADOWSYNC_RULES_SQL_FUNCTIONS_H_
