// SPDX-License-Identifier: Apache-2.0
//
// The AWS IoT SQL evaluator (lib/src/rules/sql_evaluator.cc): the operator
// tables of iot-sql-operators.md and the Undefined semantics through
// statements, and one expression tree evaluated directly on a message
// (paths into the payload, the first evaluation error).

#include "rules/sql_evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "rules/sql_parser.h"
#include "unit/sql_cases.h"

namespace shadowsync {
namespace {

using rules_internal::Evaluator;
using rules_internal::Expr;
using rules_internal::ParseExpression;
using rules_internal::SourceLabel;
using rules_internal::SqlValue;
using sql_cases::ExpectCases;
using sql_cases::kNoMatch;
using ::testing::HasSubstr;

TEST(SqlTest, UndefinedIsLeftOutAndNeverTrue) {
  constexpr char kPayload[] = R"({"a":1,"s":"x","n":null,"o":{"p":2}})";
  ExpectCases({
      {"SELECT missing, o.missing, o.p.deeper, a.b, a FROM '#'", kPayload, R"({"a":1})"},
      {"SELECT a FROM '#' WHERE missing = 1", kPayload, kNoMatch},
      {"SELECT a FROM '#' WHERE missing <> 1", kPayload, kNoMatch},
      {"SELECT a FROM '#' WHERE NOT (missing = 1)", kPayload, kNoMatch},
      {"SELECT a FROM '#' WHERE missing", kPayload, kNoMatch},
      // AND/OR: any operand that is not a boolean makes the result Undefined,
      // even when the other side decides in two-valued logic.
      {"SELECT a FROM '#' WHERE a = 1 OR missing = 1", kPayload, kNoMatch},
      {"SELECT a FROM '#' WHERE NOT (a = 2 AND missing = 1)", kPayload, kNoMatch},
      {"SELECT a FROM '#' WHERE isUndefined(missing)", kPayload, R"({"a":1})"},
      {"SELECT a FROM '#' WHERE NOT isUndefined(o.p)", kPayload, R"({"a":1})"},
      // Null is a value, not Undefined.
      {"SELECT n FROM '#' WHERE n = NULL", kPayload, R"({"n":null})"},
      {"SELECT missing + 1 AS x, upper(missing) AS y, concat(s, missing) AS z FROM '#'", kPayload,
       "{}"},
      // A non-JSON payload: paths are Undefined, functions still work.
      {"SELECT temp, topic() AS t FROM '#'", "not json", R"({"t":"topic/subtopic"})"},
  });
}

TEST(SqlTest, OperatorTables) {
  // iot-sql-operators.md: the tables of each operator.
  constexpr char kPayload[] = R"({"i":7,"d":7.5,"s":"7","word":"abc","t":"TRUE","b":false,
      "arr":[1,{"x":2}],"obj":{"k":[1]}})";
  ExpectCases({
      // Int with Int stays Int, / truncates; a Decimal makes a Decimal.
      {"SELECT i / 2 AS q, i % 3 AS r, d / 2 AS dq, i * 2 AS m, i - 10 AS neg FROM '#'", kPayload,
       R"({"q":3,"r":1,"dq":3.75,"m":14,"neg":-3})"},
      // Division and modulo by zero, and non-numbers, are Undefined.
      {"SELECT i / 0 AS a, i % 0 AS b, d / 0 AS c, word * 2 AS e, arr + 1 AS f FROM '#'", kPayload,
       "{}"},
      // + joins two strings; a numeric string converts next to a number.
      {"SELECT word + s AS j, s + 1 AS k, -s AS l FROM '#'", kPayload,
       R"({"j":"abc7","k":8,"l":-7})"},
      // = and <>: numbers by value, same types by content, mismatched types
      // unequal (7 and '7' differ).
      {"SELECT i = 7.0 AS a, i = s AS b, i <> s AS c, arr = arr AS d, obj = obj AS e, "
       "b = false AS f, word = 'abc' AS g FROM '#'",
       kPayload, R"({"a":true,"b":false,"c":true,"d":true,"e":true,"f":true,"g":true})"},
      // < <= > >=: both sides as Decimal; strings that are not numbers give
      // Undefined.
      {"SELECT s > 6 AS a, d >= 7.5 AS b, i < d AS c, word < 'abd' AS e FROM '#'", kPayload,
       R"({"a":true,"b":true,"c":true})"},
      // AND/OR/NOT accept "true"/"false" strings in any case.
      {"SELECT t AND true AS a, NOT t AS b, b OR t AS c, NOT i AS d FROM '#'", kPayload,
       R"({"a":true,"b":false,"c":true})"},
      // Precedence: * before +, AND before OR, NOT before AND.
      {"SELECT 1 + 2 * 3 AS a, (1 + 2) * 3 AS b, 10 - 2 - 3 AS c FROM '#'", "{}",
       R"({"a":7,"b":9,"c":5})"},
      {"SELECT 1 AS x FROM '#' WHERE true OR false AND false", "{}", R"({"x":1})"},
      {"SELECT 1 AS x FROM '#' WHERE NOT false AND false", "{}", kNoMatch},
      // Only the boolean true selects: the string "true" does not.
      {"SELECT 1 AS x FROM '#' WHERE 'true'", "{}", kNoMatch},
      // Int overflow continues as Decimal instead of wrapping.
      {"SELECT 9223372036854775807 + 1 AS x FROM '#'", "{}", R"({"x":9223372036854776000.0})"},
  });
}

