// SPDX-License-Identifier: Apache-2.0
//
// Tests of lib/src/service.cc: which messages the service publishes (P1 to
// P11), errors (E1 to E4), versions and tokens (V1 to V7), limits (L1 to L10)
// and tombstones, end to end through ShadowService::Handle.

#include "shadowsync/service.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shadowsync/responses.h"
#include "support/json_expect.h"

namespace shadowsync {
namespace {

using testing_support::MustParse;

constexpr std::int64_t kNow = 1700000000;
const std::string kPrefix = "$aws/things/lamp/shadow";

std::chrono::system_clock::time_point At(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

class ServiceTest : public ::testing::Test {
 protected:
  std::vector<ServiceMessage> Send(const std::string& topic, const std::string& payload,
                                   std::int64_t at = kNow) {
    return service_.Handle({topic, payload, At(at)});
  }
  std::vector<ServiceMessage> Update(const std::string& payload, std::int64_t at = kNow) {
    return Send(kPrefix + "/update", payload, at);
  }
  // The payload published on `topic`, or "" when none was.
  static std::string PayloadOn(const std::vector<ServiceMessage>& messages,
                               const std::string& topic) {
    std::string found;
    int count = 0;
    for (const auto& m : messages) {
      if (m.topic == topic) {
        found = m.payload;
        ++count;
      }
    }
    EXPECT_LE(count, 1) << "published twice on " << topic;
    return found;
  }
  static std::vector<std::string> Topics(const std::vector<ServiceMessage>& messages) {
    std::vector<std::string> topics;
    for (const auto& m : messages) topics.push_back(m.topic);
    return topics;
  }
  std::uint64_t StoredVersion(const ShadowId& id = {"lamp", std::nullopt}) {
    Result<StoredShadow> entry = store_.Load(id);
    EXPECT_TRUE(entry.ok());
    return entry->document ? entry->document->version() : 0;
  }

  MemoryStore store_;
  ShadowService service_{store_};
};

TEST_F(ServiceTest, AcceptedUpdatePublishesAcceptedDocumentsAndDeltaInOrder_P1_P8) {
  std::vector<ServiceMessage> out = Update(R"({"state":{"desired":{"on":true}}})");
  EXPECT_EQ(Topics(out), (std::vector<std::string>{kPrefix + "/update/accepted",
                                                   kPrefix + "/update/documents",
                                                   kPrefix + "/update/delta"}));
  // accepted, delta and documents of one update carry the same version and
  // the same timestamp (P8, section 4).
  for (const auto& m : out) {
    JsonDocument doc = MustParse(m.payload);
    EXPECT_EQ(doc["timestamp"].GetInt64(), kNow) << m.topic;
    if (doc.HasMember("version")) {
      EXPECT_EQ(doc["version"].GetUint64(), 1u) << m.topic;
    }
  }
}

TEST_F(ServiceTest, DocumentsIsSentEvenWithoutDelta_P1) {
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"on":true}}})");
  EXPECT_EQ(Topics(out), (std::vector<std::string>{kPrefix + "/update/accepted",
                                                   kPrefix + "/update/documents"}));
}

TEST_F(ServiceTest, DeltaIsSentWheneverItIsNonEmpty_P2) {
  ASSERT_EQ(Update(R"({"state":{"desired":{"a":1}}})").size(), 3u);
  // A reported-only update of an unrelated key leaves the delta non-empty:
  // the project's default is to send it again.
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"other":1}}})");
  EXPECT_JSON_EQ(PayloadOn(out, kPrefix + "/update/delta"),
                 R"({"state":{"a":1},"metadata":{"a":{"timestamp":1700000000}},"version":2,"timestamp":1700000000})");
}

