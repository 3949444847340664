// SPDX-License-Identifier: Apache-2.0
//
// Tests of the conformance runner's comparator (tests/conformance/
// json_compare.h): the rules of spec section 13.

#include "conformance/json_compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowsync::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

JsonDocument Json(const std::string& text) {
  Result<JsonDocument> doc = ParseJson(text);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString() << " in " << text;
  if (!doc.ok()) return JsonDocument();
  return std::move(doc).value();
}

// Runs one comparison and renders the mismatches as strings.
std::vector<std::string> Diff(JsonComparator& comparator, const std::string& expected,
                              const std::string& actual,
                              const JsonComparator::Options& options = {}) {
  JsonDocument e = Json(expected);
  JsonDocument a = Json(actual);
  std::vector<std::string> out;
  for (const Mismatch& m : comparator.Compare(e, a, options)) out.push_back(m.ToString());
  return out;
}

std::vector<std::string> Diff(const std::string& expected, const std::string& actual,
                              const JsonComparator::Options& options = {}) {
  JsonComparator comparator;
  return Diff(comparator, expected, actual, options);
}

MatchRules Rules(const std::string& match) {
  JsonDocument doc = Json(match);
  Result<MatchRules> rules = MatchRules::Parse(doc);
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (!rules.ok()) return MatchRules();
  return std::move(rules).value();
}

JsonComparator::Options WithRules(const MatchRules& rules) {
  JsonComparator::Options options;
  options.rules = &rules;
  return options;
}

TEST(JsonCompareTest, ObjectsIgnoreKeyOrder) {
  EXPECT_THAT(Diff(R"({"a":1,"b":{"c":[1,2],"d":"x"}})", R"({"b":{"d":"x","c":[1,2]},"a":1})"),
              IsEmpty());
}

TEST(JsonCompareTest, NumbersCompareByValueAndNeverEqualBooleans) {
  EXPECT_THAT(Diff(R"({"a":1})", R"({"a":1.0})"), IsEmpty());
  EXPECT_THAT(Diff(R"({"a":-0.5})", R"({"a":-0.5})"), IsEmpty());
  EXPECT_THAT(Diff(R"({"a":1})", R"({"a":true})"), ElementsAre("/a: expected 1, got true"));
  EXPECT_THAT(Diff(R"({"a":0})", R"({"a":false})"), ElementsAre("/a: expected 0, got false"));
  EXPECT_THAT(Diff(R"({"a":null})", R"({"a":0})"), ElementsAre("/a: expected null, got 0"));
}

TEST(JsonCompareTest, ReportsEveryMismatchWithItsPointer) {
  EXPECT_THAT(Diff(R"({"version":3,"state":{"desired":{"color":"red"}},"x":1})",
                   R"({"version":2,"state":{"desired":{"color":"blue"}},"y":2})"),
              ElementsAre("/version: expected 3, got 2",
                          "/state/desired/color: expected \"red\", got \"blue\"",
                          "/x: missing; expected 1", "/y: unexpected key; got 2"));
}

TEST(JsonCompareTest, PointerEscapesSlashAndTilde) {
  EXPECT_THAT(Diff(R"({"a/b":{"c~d":1}})", R"({"a/b":{"c~d":2}})"),
              ElementsAre("/a~1b/c~0d: expected 1, got 2"));
}

TEST(JsonCompareTest, RootMismatchIsNamedRoot) {
  EXPECT_THAT(Diff(R"({"a":1})", R"([1])"), ElementsAre("(root): expected {\"a\":1}, got [1]"));
  EXPECT_THAT(Diff(R"(null)", R"({})"), ElementsAre("(root): expected null, got {}"));
}

TEST(JsonCompareTest, ArraysCompareInOrderAndBySize) {
  EXPECT_THAT(Diff(R"([1,2,3])", R"([1,2,3])"), IsEmpty());
  EXPECT_THAT(Diff(R"({"a":[1,2,3]})", R"({"a":[1,3,2]})"),
              ElementsAre("/a/1: expected 2, got 3", "/a/2: expected 3, got 2"));
  EXPECT_THAT(
      Diff(R"({"a":[1,2]})", R"({"a":[1,2,3]})"),
      ElementsAre("/a: expected an array of 2 elements, got 3: expected [1,2], got [1,2,3]"));
  EXPECT_THAT(Diff(R"({"a":[]})", R"({"a":{}})"), ElementsAre("/a: expected [], got {}"));
}

