// SPDX-License-Identifier: Apache-2.0
//
// PahoTransport's reconnect supervisor (lib/src/mqtt/paho_supervisor.cc)
// against real brokers that stop, restart and freeze: a lost connection is
// reported, retried with backoff and renewed with its subscriptions; QoS 1
// messages a broker never acknowledged are sent again after the reconnect;
// Disconnect() and the destructor end the supervisor at once.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "paho_transport_fixture.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/transport.h"
#include "support/eventually.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using paho_test::ConnectAndBeRefused;
using paho_test::ConnectTogether;
using paho_test::FakeMqttServer;
using paho_test::kQuickTeardown;
using paho_test::kWait;
using paho_test::MakeOrDie;
using paho_test::PausedBroker;
using paho_test::PlainOptions;
using paho_test::Recorder;
using paho_test::Shared;
using paho_test::ThreadCount;
using paho_test::TlsOptions;
using paho_test::UniqueId;
using ::testing::HasSubstr;
using testing_support::BrokerOptions;
using testing_support::Eventually;
using testing_support::MosquittoBroker;
using testing_support::TestCertificates;
using Clock = std::chrono::steady_clock;

TEST(PahoTransportReconnectTest, BrokerRestartReconnectsAndRenewsSubscriptions) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  ASSERT_TRUE(broker.Start(broker_options).ok());
  const TestCertificates& certs = broker.certificates();
  // Over TLS, the way devices run.
  std::unique_ptr<Transport> transport =
      MakeOrDie(TlsOptions(broker.tls_ec_uri(), certs, certs.default_client().ec, "restart"));
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  ASSERT_TRUE(transport->Connect().ok());
  const std::string topic = "$aws/things/restart/shadow/update/delta";
  ASSERT_TRUE(transport->Subscribe(topic, 1).ok());
  ASSERT_TRUE(transport->Publish(topic, "before", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(1));

  ASSERT_TRUE(broker.Stop().ok());
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kConnectionLost));
  EXPECT_FALSE(transport->IsConnected());
  const Status offline = transport->Publish(topic, "offline", 1);
  EXPECT_EQ(offline.code(), StatusCode::kUnavailable);
  EXPECT_THAT(offline.message(), HasSubstr("not connected"));
  const std::vector<Recorder::Event> lost = recorder.event_details();
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[1].cause.code(), StatusCode::kUnavailable);
  EXPECT_THAT(lost[1].cause.message(), HasSubstr("lost"));

  // A fresh broker process: no sessions, no subscriptions (persistence off).
  ASSERT_TRUE(broker.Restart().ok());
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kReconnected));
  EXPECT_TRUE(transport->IsConnected());
  EXPECT_THAT(recorder.events(),
              ::testing::ElementsAre(ConnectionEvent::kConnected, ConnectionEvent::kConnectionLost,
                                     ConnectionEvent::kReconnected));
  // Only the renewed subscription can route this back to us.
  ASSERT_TRUE(transport->Publish(topic, "after", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(2)) << broker.LogTail();
  EXPECT_EQ(recorder.messages()[1].payload, "after");
  EXPECT_TRUE(transport->Flush(5s).ok());

  // And once more: every reconnect renews them.
  ASSERT_TRUE(broker.Restart().ok());
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kReconnected, 2));
  ASSERT_TRUE(transport->Publish(topic, "again", 1).ok());
  ASSERT_TRUE(recorder.WaitForMessages(3)) << broker.LogTail();
  EXPECT_EQ(recorder.messages()[2].payload, "again");
}

// Clean session: Paho fails the unacknowledged messages when the connection
// drops. Persistent session: Paho keeps them, then fails them when the
// restarted broker (no persistence) reports no session. Either way the
// transport sends them again.
class ResendTest : public ::testing::TestWithParam<bool> {};

TEST_P(ResendTest, UnacknowledgedQos1MessagesAreSentAgainAfterReconnect) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  ASSERT_TRUE(broker.Start(broker_options).ok());
  MqttOptions options = PlainOptions(broker, "resend");
  options.clean_session = GetParam();
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  ASSERT_NE(transport, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  ASSERT_TRUE(transport->Connect().ok());
  const std::string topic = "$aws/things/resend/shadow/update/accepted";
  ASSERT_TRUE(transport->Subscribe(topic, 1).ok());

  {
    // Frozen broker: the messages leave, but no PUBACK comes back.
    PausedBroker paused(broker);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(transport->Publish(topic, "m" + std::to_string(i), 1).ok());
    }
    const Status pending = transport->Flush(500ms);  // nothing can acknowledge them
    EXPECT_EQ(pending.code(), StatusCode::kTimeout) << pending.ToString();
    EXPECT_THAT(pending.message(), HasSubstr("3 message(s) not yet acknowledged"));
    // The broker dies without ever having routed them.
    ASSERT_EQ(kill(broker.pid(), SIGKILL), 0);
  }
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kConnectionLost));
  ASSERT_TRUE(broker.Restart().ok());
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kReconnected));
  const Status flushed = transport->Flush(5s);
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
  ASSERT_TRUE(recorder.WaitForMessages(3)) << broker.LogTail();
  std::vector<std::string> payloads;
  for (const MqttMessage& m : recorder.messages()) payloads.push_back(m.payload);
  EXPECT_THAT(payloads, ::testing::ElementsAre("m0", "m1", "m2"));
}

INSTANTIATE_TEST_SUITE_P(PahoTransportReconnectTest, ResendTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "CleanSession" : "PersistentSession";
                         });

