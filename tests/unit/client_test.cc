// SPDX-License-Identifier: Apache-2.0
//
// ShadowClient (lib/src/client.cc) on the in-memory LoopbackBroker, which
// hosts the real ShadowService, and on MockTransport where a test scripts
// exact messages. The integration suite repeats the key scenarios through
// Paho on mosquitto with the emulator.

#include "shadowsync/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadowsync/diff.h"
#include "shadowsync/testing/loopback_broker.h"
#include "shadowsync/testing/mock_transport.h"
#include "support/json_expect.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using testing_support::MustParse;
using testkit::LoopbackBroker;
using testkit::MockTransport;

::testing::AssertionResult SameJson(const JsonValue& actual, const std::string& expected) {
  JsonDocument want = MustParse(expected);
  if (JsonEquals(actual, want)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\n  actual:   " << ToCompactJson(actual) << "\n  expected: " << expected;
}

const ShadowId kLamp{"lamp", std::nullopt};

ClientOptions LampOptions() {
  ClientOptions options;
  options.shadow = kLamp;
  return options;
}

// Polls until nothing is left: on the loopback broker an answer is queued
// during the Poll that sent its request, so a chain (GET, then report, then
// its accepted) takes several.
void Settle(ShadowClient& client) {
  for (int i = 0; i < 50 && client.Poll() > 0; ++i) {
  }
}

// A fake steady clock the client reads its deadlines from.
struct FakeSteadyClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  SteadyClock AsFunction() {
    return [this] { return now; };
  }
};

class ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<ShadowClient> Make(const std::string& client_id, ClientOptions options = {}) {
    if (options.shadow.thing.empty()) options.shadow = kLamp;
    Result<std::unique_ptr<ShadowClient>> made =
        ShadowClient::Create(std::move(options), broker_.NewTransport(client_id));
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  // A started device that records its deltas and applies them to `state_`.
  std::unique_ptr<ShadowClient> StartDevice(ClientOptions options = {}, bool report_back = true) {
    std::unique_ptr<ShadowClient> device = Make("device", std::move(options));
    device->OnDelta([this, raw = device.get(), report_back](const Delta& delta) {
      deltas_.push_back(ToCompactJson(delta.state));
      versions_.push_back(delta.version);
      resync_flags_.push_back(delta.from_resync);
      if (!report_back) return;
      ApplyPatch(state_, delta.state, state_.GetAllocator());
      EXPECT_TRUE(raw->Report(state_).ok());
    });
    EXPECT_TRUE(device->Start().ok());
    Settle(*device);
    return device;
  }

  // Payloads the client published to `.../update`.
  std::vector<std::string> UpdatesFrom(const std::string& client_id) {
    std::vector<std::string> out;
    for (const auto& message : broker_.Published()) {
      if (message.publisher == client_id && message.topic == "$aws/things/lamp/shadow/update") {
        out.push_back(message.payload);
      }
    }
    return out;
  }

  JsonDocument Stored() {
    Result<std::string> json = broker_.GetDocumentJson(kLamp);
    EXPECT_TRUE(json.ok()) << json.status().ToString();
    return MustParse(json.ok() ? *json : "{}");
  }

  LoopbackBroker broker_;
  JsonDocument state_ = MustParse("{}");
  std::vector<std::string> deltas_;
  std::vector<std::uint64_t> versions_;
  std::vector<bool> resync_flags_;
};

// ---- Create ----

TEST_F(ClientTest, CreateRejectsBadNamesAndTokenPrefixes) {
  ClientOptions bad_thing;
  bad_thing.shadow.thing = "lamp.1";  // T3
  Result<std::unique_ptr<ShadowClient>> made =
      ShadowClient::Create(bad_thing, broker_.NewTransport("a"));
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("'.'"));

  ClientOptions long_prefix;
  long_prefix.shadow = kLamp;
  long_prefix.client_token_prefix = std::string(41, 'x');  // L3: token must stay <= 64
  made = ShadowClient::Create(long_prefix, broker_.NewTransport("b"));
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("41 bytes"));

  ClientOptions quote_prefix;
  quote_prefix.shadow = kLamp;
  quote_prefix.client_token_prefix = "a\"b";
  made = ShadowClient::Create(quote_prefix, broker_.NewTransport("c"));
  ASSERT_FALSE(made.ok());
  EXPECT_THAT(made.status().message(), HasSubstr("'\"'"));
}

// ---- Start ----

