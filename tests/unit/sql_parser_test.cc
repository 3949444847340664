// SPDX-License-Identifier: Apache-2.0
//
// The AWS IoT SQL parser (lib/src/rules/sql_parser.cc): the tree it builds
// (sql_ast.h), keywords, and every refusal and syntax error, each naming
// its 1-based position and the construct ("SQL position 8: ..."), in a
// statement and in a lone expression (a template's ${...}, whose positions
// count from where it stands in the template).

#include "rules/sql_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "shadowsync/sql.h"
#include "unit/sql_cases.h"

namespace shadowsync {
namespace {

using rules_internal::BinaryOp;
using rules_internal::Expr;
using rules_internal::Function;
using rules_internal::ParseExpression;
using rules_internal::ParseStatement;
using rules_internal::SourceLabel;
using rules_internal::Statement;
using sql_cases::ErrorCase;
using sql_cases::EvaluateSql;
using sql_cases::ExpectCases;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Expr> MustParseExpression(const std::string& text) {
  Result<std::unique_ptr<Expr>> expr = ParseExpression(text, SourceLabel{});
  EXPECT_TRUE(expr.ok()) << text << ": " << expr.status().ToString();
  return expr.ok() ? std::move(expr).value() : std::make_unique<Expr>();
}

TEST(SqlParserTest, StatementTreeHoldsItemsKeysFilterAndWhere) {
  Result<std::unique_ptr<Statement>> parsed =
      ParseStatement("SELECT *, state.reported.t, a + 1 AS b FROM 'x/+' WHERE c > 1");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Statement& statement = **parsed;
  EXPECT_EQ(statement.text, "SELECT *, state.reported.t, a + 1 AS b FROM 'x/+' WHERE c > 1");
  ASSERT_EQ(statement.select.size(), 3u);
  EXPECT_TRUE(statement.select[0].star);
  EXPECT_EQ(statement.select[0].expr.get(), nullptr);
  // A plain path is named by its last segment, anything else by AS.
  EXPECT_EQ(statement.select[1].key, "t");
  ASSERT_NE(statement.select[1].expr.get(), nullptr);
  EXPECT_EQ(statement.select[1].expr->kind, Expr::Kind::kPath);
  EXPECT_THAT(statement.select[1].expr->path, ElementsAre("state", "reported", "t"));
  EXPECT_EQ(statement.select[1].expr->position, 11u);
  EXPECT_EQ(statement.select[2].key, "b");
  EXPECT_EQ(statement.select[2].expr->kind, Expr::Kind::kBinary);
  EXPECT_EQ(statement.select[2].expr->op, BinaryOp::kAdd);
  EXPECT_EQ(statement.topic_filter, "x/+");
  ASSERT_NE(statement.where.get(), nullptr);
  EXPECT_EQ(statement.where->kind, Expr::Kind::kBinary);
  EXPECT_EQ(statement.where->op, BinaryOp::kGreater);

  Result<std::unique_ptr<Statement>> no_where = ParseStatement("SELECT a FROM '#'");
  ASSERT_TRUE(no_where.ok());
  EXPECT_EQ((*no_where)->where.get(), nullptr);
}

TEST(SqlParserTest, PrecedenceShapesTheTree) {
  // * before +.
  std::unique_ptr<Expr> sum = MustParseExpression("1 + 2 * 3");
  ASSERT_EQ(sum->kind, Expr::Kind::kBinary);
  EXPECT_EQ(sum->op, BinaryOp::kAdd);
  ASSERT_EQ(sum->operands.size(), 2u);
  EXPECT_EQ(sum->operands[1]->op, BinaryOp::kMultiply);
  // AND before OR.
  std::unique_ptr<Expr> either = MustParseExpression("a OR b AND c");
  EXPECT_EQ(either->op, BinaryOp::kOr);
  EXPECT_EQ(either->operands[1]->op, BinaryOp::kAnd);
  // NOT takes a whole comparison.
  std::unique_ptr<Expr> negated = MustParseExpression("NOT a = 1");
  ASSERT_EQ(negated->kind, Expr::Kind::kNot);
  EXPECT_EQ(negated->operands[0]->op, BinaryOp::kEqual);
  // Left-associative: (10 - 2) - 3.
  std::unique_ptr<Expr> difference = MustParseExpression("10 - 2 - 3");
  EXPECT_EQ(difference->op, BinaryOp::kSubtract);
  EXPECT_EQ(difference->operands[0]->op, BinaryOp::kSubtract);
  EXPECT_EQ(difference->operands[1]->kind, Expr::Kind::kLiteral);
}

TEST(SqlParserTest, LiteralsAndCallsAreRecognisedCaseInsensitively) {
  std::unique_ptr<Expr> call = MustParseExpression("ISUNDEFINED(a.b)");
  ASSERT_EQ(call->kind, Expr::Kind::kCall);
  EXPECT_EQ(call->function, Function::kIsUndefined);
  ASSERT_EQ(call->operands.size(), 1u);
  EXPECT_THAT(call->operands[0]->path, ElementsAre("a", "b"));
  std::unique_ptr<Expr> truth = MustParseExpression("TRUE");
  ASSERT_EQ(truth->kind, Expr::Kind::kLiteral);
  EXPECT_TRUE(truth->literal.IsBool() && truth->literal.GetBool());
  std::unique_ptr<Expr> null = MustParseExpression("Null");
  ASSERT_EQ(null->kind, Expr::Kind::kLiteral);
  EXPECT_TRUE(null->literal.IsNull());
  std::unique_ptr<Expr> text = MustParseExpression("'on'");
  ASSERT_EQ(text->kind, Expr::Kind::kLiteral);
  ASSERT_TRUE(text->literal.IsString());
  EXPECT_STREQ(text->literal.GetString(), "on");
}

TEST(SqlParserTest, LoneExpressionErrorsCountFromTheLabelsOffset) {
  // "${upper(a}" with the expression starting at byte 10 of a template.
  const SourceLabel label{"template", 10};
  Result<std::unique_ptr<Expr>> open = ParseExpression("upper(a", label);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().message(),
            "template position 18: expected ')' to close upper(, found end of statement");
  Result<std::unique_ptr<Expr>> empty = ParseExpression("", label);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "template position 11: empty expression");
  // The expression must span the whole text.
  Result<std::unique_ptr<Expr>> trailing = ParseExpression("a b", SourceLabel{});
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.status().message(), "SQL position 3: unexpected 'b'");
  // A statement is not an expression.
  EXPECT_THAT(ParseExpression("SELECT a FROM 'x'", SourceLabel{}).status().message(),
              HasSubstr("nested SELECT is not supported"));
}

