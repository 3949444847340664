// SPDX-License-Identifier: Apache-2.0
//
// BrokerCore (lib/testing/src/broker_core.h) without the LoopbackBroker
// facade: client records, the PahoTransport checks (topics, filters, QoS),
// routing at min(publish, subscription) QoS, persistent sessions, the
// shadow service's answers (P10, P11) and shutdown. The facade's behaviour
// is tested in loopback_broker_test.cc.

#include "broker_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowsync::testkit::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Seen {
  std::vector<MqttMessage> messages;
  std::vector<ConnectionEvent> events;
};

std::shared_ptr<ClientRecord> Client(BrokerCore& core, const std::string& id, Seen& seen) {
  std::shared_ptr<ClientRecord> record = core.Register(id);
  core.SetHandlers(
      *record, [&seen](const MqttMessage& m) { seen.messages.push_back(m); },
      [&seen](ConnectionEvent e, const Status&) { seen.events.push_back(e); });
  return record;
}

// Client() connected.
std::shared_ptr<ClientRecord> Connected(BrokerCore& core, const std::string& id, Seen& seen) {
  std::shared_ptr<ClientRecord> record = Client(core, id, seen);
  EXPECT_TRUE(core.Connect(record).ok()) << id;
  return record;
}

std::vector<std::string> Topics(const Seen& seen) {
  std::vector<std::string> topics;
  for (const MqttMessage& m : seen.messages) topics.push_back(m.topic);
  return topics;
}

TEST(BrokerCoreTest, ConnectDeliversTheEventAndPublishRoutesAtTheLowerQos) {
  BrokerCore core({});
  Seen a, b;
  auto ra = Connected(core, "a", a);
  auto rb = Connected(core, "b", b);
  EXPECT_THAT(a.events, ElementsAre(ConnectionEvent::kConnected));
  ASSERT_TRUE(core.Subscribe(*rb, "dt/+", 0).ok());
  ASSERT_TRUE(core.Subscribe(*rb, "dt/#", 1).ok());  // the highest matching QoS wins
  ASSERT_TRUE(core.Publish(*ra, "dt/x", "1", 1).ok());
  ASSERT_EQ(b.messages.size(), 1u) << "one copy however many filters match";
  EXPECT_EQ(b.messages[0].qos, 1);
  ASSERT_TRUE(core.Publish(*ra, "dt/x", "2", 0).ok());
  EXPECT_EQ(b.messages[1].qos, 0);
  EXPECT_THAT(a.messages, IsEmpty());
  EXPECT_EQ(core.Delivered().size(), 2u);
  EXPECT_EQ(core.Published().size(), 2u);
}

