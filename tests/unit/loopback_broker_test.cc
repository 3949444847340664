// SPDX-License-Identifier: Apache-2.0
//
// Tests of lib/testing/src/loopback_broker.cc: the Transport contract
// (connect, subscribe, publish, kUnavailable offline), routing and filters
// (incl. T10), the hosted shadow service seen over MQTT (P1, P3, P8, P11, V1
// to V5, D5, L8), the fault controls, the manual clock, and synchronous,
// re-entrant, FIFO delivery.

#include "shadowsync/testing/loopback_broker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "shadowsync/testing/mock_transport.h"
#include "support/json_expect.h"

namespace shadowsync {
namespace testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_support::MustParse;

const ShadowId kLamp{"lamp", std::nullopt};
const std::string kPrefix = "$aws/things/lamp/shadow";
const std::string kDelta = kPrefix + "/update/delta";
const std::string kAccepted = kPrefix + "/update/accepted";
const std::string kDocuments = kPrefix + "/update/documents";

// A transport plus what its handlers saw.
class TestClient {
 public:
  TestClient(LoopbackBroker& broker, std::string id) : transport_(broker.NewTransport(id)) {
    transport_->SetHandlers(
        [this](const MqttMessage& m) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            messages_.push_back(m);
          }
          if (on_message) on_message(m);
        },
        [this](ConnectionEvent e, const Status& cause) {
          std::lock_guard<std::mutex> lock(mu_);
          events_.emplace_back(e, cause);
        });
  }

  // Connects and subscribes to `filters` at QoS 1.
  void Start(const std::vector<std::string>& filters = {}, int qos = 1) {
    ASSERT_TRUE(transport_->Connect().ok());
    for (const auto& f : filters) ASSERT_TRUE(transport_->Subscribe(f, qos).ok()) << f;
  }

  Transport& transport() { return *transport_; }
  std::vector<MqttMessage> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<std::string> topics() {
    std::vector<std::string> out;
    for (const auto& m : messages()) out.push_back(m.topic);
    return out;
  }
  std::vector<ConnectionEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ConnectionEvent> out;
    for (const auto& e : events_) out.push_back(e.first);
    return out;
  }
  Status last_cause() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.empty() ? Status() : events_.back().second;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.clear();
    events_.clear();
  }

  // Runs on the delivering thread, after the message is recorded (without
  // the recorder's lock: it may publish).
  std::function<void(const MqttMessage&)> on_message;

 private:
  std::unique_ptr<Transport> transport_;
  std::mutex mu_;
  std::vector<MqttMessage> messages_;
  std::vector<std::pair<ConnectionEvent, Status>> events_;
};

std::uint64_t VersionOf(const std::string& payload) {
  return MustParse(payload)["version"].GetUint64();
}

// ---- Transport contract ------------------------------------------------------

