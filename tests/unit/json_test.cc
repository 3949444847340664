// SPDX-License-Identifier: Apache-2.0
//
// Tests of lib/src/json.cc: strict parsing (12a.8), UTF-8 (E2 415), value
// equality (M14, 12a.14), nesting depth (L2, 12a.2), compact size (L1, 12a.1).

#include "shadowsync/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/json_expect.h"

namespace shadowsync {
namespace {

using testing_support::MustParse;

TEST(JsonTest, ParseErrorNamesOffsetAndReason) {
  Result<JsonDocument> doc = ParseJson(R"({"a": [1, 2,]})");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(doc.status().message().find("offset 12"), std::string::npos) << doc.status().message();
  EXPECT_NE(doc.status().message().find("Invalid value"), std::string::npos);
}

// Hand-written JSON's usual mistakes get their cause named after RapidJSON's
// wording (shadowctl --desired, the agent's configuration, the emulator's
// seed file all show this message).
TEST(JsonTest, ParseErrorsOfHandWrittenJsonSayWhatIsWrong) {
  auto message = [](std::string_view text) {
    Result<JsonDocument> parsed = ParseJson(text);
    return parsed.ok() ? std::string("(parsed)") : parsed.status().message();
  };
  EXPECT_EQ(message(R"({agent:{"interval_seconds":5}})"),
            "JSON parse error at offset 1: Missing a name for object member. Object keys need "
            "double quotes: {\"key\": 1}.");
  EXPECT_THAT(message("{'a':1}"),
              ::testing::EndsWith("Object keys need double quotes: {\"key\": 1}."));
  EXPECT_THAT(message(R"({"a":1, })"),
              ::testing::EndsWith("A trailing comma before '}'? JSON allows none."));
  EXPECT_THAT(message(R"({"a":[1,2,]})"),
              ::testing::EndsWith("A trailing comma? JSON allows none."));
  EXPECT_THAT(message(R"({"a":'x'})"),
              ::testing::EndsWith("Strings need double quotes: \"text\"."));
  EXPECT_THAT(message(R"({"mode":heat})"),
              ::testing::HasSubstr("Invalid value. Strings need double quotes (true, false"));
  EXPECT_THAT(message(R"({"a":1,,"b":2})"), ::testing::EndsWith("member. One comma too many?"));
  // Nothing to add: the reason alone.
  EXPECT_EQ(message(R"({"a":1)"),
            "JSON parse error at offset 6: Missing a comma or '}' after an object member.");
}

TEST(JsonTest, RejectsNanInfinityAndHugeNumbers_12a8) {
  EXPECT_FALSE(ParseJson(R"({"a": NaN})").ok());
  EXPECT_FALSE(ParseJson(R"({"a": Infinity})").ok());
  EXPECT_FALSE(ParseJson(R"({"a": -Infinity})").ok());
  Result<JsonDocument> huge = ParseJson(R"({"a": 1e999})");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("too big"), std::string::npos) << huge.status().message();
}

TEST(JsonTest, NumbersAreConvertedExactly) {
  // RapidJSON 1.1's own conversion gets these wrong (full precision turns
  // -0e-41 into 4.6e-274; the fast path is one ULP off near subnormals).
  EXPECT_EQ(MustParse("-0e-41").GetDouble(), 0.0);
  EXPECT_TRUE(std::signbit(MustParse("-0e-41").GetDouble()));
  EXPECT_EQ(MustParse("-0.000e-30").GetDouble(), 0.0);
  EXPECT_EQ(MustParse("2.2250738585072011e-308").GetDouble(), 2.2250738585072011e-308);
  EXPECT_EQ(MustParse("0.30000000000000004").GetDouble(), 0.30000000000000004);
  EXPECT_EQ(MustParse("1e-400").GetDouble(), 0.0);  // underflow rounds to zero
  EXPECT_EQ(MustParse("1.5").GetDouble(), 1.5);
  // Integers stay integers as long as they fit; beyond uint64 they become doubles.
  EXPECT_TRUE(MustParse("-9223372036854775808").IsInt64());
  EXPECT_EQ(MustParse("-9223372036854775808").GetInt64(), INT64_MIN);
  EXPECT_EQ(MustParse("18446744073709551615").GetUint64(), UINT64_MAX);
  EXPECT_TRUE(MustParse("18446744073709551616").IsDouble());
  EXPECT_TRUE(MustParse("-9223372036854775809").IsDouble());
  EXPECT_TRUE(MustParse("1.0").IsDouble());  // kept a double, so 1.0 echoes as 1.0
  EXPECT_EQ(ToCompactJson(MustParse("[1.0,-0.0,5]")), "[1.0,-0.0,5]");
  // The C locale is used whatever the program's locale.
  EXPECT_FALSE(ParseJson("1,5").ok());
}

TEST(JsonTest, RejectsByteOrderMark_12a8) {
  Result<JsonDocument> doc = ParseJson("\xEF\xBB\xBF{\"a\":1}");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("byte-order mark"), std::string::npos);
}

