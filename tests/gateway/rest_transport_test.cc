// SPDX-License-Identifier: Apache-2.0
//
// The REST transport (lib/src/rest/rest_transport.cc): a ShadowClient
// unchanged over HTTPS against the gateway in front of mosquitto with the
// plugin, reports sent as POSTs and deltas read by the transport's GET
// poll; and the options it refuses.

#include "shadowsync/rest_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rest_client_fixture.h"
#include "shadowsync/client.h"

namespace shadowsync::testing_support {
namespace {

// The agent's connection.protocol "https": ShadowClient unchanged over the
// REST transport. A report is one POST; a desired change made elsewhere
// arrives as a delta read by the transport's GET poll.
TEST_F(RestClientTest, ShadowClientReportsAndGetsDeltasOverTheRestTransport) {
  ASSERT_TRUE(StartGateway());
  RestTransportOptions transport_options;
  transport_options.rest = CertificateOptions("lamp");
  transport_options.poll_interval = std::chrono::milliseconds(200);
  Result<std::unique_ptr<Transport>> transport = MakeRestTransport(transport_options);
  ASSERT_TRUE(transport.ok()) << transport.status().ToString();
  ClientOptions client_options;
  client_options.shadow = {"rc-agent", std::nullopt};
  Result<std::unique_ptr<ShadowClient>> made =
      ShadowClient::Create(client_options, std::move(transport).value());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ShadowClient& device = **made;
  std::vector<std::string> deltas;
  device.OnDelta([&deltas](const Delta& delta) { deltas.push_back(ToCompactJson(delta.state)); });
  ASSERT_TRUE(device.Start().ok());

  JsonDocument reported = Json(R"({"temperature":21.5,"rate":10})");
  ASSERT_TRUE(device.Report(reported).ok());
  ASSERT_TRUE(
      device.RunUntil([&device] { return !device.HasPendingReport(); }, std::chrono::seconds(10)));
  std::unique_ptr<ShadowRestClient> app = Client(CertificateOptions());
  RequestResult got = app->Get({"rc-agent", std::nullopt});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(At(ToCompactJson(got->payload), "/state/reported/temperature"), "21.5");

  ASSERT_TRUE(app->Update({"rc-agent", std::nullopt}, R"({"state":{"desired":{"rate":5}}})").ok());
  ASSERT_TRUE(device.RunUntil([&deltas] { return !deltas.empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(deltas.front(), R"({"rate":5})");
  // Once reported matches desired the delta is gone and nothing repeats.
  JsonDocument applied = Json(R"({"temperature":21.5,"rate":5})");
  ASSERT_TRUE(device.Report(applied).ok());
  ASSERT_TRUE(
      device.RunUntil([&device] { return !device.HasPendingReport(); }, std::chrono::seconds(10)));
  device.RunFor(std::chrono::milliseconds(600));  // three more polls
  EXPECT_EQ(deltas.size(), 1u);
  ASSERT_TRUE(device.Stop(std::chrono::seconds(5)).ok());
}

TEST(RestTransportTest, RefusesBadOptionsBeforeAnyRequest) {
  RestTransportOptions options;
  options.rest.endpoint = "https://127.0.0.1:1";
  options.rest.authentication = RestAuthentication::kSigV4;
  options.rest.credentials.access_key_id = kAccessKeyId;
  options.rest.credentials.secret_access_key = kSecretKey;
  options.rest.region = kRegion;
  // Nothing listens on port 1: creating the transport sends nothing.
  EXPECT_TRUE(MakeRestTransport(options).ok());
  RestTransportOptions negative_poll = options;
  negative_poll.poll_interval = std::chrono::milliseconds(-1);
  Result<std::unique_ptr<Transport>> refused = MakeRestTransport(negative_poll);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "poll_interval, retry_interval: must not be negative");
  RestTransportOptions no_retry = options;
  no_retry.retry_interval = std::chrono::milliseconds(0);
  EXPECT_EQ(MakeRestTransport(no_retry).status().code(), StatusCode::kInvalidArgument);
  // The REST client's own checks come first, with their words.
  RestTransportOptions no_region = options;
  no_region.rest.region.clear();
  EXPECT_EQ(MakeRestTransport(no_region).status().message(), "region: SigV4 needs the region");
}

}  // namespace
}  // namespace shadowsync::testing_support