TEST(LoopbackBrokerTest, SubscribeAndPublishBeforeConnectAreUnavailable) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  EXPECT_FALSE(device.transport().IsConnected());
  EXPECT_EQ(device.transport().Subscribe(kDelta, 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ(device.transport().Publish(kPrefix + "/get", "", 1).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(device.transport().Connect().ok());
  EXPECT_TRUE(device.transport().IsConnected());
  EXPECT_THAT(device.events(), ElementsAre(ConnectionEvent::kConnected));
  // Connect() while connected: OK, no second event.
  ASSERT_TRUE(device.transport().Connect().ok());
  EXPECT_THAT(device.events(), ElementsAre(ConnectionEvent::kConnected));
}

TEST(LoopbackBrokerTest, PublishAfterDisconnectIsUnavailable) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start();
  ASSERT_TRUE(device.transport().Disconnect().ok());
  ASSERT_TRUE(device.transport().Disconnect().ok());  // idempotent
  EXPECT_FALSE(device.transport().IsConnected());
  EXPECT_EQ(device.transport().Publish("a/b", "x", 0).code(), StatusCode::kUnavailable);
  // A clean Disconnect() fires no event (as PahoTransport).
  EXPECT_THAT(device.events(), ElementsAre(ConnectionEvent::kConnected));
}

TEST(LoopbackBrokerTest, RejectsWhatPahoTransportRejects) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start();
  EXPECT_EQ(device.transport().Publish("a/+/b", "x", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(device.transport().Publish("", "x", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(device.transport().Publish("a/b", "x", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(device.transport().Subscribe("a/#/b", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(device.transport().Subscribe("a+", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(device.transport().Subscribe("a/b", 2).code(), StatusCode::kInvalidArgument);
}

// ---- The shadow service over MQTT --------------------------------------------

TEST(LoopbackBrokerTest, GetOfMissingShadowIsRejected404_P3_P6_E2) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kPrefix + "/get/+"});
  ASSERT_TRUE(device.transport().Publish(kPrefix + "/get", R"({"clientToken":"t1"})", 1).ok());
  // Synchronous delivery: the answer is there when Publish() returns.
  ASSERT_THAT(device.topics(), ElementsAre(kPrefix + "/get/rejected"));
  JsonDocument error = MustParse(device.messages()[0].payload);
  EXPECT_EQ(error["code"].GetInt(), 404);
  EXPECT_STREQ(error["message"].GetString(), "No shadow exists with name: 'lamp'");
  EXPECT_STREQ(error["clientToken"].GetString(), "t1");  // V7
}

TEST(LoopbackBrokerTest, UpdateFansOutAcceptedDocumentsDeltaToEverySubscriber_P1_P11_V1) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  TestClient app(broker, "app");
  device.Start({kPrefix + "/update/#"});
  app.Start({kPrefix + "/update/#"});
  // The app's request reaches every subscriber of the update topic (`#`
  // includes the parent level), then the responses go to every subscriber,
  // not just to the requester (P11).
  ASSERT_TRUE(
      app.transport().Publish(kPrefix + "/update", R"({"state":{"desired":{"on":true}}})", 1).ok());
  const auto expected = ElementsAre(kPrefix + "/update", kAccepted, kDocuments, kDelta);
  EXPECT_THAT(device.topics(), expected);
  EXPECT_THAT(app.topics(), expected);
  const std::vector<MqttMessage> got = device.messages();
  ASSERT_EQ(got.size(), 4u);
  // V1, and P8: accepted, documents and delta carry one version.
  EXPECT_EQ(VersionOf(got[1].payload), 1u);
  EXPECT_EQ(MustParse(got[2].payload)["current"]["version"].GetUint64(), 1u);
  EXPECT_EQ(VersionOf(got[3].payload), 1u);
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].qos, 1) << got[i].topic;  // P10
    EXPECT_FALSE(got[i].retained);
  }
  EXPECT_TRUE(MustParse(got[3].payload)["state"]["on"].GetBool());
}

TEST(LoopbackBrokerTest, ResponseOrderComesFromServiceOptions_P8) {
  LoopbackBrokerOptions options;
  options.service.order = ResponseOrder::kDeltaFirst;
  LoopbackBroker broker(options);
  TestClient device(broker, "lamp");
  device.Start({kPrefix + "/update/+"});
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_THAT(device.topics(), ElementsAre(kDelta, kDocuments, kAccepted));
}

TEST(LoopbackBrokerTest, DeltaOnlyWhileDesiredDiffersFromReported_D5_V2_P9) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kDelta});
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true,"level":3})").ok());
  ASSERT_THAT(device.messages(), ::testing::SizeIs(1));
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"on":true,"level":3})").ok());
  EXPECT_THAT(device.messages(), ::testing::SizeIs(1));  // in sync: no delta
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"level":4})").ok());
  ASSERT_THAT(device.messages(), ::testing::SizeIs(2));  // diverged again
  JsonDocument delta = MustParse(device.messages()[1].payload);
  EXPECT_EQ(delta["state"]["level"].GetInt(), 3);
  EXPECT_FALSE(delta["state"].HasMember("on"));
  EXPECT_EQ(delta["version"].GetUint64(), 3u);
  Result<ShadowDocument> doc = broker.GetDocument(kLamp);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->version(), 3u);
  ASSERT_NE(doc->desired(), nullptr);  // P9: desired is never cleared
}

