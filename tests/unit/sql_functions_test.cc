// SPDX-License-Identifier: Apache-2.0
//
// The functions of the AWS IoT SQL subset (lib/src/rules/sql_functions.cc):
// the examples of iot-sql-functions.md through statements, the lookup by
// name with its arity, and each function applied directly (Undefined for
// an argument of a type it does not take, as on AWS).

#include "rules/sql_functions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "unit/sql_cases.h"

namespace shadowsync {
namespace {

using rules_internal::CallFunction;
using rules_internal::Function;
using rules_internal::FunctionInfo;
using rules_internal::LookUpFunction;
using rules_internal::SqlNumber;
using rules_internal::SqlValue;
using rules_internal::StringValue;
using rules_internal::SupportedFunctionList;
using sql_cases::ExpectCases;
using ::testing::HasSubstr;

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

TEST(SqlFunctionsTest, LookUpIsCaseInsensitiveAndKnowsTheArity) {
  const std::vector<std::pair<const char*, FunctionInfo>> functions = {
      {"TOPIC", {Function::kTopic, "topic", 0, 1}},
      {"Timestamp", {Function::kTimestamp, "timestamp", 0, 0}},
      {"clientId", {Function::kClientId, "clientid", 0, 0}},
      {"principal", {Function::kPrincipal, "principal", 0, 0}},
      {"NEWUUID", {Function::kNewUuid, "newuuid", 0, 0}},
      {"upper", {Function::kUpper, "upper", 1, 1}},
      {"LOWER", {Function::kLower, "lower", 1, 1}},
      {"isundefined", {Function::kIsUndefined, "isUndefined", 1, 1}},
  };
  for (const auto& [name, expected] : functions) {
    const std::optional<FunctionInfo> info = LookUpFunction(name);
    ASSERT_TRUE(info.has_value()) << name;
    EXPECT_EQ(info->function, expected.function) << name;
    EXPECT_EQ(info->name, expected.name) << name;
    EXPECT_EQ(info->min_args, expected.min_args) << name;
    EXPECT_EQ(info->max_args, expected.max_args) << name;
    // Every function of the subset is in the list that refusals quote.
    EXPECT_THAT(std::string(SupportedFunctionList()), HasSubstr(std::string(info->name) + "("))
        << name;
  }
  const std::optional<FunctionInfo> concat = LookUpFunction("Concat");
  ASSERT_TRUE(concat.has_value());
  EXPECT_EQ(concat->min_args, 2u);
  EXPECT_GT(concat->max_args, 100u);
  for (const char* name : {"abs", "get_thing_shadow", "topicx", "", "upper "}) {
    EXPECT_FALSE(LookUpFunction(name).has_value()) << name;
  }
}

// Each function on values, outside any statement.
class SqlFunctionsCallTest : public ::testing::Test {
 protected:
  // SqlValue moves but does not copy, so no initializer list.
  template <typename... Values>
  SqlValue Call(Function function, Values... values) {
    std::vector<SqlValue> args;
    (args.push_back(std::move(values)), ...);
    return CallFunction(function, args, message_, doc_.GetAllocator(), &error_);
  }
  SqlValue String(const char* text) { return StringValue(text, doc_.GetAllocator()); }
  static SqlValue Int(std::int64_t n) { return SqlValue::Of(JsonValue(n)); }
  static std::string Text(const SqlValue& v) {
    return v.is_undefined() ? "Undefined" : ToCompactJson(v.json());
  }

  JsonDocument doc_;
  SqlMessage message_;
  Status error_;
};

TEST_F(SqlFunctionsCallTest, MessageFunctionsReadTheMessage) {
  message_.topic = "a/b/c";
  message_.client_id = "lamp";
  message_.principal = "cert-id";
  message_.timestamp_ms = 42;
  EXPECT_EQ(Text(Call(Function::kTopic)), R"("a/b/c")");
  EXPECT_EQ(Text(Call(Function::kTopic, Int(2))), R"("b")");
  EXPECT_EQ(Text(Call(Function::kTopic, Int(3))), R"("c")");
  EXPECT_EQ(Text(Call(Function::kTopic, Int(4))), "Undefined");
  EXPECT_EQ(Text(Call(Function::kTopic, String("1"))), R"("a")");
  EXPECT_EQ(Text(Call(Function::kTopic, String("one"))), "Undefined");
  EXPECT_EQ(Text(Call(Function::kTimestamp)), "42");
  EXPECT_EQ(Text(Call(Function::kClientId)), R"("lamp")");
  EXPECT_EQ(Text(Call(Function::kPrincipal)), R"("cert-id")");
  EXPECT_TRUE(error_.ok());
}

TEST_F(SqlFunctionsCallTest, NewUuidNeedsASource) {
  EXPECT_EQ(Text(Call(Function::kNewUuid)), "Undefined");
  EXPECT_EQ(error_.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(error_.message(), HasSubstr("newuuid(): no uuid source"));
  error_ = Status::Ok();
  message_.new_uuid = [] { return std::string("u-1"); };
  EXPECT_EQ(Text(Call(Function::kNewUuid)), R"("u-1")");
  EXPECT_TRUE(error_.ok());
}

TEST_F(SqlFunctionsCallTest, WrongTypesGiveUndefined) {
  EXPECT_EQ(Text(Call(Function::kUpper, String("MiXed 1"))), R"("MIXED 1")");
  EXPECT_EQ(Text(Call(Function::kLower, String("MiXed \xC3\x89"))), "\"mixed \xC3\x89\"");
  EXPECT_EQ(Text(Call(Function::kUpper, SqlValue::Undefined())), "Undefined");
  EXPECT_EQ(Text(Call(Function::kUpper, SqlValue::Of(JsonValue()))), "Undefined");  // null
  // concat(): Undefined or null anywhere makes it Undefined.
  EXPECT_EQ(Text(Call(Function::kConcat, String("a"), SqlValue::Undefined())), "Undefined");
  EXPECT_EQ(Text(Call(Function::kConcat, SqlValue::Of(JsonValue()), String("a"))), "Undefined");
  EXPECT_EQ(Text(Call(Function::kConcat, String("a"), Int(1), SqlValue::Bool(true))),
            R"("a1true")");
  // isUndefined() is true for Undefined only; null is a value.
  EXPECT_EQ(Text(Call(Function::kIsUndefined, SqlValue::Undefined())), "true");
  EXPECT_EQ(Text(Call(Function::kIsUndefined, SqlValue::Of(JsonValue()))), "false");
  EXPECT_TRUE(error_.ok());
}

}  // namespace
}  // namespace shadowsync