TEST_F(ServiceTest, DeltaFirstOrderIsAvailable_P8) {
  ServiceOptions options;
  options.order = ResponseOrder::kDeltaFirst;
  ShadowService greengrass_like(store_, options);
  std::vector<ServiceMessage> out =
      greengrass_like.Handle({kPrefix + "/update", R"({"state":{"desired":{"a":1}}})", At(kNow)});
  EXPECT_EQ(Topics(out), (std::vector<std::string>{kPrefix + "/update/delta",
                                                   kPrefix + "/update/documents",
                                                   kPrefix + "/update/accepted"}));
}

TEST_F(ServiceTest, EveryOriginGetsDeltaAndDocuments_P7) {
  // A request carries no transport: an update that arrives over HTTPS (a
  // future REST front end) is handled by the same Handle() and publishes
  // delta and documents like an MQTT one. Only its errors differ, and those
  // are the front end's to map to HTTP status codes.
  const std::string topic = kPrefix + "/update";
  ServiceRequest from_rest{topic, R"({"state":{"desired":{"a":1}}})", At(kNow)};
  std::vector<ServiceMessage> out = service_.Handle(from_rest);
  EXPECT_NE(PayloadOn(out, kPrefix + "/update/delta"), "");
  EXPECT_NE(PayloadOn(out, kPrefix + "/update/documents"), "");
}

TEST_F(ServiceTest, GetReturnsTheFullDocumentWithDelta_P3_4_3) {
  ASSERT_FALSE(Update(R"({"state":{"desired":{"c":"RED","e":"ON"},"reported":{"c":"GREEN","e":"ON"}}})").empty());
  std::vector<ServiceMessage> out = Send(kPrefix + "/get", "", kNow + 5);
  ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/get/accepted"});
  EXPECT_JSON_EQ(out[0].payload, R"({
    "state":{"desired":{"c":"RED","e":"ON"},"reported":{"c":"GREEN","e":"ON"},"delta":{"c":"RED"}},
    "metadata":{"desired":{"c":{"timestamp":1700000000},"e":{"timestamp":1700000000}},
                "reported":{"c":{"timestamp":1700000000},"e":{"timestamp":1700000000}},
                "delta":{"c":{"timestamp":1700000000}}},
    "version":1,"timestamp":1700000005})");
}

TEST_F(ServiceTest, GetOfMissingShadowIs404WithThingName_P3_E2) {
  std::vector<ServiceMessage> out = Send(kPrefix + "/get", "");
  ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/get/rejected"});
  EXPECT_EQ(out[0].payload, R"({"code":404,"message":"No shadow exists with name: 'lamp'"})");
}

TEST_F(ServiceTest, NamedShadow404UsesTheShadowName_E2_T1) {
  std::vector<ServiceMessage> out = Send(kPrefix + "/name/cfg/delete", "");
  ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/name/cfg/delete/rejected"});
  EXPECT_EQ(out[0].payload, R"({"code":404,"message":"No shadow exists with name: 'cfg'"})");
}

TEST_F(ServiceTest, ClassicAndNamedShadowsAreIndependent_T1) {
  ASSERT_EQ(Update(R"({"state":{"reported":{"a":1}}})").size(), 2u);
  ASSERT_EQ(Send(kPrefix + "/name/cfg/update", R"({"state":{"reported":{"b":2}}})").size(), 2u);
  ASSERT_EQ(Send(kPrefix + "/name/cfg/delete", "").size(), 1u);
  EXPECT_EQ(StoredVersion(), 1u);  // the classic shadow stays
  std::vector<ServiceMessage> out = Send(kPrefix + "/get", "");
  EXPECT_JSON_EQ(PayloadOn(out, kPrefix + "/get/accepted"),
                 R"({"state":{"reported":{"a":1}},"metadata":{"reported":{"a":{"timestamp":1700000000}}},"version":1,"timestamp":1700000000})");
}

