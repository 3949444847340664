// SPDX-License-Identifier: Apache-2.0
//
// SubscriptionTable (lib/src/mqtt/subscription_table.h): the subscriptions
// PahoTransport renews after a reconnect, in the order first made, with the
// latest QoS, at most 8 filters per SUBSCRIBE (AWS IoT Core's limit).

#include "mqtt/subscription_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowsync::mqtt_internal {
namespace {

std::vector<std::string> Filters(const std::vector<Subscription>& batch) {
  std::vector<std::string> filters;
  for (const Subscription& s : batch) filters.push_back(s.filter);
  return filters;
}

TEST(SubscriptionTableTest, EmptyTableHasNoBatches) {
  SubscriptionTable table;
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(table.Batches().empty());
}

TEST(SubscriptionTableTest, ASecondSubscribeKeepsThePlaceAndTakesTheNewQos) {
  SubscriptionTable table;
  table.Remember("a/#", 1);
  table.Remember("b/+", 0);
  table.Remember("a/#", 0);
  ASSERT_EQ(table.size(), 2u);
  const auto batches = table.Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(Filters(batches[0]), (std::vector<std::string>{"a/#", "b/+"}));
  EXPECT_EQ(batches[0][0].qos, 0);
  EXPECT_EQ(batches[0][1].qos, 0);
}

TEST(SubscriptionTableTest, BatchesHoldAtMostEightFiltersInOrder) {
  SubscriptionTable table;
  for (int i = 0; i < 17; ++i) table.Remember("t/" + std::to_string(i), 1);
  const auto batches = table.Batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), kFiltersPerSubscribe);
  EXPECT_EQ(batches[1].size(), kFiltersPerSubscribe);
  EXPECT_EQ(Filters(batches[2]), (std::vector<std::string>{"t/16"}));
  EXPECT_EQ(batches[1].front().filter, "t/8");
  EXPECT_EQ(table.Batches(5).size(), 4u);
  EXPECT_EQ(table.Batches(0).size(), 17u) << "at least one per packet";
}

TEST(SubscriptionTableTest, ARefusedFilterIsRejectedAndNamed) {
  const Status first = SubackRefused("$aws/things/x/shadow/#", /*renewal=*/false);
  EXPECT_EQ(first.code(), StatusCode::kRejected);
  EXPECT_EQ(first.message(),
            "the broker refused the subscription to \"$aws/things/x/shadow/#\" (SUBACK 0x80)");
  const Status renewed = SubackRefused("a/b", /*renewal=*/true);
  EXPECT_EQ(renewed.code(), StatusCode::kRejected);
  EXPECT_THAT(renewed.message(), ::testing::StartsWith("the broker refused the renewed "));
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
