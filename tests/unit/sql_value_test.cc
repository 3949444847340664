// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT SQL values (lib/src/rules/sql_value.cc): Undefined beside JSON,
// and the conversions of iot-sql-data-types.md ("Conversions") to Decimal,
// Boolean and String, directly and as a statement sees them.

#include "rules/sql_value.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "unit/sql_cases.h"

namespace shadowsync {
namespace {

using rules_internal::NumberValue;
using rules_internal::SqlNumber;
using rules_internal::SqlValue;
using rules_internal::StringValue;
using rules_internal::ToBoolean;
using rules_internal::ToNumber;
using rules_internal::ToSqlString;
using sql_cases::ExpectCases;
using sql_cases::kNoMatch;

// Values for one test, allocated in one document.
class SqlValueTest : public ::testing::Test {
 protected:
  SqlValue String(std::string_view text) { return StringValue(text, doc_.GetAllocator()); }
  SqlValue Parsed(const char* json) {
    JsonDocument parsed;
    parsed.Parse(json);
    EXPECT_FALSE(parsed.HasParseError()) << json;
    return SqlValue::Of(JsonValue(static_cast<const JsonValue&>(parsed), doc_.GetAllocator()));
  }

  JsonDocument doc_;
};

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

TEST_F(SqlValueTest, StringsConvertToNumbersOnlyWhenTheyMatchAwsPattern) {
  // ^-?\d+(\.\d+)?((?i)E-?\d+)?$: whole numbers are Int, the rest Decimal.
  std::optional<SqlNumber> zero = ToNumber(String("0"));
  ASSERT_TRUE(zero.has_value());
  EXPECT_TRUE(zero->is_int);
  EXPECT_EQ(zero->int_value, 0);
  std::optional<SqlNumber> negative = ToNumber(String("-17"));
  ASSERT_TRUE(negative.has_value());
  EXPECT_TRUE(negative->is_int);
  EXPECT_EQ(negative->int_value, -17);
  std::optional<SqlNumber> fraction = ToNumber(String("-1.25"));
  ASSERT_TRUE(fraction.has_value());
  EXPECT_FALSE(fraction->is_int);
  EXPECT_DOUBLE_EQ(fraction->decimal, -1.25);
  // An exponent makes a Decimal, even of a whole number; either case of E.
  for (const char* text : {"5e2", "5E2"}) {
    std::optional<SqlNumber> exponent = ToNumber(String(text));
    ASSERT_TRUE(exponent.has_value()) << text;
    EXPECT_FALSE(exponent->is_int) << text;
    EXPECT_DOUBLE_EQ(exponent->AsDouble(), 500) << text;
  }
  EXPECT_DOUBLE_EQ(ToNumber(String("5E-12"))->decimal, 5e-12);
  // A whole number beyond int64 is a Decimal, not a wrapped Int.
  std::optional<SqlNumber> huge = ToNumber(String("99999999999999999999"));
  ASSERT_TRUE(huge.has_value());
  EXPECT_FALSE(huge->is_int);
  EXPECT_DOUBLE_EQ(huge->decimal, 1e20);
  for (const char* text : {"", "-", "1,5", "1.", ".5", "+1", "1e", "1E+2", " 1", "1 ", "0x10",
                           "1e999", "NaN", "Infinity"}) {
    EXPECT_FALSE(ToNumber(String(text)).has_value()) << '"' << text << '"';
  }
}

TEST_F(SqlValueTest, OnlyNumbersAndNumericStringsAreNumbers) {
  std::optional<SqlNumber> integer = ToNumber(Parsed("7"));
  ASSERT_TRUE(integer.has_value());
  EXPECT_TRUE(integer->is_int);
  EXPECT_EQ(integer->AsDouble(), 7);
  std::optional<SqlNumber> decimal = ToNumber(Parsed("7.5"));
  ASSERT_TRUE(decimal.has_value());
  EXPECT_FALSE(decimal->is_int);
  // Beyond int64 (RapidJSON's uint64) is a Decimal.
  std::optional<SqlNumber> unsigned_big = ToNumber(Parsed("18446744073709551615"));
  ASSERT_TRUE(unsigned_big.has_value());
  EXPECT_FALSE(unsigned_big->is_int);
  for (const char* json : {"true", "null", "[1]", "{\"a\":1}"}) {
    EXPECT_FALSE(ToNumber(Parsed(json)).has_value()) << json;
  }
  EXPECT_FALSE(ToNumber(SqlValue::Undefined()).has_value());
}

TEST_F(SqlValueTest, BooleansAndTheirStringsInAnyCase) {
  EXPECT_EQ(ToBoolean(SqlValue::Bool(true)), std::optional<bool>(true));
  EXPECT_EQ(ToBoolean(SqlValue::Bool(false)), std::optional<bool>(false));
  EXPECT_EQ(ToBoolean(String("TRUE")), std::optional<bool>(true));
  EXPECT_EQ(ToBoolean(String("False")), std::optional<bool>(false));
  for (const char* text : {"yes", "1", "t", "true ", ""}) {
    EXPECT_FALSE(ToBoolean(String(text)).has_value()) << text;
  }
  for (const char* json : {"1", "0", "null", "[true]"}) {
    EXPECT_FALSE(ToBoolean(Parsed(json)).has_value()) << json;
  }
  EXPECT_FALSE(ToBoolean(SqlValue::Undefined()).has_value());
}

TEST_F(SqlValueTest, StringsOfEveryValueButNullAndUndefined) {
  EXPECT_EQ(ToSqlString(String("as is")), std::optional<std::string>("as is"));
  EXPECT_EQ(ToSqlString(Parsed("5")), std::optional<std::string>("5"));
  EXPECT_EQ(ToSqlString(Parsed("1.5")), std::optional<std::string>("1.5"));
  EXPECT_EQ(ToSqlString(Parsed("true")), std::optional<std::string>("true"));
  EXPECT_EQ(ToSqlString(Parsed(R"([1, "a"])")), std::optional<std::string>(R"([1,"a"])"));
  EXPECT_EQ(ToSqlString(Parsed(R"({"k": {}})")), std::optional<std::string>(R"({"k":{}})"));
  EXPECT_FALSE(ToSqlString(Parsed("null")).has_value());
  EXPECT_FALSE(ToSqlString(SqlValue::Undefined()).has_value());
}

TEST_F(SqlValueTest, NumberValuesKeepIntAndDropNonFiniteDecimals) {
  SqlNumber int_number;
  int_number.is_int = true;
  int_number.int_value = std::numeric_limits<std::int64_t>::min();
  const SqlValue int_value = NumberValue(int_number);
  ASSERT_FALSE(int_value.is_undefined());
  ASSERT_TRUE(int_value.json().IsInt64());
  EXPECT_EQ(int_value.json().GetInt64(), std::numeric_limits<std::int64_t>::min());
  SqlNumber decimal;
  decimal.decimal = 2.5;
  const SqlValue decimal_value = NumberValue(decimal);
  ASSERT_TRUE(decimal_value.json().IsDouble());
  EXPECT_EQ(decimal_value.json().GetDouble(), 2.5);
  for (double bad : {std::numeric_limits<double>::infinity(), -HUGE_VAL, std::nan("")}) {
    SqlNumber n;
    n.decimal = bad;
    EXPECT_TRUE(NumberValue(n).is_undefined()) << bad;
  }
}

TEST_F(SqlValueTest, UndefinedIsNotNullAndEmptyStringsAreStrings) {
  EXPECT_TRUE(SqlValue::Undefined().is_undefined());
  EXPECT_FALSE(Parsed("null").is_undefined());
  // An empty view (whose data() may be null) is the empty string.
  const SqlValue empty = String(std::string_view());
  ASSERT_TRUE(empty.json().IsString());
  EXPECT_EQ(empty.json().GetStringLength(), 0u);
  EXPECT_EQ(ToSqlString(empty), std::optional<std::string>(""));
}

}  // namespace
}  // namespace shadowsync
