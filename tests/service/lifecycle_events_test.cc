// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/mosquitto/lifecycle_events.cc: AWS's lifecycle topics
// and payloads (developer guide, "Lifecycle events").

#include "lifecycle_events.h"

#include <gtest/gtest.h>

#include <set>

namespace shadowsync::mosquitto_plugin {
namespace {

SessionInfo Session() {
  SessionInfo session;
  session.client_id = "lamp";
  session.session_identifier = "00000000000000000000000000000001";
  session.principal_identifier = std::string(64, 'a');
  session.ip_address = "192.0.2.7";
  session.version_number = 3;
  return session;
}

TEST(LifecycleEventsTest, TopicsAreAwsPresenceTopics) {
  EXPECT_EQ(LifecycleTopic(true, "lamp"), "$aws/events/presence/connected/lamp");
  EXPECT_EQ(LifecycleTopic(false, "lamp"), "$aws/events/presence/disconnected/lamp");
}

TEST(LifecycleEventsTest, ConnectedPayloadHasAwsFieldsInAwsOrder) {
  EXPECT_EQ(ConnectedPayload(Session(), 1573002230757),
            R"({"clientId":"lamp","timestamp":1573002230757,"eventType":"connected",)"
            R"("sessionIdentifier":"00000000000000000000000000000001","principalIdentifier":")" +
                std::string(64, 'a') + R"(","ipAddress":"192.0.2.7","versionNumber":3})");
}

TEST(LifecycleEventsTest, DisconnectedPayloadCarriesAReasonOnlyWhenKnown) {
  SessionInfo session = Session();
  session.ip_address.clear();
  EXPECT_EQ(DisconnectedPayload(session, 5, std::nullopt),
            R"({"clientId":"lamp","timestamp":5,"eventType":"disconnected",)"
            R"("sessionIdentifier":"00000000000000000000000000000001","principalIdentifier":")" +
                std::string(64, 'a') + R"(","versionNumber":3})");
  EXPECT_EQ(DisconnectedPayload(session, 5, std::string("DUPLICATE_CLIENTID")),
            R"({"clientId":"lamp","timestamp":5,"eventType":"disconnected",)"
            R"("sessionIdentifier":"00000000000000000000000000000001","principalIdentifier":")" +
                std::string(64, 'a') +
                R"(","clientInitiatedDisconnect":false,"disconnectReason":"DUPLICATE_CLIENTID",)"
                R"("versionNumber":3})");
}

TEST(LifecycleEventsTest, ClientIdsAreEscapedAsJson) {
  SessionInfo session = Session();
  session.client_id = "a\"b\\c";
  EXPECT_NE(ConnectedPayload(session, 1).find(R"("clientId":"a\"b\\c")"), std::string::npos);
}

TEST(LifecycleEventsTest, SessionIdentifiersAre32HexDigitsAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewSessionIdentifier();
    ASSERT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace shadowsync::mosquitto_plugin