TEST_F(ClientTest, StartSubscribesToExactlyTheResponseTopicsThenGets) {
  auto transport = std::make_unique<NiceMock<MockTransport>>();
  MockTransport* mock = transport.get();
  ClientOptions options;
  options.shadow = {"lamp", std::string("cfg")};
  auto client = ShadowClient::Create(options, std::move(transport));
  ASSERT_TRUE(client.ok());
  (*client)->OnDelta([](const Delta&) {});
  std::vector<std::string> subscribed;
  EXPECT_CALL(*mock, Subscribe(::testing::_, 1)).WillRepeatedly([&](std::string_view filter, int) {
    subscribed.emplace_back(filter);
    return Status::Ok();
  });
  ASSERT_TRUE((*client)->Start().ok());
  Settle(**client);
  const std::string p = "$aws/things/lamp/shadow/name/cfg/";
  EXPECT_THAT(subscribed, ::testing::UnorderedElementsAre(
                              p + "get/accepted", p + "get/rejected", p + "update/accepted",
                              p + "update/rejected", p + "update/delta", p + "delete/accepted",
                              p + "delete/rejected"));
  ASSERT_EQ(mock->Published().size(), 1u);
  EXPECT_EQ(mock->Published()[0].topic, p + "get");
  EXPECT_THAT(mock->Published()[0].payload, HasSubstr("clientToken"));
}

TEST_F(ClientTest, AnAppWithoutOnDeltaDoesNotSubscribeToDeltas) {
  auto app = Make("app");
  ASSERT_TRUE(app->Start().ok());
  const auto subscriptions = broker_.SubscriptionsOf("app");
  EXPECT_EQ(std::count(subscriptions.begin(), subscriptions.end(),
                       "$aws/things/lamp/shadow/update/delta"),
            0);
  EXPECT_EQ(subscriptions.size(), 6u);
  ASSERT_TRUE(app->UpdateDesired(MustParse(R"({"x":1})")).ok());
  Settle(*app);
  EXPECT_TRUE(broker_.DeliveredTo("app", "$aws/things/lamp/shadow/update/delta").empty());
}

TEST_F(ClientTest, StartFailsWithTheTransportsCause) {
  auto transport = std::make_unique<NiceMock<MockTransport>>();
  ON_CALL(*transport, Connect()).WillByDefault([] {
    return Status(StatusCode::kUnavailable, "TLS: certificate has expired");
  });
  auto client = ShadowClient::Create(LampOptions(), std::move(transport));
  ASSERT_TRUE(client.ok());
  const Status started = (*client)->Start();
  EXPECT_EQ(started.code(), StatusCode::kUnavailable);
  EXPECT_THAT(started.message(), HasSubstr("expired"));
  EXPECT_FALSE((*client)->IsOnline());
}

// ---- Report ----

// M2 and the issue's "only the difference, null for what disappeared".
TEST_F(ClientTest, ReportSendsOnlyTheDifferenceAndNullForRemovedKeys) {
  auto device = StartDevice();
  ASSERT_TRUE(device->Report(MustParse(R"({"t":20,"h":50,"fan":{"rpm":900}})")).ok());
  Settle(*device);
  ASSERT_TRUE(device->Report(MustParse(R"({"t":21,"h":50})")).ok());
  Settle(*device);
  ASSERT_TRUE(device->Report(MustParse(R"({"t":21,"h":50})")).ok());  // no change: nothing sent
  Settle(*device);
  const auto updates = UpdatesFrom("device");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_TRUE(SameJson(MustParse(updates[0])["state"],
                       R"({"reported":{"t":20,"h":50,"fan":{"rpm":900}}})"));
  EXPECT_TRUE(SameJson(MustParse(updates[1])["state"], R"({"reported":{"t":21,"fan":null}})"));
  EXPECT_TRUE(SameJson(Stored()["state"]["reported"], R"({"t":21,"h":50})"));
  EXPECT_FALSE(device->HasPendingReport());
  EXPECT_TRUE(SameJson(device->acknowledged_reported(), R"({"t":21,"h":50})"));
}

TEST_F(ClientTest, ReportsWhileOfflineCoalesceIntoOnePatchSentAfterTheResyncGet) {
  auto device = StartDevice();
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1,"b":2})")).ok());
  Settle(*device);
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  EXPECT_FALSE(device->IsOnline());
  ASSERT_TRUE(device->Report(MustParse(R"({"a":2,"b":2})")).ok());
  ASSERT_TRUE(device->Report(MustParse(R"({"a":3,"c":{"d":1}})")).ok());
  ASSERT_TRUE(device->Report(MustParse(R"({"a":4,"c":{"d":1}})")).ok());
  Settle(*device);
  EXPECT_TRUE(device->HasPendingReport());
  ASSERT_EQ(UpdatesFrom("device").size(), 1u);

  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  const auto updates = UpdatesFrom("device");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_TRUE(
      SameJson(MustParse(updates[1])["state"]["reported"], R"({"a":4,"b":null,"c":{"d":1}})"));
  EXPECT_FALSE(device->HasPendingReport());
  EXPECT_TRUE(SameJson(Stored()["state"]["reported"], R"({"a":4,"c":{"d":1}})"));
}

