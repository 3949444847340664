// SPDX-License-Identifier: Apache-2.0
//
// service/core/gateway_requests.cc: the gateway's private request topics
// and the REST semantics of their answers.

#include "gateway_requests.h"

#include <gtest/gtest.h>

#include <vector>

namespace shadowsync::host {
namespace {

TEST(GatewayRequestsTest, PrivateTwinOfTheRequestTopic) {
  EXPECT_EQ(GatewayRequestTopic("$aws/things/lamp/shadow/name/cfg/update"),
            "$shadowsync/rest/things/lamp/shadow/name/cfg/update");
  EXPECT_EQ(PublicTopicOfGatewayRequest("$shadowsync/rest/things/lamp/shadow/get"),
            "$aws/things/lamp/shadow/get");
  EXPECT_FALSE(PublicTopicOfGatewayRequest("$aws/things/lamp/shadow/get").has_value());
  EXPECT_FALSE(PublicTopicOfGatewayRequest("$shadowsync/things/lamp/shadow/list").has_value());
}

TEST(GatewayRequestsTest, RejectedOnlyToTheGatewayAcceptedToBoth) {
  const std::vector<ServiceMessage> rejected = ForGatewayRequest({ServiceMessage{
      "$aws/things/lamp/shadow/update/rejected", "{\"code\":409}", Suffix::kRejected, 409}});
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].topic, "$shadowsync/rest/things/lamp/shadow/update/rejected");
  EXPECT_EQ(rejected[0].payload, "{\"code\":409}");

  const std::vector<ServiceMessage> accepted = ForGatewayRequest(
      {ServiceMessage{"$aws/things/lamp/shadow/update/accepted", "a", Suffix::kAccepted, 200},
       ServiceMessage{"$aws/things/lamp/shadow/update/documents", "d", Suffix::kDocuments, 0},
       ServiceMessage{"$aws/things/lamp/shadow/update/delta", "x", Suffix::kDelta, 0}});
  ASSERT_EQ(accepted.size(), 4u);
  EXPECT_EQ(accepted[0].topic, "$aws/things/lamp/shadow/update/accepted");
  EXPECT_EQ(accepted[1].topic, "$aws/things/lamp/shadow/update/documents");
  EXPECT_EQ(accepted[2].topic, "$aws/things/lamp/shadow/update/delta");
  EXPECT_EQ(accepted[3].topic, "$shadowsync/rest/things/lamp/shadow/update/accepted");
  EXPECT_EQ(accepted[3].payload, "a");
}

}  // namespace
}  // namespace shadowsync::host
