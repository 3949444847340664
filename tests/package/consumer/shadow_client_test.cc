// SPDX-License-Identifier: Apache-2.0
//
// Package consumer, second part: a ShadowClient on shadowsync::testing's
// LoopbackBroker, from the installed headers and libraries only. The device
// reports, receives a desired change, and the stored document is read back.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/testing/loopback_broker.h"

namespace {

const shadowsync::ShadowId kLamp{"consumer-lamp", std::nullopt};

void Settle(shadowsync::ShadowClient& client) {
  for (int i = 0; i < 100 && client.Poll() > 0; ++i) {
  }
}

shadowsync::JsonDocument Parse(const std::string& text) {
  shadowsync::Result<shadowsync::JsonDocument> parsed = shadowsync::ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? std::move(parsed).value() : shadowsync::JsonDocument();
}

TEST(PackageConsumerTest, ShadowClientOnTheLoopbackBrokerReportsAndGetsItsDelta) {
  shadowsync::testkit::LoopbackBroker broker;
  shadowsync::ClientOptions options;
  options.shadow = kLamp;
  auto made = shadowsync::ShadowClient::Create(options, broker.NewTransport("consumer-lamp"));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  shadowsync::ShadowClient& client = **made;
  std::vector<std::string> deltas;
  client.OnDelta([&](const shadowsync::Delta& delta) {
    deltas.push_back(shadowsync::ToCompactJson(delta.state));
  });

  ASSERT_TRUE(client.Report(Parse(R"({"power":"off","brightness":10})")).ok());
  ASSERT_TRUE(client.Start().ok());
  Settle(client);
  EXPECT_FALSE(client.HasPendingReport());

  ASSERT_TRUE(broker.SetDesired(kLamp, R"({"power":"on"})").ok());
  Settle(client);
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0], R"({"power":"on"})");

  shadowsync::Result<shadowsync::ShadowDocument> stored = broker.GetDocument(kLamp);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_NE(stored->reported(), nullptr);
  EXPECT_TRUE(
      shadowsync::JsonEquals(*stored->reported(), Parse(R"({"power":"off","brightness":10})")))
      << shadowsync::ToCompactJson(*stored->reported());
  ASSERT_NE(stored->desired(), nullptr);
  EXPECT_EQ(shadowsync::ToCompactJson(*stored->desired()), R"({"power":"on"})");

  // The app side of the same client: a GET returns the stored document.
  std::optional<shadowsync::RequestResult> got;
  ASSERT_TRUE(client.Get([&](shadowsync::RequestResult result) { got = std::move(result); }).ok());
  Settle(client);
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value().version, stored->version());
}

}  // namespace
