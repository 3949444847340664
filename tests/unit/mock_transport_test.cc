// SPDX-License-Identifier: Apache-2.0
//
// Tests of lib/testing/src/mock_transport.cc: the default actions, handler
// capture, Deliver() and Emit(), the Publish() record, and that ordinary
// gmock expectations and overrides work on it.

#include "shadowsync/testing/mock_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace shadowsync {
namespace testkit {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrictMock;

TEST(MockTransportTest, DefaultsReturnOkAndConnected) {
  NiceMock<MockTransport> mock;
  Transport& transport = mock;  // used through the interface, as code under test does
  EXPECT_TRUE(transport.Connect().ok());
  EXPECT_TRUE(transport.IsConnected());
  EXPECT_TRUE(transport.Subscribe("$aws/things/lamp/shadow/update/delta", 1).ok());
  EXPECT_TRUE(transport.Publish("a/b", "payload", 1).ok());
  EXPECT_TRUE(transport.Flush(std::chrono::milliseconds(5)).ok());
  EXPECT_TRUE(transport.Disconnect().ok());
}

TEST(MockTransportTest, DeliverCallsTheCapturedMessageHandler) {
  NiceMock<MockTransport> mock;
  EXPECT_FALSE(mock.has_handlers());
  std::vector<MqttMessage> got;
  mock.SetHandlers([&](const MqttMessage& m) { got.push_back(m); }, nullptr);
  EXPECT_TRUE(mock.has_handlers());
  mock.Deliver("$aws/things/lamp/shadow/update/delta", R"({"state":{"on":true}})");
  mock.Deliver(MqttMessage{"x/y", "retained", 0, true});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic, "$aws/things/lamp/shadow/update/delta");
  EXPECT_EQ(got[0].payload, R"({"state":{"on":true}})");
  EXPECT_EQ(got[0].qos, 1);
  EXPECT_FALSE(got[0].retained);
  EXPECT_EQ(got[1].qos, 0);
  EXPECT_TRUE(got[1].retained);
}

TEST(MockTransportTest, EmitCallsTheCapturedConnectionHandlerWithItsCause) {
  NiceMock<MockTransport> mock;
  std::vector<ConnectionEvent> events;
  Status last;
  mock.SetHandlers(nullptr, [&](ConnectionEvent e, const Status& cause) {
    events.push_back(e);
    last = cause;
  });
  mock.Emit(ConnectionEvent::kConnected);
  EXPECT_TRUE(last.ok());
  mock.Emit(ConnectionEvent::kConnectionLost, Status(StatusCode::kUnavailable, "cable"));
  mock.Emit(ConnectionEvent::kReconnected);
  EXPECT_THAT(events, ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost,
                                  ConnectionEvent::kReconnected));
  EXPECT_TRUE(last.ok());
}

TEST(MockTransportTest, DeliverOrEmitWithoutHandlersIsATestFailure) {
  NiceMock<MockTransport> mock;
  EXPECT_NONFATAL_FAILURE(mock.Deliver("a", "b"), "no message handler was captured");
  EXPECT_NONFATAL_FAILURE(mock.Emit(ConnectionEvent::kConnected),
                          "no connection handler was captured");
}

TEST(MockTransportTest, AFailureWithoutHandlersPointsAtTheCallersLine) {
  NiceMock<MockTransport> mock;
  mock.SetHandlers(nullptr, nullptr);  // as a client that needs no connection events might
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    mock.Emit(ConnectionEvent::kConnected);
  }
  const int emit_line = __LINE__ - 2;
  ASSERT_EQ(failures.size(), 1);
  EXPECT_EQ(failures.GetTestPartResult(0).line_number(), emit_line);
  EXPECT_THAT(failures.GetTestPartResult(0).file_name(), HasSubstr("mock_transport_test.cc"));
  EXPECT_THAT(failures.GetTestPartResult(0).message(),
              HasSubstr("called with an empty connection handler"));
}

