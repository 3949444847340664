// SPDX-License-Identifier: Apache-2.0
//
// The thermostat's delta handling, end to end on shadowsync::testing's
// LoopbackBroker: a real ShadowClient and the real shadow service, in
// memory, with faults (lost connection, duplicated and reordered messages,
// a lost request) and time under the test's control.

#include "thermostat.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/testing/loopback_broker.h"

namespace {

using namespace std::chrono_literals;
using shadowsync::ClientOptions;
using shadowsync::JsonValue;
using shadowsync::ShadowClient;
using shadowsync::ShadowId;
using shadowsync::testkit::LoopbackBroker;
using shadowsync::testkit::LoopbackBrokerOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using thermostat::Mode;
using thermostat::Thermostat;

const ShadowId kThing{"thermostat-1", std::nullopt};
constexpr char kDeltaTopic[] = "$aws/things/thermostat-1/shadow/update/delta";
constexpr char kUpdateTopic[] = "$aws/things/thermostat-1/shadow/update";

// Polls until the client has nothing left to do. On the LoopbackBroker the
// answer to a request is delivered while the Poll that sent the request
// runs, and handled by the next Poll, so a chain (delta, report, accepted)
// takes several.
void Settle(ShadowClient& client) {
  for (int i = 0; i < 100 && client.Poll() > 0; ++i) {
  }
}

// `actual` (null when absent) is the JSON `expected`, whatever the order of
// members.
::testing::AssertionResult IsJson(const JsonValue* actual, const std::string& expected) {
  shadowsync::Result<shadowsync::JsonDocument> want = shadowsync::ParseJson(expected);
  if (!want.ok()) return ::testing::AssertionFailure() << "bad expected JSON: " << expected;
  const std::string got = actual == nullptr ? "(absent)" : shadowsync::ToCompactJson(*actual);
  if (actual != nullptr && shadowsync::JsonEquals(*actual, *want)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\n  actual:   " << got << "\n  expected: " << expected;
}

class ThermostatTest : public ::testing::Test {
 protected:
  explicit ThermostatTest(LoopbackBrokerOptions options = {}) : broker_(std::move(options)) {}

  // A thermostat at 20 °C, off, online, its state acknowledged.
  void SetUp() override {
    ClientOptions options;
    options.shadow = kThing;
    options.request_timeout = 5s;
    options.clock = [this] { return now_; };  // deadlines move only when the test says
    auto made = ShadowClient::Create(std::move(options), broker_.NewTransport("thermostat-1"));
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    client_ = std::move(made).value();
    thermostat_ = std::make_unique<Thermostat>(*client_);
    ASSERT_TRUE(thermostat_->ReportState().ok());
    ASSERT_TRUE(client_->Start().ok());
    Settle(*client_);
    ASSERT_FALSE(client_->HasPendingReport());
    ASSERT_TRUE(IsJson(Document().reported(), R"({"setpoint":20,"mode":"off"})"));
  }

  // Sets desired state as an app or the console would, then lets the
  // thermostat handle whatever that caused.
  void Desire(const std::string& desired_json) {
    ASSERT_TRUE(broker_.SetDesired(kThing, desired_json).ok()) << desired_json;
    Settle(*client_);
  }

  // The stored shadow document, read directly from the broker.
  shadowsync::ShadowDocument Document() {
    auto document = broker_.GetDocument(kThing);
    EXPECT_TRUE(document.ok()) << document.status().ToString();
    return document.ok() ? std::move(document).value() : shadowsync::ShadowDocument();
  }

  // What the thermostat published to the update topic (reports and clears).
  std::vector<std::string> UpdatesSent() {
    std::vector<std::string> payloads;
    for (const auto& message : broker_.Published()) {
      if (message.publisher == "thermostat-1" && message.topic == kUpdateTopic) {
        payloads.push_back(message.payload);
      }
    }
    return payloads;
  }

  // Declared first: the broker must outlive the client that owns its
  // transport, and the client the thermostat.
  LoopbackBroker broker_;
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
  std::unique_ptr<ShadowClient> client_;
  std::unique_ptr<Thermostat> thermostat_;
};

TEST_F(ThermostatTest, AppliesADesiredChangeAndReportsIt) {
  Desire(R"({"setpoint":22,"mode":"heat"})");

  EXPECT_EQ(thermostat_->setpoint(), 22);
  EXPECT_EQ(thermostat_->mode(), Mode::kHeat);
  EXPECT_THAT(thermostat_->changes(),
              ::testing::UnorderedElementsAre("setpoint 20 -> 22", "mode off -> heat"));
  EXPECT_THAT(thermostat_->refusals(), IsEmpty());
  shadowsync::ShadowDocument document = Document();
  EXPECT_TRUE(IsJson(document.reported(), R"({"setpoint":22,"mode":"heat"})"));
  // In sync: the service computes no delta any more.
  shadowsync::JsonDocument scratch;
  JsonValue delta, delta_metadata;
  EXPECT_FALSE(document.ComputeDelta(&delta, &delta_metadata, scratch.GetAllocator()));
  EXPECT_THAT(thermostat_->errors(), IsEmpty());
}

TEST_F(ThermostatTest, AppliesTheGoodValuesOfADeltaAndRefusesTheBadOne) {
  Desire(R"({"setpoint":23,"mode":"cool"})");

  EXPECT_EQ(thermostat_->setpoint(), 23);
  EXPECT_EQ(thermostat_->mode(), Mode::kOff);
  EXPECT_THAT(thermostat_->changes(), ElementsAre("setpoint 20 -> 23"));
  EXPECT_THAT(thermostat_->refusals(), ElementsAre(R"(mode "cool": must be "heat" or "off")"));
  EXPECT_TRUE(IsJson(Document().reported(), R"({"setpoint":23,"mode":"off"})"));
  EXPECT_TRUE(IsJson(Document().desired(), R"({"setpoint":23})")) << "mode cleared";
}

// A bad desired value, one per test.
class BadDesiredValueTest : public ThermostatTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(BadDesiredValueTest, IsRefusedTheActualValueStaysReportedAndTheKeyIsCleared) {
  Desire(GetParam());

  EXPECT_EQ(thermostat_->setpoint(), 20);
  EXPECT_EQ(thermostat_->mode(), Mode::kOff);
  EXPECT_THAT(thermostat_->changes(), IsEmpty());
  ASSERT_EQ(thermostat_->refusals().size(), 1u);
  shadowsync::ShadowDocument document = Document();
  EXPECT_TRUE(IsJson(document.reported(), R"({"setpoint":20,"mode":"off"})"));
  // The refused key is gone from desired, so no delta repeats it.
  EXPECT_EQ(document.desired(), nullptr) << shadowsync::ToCompactJson(*document.desired());
  // The thermostat's only message after its first report: the clear.
  std::vector<std::string> updates = UpdatesSent();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_THAT(updates[1], HasSubstr(R"({"state":{"desired":{)"));
  EXPECT_THAT(updates[1], HasSubstr(":null}}"));
  EXPECT_THAT(thermostat_->errors(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Thermostat, BadDesiredValueTest,
                         ::testing::Values(R"({"setpoint":45})", R"({"setpoint":4})",
                                           R"({"setpoint":"22"})", R"({"setpoint":21.5})",
                                           R"({"mode":"cool"})", R"({"mode":1})", R"({"fan":"on"})",
                                           R"({"setpoint":{"value":22}})"));

// Peers' top complaint: changes made while the device was offline never
// arrive. With ShadowClient they arrive once, after the reconnect, as the
// last value only.
TEST_F(ThermostatTest, ChangesMadeWhileOfflineArriveOnceAfterTheReconnect) {
  ASSERT_TRUE(broker_.DisconnectClient("thermostat-1").ok());
  Settle(*client_);
  ASSERT_FALSE(client_->IsOnline());
  Desire(R"({"setpoint":18})");
  Desire(R"({"setpoint":24})");
  Desire(R"({"mode":"heat"})");
  EXPECT_THAT(thermostat_->changes(), IsEmpty()) << "offline: nothing arrives";

  ASSERT_TRUE(broker_.ReconnectClient("thermostat-1").ok());
  Settle(*client_);
  EXPECT_THAT(thermostat_->changes(),
              ::testing::UnorderedElementsAre("setpoint 20 -> 24", "mode off -> heat"));
  EXPECT_EQ(thermostat_->delta_versions().size(), 1u) << "one delta, computed from a GET";
  EXPECT_TRUE(IsJson(Document().reported(), R"({"setpoint":24,"mode":"heat"})"));

  // Another reconnect repeats nothing.
  ASSERT_TRUE(broker_.DisconnectClient("thermostat-1").ok());
  ASSERT_TRUE(broker_.ReconnectClient("thermostat-1").ok());
  Settle(*client_);
  EXPECT_EQ(thermostat_->changes().size(), 2u);
  EXPECT_EQ(thermostat_->delta_versions().size(), 1u);
}

// MQTT QoS 1 may deliver a message twice.
TEST_F(ThermostatTest, ADuplicatedDeltaIsHandledOnce) {
  broker_.DuplicateNext(kDeltaTopic);
  Desire(R"({"setpoint":25})");

  EXPECT_EQ(broker_.DeliveredTo("thermostat-1", kDeltaTopic).size(), 2u) << "the fault happened";
  EXPECT_EQ(thermostat_->delta_versions().size(), 1u);
  EXPECT_THAT(thermostat_->changes(), ElementsAre("setpoint 20 -> 25"));
}

// The service does not promise the order of its messages (P8): a delta of
// an older version may arrive after a newer one. The thermostat must end in
// the newest desired state, never go back to an older one.
TEST_F(ThermostatTest, ReorderedDeltasNeverApplyAnOlderValue) {
  broker_.Hold(kDeltaTopic);
  Desire(R"({"setpoint":21})");
  Desire(R"({"setpoint":26})");
  Desire(R"({"mode":"heat"})");
  ASSERT_EQ(broker_.HeldCount(), 3u);
  ASSERT_EQ(broker_.ReleaseHeldReversed(), 3u);  // newest first
  Settle(*client_);

  // The newest delta carries everything desired that differs from
  // reported; the two older ones are stale and dropped.
  EXPECT_EQ(thermostat_->delta_versions().size(), 1u);
  EXPECT_THAT(thermostat_->changes(),
              ::testing::UnorderedElementsAre("setpoint 20 -> 26", "mode off -> heat"));
  EXPECT_EQ(thermostat_->setpoint(), 26);
  EXPECT_TRUE(IsJson(Document().reported(), R"({"setpoint":26,"mode":"heat"})"));
}

// The injected steady clock decides when a request times out.
TEST_F(ThermostatTest, ALostClearIsSentAgainAfterItsTimeout) {
  broker_.DropNext(kUpdateTopic);  // the thermostat's clear never arrives
  Desire(R"({"setpoint":99})");
  ASSERT_EQ(UpdatesSent().size(), 2u);
  EXPECT_TRUE(IsJson(Document().desired(), R"({"setpoint":99})")) << "still there";

  now_ += 4999ms;
  Settle(*client_);
  EXPECT_EQ(UpdatesSent().size(), 2u) << "not before the deadline";
  now_ += 1ms;
  Settle(*client_);
  EXPECT_EQ(UpdatesSent().size(), 3u) << "sent again at the deadline";
  EXPECT_EQ(Document().desired(), nullptr);
  EXPECT_EQ(thermostat_->setpoint(), 20);
  EXPECT_THAT(thermostat_->errors(), IsEmpty());
}

// The broker's ManualClock stamps every change; the client tells a new
// desired value from a repeat of an old one by its value and timestamp.
TEST_F(ThermostatTest, AfterAKnobChangeTheSameDesiredValueLaterIsAppliedAgain) {
  Desire(R"({"setpoint":22})");
  ASSERT_EQ(thermostat_->setpoint(), 22);

  broker_.clock().Advance(10min);
  ASSERT_TRUE(thermostat_->SetSetpointLocally(17).ok());
  Settle(*client_);
  EXPECT_TRUE(IsJson(Document().reported(), R"({"setpoint":17,"mode":"off"})"));
  EXPECT_EQ(Document().desired(), nullptr) << "the stale desired 22 was cleared";

  broker_.clock().Advance(1h);
  Desire(R"({"setpoint":22})");
  EXPECT_EQ(thermostat_->setpoint(), 22);
  EXPECT_THAT(thermostat_->changes(),
              ElementsAre("setpoint 20 -> 22", "setpoint 22 -> 17", "setpoint 17 -> 22"));
  EXPECT_TRUE(IsJson(Document().reported(), R"({"setpoint":22,"mode":"off"})"));
}

// Greengrass publishes the delta before the accepted of an update (P8,
// kDeltaFirst). An app changes the setpoint step by step; the thermostat
// follows every step, once, in order.
class DeltaFirstThermostatTest : public ThermostatTest {
 protected:
  DeltaFirstThermostatTest() : ThermostatTest(DeltaFirst()) {}
  static LoopbackBrokerOptions DeltaFirst() {
    LoopbackBrokerOptions options;
    options.service.order = shadowsync::ResponseOrder::kDeltaFirst;
    return options;
  }
};

TEST_F(DeltaFirstThermostatTest, EveryStepOfAnAppIsAppliedOnceInOrder) {
  ClientOptions options;
  options.shadow = kThing;
  auto app = ShadowClient::Create(options, broker_.NewTransport("app"));
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  ASSERT_TRUE((*app)->Start().ok());
  Settle(**app);
  std::vector<std::string> expected;
  for (int celsius = 21; celsius <= 25; ++celsius) {
    std::optional<shadowsync::RequestResult> answer;
    auto patch = shadowsync::ParseJson("{\"setpoint\":" + std::to_string(celsius) + "}");
    ASSERT_TRUE(patch.ok());
    ASSERT_TRUE(
        (*app)
            ->UpdateDesired(*patch, [&](shadowsync::RequestResult r) { answer = std::move(r); })
            .ok());
    Settle(**app);
    Settle(*client_);
    ASSERT_TRUE(answer && answer->ok()) << celsius;
    expected.push_back("setpoint " + std::to_string(celsius - 1) + " -> " +
                       std::to_string(celsius));
  }
  EXPECT_EQ(thermostat_->changes(), expected);
  const std::vector<std::uint64_t>& versions = thermostat_->delta_versions();
  ASSERT_EQ(versions.size(), 5u);
  for (size_t i = 1; i < versions.size(); ++i) EXPECT_LT(versions[i - 1], versions[i]);
  EXPECT_TRUE(IsJson(Document().reported(), R"({"setpoint":25,"mode":"off"})"));
}

}  // namespace
