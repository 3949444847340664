// SPDX-License-Identifier: Apache-2.0
//
// RequestTable (lib/src/client/request_table.h): ShadowClient's requests by
// clientToken, their tokens (L3: at most 64 bytes, so a prefix of at most
// 40) and their deadlines.

#include "client/request_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace shadowsync::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using TimePoint = RequestTable::TimePoint;

PendingRequest Request(RequestKind kind, TimePoint deadline) {
  PendingRequest request;
  request.kind = kind;
  request.deadline = deadline;
  return request;
}

TEST(RequestTableTest, TokensCarryThePrefixAndNeverRepeat) {
  RequestTable table("lamp_1");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = table.NextToken();
    EXPECT_THAT(token, MatchesRegex("lamp_1-[0-9]+"));
    EXPECT_TRUE(seen.insert(token).second) << token;
  }
}

TEST(RequestTableTest, WithoutAPrefixTwoTablesUseDifferentRandomOnes) {
  RequestTable a("");
  RequestTable b("");
  EXPECT_THAT(a.token_prefix(), MatchesRegex("[0-9a-f]{8}"));
  EXPECT_NE(a.token_prefix(), b.token_prefix());  // 1 in 2^32 to collide
  EXPECT_THAT(a.NextToken(), MatchesRegex("[0-9a-f]{8}-1"));
}

TEST(RequestTableTest, TakeReturnsTheRequestOnceAndIgnoresUnknownTokens) {
  RequestTable table("t");
  const TimePoint now{};
  const std::string token = table.NextToken();
  PendingRequest request = Request(RequestKind::kDelete, now);
  request.conflict_rounds = 2;
  table.Add(token, std::move(request));
  EXPECT_FALSE(table.Take("someone-else-1").has_value());
  std::optional<PendingRequest> taken = table.Take(token);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->kind, RequestKind::kDelete);
  EXPECT_EQ(taken->conflict_rounds, 2);
  EXPECT_FALSE(table.Take(token).has_value()) << "an answer is taken once";
  EXPECT_TRUE(table.empty());
}

TEST(RequestTableTest, ExpiredTokensAreThoseAtOrPastTheirDeadlineAndStayUntilTaken) {
  RequestTable table("t");
  const TimePoint start{};
  table.Add("t-1", Request(RequestKind::kGet, start + std::chrono::seconds(1)));
  table.Add("t-2", Request(RequestKind::kReport, start + std::chrono::seconds(3)));
  table.Add("t-3", Request(RequestKind::kGet, start + std::chrono::seconds(2)));
  EXPECT_EQ(table.NextDeadline(), start + std::chrono::seconds(1));
  EXPECT_TRUE(table.ExpiredTokens(start).empty());
  EXPECT_THAT(table.ExpiredTokens(start + std::chrono::seconds(2)), ElementsAre("t-1", "t-3"));
  EXPECT_EQ(table.size(), 3u) << "expiry alone removes nothing";
  ASSERT_TRUE(table.Take("t-1").has_value());
  EXPECT_EQ(table.NextDeadline(), start + std::chrono::seconds(2));
}

TEST(RequestTableTest, NoDeadlineWhenNothingIsPending) {
  RequestTable table("t");
  EXPECT_FALSE(table.NextDeadline().has_value());
  EXPECT_TRUE(table.ExpiredTokens(TimePoint::max()).empty());
}

TEST(RequestTableTest, EraseKindForgetsOnlyThatKind) {
  RequestTable table("t");
  const TimePoint now{};
  table.Add("t-1", Request(RequestKind::kResyncGet, now));
  table.Add("t-2", Request(RequestKind::kUpdateDesired, now));
  table.Add("t-3", Request(RequestKind::kResyncGet, now));
  table.EraseKind(RequestKind::kResyncGet);
  EXPECT_THAT(table.ExpiredTokens(now), ElementsAre("t-2"));
  table.Erase("t-2");
  table.Erase("t-2");  // twice is harmless
  EXPECT_TRUE(table.empty());
}

TEST(CheckClientTokenPrefixTest, AcceptsLettersDigitsDashAndUnderscoreUpTo40Bytes) {
  EXPECT_TRUE(CheckClientTokenPrefix("").ok());
  EXPECT_TRUE(CheckClientTokenPrefix("Lamp-01_a").ok());
  EXPECT_TRUE(CheckClientTokenPrefix(std::string(kMaxTokenPrefixBytes, 'x')).ok());
}

TEST(CheckClientTokenPrefixTest, RefusesLongPrefixesAndOtherCharactersSayingWhich) {
  const Status long_prefix = CheckClientTokenPrefix(std::string(kMaxTokenPrefixBytes + 1, 'x'));
  EXPECT_EQ(long_prefix.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(long_prefix.message(), HasSubstr("41 bytes"));
  EXPECT_THAT(long_prefix.message(), HasSubstr("(L3)"));
  const Status slash = CheckClientTokenPrefix("a/b");
  EXPECT_EQ(slash.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(slash.message(), HasSubstr("'/'"));
  // A quote would break the hand-written {"clientToken":"..."} payload.
  EXPECT_FALSE(CheckClientTokenPrefix("a\"b").ok());
}

}  // namespace
}  // namespace shadowsync::internal