TEST(JsonCompareTest, TimestampPlaceholderBindsOnFirstSight) {
  JsonComparator comparator;
  EXPECT_FALSE(comparator.timestamp().has_value());
  EXPECT_THAT(Diff(comparator, R"({"timestamp":"<ts>","m":{"a":{"timestamp":"<ts>"}}})",
                   R"({"timestamp":1700000000,"m":{"a":{"timestamp":1700000000}}})"),
              IsEmpty());
  ASSERT_TRUE(comparator.timestamp().has_value());
  EXPECT_EQ(*comparator.timestamp(), 1700000000);
}

TEST(JsonCompareTest, TimestampPlaceholderMustBeTheSameIntegerEverywhere) {
  JsonComparator comparator;
  EXPECT_THAT(
      Diff(comparator,
           R"({"timestamp":"<ts>","metadata":{"desired":{"color":{"timestamp":"<ts>"}}}})",
           R"({"timestamp":1700000000,"metadata":{"desired":{"color":{"timestamp":5}}}})"),
      ElementsAre("/metadata/desired/color/timestamp: expected \"<ts>\"=1700000000, got 5"));
}

TEST(JsonCompareTest, TimestampBindingSpansMessagesOfOneVector) {
  JsonComparator comparator;
  EXPECT_THAT(Diff(comparator, R"({"timestamp":"<ts>"})", R"({"timestamp":42})"), IsEmpty());
  EXPECT_THAT(Diff(comparator, R"({"timestamp":"<ts>"})", R"({"timestamp":42})"), IsEmpty());
  EXPECT_THAT(Diff(comparator, R"({"timestamp":"<ts>"})", R"({"timestamp":43})"),
              ElementsAre("/timestamp: expected \"<ts>\"=42, got 43"));
  // A fresh comparator (a new vector) binds afresh.
  JsonComparator next;
  EXPECT_THAT(Diff(next, R"({"timestamp":"<ts>"})", R"({"timestamp":43})"), IsEmpty());
}

TEST(JsonCompareTest, TimestampPlaceholderNeedsAnInteger) {
  EXPECT_THAT(Diff(R"({"t":"<ts>"})", R"({"t":"<ts>"})"),
              ElementsAre("/t: expected \"<ts>\" (an integer), got \"<ts>\""));
  EXPECT_THAT(Diff(R"({"t":"<ts>"})", R"({"t":1700000000.0})"),
              ElementsAre("/t: expected \"<ts>\" (an integer), got 1700000000.0"));
  EXPECT_THAT(Diff(R"({"t":"<ts>"})", R"({"t":null})"),
              ElementsAre("/t: expected \"<ts>\" (an integer), got null"));
  EXPECT_THAT(Diff(R"({"t":"<ts>"})", R"({})"), ElementsAre("/t: missing; expected \"<ts>\""));
  // A failed match does not bind: the next integer still can.
  JsonComparator comparator;
  EXPECT_THAT(Diff(comparator, R"({"t":"<ts>"})", R"({"t":"x"})"), testing::SizeIs(1));
  EXPECT_FALSE(comparator.timestamp().has_value());
}

TEST(JsonCompareTest, TimestampPlaceholderInsideArrays) {
  JsonComparator comparator;
  EXPECT_THAT(Diff(comparator, R"({"c":[{"timestamp":"<ts>"},{"timestamp":"<ts>"}]})",
                   R"({"c":[{"timestamp":7},{"timestamp":8}]})"),
              ElementsAre("/c/1/timestamp: expected \"<ts>\"=7, got 8"));
}

TEST(JsonCompareTest, ConcreteTimestampsCompareExactly) {
  EXPECT_THAT(Diff(R"({"timestamp":1469564492})", R"({"timestamp":1700000000})"),
              ElementsAre("/timestamp: expected 1469564492, got 1700000000"));
}