TEST(LoopbackBrokerTest, NamedShadowsUseTheirOwnTopics_T1) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({"$aws/things/lamp/shadow/name/+/update/delta"});
  ASSERT_TRUE(broker.SetDesired({"lamp", "config"}, R"({"mode":"eco"})").ok());
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());  // classic: not matched
  EXPECT_THAT(device.topics(), ElementsAre("$aws/things/lamp/shadow/name/config/update/delta"));
  EXPECT_EQ(broker.GetDocument(kLamp)->version(), 1u);
  EXPECT_EQ(broker.GetDocument({"lamp", "config"})->version(), 1u);
}

TEST(LoopbackBrokerTest, CloudHelpersReturnTheServiceVerdict_V3_V5_E2) {
  LoopbackBroker broker;
  EXPECT_EQ(broker.DeleteShadow(kLamp).code(), StatusCode::kNotFound);
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"on":false})").ok());
  Status conflict = broker.UpdateShadow(kLamp, R"({"state":{"desired":{"on":true}},"version":7})");
  EXPECT_EQ(conflict.code(), StatusCode::kConflict);
  EXPECT_EQ(conflict.message(), "409: Version conflict");
  Status invalid = broker.UpdateShadow(kLamp, "{not json");
  EXPECT_EQ(invalid.code(), StatusCode::kRejected);
  EXPECT_EQ(invalid.message(), "400: Invalid JSON");
  EXPECT_EQ(broker.SetDesired({"bad name!", std::nullopt}, "{}").code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(broker.UpdateShadow(kLamp, R"({"state":{"desired":{"on":true}},"version":1})").ok());
  ASSERT_TRUE(broker.DeleteShadow(kLamp).ok());
  EXPECT_EQ(broker.GetDocument(kLamp).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(broker.GetDocumentJson(kLamp).status().code(), StatusCode::kNotFound);
  // V5: re-created within 48 h, the numbering continues (deleted 2 -> 3).
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"on":true})").ok());
  EXPECT_EQ(broker.GetDocument(kLamp)->version(), 3u);
}

TEST(LoopbackBrokerTest, GetDocumentJsonIsTheStoredForm) {
  LoopbackBroker broker;
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  Result<std::string> json = broker.GetDocumentJson(kLamp);
  ASSERT_TRUE(json.ok());
  EXPECT_TRUE(testing_support::JsonTextEquals(
      *json,
      R"({"state":{"desired":{"on":true}},"metadata":{"desired":{"on":{"timestamp":1700000000}}},"version":1})"));
}

// ---- Filters ---------------------------------------------------------------------

TEST(LoopbackBrokerTest, PlusMatchesOneLevelAndHashTheRest_T10) {
  LoopbackBroker broker;
  TestClient any_thing(broker, "a");
  TestClient everything(broker, "b");
  TestClient sensors(broker, "c");
  TestClient one_level(broker, "d");
  any_thing.Start({"$aws/things/+/shadow/update/delta"});
  everything.Start({"#"});
  sensors.Start({"sensors/#"});
  one_level.Start({"sensors/+"});
  TestClient publisher(broker, "pub");
  publisher.Start();

  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  ASSERT_TRUE(broker.SetDesired({"fan", std::nullopt}, R"({"speed":2})").ok());
  ASSERT_TRUE(publisher.transport().Publish("sensors/kitchen/temp", "21", 0).ok());
  ASSERT_TRUE(publisher.transport().Publish("sensors/door", "open", 0).ok());

  EXPECT_THAT(any_thing.topics(), ElementsAre(kDelta, "$aws/things/fan/shadow/update/delta"));
  // T10: a filter starting with a wildcard never matches `$aws/...`.
  EXPECT_THAT(everything.topics(), ElementsAre("sensors/kitchen/temp", "sensors/door"));
  EXPECT_THAT(sensors.topics(), ElementsAre("sensors/kitchen/temp", "sensors/door"));
  EXPECT_THAT(one_level.topics(), ElementsAre("sensors/door"));
}

