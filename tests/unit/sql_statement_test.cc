// SPDX-License-Identifier: Apache-2.0
//
// SqlStatement (lib/src/rules/sql_statement.cc, shadowsync/sql.h): a
// statement as a whole, FROM then WHERE then SELECT, with the AWS IoT
// developer guide's examples (docs.aws.amazon.com/iot/latest/developerguide/
// <page>) as input -> output tables; SELECT * and payloads that are not
// objects; newuuid()'s source. The parts have their own tests:
// sql_lexer_test, sql_parser_test (refusals and syntax errors, each naming
// its 1-based position), sql_evaluator_test (operators, Undefined),
// sql_functions_test and sql_value_test (conversions).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "shadowsync/sql.h"
#include "unit/sql_cases.h"

namespace shadowsync {
namespace {

using sql_cases::EvaluateSql;
using sql_cases::ExpectCases;
using sql_cases::kNoMatch;
using sql_cases::kRed50;
using ::testing::HasSubstr;

TEST(SqlTest, SelectClauseExamples) {
  // iot-sql-select.md: each "Incoming payload / SQL / Outgoing payload".
  ExpectCases({
      {"SELECT * FROM 'topic/subtopic'", kRed50, R"({"color":"red","temperature":50})"},
      {"SELECT color FROM 'topic/subtopic'", kRed50, R"({"color":"red"})"},
      {"SELECT color AS my_color FROM 'topic/subtopic'", kRed50, R"({"my_color":"red"})"},
      {"SELECT color as my_color, temperature as fahrenheit FROM 'topic/subtopic'", kRed50,
       R"({"my_color":"red","fahrenheit":50})"},
      {"SELECT *, 15 as speed FROM 'topic/subtopic'", kRed50,
       R"({"color":"red","temperature":50,"speed":15})"},
      {"SELECT (temperature - 32) * 5 / 9 AS celsius FROM 'topic/subtopic'", kRed50,
       R"({"celsius":10})"},
      {"SELECT color.red as red_value FROM 'topic/subtopic'",
       R"({"color":{"red":255,"green":0,"blue":0}, "temperature":50})", R"({"red_value":255})"},
  });
}

TEST(SqlTest, ReferenceAndWhereClauseExamples) {
  ExpectCases({
      // iot-sql-reference.md: the statement and message of its introduction.
      {"SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50",
       R"({"color":"red", "temperature":100})", R"({"rgb":"red"})"},
      {"SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50", kRed50, kNoMatch},
      // iot-sql-where.md: "the rule will be triggered, but the actions ...
      // will not be performed. There will be no outgoing payload."
      {"SELECT color AS my_color FROM 'topic/subtopic' WHERE temperature > 50 AND color <> "
       "'red'",
       R"({"color":"red", "temperature":40})", kNoMatch},
  });
}

TEST(SqlTest, TheIssuesTutorialStatements) {
  // ESP32 tutorial part II (issue 13): every reading plus topic and time.
  EXPECT_EQ(EvaluateSql("SELECT *, topic() AS topic, timestamp() AS ts FROM 'esp32/pub'",
                        "esp32/pub", R"({"humidity":40,"temperature":21.5})", 1700000000123),
            R"({"humidity":40,"temperature":21.5,"topic":"esp32/pub","ts":1700000000123})");
  EXPECT_EQ(EvaluateSql("SELECT *, topic() AS topic FROM 'esp32/pub'", "esp32/sub", "{}"),
            kNoMatch);
  // The agent's temperature history, with isUndefined() for the issue's
  // "<> Undefined" (see UndefinedIsNotALiteral).
  const std::string agent =
      "SELECT state.reported.greenhouse.temperature_c AS t, topic(3) AS thing, timestamp() AS ts "
      "FROM '$aws/things/+/shadow/update/accepted' "
      "WHERE NOT isUndefined(state.reported.greenhouse.temperature_c)";
  EXPECT_EQ(EvaluateSql(
                agent, "$aws/things/gh-1/shadow/update/accepted",
                R"({"state":{"reported":{"greenhouse":{"temperature_c":19.25}}},"version":3})", 5),
            R"({"t":19.25,"thing":"gh-1","ts":5})");
  EXPECT_EQ(EvaluateSql(agent, "$aws/things/gh-1/shadow/update/accepted",
                        R"({"state":{"reported":{"greenhouse":{"humidity":50}}},"version":4})"),
            kNoMatch);
  EXPECT_EQ(EvaluateSql(agent, "$aws/things/gh-1/shadow/name/x/update/accepted",
                        R"({"state":{"reported":{"greenhouse":{"temperature_c":1}}}})"),
            kNoMatch);
}

TEST(SqlTest, FromMatchesTopicFiltersAsTheBrokerDoes) {
  ExpectCases({
      {"SELECT * FROM 'a/+/c'", "{}", "{}", "a/b/c"},
      {"SELECT * FROM 'a/+/c'", "{}", kNoMatch, "a/b/c/d"},
      {"SELECT * FROM 'a/#'", "{}", "{}", "a"},
      {"SELECT * FROM 'a/#'", "{}", "{}", "a/b/c"},
      // A filter starting with a wildcard never matches a $ topic (MQTT 4.7.2).
      {"SELECT * FROM '#'", "{}", kNoMatch, "$aws/things/x/shadow/update"},
      {"SELECT * FROM '$aws/things/+/shadow/update/#'", "{}", "{}",
       "$aws/things/x/shadow/update/documents"},
  });
}

TEST(SqlTest, SelectStarAndPayloadsThatAreNotObjects) {
  ExpectCases({
      // AWS passes a binary payload through SELECT * unchanged.
      {"SELECT * FROM '#'", "\x01\x02 binary", "raw:\x01\x02 binary"},
      // A JSON payload that is not an object, through SELECT * alone.
      {"SELECT * FROM '#'", "42", "42"},
      {"SELECT * FROM '#'", "[1,2]", "[1,2]"},
      // Later items replace earlier keys; * can come anywhere.
      {"SELECT *, 1 AS color FROM '#'", kRed50, R"({"color":1,"temperature":50})"},
      {"SELECT 1 AS color, * FROM '#'", kRed50, R"({"color":"red","temperature":50})"},
  });
  EXPECT_THAT(EvaluateSql("SELECT *, 1 AS x FROM '#'", "a", "not json"),
              HasSubstr("error: SELECT * with other items needs a JSON object payload"));
  EXPECT_THAT(EvaluateSql("SELECT *, 1 AS x FROM '#'", "a", "[1]"),
              HasSubstr("(the payload is array)"));
}

TEST(SqlTest, NewUuidWithoutASourceIsAnError) {
  Result<SqlStatement> statement = SqlStatement::Parse("SELECT newuuid() AS id FROM '#'");
  ASSERT_TRUE(statement.ok());
  SqlMessage message;
  message.topic = "a";
  Result<SqlOutcome> outcome = statement->Evaluate(message);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.status().message(), HasSubstr("newuuid(): no uuid source"));
  // Without newuuid() no source is needed.
  Result<SqlStatement> plain = SqlStatement::Parse("SELECT topic() AS t FROM '#'");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->Evaluate(message).ok());
}

