// SPDX-License-Identifier: Apache-2.0
//
// ReportState (lib/src/client/report_state.h): a report is always the
// difference between what the service acknowledged and the device's state;
// one report in flight; accepted patches merge with the service's rules
// (M2 a null deletes); transient rejections back off, doubling.

#include "client/report_state.h"

#include <gtest/gtest.h>

#include <chrono>

#include "support/json_expect.h"

namespace shadowsync::internal {
namespace {

using std::chrono::milliseconds;
using testing_support::MustParse;
using TimePoint = ReportState::TimePoint;

const TimePoint kNow{};

std::string Json(const JsonValue& value) { return ToCompactJson(value); }

// A state synced with a service that has `acked` (nothing when null).
ReportState Synced(const char* acked) {
  ReportState state;
  if (acked) {
    const JsonDocument reported = MustParse(acked);
    state.Adopt(&reported);
  } else {
    state.Adopt(nullptr);
  }
  return state;
}

TEST(ServiceFormTest, DropsNullsAndObjectsMadeOnlyOfNulls) {
  EXPECT_EQ(Json(ServiceForm(MustParse(R"({"a":null,"b":{"c":null},"d":[null],"e":1})")).value()),
            R"({"d":[null],"e":1})");
}

TEST(ReportStateTest, NothingIsPendingWithoutATarget) {
  ReportState state;
  EXPECT_FALSE(state.HasPendingReport());
  EXPECT_EQ(state.target(), nullptr);
  EXPECT_FALSE(state.NextPatch(kNow).has_value());
}

TEST(ReportStateTest, UnsyncedNothingIsSentAndTheTargetCountsAsPending) {
  ReportState state;
  state.SetTarget(MustParse(R"({"on":true})"));
  EXPECT_FALSE(state.synced());
  EXPECT_TRUE(state.HasPendingReport());
  EXPECT_FALSE(state.NextPatch(kNow).has_value()) << "a report waits for the GET";
}

TEST(ReportStateTest, TheReportIsTheDifferenceFromWhatTheServiceHas) {
  ReportState state = Synced(R"({"on":true,"level":3,"gone":1})");
  state.SetTarget(MustParse(R"({"on":true,"level":4})"));
  std::optional<JsonDocument> patch = state.NextPatch(kNow);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(Json(*patch), R"({"level":4,"gone":null})");
}

TEST(ReportStateTest, AnAcceptedReportIsMergedIntoAckedAndSettles) {
  ReportState state = Synced(R"({"on":true,"gone":1})");
  state.SetTarget(MustParse(R"({"on":false})"));
  std::optional<JsonDocument> patch = state.NextPatch(kNow);
  ASSERT_TRUE(patch.has_value());
  state.Sent("t-1", std::move(*patch));
  EXPECT_TRUE(state.HasPendingReport());
  EXPECT_FALSE(state.NextPatch(kNow).has_value()) << "one report in flight";
  state.Accepted("t-2");  // not the one in flight: nothing applied
  EXPECT_EQ(Json(state.acked()), R"({"on":true,"gone":1})");
  state.Accepted("t-1");
  EXPECT_EQ(Json(state.acked()), R"({"on":false})");  // M2: the null deleted "gone"
  EXPECT_FALSE(state.HasPendingReport());
  std::optional<JsonDocument> next = state.NextPatch(kNow);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->MemberCount(), 0u) << "nothing left to send";
}

TEST(ReportStateTest, ADroppedReportIsComputedAnewWithTheLatestTarget) {
  ReportState state = Synced("{}");
  state.SetTarget(MustParse(R"({"a":1})"));
  state.Sent("t-1", *state.NextPatch(kNow));
  state.SetTarget(MustParse(R"({"a":1,"b":2})"));  // coalesces while in flight
  state.Drop("t-0");                               // another token: still in flight
  EXPECT_FALSE(state.NextPatch(kNow).has_value());
  state.Drop("t-1");  // timed out
  std::optional<JsonDocument> patch = state.NextPatch(kNow);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(Json(*patch), R"({"a":1,"b":2})");
}

TEST(ReportStateTest, AConnectionLossForgetsTheReportInFlightAndUnsyncs) {
  ReportState state = Synced("{}");
  state.SetTarget(MustParse(R"({"a":1})"));
  state.Sent("t-9", *state.NextPatch(kNow));
  state.Unsync();
  EXPECT_EQ(state.DropInFlight(), "t-9");
  EXPECT_FALSE(state.DropInFlight().has_value());
  EXPECT_TRUE(state.HasPendingReport());
  // The GET after the reconnect says the report was applied after all.
  const JsonDocument reported = MustParse(R"({"a":1})");
  state.Adopt(&reported);
  EXPECT_FALSE(state.HasPendingReport());
}

TEST(ReportStateTest, TransientRejectionsBackOffDoublingUpToTheMaximum) {
  ReportState state = Synced("{}");
  state.SetTarget(MustParse(R"({"a":1})"));
  TimePoint now = kNow;
  milliseconds expected = kFirstRetryDelay;
  for (int round = 0; round < 12; ++round) {
    std::optional<JsonDocument> patch = state.NextPatch(now);
    ASSERT_TRUE(patch.has_value()) << "round " << round;
    state.Sent("t", std::move(*patch));
    state.RetryLater("t", now);
    ASSERT_EQ(state.retry_at(), now + expected) << "round " << round;
    EXPECT_FALSE(state.NextPatch(now + expected - milliseconds(1)).has_value());
    now += expected;
    expected = std::min(kMaxRetryDelay, expected * 2);
  }
  EXPECT_EQ(state.retry_delay(), kMaxRetryDelay);
  ASSERT_TRUE(state.NextPatch(now).has_value());
  EXPECT_FALSE(state.retry_at().has_value()) << "a report that goes clears the hold";
  state.Sent("t", MustParse(R"({"a":1})"));
  state.Accepted("t");
  EXPECT_EQ(state.retry_delay(), kFirstRetryDelay) << "an acceptance resets the delay";
}

TEST(ReportStateTest, AbandonKeepsWhatTheServiceHas) {
  ReportState state = Synced(R"({"a":1})");
  state.SetTarget(MustParse(R"({"a":"too long for the service"})"));
  state.Abandon();
  EXPECT_FALSE(state.HasPendingReport());
  EXPECT_EQ(Json(*state.target()), R"({"a":1})");
}

TEST(ReportStateTest, ForgettingTheShadowAndTheTarget) {
  ReportState state = Synced(R"({"a":1})");
  state.SetTarget(MustParse(R"({"a":1})"));
  state.ForgetAcked();  // deleted by someone: the service has nothing
  EXPECT_EQ(Json(state.acked()), "{}");
  EXPECT_TRUE(state.HasPendingReport());
  EXPECT_EQ(Json(state.device_state()), R"({"a":1})");
  state.ForgetTarget();
  EXPECT_FALSE(state.HasPendingReport());
  EXPECT_EQ(Json(state.device_state()), "{}") << "without a target, what the service has";
}

}  // namespace
}  // namespace shadowsync::internal