TEST(LoopbackBrokerTest, OverlappingFiltersDeliverOnceAtTheHighestQosCappedByPublish) {
  LoopbackBroker broker;
  TestClient sub(broker, "sub");
  sub.Start();
  ASSERT_TRUE(sub.transport().Subscribe("a/#", 0).ok());
  ASSERT_TRUE(sub.transport().Subscribe("a/+", 1).ok());
  TestClient pub(broker, "pub");
  pub.Start();
  ASSERT_TRUE(pub.transport().Publish("a/b", "q1", 1).ok());
  ASSERT_TRUE(pub.transport().Publish("a/b", "q0", 0).ok());
  ASSERT_TRUE(pub.transport().Publish("a/b/c", "deep", 1).ok());
  std::vector<MqttMessage> got = sub.messages();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].qos, 1);  // max(0, 1), publish QoS 1
  EXPECT_EQ(got[1].qos, 0);  // capped by the publish QoS
  EXPECT_EQ(got[2].qos, 0);  // only a/# matches
  EXPECT_THAT(broker.SubscriptionsOf("sub"), ElementsAre("a/#", "a/+"));
}

// ---- Connection faults ----------------------------------------------------------

TEST(LoopbackBrokerTest, DisconnectClientLosesMessagesAndReconnectKeepsSubscriptions) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  TestClient other(broker, "other");
  device.Start({kDelta});
  other.Start({kDelta});

  ASSERT_TRUE(broker.DisconnectClient("lamp").ok());
  EXPECT_THAT(device.events(),
              ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost));
  EXPECT_EQ(device.last_cause().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(device.transport().IsConnected());
  EXPECT_FALSE(broker.IsClientConnected("lamp"));
  EXPECT_EQ(device.transport().Publish(kPrefix + "/get", "", 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ(device.transport().Subscribe("x", 1).code(), StatusCode::kUnavailable);
  // Down until ReconnectClient: Connect() is refused too.
  EXPECT_EQ(device.transport().Connect().code(), StatusCode::kUnavailable);

  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_THAT(device.messages(), IsEmpty());  // lost: clean session
  EXPECT_THAT(other.messages(), ::testing::SizeIs(1));

  ASSERT_TRUE(broker.ReconnectClient("lamp").ok());
  EXPECT_THAT(device.events(),
              ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost,
                          ConnectionEvent::kReconnected));
  EXPECT_TRUE(device.transport().IsConnected());
  EXPECT_THAT(device.messages(), IsEmpty());  // nothing replayed
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":false})").ok());
  ASSERT_THAT(device.topics(), ElementsAre(kDelta));  // the subscription survived
  EXPECT_EQ(VersionOf(device.messages()[0].payload), 2u);

  EXPECT_EQ(broker.DisconnectClient("nobody").code(), StatusCode::kNotFound);
  EXPECT_EQ(broker.ReconnectClient("nobody").code(), StatusCode::kNotFound);
}

TEST(LoopbackBrokerTest, ReconnectClientDoesNotConnectACleanlyDisconnectedTransport) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kDelta});
  ASSERT_TRUE(device.transport().Disconnect().ok());
  ASSERT_TRUE(broker.DisconnectClient("lamp").ok());
  ASSERT_TRUE(broker.ReconnectClient("lamp").ok());
  EXPECT_FALSE(device.transport().IsConnected());
  EXPECT_THAT(device.events(), ElementsAre(ConnectionEvent::kConnected));
  // A later Connect() works and keeps the subscriptions (as PahoTransport).
  ASSERT_TRUE(device.transport().Connect().ok());
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_THAT(device.topics(), ElementsAre(kDelta));
}