// client.h: offline, the app-side requests are not queued: kUnavailable at
// once, and their handler is never called (not even later, online).
TEST_F(ClientTest, OfflineAppRequestsFailAtOnceAndNeverCallTheirHandler) {
  auto app = Make("app");
  ASSERT_TRUE(app->Start().ok());
  Settle(*app);
  ASSERT_TRUE(broker_.DisconnectClient("app").ok());
  Settle(*app);
  ASSERT_FALSE(app->IsOnline());
  int called = 0;
  auto count = [&called](RequestResult) { ++called; };
  EXPECT_EQ(app->UpdateDesired(MustParse(R"({"a":1})"), count).code(), StatusCode::kUnavailable);
  EXPECT_EQ(app->Get(count).code(), StatusCode::kUnavailable);
  EXPECT_EQ(app->Delete(count).code(), StatusCode::kUnavailable);
  EXPECT_EQ(app->ClearDesired({"/a"}, count).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(broker_.ReconnectClient("app").ok());
  Settle(*app);
  EXPECT_TRUE(app->IsOnline());
  EXPECT_EQ(called, 0);
  EXPECT_TRUE(UpdatesFrom("app").empty());
}

// A report lost with the connection is not re-sent blindly: the GET after
// the reconnect says whether it was applied.
TEST_F(ClientTest, AReportLostInADisconnectIsSentAgainOnlyIfTheServiceLacksIt) {
  auto device = StartDevice();
  broker_.DropNext("$aws/things/lamp/shadow/update", 1);  // the request never arrives
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  EXPECT_TRUE(SameJson(Stored()["state"]["reported"], R"({"a":1})"));
  EXPECT_EQ(UpdatesFrom("device").size(), 2u);

  // Now the request arrives but its answer is lost: nothing to resend.
  broker_.DropNext("$aws/things/lamp/shadow/update/accepted", 1);
  ASSERT_TRUE(device->Report(MustParse(R"({"a":2})")).ok());
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  EXPECT_EQ(UpdatesFrom("device").size(), 3u);
  EXPECT_FALSE(device->HasPendingReport());
}

TEST_F(ClientTest, ReportBreakingALimitFailsLocallyAndRecordsNothing) {
  auto device = StartDevice();
  JsonDocument deep = MustParse(R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}})");  // 7 levels
  Status status = device->Report(deep);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("7 levels"));
  EXPECT_THAT(status.message(), HasSubstr("L2"));

  JsonDocument big = MustParse("{\"blob\":\"" + std::string(8200, 'x') + "\"}");
  status = device->Report(big);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("8192"));
  EXPECT_THAT(status.message(), HasSubstr("L1"));

  status = device->Report(MustParse("[1]"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  Settle(*device);
  EXPECT_TRUE(UpdatesFrom("device").empty());
  EXPECT_FALSE(device->HasPendingReport());
}

// M12: the service would answer 400; the client says so and does not loop.
TEST_F(ClientTest, AStateTheServiceWouldRejectIsReportedOnceAsAnError) {
  auto device = StartDevice();
  std::vector<Status> results;
  device->OnReportResult([&](RequestResult result) { results.push_back(result.status()); });
  ASSERT_TRUE(device->Report(MustParse(R"({"list":[1,null]})")).ok());
  Settle(*device);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(results[0].message(), HasSubstr("400"));
  EXPECT_TRUE(UpdatesFrom("device").empty());
  EXPECT_FALSE(device->HasPendingReport());
}

TEST_F(ClientTest, StopSaysWhenTheDevicesStateWasNotAcknowledged) {
  auto device = StartDevice();
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());
  Settle(*device);
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  ASSERT_TRUE(device->Report(MustParse(R"({"a":2})")).ok());
  const Status stopped = device->Stop(std::chrono::milliseconds(50));
  EXPECT_EQ(stopped.code(), StatusCode::kTimeout) << stopped.ToString();
  EXPECT_THAT(stopped.message(), HasSubstr("not yet acknowledged"));

  auto settled = Make("device-2");
  ASSERT_TRUE(settled->Start().ok());
  ASSERT_TRUE(settled->Report(MustParse(R"({"b":1})")).ok());
  Settle(*settled);
  EXPECT_TRUE(settled->Stop(std::chrono::milliseconds(50)).ok());
}