TEST(JsonCompareTest, ErrorDocumentIgnoresOnlyAnExtraTopLevelTimestamp) {
  JsonComparator::Options error;
  error.error_document = true;
  EXPECT_THAT(Diff(R"({"code":404,"message":"m"})",
                   R"({"code":404,"message":"m","timestamp":1700000000})", error),
              IsEmpty());
  EXPECT_THAT(Diff(R"({"code":404,"message":"m"})", R"({"code":404,"message":"m"})", error),
              IsEmpty());
  // Not an error document: the extra key is a mismatch.
  EXPECT_THAT(Diff(R"({"code":404})", R"({"code":404,"timestamp":1})"),
              ElementsAre("/timestamp: unexpected key; got 1"));
  // Only at the top level.
  EXPECT_THAT(Diff(R"({"x":{}})", R"({"x":{"timestamp":1}})", error),
              ElementsAre("/x/timestamp: unexpected key; got 1"));
  // An expected timestamp is still compared.
  EXPECT_THAT(Diff(R"({"timestamp":5})", R"({"timestamp":6})", error),
              ElementsAre("/timestamp: expected 5, got 6"));
  // Other extra keys still count.
  EXPECT_THAT(Diff(R"({"code":400})", R"({"code":400,"clientToken":"t"})", error),
              ElementsAre("/clientToken: unexpected key; got \"t\""));
}

TEST(JsonCompareTest, MatchPrefix) {
  MatchRules rules = Rules(R"({"message":"prefix"})");
  auto options = WithRules(rules);
  const std::string expected = R"({"code":400,"message":"State contains an invalid node"})";
  EXPECT_THAT(Diff(expected, R"({"code":400,"message":"State contains an invalid node"})", options),
              IsEmpty());
  EXPECT_THAT(
      Diff(expected, R"({"code":400,"message":"State contains an invalid node: 'x'"})", options),
      IsEmpty());
  EXPECT_THAT(Diff(expected, R"({"code":400,"message":"State contains"})", options),
              ElementsAre("/message: expected a string starting with \"State contains an invalid "
                          "node\", got \"State contains\""));
  EXPECT_THAT(Diff(expected, R"({"code":400,"message":7})", options),
              ElementsAre("/message: expected a string starting with \"State contains an invalid "
                          "node\", got 7"));
  EXPECT_THAT(Diff(expected, R"({"code":400})", options),
              ElementsAre("/message: missing; expected \"State contains an invalid node\""));
  // The code is still compared exactly.
  EXPECT_THAT(Diff(expected, R"({"code":413,"message":"State contains an invalid node"})", options),
              ElementsAre("/code: expected 400, got 413"));
}

TEST(JsonCompareTest, MatchPrefixNeedsAnExpectedString) {
  MatchRules rules = Rules(R"({"message":"prefix"})");
  EXPECT_THAT(Diff(R"({"message":1})", R"({"message":1})", WithRules(rules)),
              ElementsAre("/message: bad vector: match rule \"prefix\" needs an expected string, "
                          "got 1"));
}

TEST(JsonCompareTest, MatchAny) {
  MatchRules rules = Rules(R"({"message":"any"})");
  auto options = WithRules(rules);
  EXPECT_THAT(Diff(R"({"code":400,"message":"x"})", R"({"code":400,"message":{"y":1}})", options),
              IsEmpty());
  EXPECT_THAT(Diff(R"({"code":400,"message":"x"})", R"({"code":400})", options),
              ElementsAre("/message: missing; expected \"x\""));
  // Where the expected document has no such key, the actual one may.
  EXPECT_THAT(Diff(R"({"code":400})", R"({"code":400,"message":"x"})", options), IsEmpty());
}

TEST(JsonCompareTest, MatchIgnore) {
  MatchRules rules = Rules(R"({"clientToken":"ignore"})");
  auto options = WithRules(rules);
  EXPECT_THAT(Diff(R"({"code":400,"clientToken":"a"})", R"({"code":400})", options), IsEmpty());
  EXPECT_THAT(
      Diff(R"({"code":400,"clientToken":"a"})", R"({"code":400,"clientToken":"b"})", options),
      IsEmpty());
  EXPECT_THAT(Diff(R"({"code":400})", R"({"code":400,"clientToken":"b"})", options), IsEmpty());
  EXPECT_THAT(Diff(R"({"code":400})", R"({"code":401,"clientToken":"b"})", options),
              ElementsAre("/code: expected 400, got 401"));
}

