// SPDX-License-Identifier: Apache-2.0
//
// Tests of lib/src/update_request.cc: every E2 row a request body can
// trigger, in the validation order of E3, plus clientToken rules (V6, P5).

#include "shadowsync/update_request.h"

#include <gtest/gtest.h>

#include <string>

#include "shadowsync/shadow_error.h"

namespace shadowsync {
namespace {

ShadowError ErrorOf(std::string_view payload, const DocumentLimits& limits = {}) {
  UpdateRequest request = UpdateRequest::Parse(payload, limits);
  EXPECT_FALSE(request.ok()) << "accepted: " << payload;
  return request.ok() ? ShadowError{} : request.error();
}

std::string Nest(int levels, const std::string& leaf) {
  std::string s;
  for (int i = 0; i < levels; ++i) s += "{\"k" + std::to_string(i) + "\":";
  s += leaf;
  s += std::string(static_cast<std::size_t>(levels), '}');
  return s;
}

TEST(UpdateRequestTest, AcceptsTheDocumentedShapes_4_1) {
  for (const char* payload :
       {R"({"state":{"desired":{"color":"red"}}})", R"({"state":{"reported":{"a":[1,2]}}})",
        R"({"state":{"desired":{"a":1},"reported":{"a":1}},"clientToken":"t","version":3})",
        R"({"state":null})", R"({"state":{}})", R"({"state":{"desired":null}})",
        R"({"state":{"reported":{}}})", R"({"state":{"desired":{"a":null}}})"}) {
    UpdateRequest request = UpdateRequest::Parse(payload);
    EXPECT_TRUE(request.ok()) << payload << ": " << (request.ok() ? "" : request.error().message);
  }
}

TEST(UpdateRequestTest, UnknownTopLevelKeysAreIgnored_M1) {
  UpdateRequest request =
      UpdateRequest::Parse(R"({"state":{"reported":{"a":1}},"metadata":{},"timestamp":5,"x":[]})");
  ASSERT_TRUE(request.ok());
  ASSERT_NE(request.reported(), nullptr);
  EXPECT_EQ(request.desired(), nullptr);
}

TEST(UpdateRequestTest, InvalidUtf8Is415_E2) {
  EXPECT_EQ(ErrorOf("{\"state\":{\"reported\":{\"a\":\"\xC3\x28\"}}}"),
            shadow_errors::UnsupportedEncoding());
  EXPECT_EQ(ErrorOf("{\"state\":{\"reported\":{\"a\":\"\xC3\x28\"}}}").code, 415);
}

TEST(UpdateRequestTest, MalformedJsonAndNonObjectRootAreInvalidJson_E2) {
  EXPECT_EQ(ErrorOf(R"({"state": {)"), shadow_errors::InvalidJson());
  EXPECT_EQ(ErrorOf(R"([{"state":{}}])"), shadow_errors::InvalidJson());
  EXPECT_EQ(ErrorOf(R"("state")"), shadow_errors::InvalidJson());
  EXPECT_EQ(ErrorOf("null"), shadow_errors::InvalidJson());
  EXPECT_EQ(ErrorOf(R"({"state":{"reported":{"a":NaN}}})"), shadow_errors::InvalidJson());
  EXPECT_EQ(ErrorOf("\xEF\xBB\xBF{\"state\":null}"), shadow_errors::InvalidJson());
}

TEST(UpdateRequestTest, EmptyPayloadIsInvalidJson_E5) {
  EXPECT_EQ(ErrorOf(""), shadow_errors::InvalidJson());
}

TEST(UpdateRequestTest, ClientTokenOver64BytesOrNotAStringIsRejected_V6_L3) {
  const std::string t64(64, 'x');
  const std::string t65(65, 'x');
  UpdateRequest ok = UpdateRequest::Parse(R"({"state":null,"clientToken":")" + t64 + "\"}");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.client_token(), t64);
  UpdateRequest bad = UpdateRequest::Parse(R"({"state":null,"clientToken":")" + t65 + "\"}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), shadow_errors::InvalidClientToken());
  EXPECT_FALSE(bad.client_token().has_value());  // an invalid token is not echoed
  // Bytes, not characters: 22 three-byte euro signs are 66 bytes.
  std::string euros;
  for (int i = 0; i < 22; ++i) euros += "\xE2\x82\xAC";
  EXPECT_EQ(ErrorOf(R"({"state":null,"clientToken":")" + euros + "\"}"),
            shadow_errors::InvalidClientToken());
  EXPECT_EQ(ErrorOf(R"({"state":null,"clientToken":5})"), shadow_errors::InvalidClientToken());
  EXPECT_EQ(ErrorOf(R"({"state":null,"clientToken":null})"), shadow_errors::InvalidClientToken());
}