// Issue 14: offline stops. A device with a journal whose state {"a":1}
// the service acknowledged, then disconnected.
class ClientOfflineStopTest : public ClientTest {
 protected:
  std::unique_ptr<ShadowClient> AcknowledgedThenOffline() {
    auto dir = testing_support::TempDir::Create("client-journal");
    EXPECT_TRUE(dir.ok());
    if (!dir.ok()) return nullptr;
    dir_ = std::move(dir).value();
    journal_ = dir_->File("journal.json");
    ClientOptions options;
    options.journal_path = journal_;
    auto device = StartDevice(options);
    EXPECT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());
    Settle(*device);
    EXPECT_FALSE(device->HasPendingReport());
    EXPECT_TRUE(broker_.DisconnectClient("device").ok());
    Settle(*device);
    EXPECT_FALSE(device->IsOnline());
    return device;
  }

  bool JournalExists() const {
    struct stat info;
    return ::stat(journal_.c_str(), &info) == 0;
  }

  std::unique_ptr<testing_support::TempDir> dir_;
  std::string journal_;
};

// A state acknowledged before the connection dropped is not pending, and
// Stop() succeeds with no journal file. (HasPendingReport() was true
// whenever the client was not synced, so every offline stop said "not yet
// acknowledged (kept in <journal>)" and the lamp exited 3, the agent 4.)
TEST_F(ClientOfflineStopTest, AStateAcknowledgedBeforeTheDropIsNotPending) {
  auto device = AcknowledgedThenOffline();
  ASSERT_NE(device, nullptr);
  EXPECT_FALSE(device->HasPendingReport());
  // Reporting the same state again offline changes nothing either.
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());
  EXPECT_FALSE(device->HasPendingReport());
  EXPECT_FALSE(JournalExists()) << "no journal: nothing is pending";
  const Status stopped = device->Stop(std::chrono::milliseconds(50));
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
}

// A state the service lacks: pending, kept in the journal, and Stop() names
// the file; the state going back to the acknowledged one ends both.
TEST_F(ClientOfflineStopTest, AChangedStateIsPendingAndTheJournalHoldsItOnlyMeanwhile) {
  auto device = AcknowledgedThenOffline();
  ASSERT_NE(device, nullptr);
  ASSERT_TRUE(device->Report(MustParse(R"({"a":2})")).ok());
  EXPECT_TRUE(device->HasPendingReport());
  EXPECT_TRUE(JournalExists()) << "the journal holds the pending state";
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());  // back to what the service has
  EXPECT_FALSE(device->HasPendingReport());
  EXPECT_FALSE(JournalExists()) << "nothing pending: the journal is removed";
  ASSERT_TRUE(device->Report(MustParse(R"({"a":3})")).ok());
  const Status stopped = device->Stop(std::chrono::milliseconds(50));
  EXPECT_EQ(stopped.code(), StatusCode::kTimeout) << stopped.ToString();
  EXPECT_THAT(stopped.message(), HasSubstr("not yet acknowledged (kept in " + journal_ + ")"));
}

// Found by shadowsync-chaos (seed 2000, emulator mode, step 248): a lamp
// SIGTERMed right after a reconnect, whose resync GET the service had not
// answered yet, exited 3 with "reported state not yet acknowledged" although
// its state was acknowledged and nothing was in its journal. Only a report
// makes Stop() fail.
TEST_F(ClientOfflineStopTest, AnUnansweredResyncGetIsNoPendingReport) {
  auto device = AcknowledgedThenOffline();
  ASSERT_NE(device, nullptr);
  broker_.DropNext("$aws/things/lamp/shadow/get/accepted", 1);
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  ASSERT_TRUE(device->IsOnline());
  EXPECT_FALSE(device->HasPendingReport());
  const Status stopped = device->Stop(std::chrono::milliseconds(50));
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_FALSE(JournalExists());
}

// Without a journal, Stop() names none.
TEST_F(ClientTest, StopOfflineWithoutAJournalNamesNone) {
  auto device = StartDevice();
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  ASSERT_TRUE(device->Report(MustParse(R"({"a":2})")).ok());
  const Status stopped = device->Stop(std::chrono::milliseconds(50));
  EXPECT_EQ(stopped.code(), StatusCode::kTimeout) << stopped.ToString();
  EXPECT_THAT(stopped.message(), HasSubstr("not yet acknowledged"));
  EXPECT_THAT(stopped.message(), ::testing::Not(HasSubstr("kept in")));
}