TEST_F(ServiceTest, DeletePublishesOnlyAcceptedWithTheDeletedVersion_P4_4_6) {
  Update(R"({"state":{"reported":{"a":1}}})");
  Update(R"({"state":{"reported":{"a":2}}})");
  std::vector<ServiceMessage> out = Send(kPrefix + "/delete", "", kNow + 1);
  ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/delete/accepted"});
  EXPECT_EQ(out[0].payload, R"({"version":2,"timestamp":1700000001})");
  // A second delete finds nothing (moto wrongly succeeds again).
  out = Send(kPrefix + "/delete", "");
  EXPECT_EQ(PayloadOn(out, kPrefix + "/delete/rejected"),
            R"({"code":404,"message":"No shadow exists with name: 'lamp'"})");
}

TEST_F(ServiceTest, GetAndDeleteBodiesAreIgnoredButTokensEchoed_P5_12a9) {
  Update(R"({"state":{"reported":{"a":1}}})");
  for (const std::string body : {"", "garbage", "\xFF\xFE", "[1]", R"({"clientToken":7})"}) {
    std::vector<ServiceMessage> out = Send(kPrefix + "/get", body);
    ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/get/accepted"}) << body;
    EXPECT_FALSE(MustParse(out[0].payload).HasMember("clientToken"));
  }
  std::vector<ServiceMessage> out = Send(kPrefix + "/get", R"({"clientToken":"g1","junk":1})");
  EXPECT_EQ(MustParse(out[0].payload)["clientToken"], "g1");
  out = Send(kPrefix + "/delete", R"({"clientToken":"d1"})");
  EXPECT_EQ(out[0].payload, R"({"version":1,"timestamp":1700000000,"clientToken":"d1"})");
  out = Send(kPrefix + "/get", R"({"clientToken":"g2"})");
  EXPECT_EQ(out[0].payload,
            R"({"code":404,"message":"No shadow exists with name: 'lamp'","clientToken":"g2"})");
}

TEST_F(ServiceTest, FirstUpdateCreatesTheShadowEvenWithoutState_P6_M8_V1) {
  std::vector<ServiceMessage> out = Update(R"({"state":null})");
  EXPECT_EQ(PayloadOn(out, kPrefix + "/update/accepted"),
            R"({"state":null,"metadata":{"timestamp":1700000000},"version":1,"timestamp":1700000000})");
  EXPECT_EQ(PayloadOn(out, kPrefix + "/update/documents"),
            R"({"previous":null,"current":{"state":{},"metadata":{},"version":1},"timestamp":1700000000})");
  out = Send(kPrefix + "/get", "");
  EXPECT_EQ(out[0].payload, R"({"state":{},"metadata":{},"version":1,"timestamp":1700000000})");
}

TEST_F(ServiceTest, TheDesiredSectionIsNeverClearedByTheService_P9) {
  Update(R"({"state":{"desired":{"a":1}}})");
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"a":1}}})");
  EXPECT_EQ(PayloadOn(out, kPrefix + "/update/delta"), "");
  JsonDocument current = MustParse(PayloadOn(out, kPrefix + "/update/documents"));
  EXPECT_TRUE(current["current"]["state"].HasMember("desired"));
}

TEST_F(ServiceTest, ResponsesAreNeverOnRequestTopics_P10_P11_T8) {
  // Every message goes to one of the eight response topics of this shadow;
  // no extra topics are invented.
  std::vector<ServiceMessage> all = Update(R"({"state":{"desired":{"a":1}},"clientToken":"x"})");
  for (const auto& m : Send(kPrefix + "/get", "")) all.push_back(m);
  for (const auto& m : Update(R"({"state":"bad"})")) all.push_back(m);
  for (const auto& m : Send(kPrefix + "/delete", "")) all.push_back(m);
  for (const auto& m : all) {
    Result<ShadowTopic> topic = ParseTopic(m.topic);
    ASSERT_TRUE(topic.ok()) << m.topic;
    EXPECT_FALSE(topic->is_request()) << m.topic;
    EXPECT_TRUE(TopicMatchesFilter("$aws/things/lamp/shadow/#", m.topic)) << m.topic;
  }
  // The service ignores its own responses if a broker loops them back.
  for (const auto& m : all) EXPECT_TRUE(Send(m.topic, m.payload).empty()) << m.topic;
}