TEST(PahoTransportReconnectTest, DisconnectStopsReconnectingAndLeavesNoThread) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  ASSERT_TRUE(broker.Start(broker_options).ok());
  const int threads_before = ThreadCount();
  MqttOptions options = PlainOptions(broker, "stop");
  options.reconnect_min = 200ms;
  options.reconnect_max = 400ms;
  // The control is never disconnected: its reconnect attempts are the clock
  // of the absence check below, instead of a fixed sleep. Its backoff starts
  // at the transport's cap, so each of its waits is 200-400 ms.
  MqttOptions control_options = options;
  control_options.client_id = UniqueId("stop-control");
  control_options.reconnect_min = options.reconnect_max;
  std::unique_ptr<Transport> transport = MakeOrDie(options);
  std::unique_ptr<Transport> control = MakeOrDie(control_options);
  ASSERT_NE(transport, nullptr);
  ASSERT_NE(control, nullptr);
  Recorder recorder;
  recorder.Attach(*transport);
  Recorder control_recorder;
  control_recorder.Attach(*control);
  ASSERT_TRUE(testing_support::AllOk(ConnectTogether({transport.get(), control.get()})));
  ASSERT_TRUE(broker.Stop().ok());
  ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kConnectionLost));
  ASSERT_TRUE(control_recorder.WaitForEvent(ConnectionEvent::kConnectionLost));

  // The broker comes back as a stand-in on its port that refuses every
  // CONNECT (CONNACK 3, server unavailable) and counts them per client.
  auto standin = std::make_unique<FakeMqttServer>(broker.plain_port(), 3);
  // Let it fail an attempt ...
  EXPECT_TRUE(Eventually([&] { return standin->Connects(options.client_id) >= 1; }, kWait))
      << "the transport did not retry";

  // ... then stop it in the middle of its backoff (or of its next attempt).
  const auto start = Clock::now();
  EXPECT_TRUE(transport->Disconnect().ok());
  EXPECT_LT(Clock::now() - start, kQuickTeardown)
      << "Disconnect() must not wait out a backoff or a connect";
  EXPECT_FALSE(transport->IsConnected());
  // The stand-in serves one connection at a time, in the order they were
  // made, so a CONNECT the transport sent before Disconnect() returned may
  // still wait in its queue: a CONNECT of our own, made now, is served after
  // all of them.
  EXPECT_TRUE(ConnectAndBeRefused(broker.plain_port(), UniqueId("stop-marker")));

  // Nobody tries again, while the control makes three more attempts: two
  // whole cycles of the control (an attempt, ~1 s here with Paho's receive
  // thread, and a wait of >= 200 ms, twice) outlast one cycle of a live
  // supervisor (an attempt and a wait of <= 400 ms), which would have sent a
  // CONNECT in that time.
  const size_t attempts = standin->Connects(options.client_id);
  const size_t control_attempts = standin->Connects(control_options.client_id);
  EXPECT_TRUE(Eventually(
      [&] { return standin->Connects(control_options.client_id) >= control_attempts + 3; }, kWait))
      << "the control stopped retrying";
  EXPECT_EQ(standin->Connects(options.client_id), attempts)
      << "the supervisor kept reconnecting after Disconnect()";
  EXPECT_THAT(recorder.events(), ::testing::ElementsAre(ConnectionEvent::kConnected,
                                                        ConnectionEvent::kConnectionLost));

  const auto reset_start = Clock::now();
  transport.reset();
  EXPECT_LT(Clock::now() - reset_start, 500ms) << "nothing is left to end after Disconnect()";
  control.reset();
  standin.reset();
  EXPECT_TRUE(Eventually([&] { return ThreadCount() <= threads_before; }, 5s))
      << "threads before: " << threads_before << ", now: " << ThreadCount();
}

TEST(PahoTransportReconnectTest, DestructorWhileConnectedOrReconnectingIsQuick) {
  MosquittoBroker* shared = Shared();
  ASSERT_NE(shared, nullptr);
  MosquittoBroker broker;
  BrokerOptions broker_options;
  broker_options.certificates = shared->shared_certificates();
  ASSERT_TRUE(broker.Start(broker_options).ok());
  const int threads_before = ThreadCount();
  {
    std::unique_ptr<Transport> connected = MakeOrDie(PlainOptions(broker, "dtor"));
    ASSERT_NE(connected, nullptr);
    ASSERT_TRUE(connected->Connect().ok());
    ASSERT_TRUE(connected->Publish("a/b", "x", 1).ok());
    const auto start = Clock::now();
    connected.reset();
    EXPECT_LT(Clock::now() - start, kQuickTeardown);
  }
  {
    MqttOptions options = PlainOptions(broker, "dtor-reconnecting");
    options.reconnect_min = 20s;  // the supervisor sits in a long backoff
    options.reconnect_max = 40s;
    std::unique_ptr<Transport> reconnecting = MakeOrDie(options);
    ASSERT_NE(reconnecting, nullptr);
    Recorder recorder;
    recorder.Attach(*reconnecting);
    ASSERT_TRUE(reconnecting->Connect().ok());
    ASSERT_TRUE(broker.Stop().ok());
    ASSERT_TRUE(recorder.WaitForEvent(ConnectionEvent::kConnectionLost));
    const auto start = Clock::now();
    reconnecting.reset();
    EXPECT_LT(Clock::now() - start, kQuickTeardown);
  }
  EXPECT_TRUE(Eventually([&] { return ThreadCount() <= threads_before; }, 5s))
      << "threads before: " << threads_before << ", now: " << ThreadCount();
}

}  // namespace
}  // namespace shadowsync