// A report whose answer was lost with the connection stays pending offline
// (the service may or may not have applied it), and the reconnect's GET
// settles it.
TEST_F(ClientTest, AReportInFlightWhenTheConnectionDropsStaysPendingOffline) {
  auto device = StartDevice();
  broker_.DropNext("$aws/things/lamp/shadow/update/accepted", 1);
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());
  Settle(*device);
  ASSERT_TRUE(device->HasPendingReport()) << "the report is in flight";
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  EXPECT_TRUE(device->HasPendingReport());
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  EXPECT_FALSE(device->HasPendingReport());
}

// A fresh client knows of no acknowledgement: its first state is pending
// until the GET after connecting shows the service has it.
TEST_F(ClientTest, AFreshClientsFirstStateIsPendingUntilTheServiceShowsIt) {
  ASSERT_TRUE(broker_.SetReported(kLamp, R"({"a":1})").ok());
  auto device = Make("device");
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1})")).ok());
  EXPECT_TRUE(device->HasPendingReport());
  ASSERT_TRUE(device->Start().ok());
  Settle(*device);
  EXPECT_FALSE(device->HasPendingReport());
  EXPECT_TRUE(UpdatesFrom("device").empty()) << "the service had the state already";
}

// ---- Deltas ----

// D5 sends the delta after every update while desired != reported; each
// desired value still reaches the device once.
TEST_F(ClientTest, EachDesiredValueIsDeliveredOnceAlthoughTheServiceRepeatsTheDelta) {
  auto device = StartDevice({}, /*report_back=*/false);
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"power":"on"})").ok());
  Settle(*device);
  ASSERT_TRUE(device->Report(MustParse(R"({"uptime":1})")).ok());  // delta repeats power
  Settle(*device);
  ASSERT_TRUE(device->Report(MustParse(R"({"uptime":2})")).ok());
  Settle(*device);
  ASSERT_EQ(deltas_.size(), 1u);
  EXPECT_EQ(deltas_[0], R"({"power":"on"})");
  // The cloud writes the same value again later: a new desired change.
  broker_.clock().Advance(5s);
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"power":"on"})").ok());
  Settle(*device);
  ASSERT_EQ(deltas_.size(), 2u);
  EXPECT_EQ(deltas_[1], R"({"power":"on"})");
}

// Peers 3.6: a delta with the same version as the accepted of its update is
// a real delta.
TEST_F(ClientTest, ADeltaWithTheVersionOfAnAcceptedIsDelivered) {
  auto transport = std::make_unique<NiceMock<MockTransport>>();
  MockTransport* mock = transport.get();
  auto client = ShadowClient::Create(LampOptions(), std::move(transport));
  ASSERT_TRUE(client.ok());
  std::vector<std::uint64_t> delivered;
  (*client)->OnDelta([&](const Delta& delta) { delivered.push_back(delta.version); });
  ASSERT_TRUE((*client)->Start().ok());
  mock->Deliver(
      "$aws/things/lamp/shadow/update/accepted",
      R"({"state":{"desired":{"x":1}},"metadata":{},"version":5,"timestamp":1,"clientToken":"other"})");
  mock->Deliver("$aws/things/lamp/shadow/update/delta",
                R"({"state":{"x":1},"metadata":{"x":{"timestamp":1}},"version":5,"timestamp":1})");
  // A duplicate (QoS 1 redelivery) and a stale one are dropped.
  mock->Deliver("$aws/things/lamp/shadow/update/delta",
                R"({"state":{"x":1},"metadata":{"x":{"timestamp":1}},"version":5,"timestamp":1})");
  mock->Deliver("$aws/things/lamp/shadow/update/delta",
                R"({"state":{"y":1},"metadata":{"y":{"timestamp":1}},"version":4,"timestamp":1})");
  Settle(**client);
  EXPECT_EQ(delivered, std::vector<std::uint64_t>({5}));
  EXPECT_EQ((*client)->last_delta_version(), 5u);
}