TEST(SqlTest, NewUuidV4IsAVersion4UuidAndFollowsItsSource) {
  std::mt19937_64 a(7), b(7);
  const std::string uuid = NewUuidV4(a);
  EXPECT_THAT(uuid, ::testing::MatchesRegex(
                        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_EQ(NewUuidV4(b), uuid);  // the same source gives the same uuid
  EXPECT_NE(NewUuidV4(a), uuid);  // the next draw another
}

TEST(SqlTest, ParseKeepsTextAndTopicFilter) {
  Result<SqlStatement> statement =
      SqlStatement::Parse("SELECT * FROM '$aws/things/+/shadow/update/accepted'");
  ASSERT_TRUE(statement.ok()) << statement.status().ToString();
  EXPECT_EQ(statement->topic_filter(), "$aws/things/+/shadow/update/accepted");
  EXPECT_EQ(statement->text(), "SELECT * FROM '$aws/things/+/shadow/update/accepted'");
}

TEST(SqlTest, DeepPayloadsEvaluate) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const std::string payload = R"({"a":)" + deep + R"(,"b":{"c":)" + deep + "}}";
  const std::string expected = R"({"a":)" + deep + R"(,"c":)" + deep + "}";
  EXPECT_EQ(EvaluateSql("SELECT a, b.c FROM '#' WHERE a = b.c", "t", payload), expected);
  EXPECT_EQ(EvaluateSql("SELECT * FROM '#'", "t", payload),
            R"({"a":)" + deep + R"(,"b":{"c":)" + deep + "}}");
}

}  // namespace
}  // namespace shadowsync
