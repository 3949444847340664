// SPDX-License-Identifier: Apache-2.0
//
// Tests of the conformance runner's request payload builder
// (tests/conformance/request_payload.h): spec section 13, `request.payload*`.

#include "conformance/request_payload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace shadowsync::conformance {
namespace {

using ::testing::HasSubstr;

Result<std::string> Build(const std::string& request_json) {
  Result<JsonDocument> doc = ParseJson(request_json);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok()) return doc.status();
  return BuildRequestPayload(*doc);
}

TEST(RequestPayloadTest, PayloadIsSerialisedCompactly) {
  Result<std::string> p =
      Build(R"({"topic":"t", "payload": {"state": {"desired": {"a": [1, 2.5]}}}})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, R"({"state":{"desired":{"a":[1,2.5]}}})");
}

TEST(RequestPayloadTest, EmptyStringMeansEmptyPayload) {
  Result<std::string> p = Build(R"({"payload": ""})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "");
}

TEST(RequestPayloadTest, OtherScalarsAreSentAsJson) {
  EXPECT_EQ(Build(R"({"payload": "abc"})").value(), R"("abc")");
  EXPECT_EQ(Build(R"({"payload": null})").value(), "null");
  EXPECT_EQ(Build(R"({"payload": [1]})").value(), "[1]");
}

TEST(RequestPayloadTest, RawIsVerbatim) {
  Result<std::string> p = Build(R"({"payload_raw": "{\"state\": {\"desired\": {"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, R"({"state": {"desired": {)");
  EXPECT_EQ(Build(R"({"payload_raw": "a\u0000b"})").value(), std::string("a\0b", 3));
}

TEST(RequestPayloadTest, HexIsDecoded) {
  Result<std::string> p = Build(R"({"payload_hex": "7B7d c3 28 FF00"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, std::string("{}\xc3\x28\xff\x00", 6));
  EXPECT_EQ(Build(R"({"payload_hex": ""})").value(), "");
}

TEST(RequestPayloadTest, BadHexIsAnError) {
  EXPECT_THAT(DecodeHex("abc").status().message(), HasSubstr("odd number"));
  EXPECT_THAT(DecodeHex("a b").status().message(), HasSubstr("offset 1"));
  EXPECT_THAT(DecodeHex("zz").status().message(), HasSubstr("offset 0"));
  EXPECT_FALSE(DecodeHex("0x41").ok());
}

TEST(RequestPayloadTest, ExactlyOneFormIsRequired) {
  EXPECT_THAT(Build(R"({"topic": "t"})").status().message(), HasSubstr("exactly one"));
  EXPECT_THAT(Build(R"({"payload": "", "payload_raw": ""})").status().message(),
              HasSubstr("exactly one"));
  EXPECT_THAT(Build(R"({"payload_raw": 1})").status().message(), HasSubstr("payload_raw"));
  EXPECT_THAT(Build(R"({"payload_hex": ["41"]})").status().message(), HasSubstr("payload_hex"));
  EXPECT_FALSE(Build(R"([])").ok());
}

}  // namespace
}  // namespace shadowsync::conformance