TEST(LoopbackBrokerTest, PersistentSessionQueuesQos1MessagesUntilReconnect) {
  LoopbackBrokerOptions options;
  options.persistent_session = true;
  LoopbackBroker broker(options);
  TestClient device(broker, "lamp");
  device.Start();
  ASSERT_TRUE(device.transport().Subscribe(kDelta, 1).ok());
  ASSERT_TRUE(device.transport().Subscribe("telemetry/#", 0).ok());
  TestClient pub(broker, "pub");
  pub.Start();

  ASSERT_TRUE(broker.DisconnectClient("lamp").ok());
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  ASSERT_TRUE(pub.transport().Publish("telemetry/x", "lost: QoS 0 subscription", 1).ok());
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":false})").ok());
  EXPECT_THAT(device.messages(), IsEmpty());

  ASSERT_TRUE(broker.ReconnectClient("lamp").ok());
  // kReconnected first, then the queued messages in order.
  EXPECT_THAT(device.events(),
              ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost,
                          ConnectionEvent::kReconnected));
  ASSERT_THAT(device.topics(), ElementsAre(kDelta, kDelta));
  EXPECT_EQ(VersionOf(device.messages()[0].payload), 1u);
  EXPECT_EQ(VersionOf(device.messages()[1].payload), 2u);
}

TEST(LoopbackBrokerTest, ConnectionLostInsideAHandlerLosesMessagesAlreadyInFlight) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kPrefix + "/update/+"});
  // Cut the connection when `accepted` arrives: `documents` and `delta` of
  // the same update were routed but not yet delivered, and are lost.
  device.on_message = [&](const MqttMessage& m) {
    if (m.topic == kAccepted) {
      EXPECT_TRUE(broker.DisconnectClient("lamp").ok());
    }
  };
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_THAT(device.topics(), ElementsAre(kAccepted));
  EXPECT_THAT(device.events(),
              ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost));
}

// ---- Message faults ---------------------------------------------------------------

TEST(LoopbackBrokerTest, DropNextDropsOnlyTheNextMatchingPublications) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kPrefix + "/update/+"});
  broker.DropNext(kDelta, 1);
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_THAT(device.topics(), ElementsAre(kAccepted, kDocuments));  // delta lost
  device.Clear();
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":false})").ok());
  EXPECT_THAT(device.topics(), ElementsAre(kAccepted, kDocuments, kDelta));
}

TEST(LoopbackBrokerTest, DroppedRequestNeverReachesTheService_E4) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kPrefix + "/update/+"});
  broker.DropNext(kPrefix + "/update");
  ASSERT_TRUE(device.transport()
                  .Publish(kPrefix + "/update", R"({"state":{"reported":{"on":true}}})", 1)
                  .ok());
  EXPECT_THAT(device.messages(), IsEmpty());
  EXPECT_EQ(broker.GetDocument(kLamp).status().code(), StatusCode::kNotFound);
}

TEST(LoopbackBrokerTest, DuplicateNextDeliversTwiceAndHandlesARequestTwice_V2) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kDelta});
  broker.DuplicateNext(kDelta);
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  ASSERT_THAT(device.topics(), ElementsAre(kDelta, kDelta));
  EXPECT_EQ(device.messages()[0].payload, device.messages()[1].payload);

  // A duplicated request is a second update: the version goes up twice.
  TestClient app(broker, "app");
  app.Start({kAccepted});
  broker.DuplicateNext(kPrefix + "/update");
  ASSERT_TRUE(
      app.transport().Publish(kPrefix + "/update", R"({"state":{"reported":{"x":1}}})", 1).ok());
  ASSERT_THAT(app.topics(), ElementsAre(kAccepted, kAccepted));
  EXPECT_EQ(VersionOf(app.messages()[0].payload), 2u);
  EXPECT_EQ(VersionOf(app.messages()[1].payload), 3u);
}

TEST(LoopbackBrokerTest, HoldThenReleaseHeldReversedReordersDeltas_P8) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kDelta});
  broker.Hold(kDelta);
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"level":1})").ok());
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"level":2})").ok());
  EXPECT_THAT(device.messages(), IsEmpty());
  EXPECT_EQ(broker.HeldCount(), 2u);
  EXPECT_EQ(broker.ReleaseHeldReversed(), 2u);
  EXPECT_EQ(broker.HeldCount(), 0u);
  ASSERT_THAT(device.messages(), ::testing::SizeIs(2));
  // The newer delta first: a client must not let the older one win.
  EXPECT_EQ(VersionOf(device.messages()[0].payload), 2u);
  EXPECT_EQ(VersionOf(device.messages()[1].payload), 1u);
  // Release removed the hold: the next delta flows.
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"level":3})").ok());
  EXPECT_THAT(device.messages(), ::testing::SizeIs(3));
}