TEST_F(ServiceTest, ErrorDocumentShape_E1) {
  std::vector<ServiceMessage> out = Update(R"({"state":5,"clientToken":"tok"})");
  ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/update/rejected"});
  EXPECT_EQ(out[0].payload,
            R"({"code":400,"message":"State node must be an object","clientToken":"tok"})");
}

TEST_F(ServiceTest, RejectionsAnswerOnTheRejectedTopicOnly_E2_E3) {
  const char* bad[] = {R"({"desired":{"a":1}})", "", "{", R"({"state":{"x":{}}})",
                       R"({"state":{"reported":{"l":[null]}}})", R"({"state":null,"version":-1})"};
  for (const char* payload : bad) {
    std::vector<ServiceMessage> out = Update(payload);
    ASSERT_EQ(Topics(out), std::vector<std::string>{kPrefix + "/update/rejected"}) << payload;
    EXPECT_EQ(MustParse(out[0].payload)["code"].GetInt(), 400) << payload;
  }
  std::vector<ServiceMessage> out = Update("{\"state\":{\"reported\":{\"a\":\"\xC0\x80\"}}}");
  EXPECT_EQ(out[0].payload,
            R"({"code":415,"message":"Unsupported documented encoding; supported encoding is UTF-8"})");
}

TEST_F(ServiceTest, RejectedRequestChangesNothing_E4) {
  Update(R"({"state":{"reported":{"a":1}}})");
  const std::string before = store_.Load({"lamp", std::nullopt})->document->ToJson();
  Update(R"({"state":{"reported":{"a":2}},"version":7})");          // 409
  Update(R"({"state":{"reported":{"b":")" + std::string(9000, 'x') + "\"}}}");  // 413
  Update(R"({"state":{"reported":{"a":2},"bogus":1}})");            // 400
  EXPECT_EQ(store_.Load({"lamp", std::nullopt})->document->ToJson(), before);
}

TEST_F(ServiceTest, ErrorCatalogueTexts_E2) {
  EXPECT_EQ(ErrorPayload(shadow_errors::Unauthorized(), std::nullopt),
            R"({"code":401,"message":"Unauthorized"})");
  EXPECT_EQ(ErrorPayload(shadow_errors::Forbidden(), std::nullopt),
            R"({"code":403,"message":"Forbidden"})");
  EXPECT_EQ(ErrorPayload(shadow_errors::ThingNotFound(), std::nullopt),
            R"({"code":404,"message":"Thing not found"})");
  EXPECT_EQ(ErrorPayload(shadow_errors::InternalFailure(), std::string("t")),
            R"({"code":500,"message":"Internal service failure","clientToken":"t"})");
  EXPECT_EQ(shadow_errors::TooManyRequests().code, 429);
}

TEST_F(ServiceTest, EmptyUpdatePayloadIsInvalidJson_E5) {
  std::vector<ServiceMessage> out = Update("");
  EXPECT_EQ(out[0].payload, R"({"code":400,"message":"Invalid JSON"})");
  EXPECT_EQ(StoredVersion(), 0u);
}

TEST_F(ServiceTest, EveryAcceptedUpdateAddsOne_V2) {
  Update(R"({"state":{"reported":{"a":1}}})");
  Update(R"({"state":{"reported":{"a":1}}})");  // changes nothing, still counts
  Update(R"({"state":{}})");
  Update(R"({"state":{"reported":{}}})");
  Update(R"({"state":null})");
  EXPECT_EQ(StoredVersion(), 5u);
  Send(kPrefix + "/get", "");
  Update(R"({"state":"bad"})");
  EXPECT_EQ(StoredVersion(), 5u);
}

