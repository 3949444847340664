// SPDX-License-Identifier: Apache-2.0
//
// Evaluation of one expression tree on one message, with AWS IoT SQL's
// operator tables (iot-sql-operators.md) and Undefined semantics.

#ifndef SHADOWSYNC_RULES_SQL_EVALUATOR_H_
#define SHADOWSYNC_RULES_SQL_EVALUATOR_H_

#include "rules/sql_ast.h"
#include "rules/sql_value.h"
#include "shadowsync/sql.h"
#include "shadowsync/status.h"

namespace shadowsync::rules_internal {

/// Evaluates expressions for one message. Values are allocated with the
/// given allocator, which must outlive them. Not thread-safe; one per
/// evaluation.
class Evaluator {
 public:
  /// `message` and `allocator` are borrowed and must outlive the evaluator.
  Evaluator(const SqlMessage& message, JsonAllocator& allocator)
      : message_(message), allocator_(allocator) {}

  /// The value of `expr`; Undefined where AWS gives Undefined. After an
  /// evaluation error (see status()) the value is Undefined.
  SqlValue Evaluate(const Expr& expr);

  /// The first evaluation error (newuuid() without a uuid source), or OK.
  const Status& status() const { return status_; }

 private:
  SqlValue Path(const Expr& expr);
  SqlValue Binary(const Expr& expr);

  const SqlMessage& message_;
  JsonAllocator& allocator_;
  Status status_;
};

}  // namespace shadowsync::rules_internal

#endif  // SHADOWSYNC_RULES_SQL_EVALUATOR_H_