TEST(UpdateRequestTest, TokenLimitIsConfigurable_L3) {
  DocumentLimits limits;
  limits.max_client_token_bytes = 4;
  EXPECT_EQ(ErrorOf(R"({"state":null,"clientToken":"12345"})", limits),
            shadow_errors::InvalidClientToken());
}

TEST(UpdateRequestTest, VersionMustBeANonNegativeInteger_12a6) {
  for (const char* v : {"null", "1.0", "-1", "1.5", "\"3\"", "true", "1e2", "[1]"}) {
    EXPECT_EQ(ErrorOf(std::string(R"({"state":null,"version":)") + v + "}"),
              shadow_errors::InvalidVersion())
        << v;
  }
  UpdateRequest ok = UpdateRequest::Parse(R"({"state":null,"version":0})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.version(), 0u);
}

TEST(UpdateRequestTest, StateMustBePresentAndAnObjectOrNull_E2) {
  EXPECT_EQ(ErrorOf(R"({"desired":{"a":1}})"), shadow_errors::MissingState());
  EXPECT_EQ(ErrorOf(R"({})"), shadow_errors::MissingState());
  for (const char* s : {"\"x\"", "1", "true", "[]", "[{}]"}) {
    EXPECT_EQ(ErrorOf(std::string(R"({"state":)") + s + "}"), shadow_errors::StateNotObject())
        << s;
  }
}

TEST(UpdateRequestTest, UnknownStateNodeNamesTheKey_E2) {
  ShadowError e = ErrorOf(R"({"state":{"reported":{"a":1},"delta":{"a":1}}})");
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.message, "State contains an invalid node: 'delta'");
}

TEST(UpdateRequestTest, SectionTypes_E2) {
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":"on"}})"), shadow_errors::DesiredNotObject());
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":[1]}})"), shadow_errors::DesiredNotObject());
  EXPECT_EQ(ErrorOf(R"({"state":{"reported":5}})"), shadow_errors::ReportedNotObject());
  EXPECT_EQ(ErrorOf(R"({"state":{"reported":false}})"), shadow_errors::ReportedNotObject());
  // 12a.7: with both wrong, desired is reported first, whatever the key order.
  EXPECT_EQ(ErrorOf(R"({"state":{"reported":5,"desired":"x"}})"),
            shadow_errors::DesiredNotObject());
}

TEST(UpdateRequestTest, DepthSixIsAcceptedSevenIsRejected_L2_12a2) {
  // Nest(n) is n nested objects; as a section value the outermost one is the
  // section itself, level 1. Six levels pass, seven do not.
  EXPECT_TRUE(UpdateRequest::Parse(R"({"state":{"desired":)" + Nest(6, "1") + "}}").ok());
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":)" + Nest(7, "1") + "}}"),
            shadow_errors::TooDeep(6));
  EXPECT_EQ(shadow_errors::TooDeep(6).message,
            "JSON contains too many levels of nesting; maximum is 6");
  // Leaves and empty containers at level 7 do not count.
  EXPECT_TRUE(UpdateRequest::Parse(R"({"state":{"reported":)" + Nest(6, "{}") + "}}").ok());
  EXPECT_TRUE(UpdateRequest::Parse(R"({"state":{"reported":)" + Nest(6, "[]") + "}}").ok());
  EXPECT_EQ(ErrorOf(R"({"state":{"reported":)" + Nest(6, "[1]") + "}}"),
            shadow_errors::TooDeep(6));
  DocumentLimits eight;
  eight.max_depth = 8;
  EXPECT_TRUE(UpdateRequest::Parse(R"({"state":{"desired":)" + Nest(8, "1") + "}}", eight).ok());
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":)" + Nest(9, "1") + "}}", eight).message,
            "JSON contains too many levels of nesting; maximum is 8");
}