TEST_F(ServiceTest, ConditionalUpdates_V3) {
  Update(R"({"state":{"desired":{"led":"on"}}})");
  Update(R"({"state":{"reported":{"led":"on"}}})");
  std::vector<ServiceMessage> out = Update(R"({"state":{"desired":{"led":"off"}},"version":1,"clientToken":"c"})");
  EXPECT_EQ(out[0].payload, R"({"code":409,"message":"Version conflict","clientToken":"c"})");
  out = Update(R"({"state":{"desired":{"led":"off"}},"version":2})");
  EXPECT_EQ(MustParse(PayloadOn(out, kPrefix + "/update/accepted"))["version"].GetUint64(), 3u);
}

TEST_F(ServiceTest, VersionOnMissingShadowMustBeOne_V4_12a5) {
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"a":1}},"version":2})");
  EXPECT_EQ(out[0].payload, R"({"code":400,"message":"Invalid version"})");
  out = Update(R"({"state":{"reported":{"a":1}},"version":1})");
  EXPECT_EQ(MustParse(PayloadOn(out, kPrefix + "/update/accepted"))["version"].GetUint64(), 1u);
}

TEST_F(ServiceTest, RecreationWithin48HoursContinuesTheVersion_V5_L10) {
  for (int i = 0; i < 9; ++i) Update(R"({"state":{"reported":{"a":1}}})");
  ASSERT_EQ(Send(kPrefix + "/delete", "").size(), 1u);
  EXPECT_EQ(Send(kPrefix + "/get", "")[0].topic, kPrefix + "/get/rejected");
  // Without a version (with one it is 409 while the tombstone lives, V4).
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"a":1}}})", kNow + 47 * 3600);
  JsonDocument accepted = MustParse(PayloadOn(out, kPrefix + "/update/accepted"));
  EXPECT_EQ(accepted["version"].GetUint64(), 10u);
  // documents.previous is null after a delete and re-creation (4.5).
  EXPECT_TRUE(MustParse(PayloadOn(out, kPrefix + "/update/documents"))["previous"].IsNull());
}

TEST_F(ServiceTest, RecreationAfter48HoursStartsAgain_V5_L10) {
  for (int i = 0; i < 4; ++i) Update(R"({"state":{"reported":{"a":1}}})");
  Send(kPrefix + "/delete", "");
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"a":1}}})", kNow + 48 * 3600);
  EXPECT_EQ(MustParse(PayloadOn(out, kPrefix + "/update/accepted"))["version"].GetUint64(), 1u);
}

TEST_F(ServiceTest, TombstoneLifetimeIsAnOption_L10) {
  ServiceOptions options;
  options.tombstone_lifetime_seconds = 10;
  ShadowService short_memory(store_, options);
  short_memory.Handle({kPrefix + "/update", R"({"state":null})", At(kNow)});
  short_memory.Handle({kPrefix + "/update", R"({"state":null})", At(kNow)});
  short_memory.Handle({kPrefix + "/delete", "", At(kNow)});
  std::vector<ServiceMessage> out =
      short_memory.Handle({kPrefix + "/update", R"({"state":null})", At(kNow + 9)});
  EXPECT_EQ(MustParse(out[0].payload)["version"].GetUint64(), 3u);
  short_memory.Handle({kPrefix + "/delete", "", At(kNow + 9)});
  out = short_memory.Handle({kPrefix + "/update", R"({"state":null})", At(kNow + 19)});
  EXPECT_EQ(MustParse(out[0].payload)["version"].GetUint64(), 1u);
}