TEST(LoopbackBrokerTest, HeldRequestIsHandledWhenReleasedAtTheClockOfThen) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kAccepted});
  broker.Hold(kPrefix + "/update");
  ASSERT_TRUE(
      device.transport().Publish(kPrefix + "/update", R"({"state":{"reported":{"a":1}}})", 1).ok());
  ASSERT_TRUE(
      device.transport().Publish(kPrefix + "/update", R"({"state":{"reported":{"a":2}}})", 1).ok());
  EXPECT_EQ(broker.GetDocument(kLamp).status().code(), StatusCode::kNotFound);
  broker.clock().Advance(std::chrono::seconds(10));
  EXPECT_EQ(broker.ReleaseHeld(), 2u);
  ASSERT_THAT(device.messages(), ::testing::SizeIs(2));
  JsonDocument first = MustParse(device.messages()[0].payload);
  EXPECT_EQ(first["timestamp"].GetInt64(), ManualClock::kDefaultStartSeconds + 10);
  // In order: the second request is applied last.
  EXPECT_EQ(MustParse(*broker.GetDocumentJson(kLamp))["state"]["reported"]["a"].GetInt(), 2);
}

TEST(LoopbackBrokerTest, ClearFaultsRemovesPendingRules) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kDelta});
  broker.DropNext(kDelta, 5);
  broker.DuplicateNext(kDelta, 5);
  broker.Hold(kDelta);
  broker.ClearFaults();
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_THAT(device.topics(), ElementsAre(kDelta));
}

// ---- Time ---------------------------------------------------------------------------

TEST(LoopbackBrokerTest, ManualClockStampsMetadataAndResponses_MD1_D4) {
  LoopbackBrokerOptions options;
  options.start_time = ManualClock::TimePoint(std::chrono::seconds(1000));
  LoopbackBroker broker(options);
  TestClient device(broker, "lamp");
  device.Start({kDelta});
  EXPECT_EQ(broker.clock().NowSeconds(), 1000);
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  broker.clock().Advance(std::chrono::seconds(5));
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"on":false})").ok());
  Result<ShadowDocument> doc = broker.GetDocument(kLamp);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((*doc->desired_metadata())["on"]["timestamp"].GetInt64(), 1000);
  EXPECT_EQ((*doc->reported_metadata())["on"]["timestamp"].GetInt64(), 1005);
  // The second delta is sent at 1005 but carries the desired timestamp (D4).
  ASSERT_THAT(device.messages(), ::testing::SizeIs(2));
  JsonDocument delta = MustParse(device.messages()[1].payload);
  EXPECT_EQ(delta["timestamp"].GetInt64(), 1005);
  EXPECT_EQ(delta["metadata"]["on"]["timestamp"].GetInt64(), 1000);
  broker.clock().Set(ManualClock::TimePoint(std::chrono::seconds(42)));
  EXPECT_EQ(broker.clock().NowSeconds(), 42);
}

TEST(LoopbackBrokerTest, RateLimitCountsPerSecondOfTheManualClock_L8) {
  LoopbackBrokerOptions options;
  options.service.max_requests_per_second_per_thing = 2;
  LoopbackBroker broker(options);
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"n":1})").ok());
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"n":2})").ok());
  Status third = broker.SetReported(kLamp, R"({"n":3})");
  EXPECT_EQ(third.code(), StatusCode::kRejected);
  EXPECT_EQ(third.message().substr(0, 4), "429:");
  broker.clock().Advance(std::chrono::seconds(1));
  EXPECT_TRUE(broker.SetReported(kLamp, R"({"n":3})").ok());
}

TEST(LoopbackBrokerTest, TombstoneExpiresWithTheManualClock_V5_L10) {
  LoopbackBroker broker;
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"n":1})").ok());
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"n":2})").ok());
  ASSERT_TRUE(broker.DeleteShadow(kLamp).ok());
  broker.clock().Advance(std::chrono::hours(49));
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"n":3})").ok());
  EXPECT_EQ(broker.GetDocument(kLamp)->version(), 1u);  // numbering restarts
}

