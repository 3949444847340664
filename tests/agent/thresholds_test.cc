// SPDX-License-Identifier: Apache-2.0
//
// ReportFilter: min_change, heartbeat with an injected time, non-numbers,
// vanished sensors and parameters, the General object, and what the client's
// Diff makes of the result.

#include "src/thresholds.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "shadowsync/diff.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using ::shadowsync::testing_support::MustParse;

FilterClock::time_point T(double seconds) {
  return FilterClock::time_point(
      std::chrono::duration_cast<FilterClock::duration>(std::chrono::duration<double>(seconds)));
}

// An observation with General at time `t` and `sensors` (a JSON object text
// without braces, e.g. "cpu": {"temp": 20}).
JsonDocument Obs(int t, const std::string& sensors) {
  std::string text = R"js({"General": {"Time (Epoch)": )js" + std::to_string(t) +
                     R"js(, "Entry": )js" + std::to_string(t) +
                     R"js(, "Host": "h", "Board": "b"})js";
  if (!sensors.empty()) text += ", " + sensors;
  return MustParse(text + "}");
}

std::string Json(const JsonValue& v) { return ToCompactJson(v); }

TEST(ReportFilterTest, FirstObservationIsReportedWhole) {
  ReportFilter filter;
  JsonDocument obs = Obs(1, R"js("cpu": {"temp": 20, "state": "ok"})js");
  EXPECT_JSON_EQ(Json(filter.Apply(obs, T(0))), Json(obs));
  EXPECT_JSON_EQ(Json(filter.last_reported()), Json(obs));
}

TEST(ReportFilterTest, BelowMinChangeKeepsTheLastReportedValueSoDiffSendsNothing) {
  ReportFilter filter({{"cpu/temp", {1.0, 0}}});
  JsonDocument first = filter.Apply(Obs(1, R"js("cpu": {"temp": 20.0})js"), T(0));
  JsonDocument second = filter.Apply(Obs(2, R"js("cpu": {"temp": 20.6})js"), T(10));
  // Unchanged view, including General: the tick costs nothing on the wire.
  EXPECT_JSON_EQ(Json(second), Json(first));
  EXPECT_EQ(Diff(first, second).MemberCount(), 0u);
  // Drift is measured from the last reported value, not the last observed.
  JsonDocument third = filter.Apply(Obs(3, R"js("cpu": {"temp": 20.9})js"), T(20));
  EXPECT_EQ(third["cpu"]["temp"].GetDouble(), 20.0);
  JsonDocument fourth = filter.Apply(Obs(4, R"js("cpu": {"temp": 21.0})js"), T(30));
  EXPECT_EQ(fourth["cpu"]["temp"].GetDouble(), 21.0);
  EXPECT_EQ(fourth["General"]["Entry"].GetInt(), 4);  // General rides along
  EXPECT_JSON_EQ(Json(Diff(third, fourth)),
                 R"js({"cpu": {"temp": 21.0}, "General": {"Time (Epoch)": 4, "Entry": 4
}
})js");
  // Downwards too.
  EXPECT_EQ(filter.Apply(Obs(5, R"js("cpu": {"temp": 19.9})js"), T(40))["cpu"]["temp"].GetDouble(),
            19.9);
}

TEST(ReportFilterTest, ZeroMinChangeReportsAnyChange) {
  ReportFilter filter;
  filter.Apply(Obs(1, R"js("s": {"v": 1})js"), T(0));
  EXPECT_EQ(filter.Apply(Obs(2, R"js("s": {"v": 1.001})js"), T(1))["s"]["v"].GetDouble(), 1.001);
  // Equal by value (1 == 1.0) is no change.
  JsonDocument same = filter.Apply(Obs(3, R"js("s": {"v": 1.001})js"), T(2));
  EXPECT_EQ(same["General"]["Entry"].GetInt(), 2);
}

TEST(ReportFilterTest, HeartbeatReportsAValueThatMovedTooLittle) {
  ReportFilter filter({{"cpu/*", {5.0, 60}}});
  filter.Apply(Obs(1, R"js("cpu": {"temp": 20})js"), T(0));
  EXPECT_EQ(filter.Apply(Obs(2, R"js("cpu": {"temp": 21})js"), T(59.9))["cpu"]["temp"].GetInt(),
            20);
  JsonDocument beat = filter.Apply(Obs(3, R"js("cpu": {"temp": 21})js"), T(60));
  EXPECT_EQ(beat["cpu"]["temp"].GetInt(), 21);
  // The heartbeat restarts from that report.
  EXPECT_EQ(filter.Apply(Obs(4, R"js("cpu": {"temp": 22})js"), T(119))["cpu"]["temp"].GetInt(), 21);
  EXPECT_EQ(filter.Apply(Obs(5, R"js("cpu": {"temp": 22})js"), T(120))["cpu"]["temp"].GetInt(), 22);
}

TEST(ReportFilterTest, HeartbeatOfAnUnchangedValueRefreshesGeneral) {
  ReportFilter filter({{"*/*", {0, 30}}});
  filter.Apply(Obs(1, R"js("s": {"v": 7})js"), T(0));
  JsonDocument quiet = filter.Apply(Obs(2, R"js("s": {"v": 7})js"), T(10));
  EXPECT_EQ(quiet["General"]["Time (Epoch)"].GetInt(), 1);
  JsonDocument beat = filter.Apply(Obs(4, R"js("s": {"v": 7})js"), T(30));
  // Something travels: the new time says the device is alive.
  EXPECT_JSON_EQ(Json(Diff(quiet, beat)), R"js({"General": {"Time (Epoch)": 4, "Entry": 4
}
})js");
}