TEST(JsonCompareTest, MatchOptionalByDottedPath) {
  MatchRules rules = Rules(R"({"metadata.delta":"optional"})");
  auto options = WithRules(rules);
  const std::string expected =
      R"({"state":{"delta":{"a":1}},"metadata":{"delta":{"a":{"timestamp":"<ts>"}}}})";
  EXPECT_THAT(Diff(expected, R"({"state":{"delta":{"a":1}},"metadata":{}})", options), IsEmpty());
  EXPECT_THAT(
      Diff(expected, R"({"state":{"delta":{"a":1}},"metadata":{"delta":{"a":{"timestamp":9}}}})",
           options),
      IsEmpty());
  // When present it must match.
  EXPECT_THAT(
      Diff(expected, R"({"state":{"delta":{"a":1}},"metadata":{"delta":{"a":{"timestamp":"9"}}}})",
           options),
      ElementsAre("/metadata/delta/a/timestamp: expected \"<ts>\" (an integer), got \"9\""));
  EXPECT_THAT(Diff(expected, R"({"state":{"delta":{"a":1}},"metadata":{"delta":{}}})", options),
              ElementsAre("/metadata/delta/a: missing; expected {\"timestamp\":\"<ts>\"}"));
  // The rule covers metadata.delta only, not state.delta.
  EXPECT_THAT(Diff(expected, R"({"state":{},"metadata":{}})", options),
              ElementsAre("/state/delta: missing; expected {\"a\":1}"));
  // Nothing expected there: an actual key has nothing to match.
  EXPECT_THAT(Diff(R"({"metadata":{}})", R"({"metadata":{"delta":{}}})", options),
              ElementsAre("/metadata/delta: unexpected key; got {}"));
}

TEST(JsonCompareTest, MatchRulesAddressArrayElementsByIndex) {
  MatchRules rules = Rules(R"({"list.1":"ignore"})");
  EXPECT_THAT(
      Diff(R"({"list":[{"a":1},{"a":2}]})", R"({"list":[{"a":1},{"a":3}]})", WithRules(rules)),
      ElementsAre("/list/1/a: expected 2, got 3"));
  MatchRules nested = Rules(R"({"list.1.a":"ignore"})");
  EXPECT_THAT(
      Diff(R"({"list":[{"a":1},{"a":2}]})", R"({"list":[{"a":1},{"a":3}]})", WithRules(nested)),
      IsEmpty());
}

TEST(JsonCompareTest, ParseMatchRules) {
  JsonDocument good = Json(R"({"message":"prefix","a.b":"any","c":"ignore","d":"optional"})");
  Result<MatchRules> rules = MatchRules::Parse(good);
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules->Find("message"), MatchRule::kPrefix);
  EXPECT_EQ(rules->Find("a.b"), MatchRule::kAny);
  EXPECT_EQ(rules->Find("c"), MatchRule::kIgnore);
  EXPECT_EQ(rules->Find("d"), MatchRule::kOptional);
  EXPECT_EQ(rules->Find("a"), MatchRule::kExact);

  JsonDocument unknown = Json(R"({"message":"startswith"})");
  Result<MatchRules> bad = MatchRules::Parse(unknown);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("\"startswith\""));

  JsonDocument not_string = Json(R"({"message":1})");
  EXPECT_FALSE(MatchRules::Parse(not_string).ok());
  JsonDocument not_object = Json(R"(["message"])");
  EXPECT_FALSE(MatchRules::Parse(not_object).ok());
}

TEST(JsonCompareTest, DeepNestingIsReportedNotRecursedInto) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "[";
  for (int i = 0; i < 1000; ++i) deep += "]";
  std::vector<std::string> diff = Diff(deep, deep);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_THAT(diff[0], HasSubstr("not compared"));
}

TEST(JsonCompareTest, RenderJsonTruncatesLongValues) {
  JsonDocument doc = Json(R"({"a":"0123456789"})");
  EXPECT_EQ(RenderJson(doc), R"({"a":"0123456789"})");
  EXPECT_EQ(RenderJson(doc, 5), R"({"a":...)");
}

}  // namespace
}  // namespace shadowsync::conformance
