// SPDX-License-Identifier: Apache-2.0
//
// Remote configuration: desired.agent keys accepted, rejected and
// acknowledged with the documented shape.

#include "src/remote_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using ::shadowsync::testing_support::MustParse;
using ::testing::HasSubstr;

AgentConfig TestConfig() {
  Result<AgentConfig> config = ParseConfig(R"({
      "reporting": {"interval_seconds": 10, "thresholds": {"cpu/temp": {"min_change": 1}}},
      "log_level": "info",
      "sensors": [{"type": "system", "name": "cpu"}, {"type": "simulated", "name": "sim"}]})",
                                           "agent.json");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? std::move(config).value() : AgentConfig();
}

RemoteConfigResult Apply(const AgentConfig& config, const std::string& desired_agent) {
  JsonDocument desired = MustParse(desired_agent);
  return ApplyRemoteConfig(config, desired);
}

TEST(RemoteConfigTest, AcceptedKeysAreAppliedAndEchoed) {
  const AgentConfig config = TestConfig();
  RemoteConfigResult r = Apply(config, R"({"interval_seconds": 5, "log_level": "debug",
      "thresholds": {"cpu/temp": {"min_change": 0.5, "heartbeat_seconds": 600}, "sim/*": {}},
      "sensors": {"sim": {"enabled": false}}})");
  EXPECT_EQ(r.rejected, 0);
  EXPECT_JSON_EQ(ToCompactJson(r.ack), R"({"interval_seconds": 5, "log_level": "debug",
      "thresholds": {"cpu/temp": {"min_change": 0.5, "heartbeat_seconds": 600}, "sim/*": {}},
      "sensors": {"sim": {"enabled": false}}})");
  EXPECT_EQ(r.config.reporting.interval_seconds, 5);
  EXPECT_EQ(r.config.log_level, LogLevel::kDebug);
  EXPECT_EQ(r.config.reporting.thresholds.at("cpu/temp"), (Threshold{0.5, 600}));
  EXPECT_EQ(r.config.reporting.thresholds.at("sim/*"), Threshold{});
  EXPECT_FALSE(r.config.FindSensor("sim")->enabled);
  EXPECT_TRUE(r.interval_changed && r.log_level_changed && r.thresholds_changed &&
              r.sensors_changed);
  // The input is not modified.
  EXPECT_EQ(config.reporting.interval_seconds, 10);
  EXPECT_TRUE(config.FindSensor("sim")->enabled);
}

TEST(RemoteConfigTest, SameValuesChangeNothing) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"interval_seconds": 10, "log_level": "info",
      "thresholds": {"cpu/temp": {"min_change": 1}}, "sensors": {"cpu": {"enabled": true}}})");
  EXPECT_EQ(r.rejected, 0);
  EXPECT_FALSE(r.interval_changed || r.log_level_changed || r.thresholds_changed ||
               r.sensors_changed);
}

TEST(RemoteConfigTest, RejectedIntervalKeepsTheOldValueAndSaysWhy) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"interval_seconds": "fast"})");
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.config.reporting.interval_seconds, 10);
  EXPECT_FALSE(r.interval_changed);
  EXPECT_JSON_EQ(ToCompactJson(r.ack), R"({"interval_seconds": {"value": "fast",
      "status": "rejected", "reason": "/desired/agent/interval_seconds: expected a number from 0.1 to 86400, found \"fast\""}})");
  EXPECT_EQ(Apply(TestConfig(), R"({"interval_seconds": 0})").rejected, 1);
}

TEST(RemoteConfigTest, RejectedLogLevel) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"log_level": "loud"})");
  EXPECT_EQ(r.config.log_level, LogLevel::kInfo);
  EXPECT_STREQ(r.ack["log_level"]["reason"].GetString(),
               "/desired/agent/log_level: expected one of \"debug\", \"info\", \"warning\", "
               "\"error\", found \"loud\"");
}

TEST(RemoteConfigTest, MixedRequestAppliesTheValidKeysOnly) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"interval_seconds": 2, "log_level": 3})");
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.config.reporting.interval_seconds, 2);
  EXPECT_EQ(r.ack["interval_seconds"].GetInt(), 2);
  EXPECT_STREQ(r.ack["log_level"]["status"].GetString(), "rejected");
  EXPECT_EQ(r.ack["log_level"]["value"].GetInt(), 3);
}