// ---- Delivery -------------------------------------------------------------------------

TEST(LoopbackBrokerTest, ReentrantPublishFromAHandlerKeepsFifoOrder) {
  LoopbackBrokerOptions options;
  options.service.order = ResponseOrder::kDeltaFirst;  // delta, documents, accepted
  LoopbackBroker broker(options);
  TestClient device(broker, "lamp");
  TestClient app(broker, "app");
  device.Start({kDelta});
  app.Start({kAccepted});
  std::size_t app_messages_when_publish_returned = 99;
  // The device answers its delta at once, from inside the handler, as a
  // device would. Its update's `accepted` must reach the app after the
  // `accepted` of the desired update that caused the delta.
  device.on_message = [&](const MqttMessage&) {
    Status s =
        device.transport().Publish(kPrefix + "/update", R"({"state":{"reported":{"on":true}}})", 1);
    EXPECT_TRUE(s.ok()) << s.ToString();
    app_messages_when_publish_returned = app.messages().size();
  };
  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"on":true})").ok());
  EXPECT_EQ(app_messages_when_publish_returned, 0u);  // queued, not delivered recursively
  ASSERT_THAT(app.topics(), ElementsAre(kAccepted, kAccepted));
  EXPECT_EQ(VersionOf(app.messages()[0].payload), 1u);
  EXPECT_EQ(VersionOf(app.messages()[1].payload), 2u);
  std::vector<DeliveredMessage> log = broker.Delivered();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].client_id, "lamp");
  EXPECT_EQ(log[1].client_id, "app");
  EXPECT_EQ(VersionOf(log[1].payload), 1u);
  EXPECT_EQ(VersionOf(log[2].payload), 2u);
}

