// SPDX-License-Identifier: Apache-2.0
//
// shadowsync/testing/helpers.h: Settle() runs a ShadowClient's whole chain
// on a LoopbackBroker, IsJson() compares regardless of member order and
// says what differs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/testing/helpers.h"
#include "shadowsync/testing/loopback_broker.h"

namespace {

using shadowsync::ClientOptions;
using shadowsync::JsonDocument;
using shadowsync::ParseJson;
using shadowsync::ShadowClient;
using shadowsync::ShadowId;
using shadowsync::testkit::IsJson;
using shadowsync::testkit::LoopbackBroker;
using shadowsync::testkit::Settle;
using ::testing::HasSubstr;

TEST(TestingHelpersTest, SettleRunsADeltaChainToTheEnd) {
  LoopbackBroker broker;
  const ShadowId id{"lamp", std::nullopt};
  ClientOptions options;
  options.shadow = id;
  auto made = ShadowClient::Create(std::move(options), broker.NewTransport("lamp"));
  ASSERT_TRUE(made.ok());
  ShadowClient& client = **made;
  int applied = 0;
  client.OnDelta([&](const shadowsync::Delta& delta) {
    ++applied;
    (void)client.Report(delta.state);
  });
  ASSERT_TRUE(client.Start().ok());
  EXPECT_GT(Settle(client), 0u);
  ASSERT_TRUE(broker.SetDesired(id, R"({"on":true})").ok());
  EXPECT_EQ(applied, 0);  // delivered, but handled only inside Poll()
  EXPECT_GT(Settle(client), 0u);
  EXPECT_EQ(applied, 1);
  EXPECT_FALSE(client.HasPendingReport());
  auto document = broker.GetDocument(id);
  ASSERT_TRUE(document.ok());
  EXPECT_TRUE(IsJson(document->reported(), R"({"on":true})"));
  EXPECT_EQ(Settle(client), 0u);  // nothing left
}

TEST(TestingHelpersTest, IsJsonIgnoresMemberOrderAndShowsBothSides) {
  JsonDocument value = ParseJson(R"({"a":1,"b":{"c":[1,2]}})").value();
  EXPECT_TRUE(IsJson(value, R"({"b":{"c":[1,2]},"a":1})"));
  ::testing::AssertionResult different = IsJson(value, R"({"a":2})");
  EXPECT_FALSE(different);
  EXPECT_THAT(different.message(), HasSubstr(R"(actual:   {"a":1,"b":{"c":[1,2]}})"));
  EXPECT_THAT(different.message(), HasSubstr(R"(expected: {"a":2})"));
  EXPECT_THAT(static_cast<const char*>(IsJson(nullptr, "{}").message()), HasSubstr("(absent)"));
  EXPECT_THAT(static_cast<const char*>(IsJson(value, "{a:1}").message()),
              HasSubstr("the expected value is not JSON"));
}

}  // namespace
