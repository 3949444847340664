// SPDX-License-Identifier: Apache-2.0
//
// The thermostat on a MockTransport: every message is scripted by hand, and
// the test checks the exact bytes the thermostat's client publishes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "shadowsync/client.h"
#include "shadowsync/testing/mock_transport.h"
#include "thermostat.h"

namespace {

using shadowsync::ShadowClient;
using shadowsync::testkit::MockTransport;
using ::testing::_;
using ::testing::NiceMock;

constexpr std::string_view kUpdate = "$aws/things/thermostat-1/shadow/update";
constexpr char kGetAccepted[] = "$aws/things/thermostat-1/shadow/get/accepted";
constexpr char kUpdateAccepted[] = "$aws/things/thermostat-1/shadow/update/accepted";
constexpr char kDelta[] = "$aws/things/thermostat-1/shadow/update/delta";

void Settle(ShadowClient& client) {
  for (int i = 0; i < 100 && client.Poll() > 0; ++i) {
  }
}

class ThermostatMockTest : public ::testing::Test {
 protected:
  // A thermostat at 20 °C, off, whose shadow already says so: the GET that
  // follows Start() (clientToken "t-1") is answered with that document.
  void SetUp() override {
    auto transport = std::make_unique<NiceMock<MockTransport>>();
    transport_ = transport.get();  // owned by the client, which outlives the test body
    shadowsync::ClientOptions options;
    options.shadow = {"thermostat-1", std::nullopt};
    options.client_token_prefix = "t";  // predictable tokens: t-1, t-2, ...
    auto made = ShadowClient::Create(std::move(options), std::move(transport));
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    client_ = std::move(made).value();
    thermostat_ = std::make_unique<thermostat::Thermostat>(*client_);
    ASSERT_TRUE(thermostat_->ReportState().ok());
    ASSERT_TRUE(client_->Start().ok());
    transport_->Deliver(kGetAccepted,
                        R"({"state":{"reported":{"setpoint":20,"mode":"off"}},)"
                        R"("metadata":{"reported":{"setpoint":{"timestamp":1700000000},)"
                        R"("mode":{"timestamp":1700000000}}},)"
                        R"("version":1,"timestamp":1700000000,"clientToken":"t-1"})");
    Settle(*client_);
    ASSERT_FALSE(client_->HasPendingReport()) << "the shadow already had the state";
    ASSERT_EQ(transport_->Published().size(), 1u) << "only the GET so far";
    transport_->ClearPublished();
  }

  MockTransport* transport_ = nullptr;
  std::unique_ptr<ShadowClient> client_;
  std::unique_ptr<thermostat::Thermostat> thermostat_;
};

TEST_F(ThermostatMockTest, ADeltaIsAnsweredWithOneReportOfExactlyTheChange) {
  EXPECT_CALL(*transport_, Publish(_, _, _)).Times(0);
  EXPECT_CALL(*transport_,
              Publish(kUpdate, R"({"state":{"reported":{"setpoint":22}},"clientToken":"t-2"})", 1));

  transport_->Deliver(kDelta, R"({"version":2,"timestamp":1700000100,"state":{"setpoint":22},)"
                              R"("metadata":{"setpoint":{"timestamp":1700000100}}})");
  Settle(*client_);
  EXPECT_EQ(thermostat_->setpoint(), 22);

  // The service accepts; the delta it repeats until then changes nothing.
  transport_->Deliver(kUpdateAccepted,
                      R"({"state":{"reported":{"setpoint":22}},)"
                      R"("metadata":{"reported":{"setpoint":{"timestamp":1700000101}}},)"
                      R"("version":3,"timestamp":1700000101,"clientToken":"t-2"})");
  Settle(*client_);
  EXPECT_FALSE(client_->HasPendingReport());
  EXPECT_THAT(thermostat_->changes(), ::testing::ElementsAre("setpoint 20 -> 22"));
}

TEST_F(ThermostatMockTest, ABadValueIsAnsweredWithOneClearAndNoReport) {
  EXPECT_CALL(*transport_, Publish(_, _, _)).Times(0);
  EXPECT_CALL(
      *transport_,
      Publish(kUpdate, R"({"state":{"desired":{"setpoint":null}},"clientToken":"t-2"})", 1));

  transport_->Deliver(kDelta, R"({"version":2,"timestamp":1700000100,"state":{"setpoint":31},)"
                              R"("metadata":{"setpoint":{"timestamp":1700000100}}})");
  Settle(*client_);
  EXPECT_EQ(thermostat_->setpoint(), 20);
  EXPECT_THAT(thermostat_->refusals(),
              ::testing::ElementsAre("setpoint 31: must be a whole number from 5 to 30"));
}

}  // namespace