TEST(LoopbackBrokerTest, HandlersMayNotCallWhatWouldDeadlockOnPaho) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({"t"});
  Status subscribe, flush, connect, disconnect;
  device.on_message = [&](const MqttMessage&) {
    subscribe = device.transport().Subscribe("u", 1);
    flush = device.transport().Flush(std::chrono::milliseconds(10));
    connect = device.transport().Connect();
    disconnect = device.transport().Disconnect();
  };
  ASSERT_TRUE(device.transport().Publish("t", "x", 0).ok());
  EXPECT_EQ(subscribe.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(flush.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(connect.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(disconnect.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(device.transport().IsConnected());
}

TEST(LoopbackBrokerTest, ConnectionHandlerMaySubscribeAndPublish) {
  LoopbackBroker broker;
  std::unique_ptr<Transport> transport = broker.NewTransport("lamp");
  std::vector<std::string> got;
  Status subscribed;
  transport->SetHandlers([&](const MqttMessage& m) { got.push_back(m.topic); },
                         [&](ConnectionEvent e, const Status&) {
                           if (e != ConnectionEvent::kConnected) return;
                           subscribed = transport->Subscribe(kPrefix + "/get/+", 1);
                           EXPECT_TRUE(transport->Publish(kPrefix + "/get", "", 1).ok());
                         });
  ASSERT_TRUE(transport->Connect().ok());
  EXPECT_TRUE(subscribed.ok()) << subscribed.ToString();
  EXPECT_THAT(got, ElementsAre(kPrefix + "/get/rejected"));
}

TEST(LoopbackBrokerTest, ConcurrentPublishersNeverRunHandlersConcurrently) {
  LoopbackBroker broker;
  std::unique_ptr<Transport> sub = broker.NewTransport("sub");
  std::atomic<int> in_handler{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> received{0};
  sub->SetHandlers(
      [&](const MqttMessage&) {
        if (in_handler.fetch_add(1) != 0) overlaps.fetch_add(1);
        std::this_thread::yield();
        in_handler.fetch_sub(1);
        received.fetch_add(1);
      },
      nullptr);
  ASSERT_TRUE(sub->Connect().ok());
  ASSERT_TRUE(sub->Subscribe("load/+", 1).ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::unique_ptr<Transport>> pubs;
  for (int i = 0; i < kThreads; ++i) {
    pubs.push_back(broker.NewTransport("pub" + std::to_string(i)));
    ASSERT_TRUE(pubs.back()->Connect().ok());
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; ++j) {
        EXPECT_TRUE(pubs[i]->Publish("load/" + std::to_string(i), std::to_string(j), 1).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(sub->Flush(std::chrono::seconds(10)).ok());
  EXPECT_EQ(received.load(), kThreads * kEach);
  EXPECT_EQ(overlaps.load(), 0);
  // Per publisher, order is kept.
  std::vector<int> next(kThreads, 0);
  for (const DeliveredMessage& m : broker.DeliveredTo("sub")) {
    const int i = m.topic.back() - '0';
    EXPECT_EQ(m.payload, std::to_string(next[i]++));
  }
}

TEST(LoopbackBrokerTest, LogsRecordPublishersAndDeliveries) {
  LoopbackBroker broker;
  TestClient device(broker, "lamp");
  device.Start({kPrefix + "/get/+"});
  ASSERT_TRUE(device.transport().Publish(kPrefix + "/get", "", 0).ok());
  ASSERT_TRUE(broker.SetReported(kLamp, R"({"on":true})").ok());
  std::vector<PublishedMessage> published = broker.Published();
  ASSERT_GE(published.size(), 3u);
  EXPECT_EQ(published[0], (PublishedMessage{"lamp", kPrefix + "/get", "", 0}));
  EXPECT_EQ(published[1].publisher, LoopbackBroker::kServicePublisher);
  EXPECT_EQ(published[1].topic, kPrefix + "/get/rejected");
  EXPECT_EQ(published[2].publisher, LoopbackBroker::kCloudPublisher);
  EXPECT_EQ(published[2].topic, kPrefix + "/update");
  // Responses to a QoS 0 request are still QoS 1 (P10), capped by the
  // subscription.
  ASSERT_THAT(broker.Delivered(), ::testing::SizeIs(1));
  EXPECT_EQ(broker.Delivered()[0].qos, 1);
  EXPECT_THAT(broker.DeliveredTo("lamp", kPrefix + "/get/accepted"), IsEmpty());
  EXPECT_THAT(broker.DeliveredTo("lamp", kPrefix + "/get/+"), ::testing::SizeIs(1));
  broker.ClearLog();
  EXPECT_THAT(broker.Delivered(), IsEmpty());
  EXPECT_THAT(broker.Published(), IsEmpty());
}

TEST(LoopbackBrokerTest, DestroyedTransportsGetNothingAndOutlivingTheBrokerIsSafe) {
  auto broker = std::make_unique<LoopbackBroker>();
  auto gone = std::make_unique<TestClient>(*broker, "gone");
  gone->Start({"t"});
  gone.reset();
  EXPECT_FALSE(broker->IsClientConnected("gone"));
  EXPECT_THAT(broker->SubscriptionsOf("gone"), IsEmpty());
  TestClient pub(*broker, "pub");
  pub.Start();
  ASSERT_TRUE(pub.transport().Publish("t", "x", 1).ok());
  EXPECT_THAT(broker->Delivered(), IsEmpty());

  broker.reset();  // against the rule, but must not crash
  EXPECT_FALSE(pub.transport().IsConnected());
  EXPECT_EQ(pub.transport().Publish("t", "x", 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ(pub.transport().Connect().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace testkit
}  // namespace shadowsync

// The old namespace shadowsync::testing still names the classes, deprecated,
// until 0.3 (loopback_broker.h, "Names").
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(
    std::is_same_v<shadowsync::testing::LoopbackBroker, shadowsync::testkit::LoopbackBroker>);
static_assert(std::is_same_v<shadowsync::testing::ManualClock, shadowsync::testkit::ManualClock>);
static_assert(
    std::is_same_v<shadowsync::testing::MockTransport, shadowsync::testkit::MockTransport>);
#pragma GCC diagnostic pop