// P8: whatever the order of accepted and delta, the device gets each change
// once and in version order.
TEST_F(ClientTest, DeltaFirstOrderDeliversEveryChangeOnceInOrder) {
  testkit::LoopbackBrokerOptions options;
  options.service.order = ResponseOrder::kDeltaFirst;
  LoopbackBroker broker(options);
  ClientOptions client_options;
  client_options.shadow = kLamp;
  auto device = ShadowClient::Create(client_options, broker.NewTransport("device"));
  auto app = ShadowClient::Create(client_options, broker.NewTransport("app"));
  ASSERT_TRUE(device.ok() && app.ok());
  std::vector<std::string> seen;
  JsonDocument state = MustParse("{}");
  (*device)->OnDelta([&](const Delta& delta) {
    seen.push_back(ToCompactJson(delta.state));
    ApplyPatch(state, delta.state, state.GetAllocator());
    EXPECT_TRUE((*device)->Report(state).ok());
  });
  ASSERT_TRUE((*device)->Start().ok() && (*app)->Start().ok());
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE((*app)->UpdateDesired(MustParse("{\"level\":" + std::to_string(i) + "}")).ok());
    Settle(**app);
    Settle(**device);
  }
  EXPECT_THAT(seen, ::testing::ElementsAre(R"({"level":1})", R"({"level":2})", R"({"level":3})",
                                           R"({"level":4})", R"({"level":5})"));
}

// Peers 3.1: deltas missed while offline are delivered after the reconnect,
// computed locally from the GET, once.
TEST_F(ClientTest, DesiredChangesMissedWhileOfflineArriveOnceAfterTheReconnect) {
  auto device = StartDevice();
  state_ = MustParse(R"({"power":"off","level":1})");
  ASSERT_TRUE(device->Report(state_).ok());
  Settle(*device);
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"power":"on"})").ok());
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"level":7})").ok());
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"level":1})").ok());  // equals reported: no delta
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  ASSERT_EQ(deltas_.size(), 1u);
  EXPECT_EQ(deltas_[0], R"({"power":"on"})");
  EXPECT_TRUE(resync_flags_[0]);
  // The device applied and reported it; another reconnect repeats nothing.
  EXPECT_TRUE(SameJson(Stored()["state"]["reported"], R"({"power":"on","level":1})"));
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  EXPECT_EQ(deltas_.size(), 1u);
}

// The resync delta is computed against the device's own state, including
// reports the service has not acknowledged yet.
TEST_F(ClientTest, ResyncDoesNotRedeliverWhatTheDeviceAlreadyReportedOffline) {
  auto device = StartDevice({}, /*report_back=*/false);
  ASSERT_TRUE(device->Report(MustParse(R"({"power":"off"})")).ok());
  Settle(*device);
  ASSERT_TRUE(broker_.DisconnectClient("device").ok());
  Settle(*device);
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"power":"on"})").ok());
  ASSERT_TRUE(device->Report(MustParse(R"({"power":"on"})")).ok());  // switched by hand
  ASSERT_TRUE(broker_.ReconnectClient("device").ok());
  Settle(*device);
  EXPECT_TRUE(deltas_.empty());
  EXPECT_TRUE(SameJson(Stored()["state"]["reported"], R"({"power":"on"})"));
}

// V5 L10: after a delete, versions may restart; the next delta is delivered.
TEST_F(ClientTest, AfterADeleteTheNextDeltaIsDeliveredWhateverItsVersion) {
  auto device = StartDevice({}, false);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(broker_.SetDesired(kLamp, "{\"n\":" + std::to_string(i) + "}").ok());
  }
  Settle(*device);
  ASSERT_EQ(versions_.back(), 3u);
  ASSERT_TRUE(broker_.DeleteShadow(kLamp).ok());
  Settle(*device);
  EXPECT_EQ(device->last_delta_version(), 0u);
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"n":2})").ok());
  Settle(*device);
  ASSERT_EQ(deltas_.size(), 4u);
  EXPECT_EQ(deltas_.back(), R"({"n":2})");
}

// A delete is not undone by the device's client; its next Report() sends the
// whole state again (not a diff against what the deleted shadow had).
TEST_F(ClientTest, AfterADeleteTheNextReportSendsTheWholeState) {
  auto device = StartDevice();
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1,"b":2})")).ok());
  Settle(*device);
  ASSERT_TRUE(broker_.DeleteShadow(kLamp).ok());
  Settle(*device);
  EXPECT_FALSE(device->HasPendingReport());
  EXPECT_EQ(broker_.GetDocumentJson(kLamp).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(device->Report(MustParse(R"({"a":1,"b":3})")).ok());
  Settle(*device);
  const auto updates = UpdatesFrom("device");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_TRUE(SameJson(MustParse(updates[1])["state"]["reported"], R"({"a":1,"b":3})"));
}

// ---- App side ----