TEST_F(ServiceTest, VersionToADeletedShadowConflictsWhileTheTombstoneLives_V4_12a5) {
  for (int i = 0; i < 3; ++i) Update(R"({"state":{"reported":{"a":1}}})");
  Send(kPrefix + "/delete", "");
  for (const char* version : {"1", "3", "4", "99"}) {
    std::vector<ServiceMessage> out =
        Update(std::string(R"({"state":{"reported":{"a":1}},"version":)") + version + "}");
    ASSERT_EQ(out.size(), 1u) << version;
    EXPECT_EQ(out[0].payload, R"({"code":409,"message":"Version conflict"})") << version;
    EXPECT_EQ(out[0].code, 409);
    EXPECT_EQ(out[0].suffix, Suffix::kRejected);
  }
  // Nothing was created: without a version the update continues the tombstone.
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"a":1}}})");
  EXPECT_EQ(MustParse(PayloadOn(out, kPrefix + "/update/accepted"))["version"].GetUint64(), 4u);
}

TEST_F(ServiceTest, VersionAfterTheTombstoneExpiredIsCheckedAsForANewShadow_V4_L10) {
  Update(R"({"state":{"reported":{"a":1}}})");
  Send(kPrefix + "/delete", "");
  const std::int64_t later = kNow + 48 * 3600;
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"a":1}},"version":2})", later);
  EXPECT_EQ(out.at(0).payload, R"({"code":400,"message":"Invalid version"})");
  out = Update(R"({"state":{"reported":{"a":1}},"version":1})", later);
  EXPECT_EQ(MustParse(PayloadOn(out, kPrefix + "/update/accepted"))["version"].GetUint64(), 1u);
}

TEST_F(ServiceTest, MessagesCarryTheirKindCodeAndVersion) {
  std::vector<ServiceMessage> out = Update(R"({"state":{"desired":{"a":1}}})");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].suffix, Suffix::kAccepted);
  EXPECT_EQ(out[0].code, 200);
  EXPECT_EQ(out[1].suffix, Suffix::kDocuments);
  EXPECT_EQ(out[2].suffix, Suffix::kDelta);
  for (const ServiceMessage& m : out) EXPECT_EQ(m.version, 1u) << m.topic;
  out = Send(kPrefix + "/get", "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].version, 1u);
  EXPECT_EQ(out[0].code, 200);
  out = Send(kPrefix + "/delete", "");
  EXPECT_EQ(out.at(0).version, 1u);
  out = Send(kPrefix + "/get", "");
  EXPECT_EQ(out.at(0).suffix, Suffix::kRejected);
  EXPECT_EQ(out.at(0).code, 404);
  EXPECT_EQ(out.at(0).version, 0u);
}

TEST_F(ServiceTest, TokenIsEchoedOnEveryMessageOfARequest_V6_V7) {
  Update(R"({"state":{"reported":{"a":1}}})");
  std::vector<ServiceMessage> out =
      Update(R"({"state":{"desired":{"a":2}},"clientToken":"tok-1"})");
  ASSERT_EQ(out.size(), 3u);
  for (const auto& m : out) EXPECT_EQ(MustParse(m.payload)["clientToken"], "tok-1") << m.topic;
  // ...and is never stored: the next GET without a token shows none.
  out = Send(kPrefix + "/get", "");
  EXPECT_FALSE(MustParse(out[0].payload).HasMember("clientToken"));
  // An over-long token is not echoed (V6).
  out = Update(R"({"state":null,"clientToken":")" + std::string(65, 't') + "\"}");
  EXPECT_EQ(out[0].payload, R"({"code":400,"message":"Invalid clientToken"})");
}