TEST(SqlTest, KeywordsAreCaseInsensitiveKeysAreNot) {
  ExpectCases({
      {"select Color as C from 'topic/subtopic' where TEMPERATURE > 1 and Color = 'x'",
       R"({"Color":"x","TEMPERATURE":2,"color":"y"})", R"({"C":"x"})"},
      {"SeLeCt TOPIC(2) As lvl FrOm '#'", "{}", R"({"lvl":"subtopic"})"},
      // A payload key named like the VALUE keyword is still a key.
      {"SELECT value, value * 2 AS twice FROM '#'", R"({"value":4})", R"({"value":4,"twice":8})"},
      {"SELECT value AS v FROM '#'", R"({"value":4})", R"({"v":4})"},
      // After a dot, keywords are keys.
      {"SELECT s.order, s.from AS f FROM '#'", R"({"s":{"order":1,"from":2}})",
       R"({"order":1,"f":2})"},
  });
}

TEST(SqlTest, RefusalsNameThePositionAndTheConstruct) {
  const std::vector<ErrorCase> cases = {
      {"SELECT (SELECT a FROM 'x') AS b FROM 'x'",
       "SQL position 9: nested SELECT is not supported"},
      {"SELECT VALUE a FROM 'x'",
       "SQL position 8: SELECT VALUE is not supported (only object results)"},
      {"SELECT DISTINCT a FROM 'x'", "SQL position 8: DISTINCT is not supported"},
      {"SET @a = 1 SELECT a FROM 'x'", "SQL position 1: the SET clause is not supported"},
      {"SELECT CASE a WHEN 1 THEN 2 END AS c FROM 'x'", "SQL position 8: CASE is not supported"},
      {"SELECT a FROM 'x' WHERE a != 1",
       "SQL position 27: != is not an AWS IoT SQL operator; use <>"},
      {"SELECT a FROM 'x' WHERE a IN (1, 2)", "SQL position 27: IN is not supported"},
      {"SELECT a FROM 'x' WHERE a LIKE 'b%'", "SQL position 27: LIKE is not supported"},
      {"SELECT a FROM 'x' WHERE a IS NULL", "SQL position 27: IS is not supported"},
      {"SELECT a FROM 'x' ORDER BY a", "SQL position 19: ORDER BY is not supported"},
      {"SELECT a[0] AS b FROM 'x'", "SQL position 9: array indexing ([n]) is not supported"},
      {"SELECT a.* FROM 'x'", "SQL position 10: wildcard paths (a.*) are not supported"},
      {"SELECT {'a': 1} AS o FROM 'x'",
       "SQL position 8: object literals ({...}) are not supported"},
      {"SELECT \"my-key\" FROM 'x'", "SQL position 8: double-quoted names are not supported"},
      {"SELECT abs(a) AS b FROM 'x'",
       "SQL position 8: function abs() is not supported (supported: topic(), topic(n), "
       "timestamp(), clientid(), principal(), newuuid(), upper(s), lower(s), concat(a, b, "
       "...), isUndefined(x))"},
      {"SELECT get_thing_shadow('x', 'y') AS s FROM 'x'",
       "SQL position 8: function get_thing_shadow() is not supported (supported: topic(), "
       "topic(n), timestamp(), clientid(), principal(), newuuid(), upper(s), lower(s), "
       "concat(a, b, ...), isUndefined(x))"},
      {"SELECT a FROM 'x' WHERE a <> Undefined",
       "SQL position 30: Undefined is not a literal in AWS IoT SQL (it would read the payload "
       "key \"Undefined\", so a comparison with it is never true); use isUndefined(x) or NOT "
       "isUndefined(x)"},
      {"SELECT a FROM 'x' -- all",
       "SQL position 19: comments (--) are not supported: AWS IoT "
       "SQL has none"},
  };
  for (const ErrorCase& c : cases) {
    Result<SqlStatement> statement = SqlStatement::Parse(c.sql);
    ASSERT_FALSE(statement.ok()) << c.sql;
    EXPECT_EQ(statement.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(statement.status().message(), c.message) << c.sql;
  }
}

TEST(SqlTest, SyntaxErrorsNameThePosition) {
  const std::vector<ErrorCase> cases = {
      {"", "SQL position 1: expected SELECT, found end of statement"},
      {"SELECT", "SQL position 7: expected an expression, found end of statement"},
      {"SELECT a", "SQL position 9: expected FROM, found end of statement"},
      {"SELECT a FROM x",
       "SQL position 15: FROM needs a topic filter in single quotes, found "
       "'x'"},
      {"SELECT a FROM 'a/#/b'",
       "SQL position 15: FROM 'a/#/b' is not a valid MQTT topic filter (+ and # only as whole "
       "levels, # last)"},
      {"SELECT a FROM ''",
       "SQL position 15: FROM '' is not a valid MQTT topic filter (+ and # "
       "only as whole levels, # last)"},
      {"SELECT a FROM 'x' WHERE",
       "SQL position 24: expected an expression, found end of "
       "statement"},
      {"SELECT a FROM 'x' WHERE b = 'open", "SQL position 29: unterminated string"},
      {"SELECT a, FROM 'x'", "SQL position 11: expected an expression, found 'FROM'"},
      {"SELECT (a AS b FROM 'x'", "SQL position 11: unexpected 'AS'"},
      {"SELECT 1 FROM 'x'",
       "SQL position 8: this SELECT item needs AS <name>: shadowsync names only plain paths "
       "implicitly"},
      {"SELECT topic() FROM 'x'",
       "SQL position 8: this SELECT item needs AS <name>: shadowsync names only plain paths "
       "implicitly"},
      {"SELECT a AS from FROM 'x'", "SQL position 13: expected a name after AS, found 'from'"},
      {"SELECT concat(1) AS c FROM 'x'",
       "SQL position 8: concat() takes at least 2 arguments, not 1"},
      {"SELECT topic(1, 2) AS c FROM 'x'", "SQL position 8: topic() takes 0 or 1 arguments, not 2"},
      {"SELECT upper() AS c FROM 'x'", "SQL position 8: upper() takes 1 argument, not 0"},
      {"SELECT a FROM 'x' WHERE 1 < 2 < 3", "SQL position 31: comparisons do not chain; use AND"},
      {"SELECT a FROM 'x' 'y'", "SQL position 19: unexpected string 'y'"},
      {"SELECT a FROM 'x' WHERE a = #", "SQL position 29: unexpected '#'"},
      {"SELECT 12abc AS a FROM 'x'", "SQL position 10: unexpected 'a' in a number"},
      {"SELECT a FROM 'x' WHERE a = 1e999", "SQL position 29: number 1e999 is out of range"},
  };
  for (const ErrorCase& c : cases) {
    Result<SqlStatement> statement = SqlStatement::Parse(c.sql);
    ASSERT_FALSE(statement.ok()) << c.sql;
    EXPECT_EQ(statement.status().message(), c.message) << c.sql;
  }
}

TEST(SqlTest, HostileNestingIsRefusedNotOverflowed) {
  const std::string deep =
      "SELECT " + std::string(100000, '(') + "a" + std::string(100000, ')') + " AS a FROM 'x'";
  Result<SqlStatement> statement = SqlStatement::Parse(deep);
  ASSERT_FALSE(statement.ok());
  EXPECT_THAT(statement.status().message(), HasSubstr("expression nested deeper than 64 levels"));
  std::string nots = "SELECT a FROM 'x' WHERE ";
  for (int i = 0; i < 10000; ++i) nots += "NOT ";
  nots += "true";
  EXPECT_THAT(SqlStatement::Parse(nots).status().message(), HasSubstr("nested deeper"));
  std::string minuses = "SELECT ";
  for (int i = 0; i < 5000; ++i) minuses += "- ";
  EXPECT_THAT(SqlStatement::Parse(minuses + "1 AS a FROM 'x'").status().message(),
              HasSubstr("nested deeper"));
  // Long flat chains are fine: they do not nest.
  std::string chain = "SELECT 0";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_EQ(EvaluateSql(chain + " AS n FROM '#'", "a", "{}"), R"({"n":5000})");
}

}  // namespace
}  // namespace shadowsync