TEST(JsonTest, RejectsTrailingGarbageAndEmptyInput) {
  EXPECT_FALSE(ParseJson(R"({"a":1} x)").ok());
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("   ").ok());
}

TEST(JsonTest, DuplicateKeysLastOneWins_12a8) {
  JsonDocument doc = MustParse(R"({"a":1,"b":{"x":1,"x":2},"a":3})");
  ASSERT_EQ(doc.MemberCount(), 2u);
  EXPECT_EQ(doc["a"].GetInt(), 3);
  ASSERT_EQ(doc["b"].MemberCount(), 1u);
  EXPECT_EQ(doc["b"]["x"].GetInt(), 2);
}

TEST(JsonTest, DuplicateKeysInLargeObjects_12a8) {
  std::string text = "{";
  for (int i = 0; i < 40; ++i)
    text += "\"k" + std::to_string(i % 20) + "\":" + std::to_string(i) + ",";
  text += "\"k0\":\"last\"}";
  JsonDocument doc = MustParse(text);
  ASSERT_EQ(doc.MemberCount(), 20u);
  EXPECT_EQ(doc["k0"], "last");
  EXPECT_EQ(doc["k19"].GetInt(), 39);
  // Small objects: several duplicates of several keys.
  JsonDocument small = MustParse(R"({"a":1,"b":2,"a":3,"b":4,"a":5})");
  EXPECT_EQ(ToCompactJson(small), R"({"b":4,"a":5})");
}

TEST(JsonTest, HostileNestingDoesNotOverflowTheStack) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  Result<JsonDocument> doc = ParseJson(deep);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(NestingDepth(*doc), 99999);  // the innermost [] is empty
  EXPECT_TRUE(JsonEquals(*doc, *doc));
}

TEST(JsonTest, Utf8Validation_415) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                           // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));                                  // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));                              // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                              // surrogate D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                          // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC3"));                                      // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));                                      // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ok\xE2\x82"));
}

TEST(JsonTest, ParseRejectsEscapedLoneSurrogate) {
  EXPECT_FALSE(ParseJson(R"({"a":"\ud800"})").ok());
  EXPECT_TRUE(ParseJson(R"({"a":"\ud83d\ude00"})").ok());
}

TEST(JsonTest, NumbersCompareByValue_M14) {
  EXPECT_TRUE(JsonEquals(MustParse("1"), MustParse("1.0")));
  EXPECT_TRUE(JsonEquals(MustParse("-2"), MustParse("-2.0")));
  EXPECT_TRUE(JsonEquals(MustParse("0"), MustParse("-0.0")));
  EXPECT_TRUE(JsonEquals(MustParse("100"), MustParse("1e2")));
  EXPECT_FALSE(JsonEquals(MustParse("1"), MustParse("1.5")));
  EXPECT_FALSE(JsonEquals(MustParse("1"), MustParse("2")));
  // Large integers are compared exactly, not through a lossy double.
  EXPECT_FALSE(JsonEquals(MustParse("9007199254740993"), MustParse("9007199254740992.0")));
  EXPECT_TRUE(JsonEquals(MustParse("9007199254740992"), MustParse("9007199254740992.0")));
  EXPECT_TRUE(JsonEquals(MustParse("18446744073709551615"), MustParse("18446744073709551615")));
  EXPECT_FALSE(JsonEquals(MustParse("18446744073709551615"), MustParse("-1")));
}