TEST_F(ClientTest, UpdateDesiredGetAndDeleteReturnTheirAnswers) {
  auto app = Make("app");
  ASSERT_TRUE(app->Start().ok());
  Settle(*app);
  std::optional<RequestResult> update, get, del, get_after;
  ASSERT_TRUE(app->UpdateDesired(MustParse(R"({"color":"red"})"),
                                 [&](RequestResult r) { update = std::move(r); })
                  .ok());
  ASSERT_TRUE(app->Get([&](RequestResult r) { get = std::move(r); }).ok());
  ASSERT_TRUE(app->Delete([&](RequestResult r) { del = std::move(r); }).ok());
  ASSERT_TRUE(app->Get([&](RequestResult r) { get_after = std::move(r); }).ok());
  Settle(*app);
  ASSERT_TRUE(update && update->ok());
  EXPECT_EQ(update->value().version, 1u);
  ASSERT_TRUE(get && get->ok());
  EXPECT_TRUE(SameJson(get->value().payload["state"],
                       R"({"desired":{"color":"red"},"delta":{"color":"red"}})"));
  ASSERT_TRUE(del && del->ok());
  ASSERT_TRUE(get_after.has_value());
  EXPECT_EQ(get_after->status().code(), StatusCode::kNotFound);
  EXPECT_THAT(get_after->status().message(), HasSubstr("404: No shadow exists with name: 'lamp'"));
}

// V3 and peers 3.6: 409, then GET, rebase, retry.
TEST_F(ClientTest, AConditionalUpdateThatConflictsIsRebasedAndRetried) {
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"count":1})").ok());
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"count":2})").ok());  // version 2
  auto app = Make("app");
  ASSERT_TRUE(app->Start().ok());
  Settle(*app);
  std::optional<RequestResult> result;
  UpdateOptions options;
  options.expected_version = 1;  // stale
  std::vector<std::string> seen_documents;
  options.rebase = [&](const JsonValue& document) -> Result<JsonDocument> {
    seen_documents.push_back(ToCompactJson(document["state"]["desired"]));
    const int count = document["state"]["desired"]["count"].GetInt();
    return MustParse("{\"count\":" + std::to_string(count + 1) + "}");
  };
  ASSERT_TRUE(
      app->UpdateDesired(
             MustParse(R"({"count":2})"), [&](RequestResult r) { result = std::move(r); }, options)
          .ok());
  Settle(*app);
  ASSERT_TRUE(result && result->ok()) << (result ? result->status().ToString() : "no answer");
  EXPECT_EQ(seen_documents, std::vector<std::string>({R"({"count":2})"}));
  EXPECT_EQ(Stored()["state"]["desired"]["count"].GetInt(), 3);
  EXPECT_EQ(Stored()["version"].GetUint64(), 3u);
}

TEST_F(ClientTest, ConflictRetriesAreBoundedAndEndInAClearError) {
  auto transport = std::make_unique<NiceMock<MockTransport>>();
  MockTransport* mock = transport.get();
  ClientOptions client_options = LampOptions();
  client_options.max_conflict_retries = 2;
  client_options.client_token_prefix = "app";
  auto client = ShadowClient::Create(client_options, std::move(transport));
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Start().ok());
  Settle(**client);  // GET app-1 (resync), never answered here
  std::optional<RequestResult> result;
  UpdateOptions options;
  options.expected_version = 1;
  ASSERT_TRUE(
      (*client)
          ->UpdateDesired(
              MustParse(R"({"x":1})"), [&](RequestResult r) { result = std::move(r); }, options)
          .ok());
  // Each round: the update is rejected with 409, the GET answers version 9.
  for (int token = 2; token <= 6; token += 2) {
    mock->Deliver("$aws/things/lamp/shadow/update/rejected",
                  R"({"code":409,"message":"Version conflict","clientToken":"app-)" +
                      std::to_string(token) + "\"}");
    Settle(**client);
    if (result) break;
    mock->Deliver("$aws/things/lamp/shadow/get/accepted",
                  R"({"state":{},"metadata":{},"version":9,"timestamp":1,"clientToken":"app-)" +
                      std::to_string(token + 1) + "\"}");
    Settle(**client);
  }
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), StatusCode::kConflict);
  EXPECT_THAT(result->status().message(), HasSubstr("after 2 GET-rebase-retry rounds"));
  // The retries carried the fresh version.
  const auto published = mock->Published();
  ASSERT_GE(published.size(), 4u);
  EXPECT_THAT(published[3].payload, HasSubstr("\"version\":9"));
}