TEST(UpdateRequestTest, HostileDepthIsRejectedWithoutCrashing_L2) {
  const std::string deep = std::string(50000, '[') + std::string(50000, ']');
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":{"a":)" + deep + "}}}"), shadow_errors::TooDeep(6));
}

TEST(UpdateRequestTest, NullInsideArraysIsRejectedWithItsPointer_M12_L11) {
  ShadowError e = ErrorOf(R"({"state":{"reported":{"list":[1,null]}}})");
  EXPECT_EQ(e.code, 400);
  EXPECT_NE(e.message.find("/state/reported/list/1"), std::string::npos) << e.message;
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":{"a":{"b":[[1],[null]]}}}})").code, 400);
  // Objects inside arrays keep their null members (12a.4).
  EXPECT_TRUE(UpdateRequest::Parse(R"({"state":{"reported":{"list":[{"a":null}]}}})").ok());
}

// E3: the first failure wins. One case per adjacent pair of steps.
TEST(UpdateRequestTest, ValidationOrder_E3) {
  // 1 before 2: invalid UTF-8 inside otherwise broken JSON is still 415.
  EXPECT_EQ(ErrorOf("{\"state\": \xFF").code, 415);
  // 2 before 3.
  EXPECT_EQ(ErrorOf(R"([1])"), shadow_errors::InvalidJson());
  // 3 before 4.
  EXPECT_EQ(ErrorOf(R"({"clientToken":1,"version":-1})"), shadow_errors::InvalidClientToken());
  // 4 before 5.
  EXPECT_EQ(ErrorOf(R"({"version":-1})"), shadow_errors::InvalidVersion());
  // 5 before 6 is trivial; 6 before 7.
  EXPECT_EQ(ErrorOf(R"({"state":[{"foo":1}]})"), shadow_errors::StateNotObject());
  // 7 before 8.
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":1,"foo":1}})").message,
            "State contains an invalid node: 'foo'");
  // 8 before 9.
  EXPECT_EQ(ErrorOf(R"({"state":{"desired":1,"reported":)" + Nest(9, "1") + "}}"),
            shadow_errors::DesiredNotObject());
  // 9 before 10.
  EXPECT_EQ(ErrorOf(R"({"state":{"reported":)" + Nest(7, "[null]") + "}}"),
            shadow_errors::TooDeep(6));
}

TEST(UpdateRequestTest, ValidTokenIsKeptForLaterErrors_E3_V7) {
  UpdateRequest request = UpdateRequest::Parse(R"({"clientToken":"abc","state":"x"})");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error(), shadow_errors::StateNotObject());
  EXPECT_EQ(request.client_token(), "abc");
}

TEST(UpdateRequestTest, GetAndDeleteBodiesNeverReject_P5_12a9) {
  EXPECT_EQ(ExtractClientToken(R"({"clientToken":"t-1"})"), "t-1");
  EXPECT_EQ(ExtractClientToken(""), std::nullopt);
  EXPECT_EQ(ExtractClientToken("not json"), std::nullopt);
  EXPECT_EQ(ExtractClientToken("\xFF\xFE"), std::nullopt);
  EXPECT_EQ(ExtractClientToken(R"(["clientToken"])"), std::nullopt);
  EXPECT_EQ(ExtractClientToken(R"({"clientToken":7})"), std::nullopt);
  EXPECT_EQ(ExtractClientToken(R"({"clientToken":")" + std::string(65, 'x') + "\"}"),
            std::nullopt);
}

}  // namespace
}  // namespace shadowsync