TEST(ReportFilterTest, GeneralHasItsOwnHeartbeat) {
  ReportFilter filter({{"General/*", {0, 100}}});
  filter.Apply(Obs(1, R"js("s": {"v": 7})js"), T(0));
  EXPECT_EQ(filter.Apply(Obs(2, R"js("s": {"v": 7})js"), T(99))["General"]["Entry"].GetInt(), 1);
  EXPECT_EQ(filter.Apply(Obs(3, R"js("s": {"v": 7})js"), T(100))["General"]["Entry"].GetInt(), 3);
}

TEST(ReportFilterTest, HostOrBoardChangeIsReported) {
  ReportFilter filter;
  filter.Apply(Obs(1, ""), T(0));
  JsonDocument renamed = MustParse(
      R"js({"General": {"Time (Epoch)": 2, "Entry": 2, "Host": "new-host", "Board": "b"
}
})js");
  EXPECT_STREQ(filter.Apply(renamed, T(1))["General"]["Host"].GetString(), "new-host");
}

TEST(ReportFilterTest, NonNumbersReportOnAnyChange) {
  ReportFilter filter({{"*/*", {100, 0}}});  // min_change does not apply to them
  filter.Apply(Obs(1, R"js("door": {"state": "closed", "locked": true, "info": {"a": 1}})js"),
               T(0));
  JsonDocument out = filter.Apply(
      Obs(2, R"js("door": {"state": "open", "locked": false, "info": {"a": 2}})js"), T(1));
  EXPECT_JSON_EQ(Json(out["door"]), R"js({"state": "open", "locked": false, "info": {"a": 2}})js");
  // A number turning into a string (a sensor starting to fail) is a change.
  filter.Apply(Obs(3, R"js("x": {"v": 1})js"), T(2));
  EXPECT_STREQ(filter.Apply(Obs(4, R"js("x": {"v": "n/a"})js"), T(3))["x"]["v"].GetString(), "n/a");
}

TEST(ReportFilterTest, NewParameterIsReportedAtOnce) {
  ReportFilter filter({{"*/*", {100, 0}}});
  filter.Apply(Obs(1, R"js("s": {"a": 1})js"), T(0));
  JsonDocument out = filter.Apply(Obs(2, R"js("s": {"a": 2, "b": 5})js"), T(1));
  EXPECT_JSON_EQ(Json(out["s"]), R"js({"a": 1, "b": 5})js");
}

TEST(ReportFilterTest, VanishedSensorAndParameterAreRemovedSoDiffSendsNull) {
  ReportFilter filter;
  JsonDocument before = filter.Apply(Obs(1, R"js("a": {"x": 1, "y": 2}, "b": {"z": 3})js"), T(0));
  JsonDocument after = filter.Apply(Obs(2, R"js("a": {"x": 1})js"), T(1));
  EXPECT_FALSE(after.HasMember("b"));
  EXPECT_FALSE(after["a"].HasMember("y"));
  EXPECT_JSON_EQ(Json(Diff(before, after)),
                 R"js({"a": {"y": null}, "b": null, "General": {"Time (Epoch)": 2, "Entry": 2
}
})js");
  // Back again: new, so reported even under a large threshold.
  filter.SetThresholds({{"*/*", {100, 0}}});
  EXPECT_EQ(filter.Apply(Obs(3, R"js("a": {"x": 1}, "b": {"z": 4})js"), T(2))["b"]["z"].GetInt(),
            4);
}

TEST(ReportFilterTest, SensorErrorReplacesItsValues) {
  ReportFilter filter;
  JsonDocument before = filter.Apply(Obs(1, R"js("w1": {"temp": 20})js"), T(0));
  JsonDocument after = filter.Apply(Obs(2, R"js("w1": {"error": "read failed"})js"), T(1));
  EXPECT_JSON_EQ(Json(after["w1"]), R"js({"error": "read failed"})js");
  EXPECT_JSON_EQ(Json(Diff(before, after)),
                 R"js({"w1": {"temp": null, "error": "read failed"},
                     "General": {"Time (Epoch)": 2, "Entry": 2
}
})js");
}

TEST(ReportFilterTest, SetThresholdsAppliesFromTheNextObservation) {
  ReportFilter filter;
  filter.Apply(Obs(1, R"js("s": {"v": 10})js"), T(0));
  filter.SetThresholds({{"s/v", {5, 0}}});
  EXPECT_EQ(filter.thresholds().size(), 1u);
  EXPECT_EQ(filter.Apply(Obs(2, R"js("s": {"v": 12})js"), T(1))["s"]["v"].GetInt(), 10);
}

TEST(ReportFilterTest, ResetReportsEverythingAgain) {
  ReportFilter filter({{"*/*", {100, 0}}});
  filter.Apply(Obs(1, R"js("s": {"v": 10})js"), T(0));
  filter.Reset();
  EXPECT_EQ(filter.last_reported().MemberCount(), 0u);
  JsonDocument out = filter.Apply(Obs(2, R"js("s": {"v": 12})js"), T(1));
  EXPECT_EQ(out["s"]["v"].GetInt(), 12);
  EXPECT_EQ(out["General"]["Entry"].GetInt(), 2);
}

}  // namespace
}  // namespace shadowsync::agent