TEST_F(ServiceTest, SizeIsCheckedAfterTheMerge_L1_12a1) {
  // Desired alone is 4096 + 8 bytes ({"a":"...4096..."} is 4104 bytes).
  const std::string half(4096, 'a');
  ASSERT_EQ(Update(R"({"state":{"desired":{"a":")" + half + "\"}}}").size(), 3u);
  // A tiny update that pushes the merged document over 8192 is refused (S21)...
  std::string filler(8192 - 4104 - 8, 'b');  // reported {"b":"..."} makes 8192 total
  std::vector<ServiceMessage> out = Update(R"({"state":{"reported":{"b":")" + filler + "\"}}}");
  ASSERT_EQ(out.size(), 3u) << out[0].payload;  // exactly 8192: accepted
  out = Update(R"({"state":{"reported":{"c":1}}})");
  EXPECT_EQ(out[0].payload, R"({"code":413,"message":"The payload exceeds the maximum size allowed"})");
  // ...while an update that shrinks it is fine.
  out = Update(R"({"state":{"reported":{"b":null,"c":1}}})");
  EXPECT_EQ(out[0].topic, kPrefix + "/update/accepted");
}

TEST_F(ServiceTest, SizeLimitIsAnOption_L1) {
  ServiceOptions options;
  options.limits.max_document_bytes = 30 * 1024;  // Greengrass' maximum (L1b)
  ShadowService roomy(store_, options);
  std::vector<ServiceMessage> out = roomy.Handle(
      {kPrefix + "/update", R"({"state":{"reported":{"b":")" + std::string(20000, 'x') + "\"}}}",
       At(kNow)});
  EXPECT_EQ(out[0].topic, kPrefix + "/update/accepted");
}

TEST_F(ServiceTest, DepthAndTokenLimitsReachTheWire_L2_L3) {
  std::vector<ServiceMessage> out =
      Update(R"({"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}})");
  EXPECT_EQ(out[0].payload,
            R"({"code":400,"message":"JSON contains too many levels of nesting; maximum is 6"})");
  out = Update(R"({"state":null,"clientToken":")" + std::string(64, 't') + "\"}");
  EXPECT_EQ(out[0].topic, kPrefix + "/update/accepted");
}

TEST_F(ServiceTest, NamesAtTheirMaximumLengthWork_L4_T5) {
  const std::string thing(128, 'T');
  const std::string shadow(64, 'S');
  const std::string topic = "$aws/things/" + thing + "/shadow/name/" + shadow + "/update";
  std::vector<ServiceMessage> out = Send(topic, R"({"state":{"reported":{"a":1}}})");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].topic.size(), 234u);  // .../update/documents, T5
  // One character more gets no answer at all (12a.10).
  EXPECT_TRUE(Send("$aws/things/" + thing + "X/shadow/update", "{}").empty());
  EXPECT_TRUE(Send("$aws/things/T/shadow/name/" + shadow + "X/update", "{}").empty());
}

TEST_F(ServiceTest, HugePayloadsGetAnAnswerNotACrash_L5) {
  // The broker caps PUBLISH at 128 KB (L5); the service still answers a
  // bigger payload sensibly if one reaches it.
  std::vector<ServiceMessage> out =
      Update(R"({"state":{"reported":{"a":")" + std::string(200 * 1024, 'x') + "\"}}}");
  EXPECT_EQ(MustParse(out[0].payload)["code"].GetInt(), 413);
}

TEST_F(ServiceTest, InvalidTopicsGetNoAnswer_T6_L6_12a10) {
  for (const std::string topic :
       {"$aws/things/my.thing/shadow/update", "$aws/things/T/shadow/update/",
        "$aws/things/T/shadow//update", "$aws/things/T/shadow/name/a+b/get",
        "$aws/things/T/shadow/update/accepted", "$aws/things/T/shadow/bogus",
        "$aws/things/T/shadow/get/delta", "$aws/jobs/T/get", "a/b/c/d/e/f/g/h/i"}) {
    EXPECT_TRUE(Send(topic, R"({"state":null})").empty()) << topic;
  }
}

TEST_F(ServiceTest, ShadowCalledUpdateUnderName_T7) {
  std::vector<ServiceMessage> out =
      Send("$aws/things/name/shadow/name/name/update", R"({"state":{"reported":{"a":1}}})");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].topic, "$aws/things/name/shadow/name/name/update/accepted");
}

