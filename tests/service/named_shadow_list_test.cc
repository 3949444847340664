// SPDX-License-Identifier: Apache-2.0
//
// service/core/named_shadow_list.cc: the private list request the gateway
// sends for ListNamedShadowsForThing, answered from a store.

#include "named_shadow_list.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "shadowsync/json.h"
#include "shadowsync/store.h"

namespace shadowsync::host {
namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

class NamedShadowListTest : public ::testing::Test {
 protected:
  void Put(const std::string& thing, std::optional<std::string> shadow) {
    ASSERT_TRUE(store_.Save({thing, std::move(shadow)}, ShadowDocument()).ok());
  }
  MemoryStore store_;
};

TEST_F(NamedShadowListTest, TopicsRoundTripAndOthersAreNotListRequests) {
  EXPECT_EQ(ListRequestTopic("lamp"), "$shadowsync/things/lamp/shadow/list");
  EXPECT_EQ(ParseListRequestTopic("$shadowsync/things/lamp/shadow/list"), "lamp");
  EXPECT_FALSE(ParseListRequestTopic("$aws/things/lamp/shadow/get").has_value());
  EXPECT_FALSE(ParseListRequestTopic("$shadowsync/things/bad name/shadow/list").has_value());
  EXPECT_FALSE(ParseListRequestTopic("$shadowsync/things//shadow/list").has_value());
}

TEST_F(NamedShadowListTest, NamesInOrderPagedWithoutClassicTombstonesOrOtherThings) {
  Put("lamp", std::nullopt);
  Put("lamp", "b");
  Put("lamp", "a");
  Put("lamp", "c");
  Put("lamp", "gone");
  ASSERT_TRUE(store_.Delete({"lamp", std::string("gone")}, Tombstone{3, 0}).ok());
  Put("lamp2", "x");

  ServiceMessage first =
      AnswerListRequest(store_, "lamp", R"({"clientToken":"t1","pageSize":2})", kNow);
  EXPECT_EQ(first.topic, "$shadowsync/things/lamp/shadow/list/accepted");
  EXPECT_EQ(first.payload,
            R"({"results":["a","b"],"nextToken":"b","timestamp":1700000000,"clientToken":"t1"})");
  ServiceMessage second =
      AnswerListRequest(store_, "lamp", R"({"pageSize":2,"nextToken":"b"})", kNow);
  EXPECT_EQ(second.payload, R"({"results":["c"],"timestamp":1700000000})");
  EXPECT_EQ(AnswerListRequest(store_, "unknown", "", kNow).payload,
            R"({"results":[],"timestamp":1700000000})");
}

TEST_F(NamedShadowListTest, BadRequestsAreRejectedWith400) {
  for (const char* payload :
       {"{", R"({"pageSize":0})", R"({"pageSize":101})", R"({"pageSize":"5"})",
        R"({"nextToken":5})", R"({"nextToken":"bad name"})"}) {
    ServiceMessage answer = AnswerListRequest(store_, "lamp", payload, kNow);
    EXPECT_EQ(answer.topic, "$shadowsync/things/lamp/shadow/list/rejected") << payload;
    EXPECT_EQ(answer.code, 400) << payload;
  }
}

}  // namespace
}  // namespace shadowsync::host