TEST_F(ClientTest, ARequestWithoutAnAnswerTimesOutAtItsDeadline) {
  FakeSteadyClock clock;
  auto transport = std::make_unique<NiceMock<MockTransport>>();
  ClientOptions options = LampOptions();
  options.clock = clock.AsFunction();
  options.request_timeout = 2s;
  auto client = ShadowClient::Create(options, std::move(transport));
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Start().ok());
  std::optional<RequestResult> result;
  ASSERT_TRUE((*client)->Get([&](RequestResult r) { result = std::move(r); }).ok());
  clock.now += 1999ms;
  Settle(**client);
  EXPECT_FALSE(result.has_value());
  clock.now += 1ms;
  Settle(**client);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), StatusCode::kTimeout);
  EXPECT_THAT(result->status().message(), HasSubstr("2000 ms"));
}

// Peers 3.5: the stale-desired helper.
TEST_F(ClientTest, ClearDesiredNullsTheGivenPointers) {
  ASSERT_TRUE(
      broker_.SetDesired(kLamp, R"({"power":"on","light":{"color":"red","level":3},"a/b":1})")
          .ok());
  auto app = Make("app");
  ASSERT_TRUE(app->Start().ok());
  std::optional<RequestResult> result;
  ASSERT_TRUE(app->ClearDesired({"/power", "/light/color", "/a~1b"},
                                [&](RequestResult r) { result = std::move(r); })
                  .ok());
  Settle(*app);
  ASSERT_TRUE(result && result->ok());
  EXPECT_TRUE(SameJson(Stored()["state"]["desired"], R"({"light":{"level":3}})"));
  EXPECT_EQ(app->ClearDesired({"power"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(app->ClearDesired({}).code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, UpdateDesiredFailsLocallyWhereTheServiceWouldReject) {
  auto app = Make("app");
  ASSERT_TRUE(app->Start().ok());
  Status status = app->UpdateDesired(MustParse(R"({"a":[null]})"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("would reject this update with 400"));
  EXPECT_EQ(app->UpdateDesired(MustParse("7")).code(), StatusCode::kInvalidArgument);
}

// ---- Journal ----

TEST_F(ClientTest, TheJournalCarriesAnUnacknowledgedReportIntoTheNextClient) {
  auto dir = testing_support::TempDir::Create("client-journal");
  ASSERT_TRUE(dir.ok());
  const std::string path = (*dir)->File("journal.json");
  ClientOptions options;
  options.journal_path = path;
  {
    auto device = Make("device-1", options);  // never started: offline
    ASSERT_TRUE(device->Report(MustParse(R"({"temp":21.5})")).ok());
    struct stat info;
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
  }
  auto device = Make("device-2", options);
  ASSERT_TRUE(device->HasPendingReport());
  ASSERT_TRUE(device->Start().ok());
  Settle(*device);
  EXPECT_TRUE(SameJson(Stored()["state"]["reported"], R"({"temp":21.5})"));
  EXPECT_FALSE(device->HasPendingReport());
  struct stat info;
  EXPECT_NE(::stat(path.c_str(), &info), 0) << "removed once acknowledged";

  // A journal of another shadow is refused, naming the file.
  ClientOptions other = options;
  other.shadow = {"other", std::nullopt};
  auto first = ShadowClient::Create(other, broker_.NewTransport("o1"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Report(MustParse(R"({"x":1})")).ok());
  options.shadow = kLamp;
  auto refused = ShadowClient::Create(options, broker_.NewTransport("o2"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr(path));
  EXPECT_THAT(refused.status().message(), HasSubstr("thing 'other'"));
}

TEST_F(ClientTest, AGarbledJournalIsAClearError) {
  auto dir = testing_support::TempDir::Create("client-journal");
  ASSERT_TRUE(dir.ok());
  const std::string path = (*dir)->File("journal.json");
  std::ofstream(path) << "{\"thing\":";
  ClientOptions options = LampOptions();
  options.journal_path = path;
  auto made = ShadowClient::Create(options, broker_.NewTransport("d"));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(made.status().message(), HasSubstr("report journal " + path));
}

// ---- Threads ----

TEST_F(ClientTest, CallbacksRunOnlyInsidePoll) {
  auto device = StartDevice({}, false);
  ASSERT_TRUE(broker_.SetDesired(kLamp, R"({"x":1})").ok());
  EXPECT_TRUE(deltas_.empty()) << "the transport's thread only enqueues";
  EXPECT_GT(device->Poll(), 0u);
  EXPECT_EQ(deltas_.size(), 1u);
}

}  // namespace
}  // namespace shadowsync
