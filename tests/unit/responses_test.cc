// SPDX-License-Identifier: Apache-2.0
//
// lib/src/responses.cc: the payloads the service publishes (spec 4.2 to
// 4.6, E1), checked field by field; service_test.cc checks them in context.

#include "shadowsync/responses.h"

#include <gtest/gtest.h>

#include <string>

#include "support/json_expect.h"

namespace shadowsync {
namespace {

using testing_support::MustParse;

constexpr Timestamp kNow = 1700000000;

ShadowDocument Document(const char* state, std::uint64_t version) {
  ShadowDocument document;
  document.ApplyState(MustParse(state), kNow - 10);
  document.set_version(version);
  return document;
}

TEST(ResponsesTest, ErrorPayloadCarriesTheTokenOnlyWhenThereIsOne) {
  EXPECT_EQ(ErrorPayload(ShadowError{409, "Version conflict"}, std::nullopt),
            R"({"code":409,"message":"Version conflict"})");
  EXPECT_EQ(ErrorPayload(ShadowError{404, "Thing not found"}, std::string("t-1")),
            R"({"code":404,"message":"Thing not found","clientToken":"t-1"})");
}

TEST(ResponsesTest, DeleteAcceptedNamesTheDeletedVersion) {
  const JsonDocument payload = MustParse(DeleteAcceptedPayload(7, kNow, std::string("d")));
  EXPECT_EQ(payload["version"].GetUint64(), 7u);  // 4.6: not incremented
  EXPECT_EQ(payload["timestamp"].GetInt64(), kNow);
  EXPECT_STREQ(payload["clientToken"].GetString(), "d");
}

TEST(ResponsesTest, DeltaOnlyWhileDesiredAndReportedDiffer) {
  const ShadowDocument same = Document(R"({"desired":{"a":1},"reported":{"a":1}})", 2);
  EXPECT_FALSE(DeltaPayload(same, kNow, std::nullopt).has_value());  // D5
  const ShadowDocument differ = Document(R"({"desired":{"a":1,"b":2},"reported":{"a":1}})", 3);
  const std::optional<std::string> delta = DeltaPayload(differ, kNow, std::nullopt);
  ASSERT_TRUE(delta.has_value());
  const JsonDocument payload = MustParse(*delta);
  EXPECT_EQ(ToCompactJson(payload["state"]), R"({"b":2})");
  EXPECT_EQ(payload["version"].GetUint64(), 3u);
  EXPECT_EQ(payload["metadata"]["b"]["timestamp"].GetInt64(), kNow - 10);
  EXPECT_FALSE(payload.HasMember("clientToken"));
}

TEST(ResponsesTest, GetAcceptedHasTheDeltaWhenThereIsOne) {
  const ShadowDocument document = Document(R"({"desired":{"a":2},"reported":{"a":1}})", 4);
  const JsonDocument payload = MustParse(GetAcceptedPayload(document, kNow, std::string("g")));
  EXPECT_EQ(ToCompactJson(payload["state"]["delta"]), R"({"a":2})");
  EXPECT_EQ(ToCompactJson(payload["state"]["reported"]), R"({"a":1})");
  EXPECT_TRUE(payload["metadata"].HasMember("delta"));
  EXPECT_EQ(payload["version"].GetUint64(), 4u);
  EXPECT_STREQ(payload["clientToken"].GetString(), "g");
}

TEST(ResponsesTest, DocumentsOfACreatedShadowHaveANullPrevious) {
  const ShadowDocument current = Document(R"({"reported":{"a":1}})", 1);
  const JsonDocument created = MustParse(DocumentsPayload(nullptr, current, kNow, std::nullopt));
  EXPECT_TRUE(created["previous"].IsNull());
  EXPECT_EQ(created["current"]["version"].GetUint64(), 1u);
  EXPECT_EQ(created["timestamp"].GetInt64(), kNow);
  const ShadowDocument next = Document(R"({"reported":{"a":2}})", 2);
  const std::string from_documents = DocumentsPayload(&current, next, kNow, std::string("u"));
  const std::string from_json =
      DocumentsPayloadFromJson(current.ToJson(), next.ToJson(), kNow, std::string("u"));
  EXPECT_EQ(from_documents, from_json) << "both forms give the same text";
  EXPECT_EQ(MustParse(from_json)["previous"]["version"].GetUint64(), 1u);
}

}  // namespace
}  // namespace shadowsync