TEST(MockTransportTest, DeliveringANonJsonShadowPayloadIsALoudTestFailure) {
  NiceMock<MockTransport> mock;
  int delivered = 0;
  mock.SetHandlers([&](const MqttMessage&) { ++delivered; }, nullptr);
  // The invalid JSON a reader might copy from an abbreviated example.
  EXPECT_NONFATAL_FAILURE(
      mock.Deliver("$aws/things/lamp/shadow/get/accepted",
                   R"({"state":{"reported":{"on":true}},"metadata":{...},"version":1})"),
      "the payload is not JSON");
  EXPECT_EQ(delivered, 0);
  // Outside the shadow topics anything goes, and DeliverRaw() skips the check.
  mock.Deliver("sensors/lamp", "not json");
  mock.DeliverRaw(MqttMessage{"$aws/things/lamp/shadow/update/delta", "{", 1, false});
  EXPECT_EQ(delivered, 2);
}

TEST(MockTransportTest, PublishedRecordsCopiesOfTheMessages) {
  NiceMock<MockTransport> mock;
  {
    std::string topic = "$aws/things/lamp/shadow/update";
    std::string payload = R"({"state":{"reported":{"on":true}}})";
    ASSERT_TRUE(mock.Publish(topic, payload, 1).ok());
    topic.assign(topic.size(), 'x');  // the record must not view the caller's buffer
    payload.assign(payload.size(), 'x');
  }
  std::vector<MqttMessage> published = mock.Published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].topic, "$aws/things/lamp/shadow/update");
  EXPECT_EQ(published[0].payload, R"({"state":{"reported":{"on":true}}})");
  EXPECT_EQ(published[0].qos, 1);
  mock.ClearPublished();
  EXPECT_TRUE(mock.Published().empty());
}

TEST(MockTransportTest, ExpectationsMatchStringViewArgumentsAndKeepTheDefaultAction) {
  StrictMock<MockTransport> mock;
  EXPECT_CALL(mock, Subscribe(std::string_view("$aws/things/lamp/shadow/update/delta"), 1));
  EXPECT_CALL(mock, Publish(std::string_view("$aws/things/lamp/shadow/update"),
                            HasSubstr(R"("reported")"), 1));
  EXPECT_TRUE(mock.Subscribe("$aws/things/lamp/shadow/update/delta", 1).ok());
  EXPECT_TRUE(
      mock.Publish("$aws/things/lamp/shadow/update", R"({"state":{"reported":{}}})", 1).ok());
  // The expectation had no action: the default one ran and recorded it.
  EXPECT_EQ(mock.Published().size(), 1u);
}

TEST(MockTransportTest, OverridesReplaceTheDefaults) {
  NiceMock<MockTransport> mock;
  ON_CALL(mock, Connect()).WillByDefault(Return(Status(StatusCode::kUnavailable, "broker down")));
  ON_CALL(mock, IsConnected()).WillByDefault(Return(false));
  EXPECT_CALL(mock, Publish(_, _, _)).WillOnce(Return(Status(StatusCode::kUnavailable, "offline")));
  EXPECT_EQ(mock.Connect().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(mock.IsConnected());
  EXPECT_EQ(mock.Publish("t", "p", 1).code(), StatusCode::kUnavailable);
  EXPECT_TRUE(mock.Published().empty());  // own action: not recorded
}

TEST(MockTransportTest, HandlersMayCallBackIntoTheMockFromDeliver) {
  auto transport = std::make_unique<NiceMock<MockTransport>>();
  MockTransport* raw = transport.get();
  std::unique_ptr<Transport> owned = std::move(transport);  // as a factory would hand it over
  raw->SetHandlers(
      [&](const MqttMessage& m) {
        // A device answering its delta: no lock of the mock is held here.
        EXPECT_TRUE(owned->Publish("$aws/things/lamp/shadow/update", m.payload, 1).ok());
        raw->Emit(ConnectionEvent::kConnectionLost, Status(StatusCode::kUnavailable, "x"));
      },
      [&](ConnectionEvent, const Status&) { EXPECT_TRUE(owned->IsConnected()); });
  raw->Deliver("$aws/things/lamp/shadow/update/delta", "{}");
  ASSERT_EQ(raw->Published().size(), 1u);
  EXPECT_EQ(raw->Published()[0].payload, "{}");
}

}  // namespace
}  // namespace testkit
}  // namespace shadowsync