TEST(JsonTest, BooleansNeverEqualNumbers_12a14) {
  EXPECT_FALSE(JsonEquals(MustParse("true"), MustParse("1")));
  EXPECT_FALSE(JsonEquals(MustParse("false"), MustParse("0")));
  EXPECT_FALSE(JsonEquals(MustParse("true"), MustParse("false")));
  EXPECT_FALSE(JsonEquals(MustParse("null"), MustParse("0")));
  EXPECT_FALSE(JsonEquals(MustParse("\"1\""), MustParse("1")));
}

TEST(JsonTest, ObjectsIgnoreKeyOrderArraysDoNot) {
  EXPECT_TRUE(JsonEquals(MustParse(R"({"a":1,"b":[1,2]})"), MustParse(R"({"b":[1,2],"a":1})")));
  EXPECT_FALSE(JsonEquals(MustParse("[1,2]"), MustParse("[2,1]")));
  EXPECT_FALSE(JsonEquals(MustParse(R"({"a":1})"), MustParse(R"({"a":1,"b":2})")));
  EXPECT_FALSE(JsonEquals(MustParse("{}"), MustParse("[]")));
  EXPECT_TRUE(JsonEquals(MustParse(R"({"s":"a\u0000b"})"), MustParse(R"({"s":"a\u0000b"})")));
  EXPECT_FALSE(JsonEquals(MustParse(R"({"s":"a\u0000b"})"), MustParse(R"({"s":"a\u0000c"})")));
}

TEST(JsonTest, NestingDepthCountsNonEmptyContainers_L2) {
  EXPECT_EQ(NestingDepth(MustParse("1")), 0);
  EXPECT_EQ(NestingDepth(MustParse("{}")), 0);
  EXPECT_EQ(NestingDepth(MustParse(R"({"a":1})")), 1);
  EXPECT_EQ(NestingDepth(MustParse(R"({"a":{}})")), 1);  // empty {} does not count
  EXPECT_EQ(NestingDepth(MustParse(R"({"a":[]})")), 1);
  EXPECT_EQ(NestingDepth(MustParse(R"({"a":[1]})")), 2);
  EXPECT_EQ(NestingDepth(MustParse(R"({"a":{"b":{"c":1}},"d":[[[1]]]})")), 4);
  // The spec's example desired.one.two.three.four.five is six levels.
  EXPECT_EQ(NestingDepth(MustParse(R"({"one":{"two":{"three":{"four":{"five":{"x":1}}}}}})")), 6);
}

TEST(JsonTest, CompactSizeMatchesSerialisation_L1) {
  const char* texts[] = {R"({"a": 1, "b": [true, null, 2.5], "c": {"d": "x"}})",
                         R"({"unicode": "caf\u00e9 \u20ac"})", R"({"ctl": "a\nb\u0001"})",
                         R"([1.0, 1e300, -0.0, 18446744073709551615])"};
  for (const char* text : texts) {
    JsonDocument doc = MustParse(text);
    EXPECT_EQ(CompactJsonSize(doc), ToCompactJson(doc).size()) << text;
  }
  // 12a.1: non-ASCII counts as raw UTF-8 bytes, not as \u escapes.
  EXPECT_EQ(ToCompactJson(MustParse(R"({"e":"\u00e9"})")), "{\"e\":\"\xC3\xA9\"}");
  EXPECT_EQ(CompactJsonSize(MustParse(R"({"e":"\u00e9"})")), 10u);  // 8 + 2 bytes for é
}

TEST(JsonTest, PointerEscapesTildeAndSlash) {
  EXPECT_EQ(JsonPointerAppend("/state", "a/b~c"), "/state/a~1b~0c");
  EXPECT_EQ(JsonPointerAppend("", "x"), "/x");
}

}  // namespace
}  // namespace shadowsync

namespace shadowsync {
namespace {

TEST(JsonTest, WithLineAndColumnPlacesTheParseErrorOffset) {
  const std::string text = "{\n  \"a\": 1,\n  x\n}";
  Result<JsonDocument> doc = ParseJson(text);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(WithLineAndColumn(text, doc.status().message()),
              ::testing::HasSubstr("(line 3, column 3)"));
  EXPECT_EQ(WithLineAndColumn(text, "no offset here"), "no offset here");
}

}  // namespace
}  // namespace shadowsync