TEST(RemoteConfigTest, ThresholdEntriesAreAcknowledgedOneByOne) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"thresholds": {
      "cpu/load": {"min_change": 0.1},
      "gpu/temp": {"min_change": 1},
      "cpu": {"min_change": 1},
      "*/x": {"min_change": 1},
      "sim/wave": {"min_change": -2},
      "sim/y": {"every": 3},
      "General/*": {"heartbeat_seconds": 300, "_why": "liveness"}}})");
  EXPECT_EQ(r.rejected, 5);
  EXPECT_EQ(r.config.reporting.thresholds.at("cpu/load"), (Threshold{0.1, 0}));
  EXPECT_EQ(r.config.reporting.thresholds.at("General/*"), (Threshold{0, 300}));
  EXPECT_EQ(r.config.reporting.thresholds.count("gpu/temp"), 0u);
  const JsonValue& t = r.ack["thresholds"];
  EXPECT_JSON_EQ(ToCompactJson(t["cpu/load"]), R"({"min_change": 0.1})");
  EXPECT_THAT(t["gpu/temp"]["reason"].GetString(),
              HasSubstr("/desired/agent/thresholds/gpu~1temp: expected a key"));
  EXPECT_THAT(t["gpu/temp"]["reason"].GetString(), HasSubstr("(\"cpu\", \"sim\")"));
  EXPECT_STREQ(t["cpu"]["reason"].GetString(),
               "/desired/agent/thresholds/cpu: expected a string matching ^[^/]+/.+$, found "
               "\"cpu\"");
  EXPECT_THAT(t["*/x"]["reason"].GetString(), HasSubstr("found \"*/x\""));
  EXPECT_STREQ(t["sim/wave"]["reason"].GetString(),
               "/desired/agent/thresholds/sim~1wave/min_change: expected a number >= 0, found -2");
  EXPECT_THAT(t["sim/y"]["reason"].GetString(),
              HasSubstr("/desired/agent/thresholds/sim~1y/every: expected one of \"min_change\", "
                        "\"heartbeat_seconds\""));
  EXPECT_JSON_EQ(ToCompactJson(t["sim/y"]["value"]), R"({"every": 3})");
}

TEST(RemoteConfigTest, ThresholdsThatAreNotAnObject) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"thresholds": [1]})");
  EXPECT_JSON_EQ(ToCompactJson(r.ack), R"({"thresholds": {"value": [1], "status": "rejected",
      "reason": "/desired/agent/thresholds: expected an object of \"<sensor>/<param>\" keys, found [1]"}})");
}

TEST(RemoteConfigTest, SensorsEnableDisableAndRejections) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"sensors": {
      "cpu": {"enabled": false, "interval": 3},
      "sim": {"enabled": "no"},
      "gps": {"enabled": true},
      "x": 5}})");
  EXPECT_EQ(r.rejected, 4);
  EXPECT_FALSE(r.config.FindSensor("cpu")->enabled);
  EXPECT_TRUE(r.config.FindSensor("sim")->enabled);
  const JsonValue& s = r.ack["sensors"];
  EXPECT_FALSE(s["cpu"]["enabled"].GetBool());
  EXPECT_STREQ(s["cpu"]["interval"]["reason"].GetString(),
               "/desired/agent/sensors/cpu/interval: expected \"enabled\" (the only remote setting "
               "of a sensor), found the unknown key \"interval\"");
  EXPECT_STREQ(s["sim"]["enabled"]["reason"].GetString(),
               "/desired/agent/sensors/sim/enabled: expected a boolean, found \"no\"");
  EXPECT_STREQ(s["gps"]["reason"].GetString(),
               "/desired/agent/sensors/gps: expected the name of a configured sensor (\"cpu\", "
               "\"sim\"), found \"gps\"");
  EXPECT_JSON_EQ(ToCompactJson(s["gps"]["value"]), R"({"enabled": true})");
  EXPECT_THAT(s["x"]["reason"].GetString(), HasSubstr("/desired/agent/sensors/x"));
  EXPECT_THAT(ToCompactJson(Apply(TestConfig(), R"({"sensors": 1})").ack["sensors"]),
              HasSubstr("\"reason\":\"/desired/agent/sensors: expected an object of sensor names"));
}

TEST(RemoteConfigTest, UnknownKeyIsRejectedAndCommentsAreEchoed) {
  RemoteConfigResult r = Apply(TestConfig(), R"({"intervall": 5, "_note": "by ops"})");
  EXPECT_EQ(r.rejected, 1);
  EXPECT_JSON_EQ(ToCompactJson(r.ack), R"({"_note": "by ops", "intervall": {"value": 5,
      "status": "rejected", "reason": "/desired/agent/intervall: expected one of \"interval_seconds\", \"log_level\", \"thresholds\", \"sensors\", found the unknown key \"intervall\""}})");
}

TEST(RemoteConfigTest, DesiredAgentThatIsNotAnObject) {
  RemoteConfigResult r = Apply(TestConfig(), R"("fast")");
  EXPECT_EQ(r.rejected, 1);
  EXPECT_JSON_EQ(ToCompactJson(r.ack), R"({"value": "fast", "status": "rejected",
      "reason": "/desired/agent: expected an object, found \"fast\""})");
}

TEST(RemoteConfigTest, DesiredVersionIsEchoed) {
  JsonDocument desired = MustParse(R"({"interval_seconds": 3, "desired_version": 1})");
  RemoteConfigResult r = ApplyRemoteConfig(TestConfig(), desired, 42);
  EXPECT_EQ(r.ack["desired_version"].GetInt64(), 42);
  EXPECT_EQ(r.ack.MemberCount(), 2u);  // the asked "desired_version" does not duplicate the key
  EXPECT_EQ(r.rejected, 1);
  EXPECT_FALSE(ApplyRemoteConfig(TestConfig(), desired).ack.HasMember("desired_version") &&
               ApplyRemoteConfig(TestConfig(), desired).ack["desired_version"].IsInt64());
}

}  // namespace
}  // namespace shadowsync::agent
