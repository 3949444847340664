// SPDX-License-Identifier: Apache-2.0
// The REST route table (rest_routes.h), as a table of cases.

#include "rest_routes.h"

#include <gtest/gtest.h>

namespace shadowsync::gateway {
namespace {

struct RouteCase {
  const char* method;
  const char* path;
  const char* query;
  int error_status;  // 0: matched
  RestOperation operation;
  const char* action;
  const char* resource;
};

TEST(RestRoutesTest, Table) {
  const RouteCase cases[] = {
      {"GET", "/things/lamp/shadow", "", 0, RestOperation::kGetThingShadow, "iot:GetThingShadow",
       "thing/lamp"},
      {"POST", "/things/lamp/shadow", "name=cfg", 0, RestOperation::kUpdateThingShadow,
       "iot:UpdateThingShadow", "thing/lamp/cfg"},
      {"DELETE", "/things/a%3Ab/shadow", "", 0, RestOperation::kDeleteThingShadow,
       "iot:DeleteThingShadow", "thing/a:b"},
      {"GET", "/api/things/shadow/ListNamedShadowsForThing/lamp", "pageSize=10", 0,
       RestOperation::kListNamedShadowsForThing, "iot:ListNamedShadowsForThing", "thing/lamp"},
      {"POST", "/topics/a%2Fb", "qos=1", 0, RestOperation::kPublish, "iot:Publish", "topic/a/b"},
      {"PATCH", "/things/lamp/shadow", "", 405, {}, "", ""},
      {"GET", "/topics/a", "", 405, {}, "", ""},
      {"GET", "/things/lamp", "", 404, {}, "", ""},
      {"GET", "/things/a/b/shadow", "", 404, {}, "", ""},
      {"GET", "/things/a%2/shadow", "", 400, {}, "", ""},
      {"GET", "/things/bad%20name/shadow", "", 400, {}, "", ""},
      {"GET", "/things/lamp/shadow", "name=", 400, {}, "", ""},
      {"POST", "/topics/a%2F%23", "", 400, {}, "", ""},
      {"POST", "/topics/a", "qos=2", 400, {}, "", ""},
  };
  for (const RouteCase& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.path + "?" + c.query);
    RouteResult result = MatchRoute(c.method, c.path, c.query);
    if (c.error_status != 0) {
      EXPECT_FALSE(result.route.has_value());
      EXPECT_EQ(result.error.status, c.error_status) << result.error.body;
      continue;
    }
    ASSERT_TRUE(result.route.has_value()) << result.error.body;
    EXPECT_EQ(result.route->operation, c.operation);
    EXPECT_EQ(result.route->action, c.action);
    EXPECT_EQ(result.route->resource, c.resource);
  }
}

// Found by rest_route_fuzzer: a topic the broker would refuse used to be
// routed, and publishing it would have cost the gateway its MQTT connection.
TEST(RestRoutesTest, PublishTopicsTheBrokerWouldRefuseAre400WithTheRule) {
  const std::pair<const char*, const char*> cases[] = {
      {"/topics/se%00nsor", "Invalid topic: topic contains a NUL character"},
      {"/topics/s%C6%C6", "Invalid topic: topic is not valid UTF-8"},
      {"/topics/a%2F%23", "Invalid topic: topic \\\"a/#\\\" contains a wildcard (+ or #)"},
  };
  for (const auto& [path, message] : cases) {
    SCOPED_TRACE(path);
    RouteResult result = MatchRoute("POST", path, "");
    ASSERT_FALSE(result.route.has_value());
    EXPECT_EQ(result.error.status, 400);
    EXPECT_NE(result.error.body.find(message), std::string::npos) << result.error.body;
  }
}

TEST(RestRoutesTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%2Fb%2f"), "a/b/");
  EXPECT_EQ(PercentDecode("%"), std::nullopt);
  EXPECT_EQ(PercentDecode("%4"), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz"), std::nullopt);
}

}  // namespace
}  // namespace shadowsync::gateway