TEST_F(ServiceTest, RetainedReplaysAreNotRequests_T9_12a12) {
  const std::string topic = kPrefix + "/update";
  ServiceRequest replay{topic, R"({"state":{"reported":{"a":1}}})", At(kNow), true};
  EXPECT_TRUE(service_.Handle(replay).empty());
  EXPECT_EQ(StoredVersion(), 0u);
}

TEST_F(ServiceTest, InFlightLimitErrorDocument_L7) {
  // The in-flight count (10 per connection) is the host's to keep (the
  // emulator knows connections, the service does not); the document it
  // publishes is this one.
  EXPECT_EQ(ErrorPayload(shadow_errors::TooManyRequests(), std::string("t")),
            R"({"code":429,"message":"Too Many Requests","clientToken":"t"})");
}

TEST_F(ServiceTest, RequestRateIsLimitedPerThing_L8) {
  ServiceOptions options;
  options.max_requests_per_second_per_thing = 20;
  ShadowService limited(store_, options);
  int accepted = 0;
  int throttled = 0;
  for (int i = 0; i < 25; ++i) {
    const std::string shadow = i % 2 ? "/name/a" : "";  // counted across shadows
    std::vector<ServiceMessage> out = limited.Handle(
        {"$aws/things/lamp/shadow" + shadow + "/update",
         R"({"state":{"reported":{"i":1}},"clientToken":"r"})", At(kNow)});
    ASSERT_EQ(out.empty(), false);
    if (out[0].topic.size() > 9 && out[0].topic.find("/rejected") != std::string::npos) {
      EXPECT_EQ(out[0].payload, R"({"code":429,"message":"Too Many Requests","clientToken":"r"})");
      ++throttled;
    } else {
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, 20);
  EXPECT_EQ(throttled, 5);
  // Another thing has its own budget, and the next second starts afresh.
  EXPECT_EQ(limited.Handle({"$aws/things/other/shadow/get", "", At(kNow)})[0].topic,
            "$aws/things/other/shadow/get/rejected");
  std::vector<ServiceMessage> later =
      limited.Handle({kPrefix + "/update", R"({"state":null})", At(kNow + 1)});
  EXPECT_EQ(later[0].topic, kPrefix + "/update/accepted");
}

TEST_F(ServiceTest, NoLimitOnTheNumberOfNamedShadows_L9) {
  for (int i = 0; i < 500; ++i) {
    std::vector<ServiceMessage> out = Send(kPrefix + "/name/s" + std::to_string(i) + "/update",
                                           R"({"state":{"reported":{"a":1}}})");
    ASSERT_EQ(out.size(), 2u) << i;
  }
  EXPECT_EQ(store_.List()->size(), 500u);
}

TEST_F(ServiceTest, NullInArraysIsRejected_L11) {
  std::vector<ServiceMessage> out = Update(R"({"state":{"desired":{"l":[1,null]}}})");
  EXPECT_EQ(MustParse(out[0].payload)["code"].GetInt(), 400);
  EXPECT_EQ(StoredVersion(), 0u);
}

// A store whose writes fail, to prove nothing is published before the update
// is durable.
class FailingStore : public MemoryStore {
 public:
  Status Save(const ShadowId&, ShadowDocument) override { return InternalError("disk full"); }
};

TEST(ServiceStoreTest, StoreFailureIs500AndNothingIsPublished) {
  FailingStore store;
  ShadowService service(store);
  std::vector<ServiceMessage> out = service.Handle(
      {"$aws/things/t/shadow/update", R"({"state":{"desired":{"a":1}},"clientToken":"x"})",
       At(kNow)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "$aws/things/t/shadow/update/rejected");
  EXPECT_EQ(out[0].payload, R"({"code":500,"message":"Internal service failure","clientToken":"x"})");
}

}  // namespace
}  // namespace shadowsync