TEST(BrokerCoreTest, RefusesWhatPahoTransportRefuses) {
  BrokerCore core({});
  Seen a;
  auto ra = Client(core, "a", a);
  EXPECT_EQ(core.Publish(*ra, "t", "x", 1).code(), StatusCode::kUnavailable) << "not connected";
  ASSERT_TRUE(core.Connect(ra).ok());
  EXPECT_EQ(core.Publish(*ra, "a/+", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(core.Publish(*ra, "", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(core.Publish(*ra, "t", "x", 2).code(), StatusCode::kInvalidArgument);
  const Status filter = core.Subscribe(*ra, "a/b#", 1);
  EXPECT_EQ(filter.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(filter.message(), HasSubstr("whole level"));
  EXPECT_EQ(core.Subscribe(*ra, "a/#/b", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(core.SubscriptionsOf("a").empty());
}

TEST(BrokerCoreTest, ARequestIsAnsweredToEverySubscriberAtQos1) {
  BrokerCore core({});
  Seen device, app;
  auto rd = Connected(core, "device", device);
  auto ra = Connected(core, "app", app);
  ASSERT_TRUE(core.Subscribe(*rd, "$aws/things/lamp/shadow/update/accepted", 1).ok());
  ASSERT_TRUE(
      core.Publish(*ra, "$aws/things/lamp/shadow/update", R"({"state":{"desired":{"on":true}}})", 0)
          .ok());
  // P11: the answer goes to subscribers, not to the requester as such.
  ASSERT_THAT(Topics(device), ElementsAre("$aws/things/lamp/shadow/update/accepted"));
  EXPECT_EQ(device.messages[0].qos, 1) << "P10";
  EXPECT_THAT(app.messages, IsEmpty());
  EXPECT_TRUE(core.GetDocument({"lamp", std::nullopt}).ok());
}

TEST(BrokerCoreTest, CloudRequestsMapRejectionsToStatus) {
  BrokerCore core({});
  EXPECT_TRUE(core.CloudRequest({"lamp", std::nullopt}, Operation::kUpdate,
                                R"({"state":{"reported":{"a":1}}})")
                  .ok());
  const Status missing = core.CloudRequest({"nothing", std::nullopt}, Operation::kDelete, "");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("404: "));
  const Status conflict = core.CloudRequest({"lamp", std::nullopt}, Operation::kUpdate,
                                            R"({"state":{"reported":{"a":2}},"version":99})");
  EXPECT_EQ(conflict.code(), StatusCode::kConflict);
  EXPECT_EQ(core.CloudRequest({"", std::nullopt}, Operation::kUpdate, "{}").code(),
            StatusCode::kInvalidArgument);
}

TEST(BrokerCoreTest, APersistentSessionKeepsQos1MessagesWhileTheNetworkIsDown) {
  LoopbackBrokerOptions options;
  options.persistent_session = true;
  BrokerCore core(options);
  Seen device, cloud;
  auto rd = Connected(core, "device", device);
  auto rc = Connected(core, "cloud", cloud);
  ASSERT_TRUE(core.Subscribe(*rd, "cmd/#", 1).ok());
  ASSERT_TRUE(core.DisconnectClient("device").ok());
  EXPECT_FALSE(core.IsClientConnected("device"));
  EXPECT_EQ(core.Connect(rd).code(), StatusCode::kUnavailable) << "the network is down";
  ASSERT_TRUE(core.Publish(*rc, "cmd/1", "kept", 1).ok());
  ASSERT_TRUE(core.Publish(*rc, "cmd/2", "lost", 0).ok());
  EXPECT_THAT(device.messages, IsEmpty());
  ASSERT_TRUE(core.ReconnectClient("device").ok());
  EXPECT_THAT(device.events,
              ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost,
                          ConnectionEvent::kReconnected));
  EXPECT_THAT(Topics(device), ElementsAre("cmd/1"));
  EXPECT_EQ(core.DisconnectClient("nobody").code(), StatusCode::kNotFound);
}

TEST(BrokerCoreTest, HeldPublicationsAreRoutedOnReleaseInEitherOrder) {
  BrokerCore core({});
  Seen a, b;
  auto ra = Connected(core, "a", a);
  auto rb = Connected(core, "b", b);
  ASSERT_TRUE(core.Subscribe(*rb, "t/#", 1).ok());
  core.AddHold("t/#");
  ASSERT_TRUE(core.Publish(*ra, "t/1", "1", 1).ok());
  ASSERT_TRUE(core.Publish(*ra, "t/2", "2", 1).ok());
  EXPECT_EQ(core.HeldCount(), 2u);
  EXPECT_THAT(b.messages, IsEmpty());
  EXPECT_EQ(core.Release(/*reversed=*/true), 2u);
  EXPECT_THAT(Topics(b), ElementsAre("t/2", "t/1"));
  ASSERT_TRUE(core.Publish(*ra, "t/3", "3", 1).ok());
  EXPECT_EQ(b.messages.size(), 3u) << "the release removed the hold";
}

TEST(BrokerCoreTest, AfterShutdownEverythingIsUnavailable) {
  BrokerCore core({});
  Seen a;
  auto ra = Connected(core, "a", a);
  core.Shutdown();
  EXPECT_FALSE(core.IsConnected(*ra));
  EXPECT_EQ(core.Connect(ra).code(), StatusCode::kUnavailable);
  EXPECT_EQ(core.Publish(*ra, "t", "x", 0).code(), StatusCode::kUnavailable);
  core.Unregister(ra);
  EXPECT_FALSE(core.IsClientConnected("a"));
}

}  // namespace
}  // namespace shadowsync::testkit::internal