// One expression on one message, rendered as compact JSON or "Undefined".
class SqlEvaluatorTest : public ::testing::Test {
 protected:
  void SetPayload(const char* json) {
    payload_.Parse(json);
    ASSERT_FALSE(payload_.HasParseError()) << json;
    message_.payload_json = &payload_;
  }
  std::string Evaluate(const std::string& text) {
    Result<std::unique_ptr<Expr>> expr = ParseExpression(text, SourceLabel{});
    if (!expr.ok()) return "parse error: " + expr.status().message();
    Evaluator evaluator(message_, values_.GetAllocator());
    const SqlValue value = evaluator.Evaluate(**expr);
    status_ = evaluator.status();
    return value.is_undefined() ? "Undefined" : ToCompactJson(value.json());
  }

  JsonDocument payload_;
  JsonDocument values_;
  SqlMessage message_;
  Status status_;
};

TEST_F(SqlEvaluatorTest, PathsWalkObjectsOnly) {
  SetPayload(R"({"a":{"b":[1,2],"n":null,"s":"x"},"top":3})");
  EXPECT_EQ(Evaluate("top"), "3");
  EXPECT_EQ(Evaluate("a.b"), "[1,2]");
  EXPECT_EQ(Evaluate("a.n"), "null");
  EXPECT_EQ(Evaluate("a"), R"({"b":[1,2],"n":null,"s":"x"})");
  // Into an array, a string, null or past the end: Undefined.
  EXPECT_EQ(Evaluate("a.b.c"), "Undefined");
  EXPECT_EQ(Evaluate("a.s.length"), "Undefined");
  EXPECT_EQ(Evaluate("a.n.x"), "Undefined");
  EXPECT_EQ(Evaluate("missing"), "Undefined");
  // Keys are case-sensitive.
  EXPECT_EQ(Evaluate("TOP"), "Undefined");
  EXPECT_TRUE(status_.ok());
}

TEST_F(SqlEvaluatorTest, WithoutAJsonPayloadEveryPathIsUndefined) {
  message_.topic = "a/b";
  EXPECT_EQ(Evaluate("a"), "Undefined");
  EXPECT_EQ(Evaluate("isUndefined(a)"), "true");
  EXPECT_EQ(Evaluate("topic(2)"), R"("b")");
  // A JSON payload that is not an object has no keys either.
  SetPayload("[1,2]");
  EXPECT_EQ(Evaluate("a"), "Undefined");
}

TEST_F(SqlEvaluatorTest, AnEvaluationErrorMakesTheRestUndefined) {
  SetPayload(R"({"a":1})");
  EXPECT_EQ(Evaluate("concat(newuuid(), 'x')"), "Undefined");
  EXPECT_EQ(status_.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status_.message(), HasSubstr("newuuid(): no uuid source"));
  // A fresh evaluator starts clean.
  EXPECT_EQ(Evaluate("a + 1"), "2");
  EXPECT_TRUE(status_.ok());
}

TEST_F(SqlEvaluatorTest, IntArithmeticThatOverflowsBecomesDecimal) {
  // 2^64 - 2 as a Decimal (a double: 2^64), not a wrapped Int.
  EXPECT_EQ(Evaluate("9223372036854775807 * 2 = 18446744073709551616.0"), "true");
  EXPECT_EQ(Evaluate("9223372036854775807 * 2 > 9223372036854775807"), "true");
  EXPECT_EQ(Evaluate("7 / 2"), "3");
  EXPECT_EQ(Evaluate("-7 % 3"), "-1");
  EXPECT_EQ(Evaluate("7.0 / 2"), "3.5");
  EXPECT_EQ(Evaluate("1 / 0"), "Undefined");
}

}  // namespace
}  // namespace shadowsync
