// SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/src/rules/ (sql.h): the AWS IoT SQL subset. Each table cites
// the AWS IoT developer guide page its input -> output pairs come from
// (docs.aws.amazon.com/iot/latest/developerguide/<page>); the remaining
// cases pin the Undefined semantics and the operator tables of
// iot-sql-operators.md, and the errors: every refusal names its 1-based
// position and the construct.

#include "shadowsync/sql.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace shadowsync {
namespace {

using ::testing::HasSubstr;

constexpr char kNoMatch[] = "no match";

// Evaluates `sql` on one message and renders the outcome as the compact
// result, "no match", "raw:<payload>" or "error: <message>".
std::string EvaluateSql(const std::string& sql, const std::string& topic,
                        const std::string& payload, std::int64_t timestamp_ms = 1481825251155) {
  Result<SqlStatement> statement = SqlStatement::Parse(sql);
  if (!statement.ok()) return "parse error: " + statement.status().message();
  Result<JsonDocument> json = ParseJson(payload);
  SqlMessage message;
  message.topic = topic;
  message.payload = payload;
  message.payload_json = json.ok() ? &*json : nullptr;
  message.client_id = "lamp-client";
  message.principal = "abc123thumbprint";
  message.timestamp_ms = timestamp_ms;
  int uuids = 0;
  message.new_uuid = [&uuids] { return "uuid-" + std::to_string(++uuids); };
  Result<SqlOutcome> outcome = statement->Evaluate(message);
  if (!outcome.ok()) return "error: " + outcome.status().message();
  if (!outcome->matched) return kNoMatch;
  if (outcome->raw_payload) return "raw:" + payload;
  return ToCompactJson(outcome->result);
}

struct Case {
  std::string sql;
  std::string payload;
  std::string expected;  // compact JSON, "no match", "raw:..." or "error: ..."
  std::string topic = "topic/subtopic";
};

void ExpectCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(EvaluateSql(c.sql, c.topic, c.payload), c.expected)
        << c.sql << "\n  payload " << c.payload << "\n  topic " << c.topic;
  }
}

// The message every example of the SELECT and reference pages uses.
constexpr char kRed50[] = R"({"color":"red", "temperature":50})";

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

TEST(SqlTest, DataTypesExamples) {
  // iot-sql-data-types.md: in {"foo": null} the key foo is Null and bar is
  // Undefined, which is left out; "SELECT NULL AS n" creates a Null.
  ExpectCases({
      {"SELECT foo, bar FROM 'topic/subtopic'", R"({"foo":null})", R"({"foo":null})"},
      {"SELECT NULL AS n FROM 'topic/subtopic'", "{}", R"({"n":null})"},
      // Conversions, "To Decimal": strings matching ^-?\d+(\.\d+)?((?i)E-?\d+)?$
      // convert ("0", "-1.2", "5E-12"), others do not.
      {"SELECT a FROM 'topic/subtopic' WHERE a > '-1.2' AND a < '5E2'", R"({"a":0})", R"({"a":0})"},
      {"SELECT a FROM 'topic/subtopic' WHERE a > '1,5'", R"({"a":2})", kNoMatch},
  });
}

TEST(SqlTest, FunctionExamples) {
  // iot-sql-functions.md, topic(Decimal): "topic() = things/myThings/thingOne",
  // "topic(1) = things".
  ExpectCases({
      {"SELECT topic() AS t, topic(1) AS t1, topic(3) AS t3, topic(4) AS t4 FROM '#'", "{}",
       R"({"t":"things/myThings/thingOne","t1":"things","t3":"thingOne"})",
       "things/myThings/thingOne"},
      // Levels that are not whole numbers in range are Undefined.
      {"SELECT topic(0) AS a, topic(-1) AS b, topic(1.5) AS c, topic(1e30) AS d, "
       "topic(2.0) AS e, topic('2') AS f FROM '#'",
       "{}", R"({"e":"myThings","f":"myThings"})", "things/myThings/thingOne"},
      // timestamp(): "timestamp() = 1481825251155" (the injected clock here).
      {"SELECT timestamp() AS ts FROM '#'", "{}", R"({"ts":1481825251155})"},
      {"SELECT clientid() AS c, principal() AS p FROM '#'", "{}",
       R"({"c":"lamp-client","p":"abc123thumbprint"})"},
      {"SELECT newuuid() AS a, newuuid() AS b FROM '#'", "{}", R"({"a":"uuid-1","b":"uuid-2"})"},
      // upper(String): upper("hello") = "HELLO", upper(["hello"]) = Undefined.
      {"SELECT upper('hello') AS u, upper(list) AS l FROM '#'", R"({"list":["hello"]})",
       R"({"u":"HELLO"})"},
      // lower(String): lower("HELLO") = "hello", lower(["HELLO"]) = Undefined.
      {"SELECT lower('HELLO') AS u, lower(list) AS l FROM '#'", R"({"list":["HELLO"]})",
       R"({"u":"hello"})"},
      // concat(): the examples of the reference, with the arrays from the
      // payload (the subset has no array literals).
      {"SELECT concat(a, 4) AS x FROM '#'", R"({"a":[1,2,3]})", R"({"x":[1,2,3,4]})"},
      {"SELECT concat(a, 'hello') AS x FROM '#'", R"({"a":[1,2,3]})", R"({"x":[1,2,3,"hello"]})"},
      {"SELECT concat('con', 'cat') AS x FROM '#'", "{}", R"({"x":"concat"})"},
      {"SELECT concat(1, 'hello') AS x FROM '#'", "{}", R"({"x":"1hello"})"},
      {"SELECT concat('he', 'is', 'man') AS x FROM '#'", "{}", R"({"x":"heisman"})"},
      {"SELECT concat(a, 'hello', b) AS x FROM '#'", R"({"a":[1,2,3],"b":[4,5,6]})",
       R"({"x":[1,2,3,"hello",4,5,6]})"},
      // Non-string scalars are converted first; case mapping is ASCII.
      {"SELECT upper(n) AS n, upper(b) AS b FROM '#'", R"({"n":5,"b":true})",
       R"({"n":"5","b":"TRUE"})"},
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

struct ErrorCase {
  std::string sql;
  std::string message;  // the whole message
};

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

TEST(SqlTest, DeepPayloadsEvaluate) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const std::string payload = R"({"a":)" + deep + R"(,"b":{"c":)" + deep + "}}";
  const std::string expected = R"({"a":)" + deep + R"(,"c":)" + deep + "}";
  EXPECT_EQ(EvaluateSql("SELECT a, b.c FROM '#' WHERE a = b.c", "t", payload), expected);
  EXPECT_EQ(EvaluateSql("SELECT * FROM '#'", "t", payload),
            R"({"a":)" + deep + R"(,"b":{"c":)" + deep + "}}");
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
