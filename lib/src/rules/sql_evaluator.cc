// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT SQL's operators (iot-sql-operators.md), in short:
// - AND, OR, NOT take booleans or the strings "true"/"false" (any case);
//   any other operand, Undefined included, makes the result Undefined (no
//   short circuit: `false AND x` is Undefined when x is).
// - = and <> compare numbers by value and other values of the same type by
//   content; values of different types are unequal; Undefined on either
//   side gives Undefined.
// - < <= > >= convert both sides to Decimal (strings when they look like
//   numbers) and give Undefined when either does not convert.
// - + joins two strings; otherwise + - * / % convert both sides to numbers:
//   Int with Int stays Int (/ truncates), anything with a Decimal is
//   Decimal; division or modulo by zero, overflow to infinity and
//   non-numbers give Undefined.

#include "rules/sql_evaluator.h"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "rules/sql_functions.h"

namespace shadowsync::rules_internal {
namespace {

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kLess || op == BinaryOp::kLessEqual || op == BinaryOp::kGreater ||
         op == BinaryOp::kGreaterEqual;
}

// a - b as -1, 0, 1 (Ints exactly, else as doubles).
int CompareNumbers(const SqlNumber& a, const SqlNumber& b) {
  if (a.is_int && b.is_int) return a.int_value < b.int_value ? -1 : a.int_value > b.int_value;
  const double x = a.AsDouble();
  const double y = b.AsDouble();
  return x < y ? -1 : x > y;
}

// Same JSON type for = and <>: numbers are one type.
bool SameType(const JsonValue& a, const JsonValue& b) {
  if (a.IsNumber() && b.IsNumber()) return true;
  if (a.IsBool() && b.IsBool()) return true;
  return a.GetType() == b.GetType();
}

SqlValue Arithmetic(BinaryOp op, const SqlNumber& a, const SqlNumber& b) {
  if (a.is_int && b.is_int) {
    SqlNumber r;
    r.is_int = true;
    bool overflow = false;
    switch (op) {
      case BinaryOp::kAdd:
        overflow = __builtin_add_overflow(a.int_value, b.int_value, &r.int_value);
        break;
      case BinaryOp::kSubtract:
        overflow = __builtin_sub_overflow(a.int_value, b.int_value, &r.int_value);
        break;
      case BinaryOp::kMultiply:
        overflow = __builtin_mul_overflow(a.int_value, b.int_value, &r.int_value);
        break;
      case BinaryOp::kDivide:
      case BinaryOp::kModulo:
        if (b.int_value == 0) return SqlValue::Undefined();
        if (a.int_value == INT64_MIN && b.int_value == -1) {
          overflow = true;
        } else {
          r.int_value =
              op == BinaryOp::kDivide ? a.int_value / b.int_value : a.int_value % b.int_value;
        }
        break;
      default:
        return SqlValue::Undefined();
    }
    if (!overflow) return NumberValue(r);
  }
  // Decimal arithmetic (also Int results that overflow int64).
  const double x = a.AsDouble();
  const double y = b.AsDouble();
  SqlNumber r;
  switch (op) {
    case BinaryOp::kAdd:
      r.decimal = x + y;
      break;
    case BinaryOp::kSubtract:
      r.decimal = x - y;
      break;
    case BinaryOp::kMultiply:
      r.decimal = x * y;
      break;
    case BinaryOp::kDivide:
      if (y == 0) return SqlValue::Undefined();
      r.decimal = x / y;
      break;
    case BinaryOp::kModulo:
      if (y == 0) return SqlValue::Undefined();
      r.decimal = std::fmod(x, y);
      break;
    default:
      return SqlValue::Undefined();
  }
  return NumberValue(r);
}

}  // namespace

SqlValue Evaluator::Evaluate(const Expr& expr) {
  if (!status_.ok()) return SqlValue::Undefined();
  switch (expr.kind) {
    case Expr::Kind::kLiteral:
      return SqlValue::Of(JsonValue(expr.literal, allocator_));
    case Expr::Kind::kPath:
      return Path(expr);
    case Expr::Kind::kNegate: {
      const std::optional<SqlNumber> n = ToNumber(Evaluate(*expr.operands[0]));
      if (!n) return SqlValue::Undefined();
      SqlNumber r = *n;
      if (r.is_int && r.int_value != INT64_MIN) {
        r.int_value = -r.int_value;
      } else {
        r.decimal = -r.AsDouble();
        r.is_int = false;
      }
      return NumberValue(r);
    }
    case Expr::Kind::kNot: {
      const std::optional<bool> b = ToBoolean(Evaluate(*expr.operands[0]));
      if (!b) return SqlValue::Undefined();
      return SqlValue::Bool(!*b);
    }
    case Expr::Kind::kBinary:
      return Binary(expr);
    case Expr::Kind::kCall: {
      std::vector<SqlValue> args;
      args.reserve(expr.operands.size());
      for (const auto& operand : expr.operands) args.push_back(Evaluate(*operand));
      if (!status_.ok()) return SqlValue::Undefined();
      return CallFunction(expr.function, args, message_, allocator_, &status_);
    }
  }
  return SqlValue::Undefined();
}

SqlValue Evaluator::Path(const Expr& expr) {
  const JsonValue* v = message_.payload_json;
  for (const std::string& segment : expr.path) {
    if (v == nullptr || !v->IsObject()) return SqlValue::Undefined();
    const auto member =
        v->FindMember(JsonValue(rapidjson::StringRef(segment.data(), segment.size())));
    if (member == v->MemberEnd()) return SqlValue::Undefined();
    v = &member->value;
  }
  if (v == nullptr) return SqlValue::Undefined();
  return SqlValue::Of(JsonValue(*v, allocator_));
}

SqlValue Evaluator::Binary(const Expr& expr) {
  SqlValue left = Evaluate(*expr.operands[0]);
  SqlValue right = Evaluate(*expr.operands[1]);
  const BinaryOp op = expr.op;
  if (op == BinaryOp::kAnd || op == BinaryOp::kOr) {
    const std::optional<bool> a = ToBoolean(left);
    const std::optional<bool> b = ToBoolean(right);
    if (!a || !b) return SqlValue::Undefined();
    return SqlValue::Bool(op == BinaryOp::kAnd ? (*a && *b) : (*a || *b));
  }
  if (left.is_undefined() || right.is_undefined()) return SqlValue::Undefined();
  if (op == BinaryOp::kEqual || op == BinaryOp::kNotEqual) {
    bool equal = false;
    if (SameType(left.json(), right.json())) equal = JsonEquals(left.json(), right.json());
    return SqlValue::Bool(op == BinaryOp::kEqual ? equal : !equal);
  }
  if (op == BinaryOp::kAdd && left.json().IsString() && right.json().IsString()) {
    std::string joined(left.json().GetString(), left.json().GetStringLength());
    joined.append(right.json().GetString(), right.json().GetStringLength());
    return StringValue(joined, allocator_);
  }
  const std::optional<SqlNumber> a = ToNumber(left);
  const std::optional<SqlNumber> b = ToNumber(right);
  if (!a || !b) return SqlValue::Undefined();
  if (IsComparison(op)) {
    const int c = CompareNumbers(*a, *b);
    switch (op) {
      case BinaryOp::kLess:
        return SqlValue::Bool(c < 0);
      case BinaryOp::kLessEqual:
        return SqlValue::Bool(c <= 0);
      case BinaryOp::kGreater:
        return SqlValue::Bool(c > 0);
      default:
        return SqlValue::Bool(c >= 0);
    }
  }
  return Arithmetic(op, *a, *b);
}

}  // namespace shadowsync::rules_internal
