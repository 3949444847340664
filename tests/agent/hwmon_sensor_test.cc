// SPDX-License-Identifier: Apache-2.0

#include "sensors/hwmon_sensor.h"

#include <gtest/gtest.h>

#include "agent/sensor_test_util.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::MakeTempDir;
using testing::SampleOnce;
using testing::WriteTreeFile;

class HwmonSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("hwmon-sensor");
    ASSERT_NE(dir_, nullptr);
    env_.sys_root = dir_->File("sys");
  }
  void Write(const std::string& relative, const std::string& contents) {
    WriteTreeFile(dir_->path(), "sys/class/hwmon/" + relative, contents);
  }
  void AddCoretemp(const std::string& hwmon) {
    Write(hwmon + "/name", "coretemp\n");
    Write(hwmon + "/temp1_input", "45000\n");
    Write(hwmon + "/temp1_label", "Package id 0\n");
    Write(hwmon + "/temp2_input", "43500\n");
    Write(hwmon + "/temp2_label", "Core 0\n");
    Write(hwmon + "/temp1_crit", "100000\n");  // not an input: ignored
  }

  std::unique_ptr<testing_support::TempDir> dir_;
  SensorEnvironment env_;
};

TEST_F(HwmonSensorTest, NestsChipKindAndLabelWithUnits) {
  AddCoretemp("hwmon0");
  Write("hwmon1/name", "nct6775\n");
  Write("hwmon1/fan1_input", "1200\n");
  Write("hwmon1/in0_input", "1112\n");
  Write("hwmon1/in0_label", "Vcore\n");
  Write("hwmon1/curr1_input", "2500\n");
  Write("hwmon1/power1_input", "12500000\n");
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  EXPECT_EQ(sensor->channel_count(), 6u);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({
      "coretemp": {"temp_c": {"Package id 0": 45.0, "Core 0": 43.5}},
      "nct6775": {"fan_rpm": {"fan1": 1200}, "in_v": {"Vcore": 1.112},
                  "curr_a": {"curr1": 2.5}, "power_w": {"power1": 12.5}}})");
  // The rpm stays an integer.
  EXPECT_TRUE(sampled.document["nct6775"]["fan_rpm"]["fan1"].IsInt64());
}

TEST_F(HwmonSensorTest, ChipsSharingANameGetTheirHwmonNumber) {
  Write("hwmon2/name", "nvme\n");
  Write("hwmon2/temp1_input", "38850\n");
  Write("hwmon2/temp1_label", "Composite\n");
  Write("hwmon10/name", "nvme\n");
  Write("hwmon10/temp1_input", "40850\n");
  Write("hwmon10/temp1_label", "Composite\n");
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"nvme_2": {"temp_c": {"Composite": 38.85}},
                                     "nvme_10": {"temp_c": {"Composite": 40.85}}})");
}

TEST_F(HwmonSensorTest, DuplicateLabelsAreMadeUniqueWithTheChannel) {
  Write("hwmon0/name", "acme\n");
  Write("hwmon0/temp1_input", "1000\n");
  Write("hwmon0/temp1_label", "Board\n");
  Write("hwmon0/temp2_input", "2000\n");
  Write("hwmon0/temp2_label", "Board\n");
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(),
                 R"json({"acme": {"temp_c": {"Board": 1.0, "Board (temp2)": 2.0}}})json");
}

TEST_F(HwmonSensorTest, OldDriversKeepAttributesInDevice) {
  Write("hwmon0/device/name", "w83627hf\n");
  Write("hwmon0/device/temp1_input", "33000\n");
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"w83627hf": {"temp_c": {"temp1": 33.0}}})");
}

TEST_F(HwmonSensorTest, ChipsOptionFiltersByName) {
  AddCoretemp("hwmon0");
  Write("hwmon1/name", "nct6775\n");
  Write("hwmon1/fan1_input", "1200\n");
  HwmonSensorOptions options;
  options.chips = {"nct6775"};
  auto sensor = HwmonSensor::Create(options, env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"nct6775": {"fan_rpm": {"fan1": 1200}}})");
}

TEST_F(HwmonSensorTest, ChannelsAreFoundAtStartAndReadAtEachSample) {
  AddCoretemp("hwmon0");
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  Write("hwmon0/temp1_input", "50000\n");
  Write("hwmon0/temp3_input", "1000\n");  // appeared after start: not reported
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(),
                 R"({"coretemp": {"temp_c": {"Package id 0": 50.0, "Core 0": 43.5}}})");
}

TEST_F(HwmonSensorTest, UnreadableChannelIsLeftOutAndAllUnreadableIsAnError) {
  AddCoretemp("hwmon0");
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  ASSERT_EQ(::unlink(dir_->File("sys/class/hwmon/hwmon0/temp2_input").c_str()), 0);
  auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"coretemp": {"temp_c": {"Package id 0": 45.0}}})");

  Write("hwmon0/temp1_input", "n/a\n");
  sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(sampled.status.message().find("temp1_input"), std::string::npos)
      << sampled.status.message();
}

TEST_F(HwmonSensorTest, NoChipsReportsAnEmptyObject) {
  auto sensor = HwmonSensor::Create(HwmonSensorOptions{}, env_);
  EXPECT_EQ(sensor->channel_count(), 0u);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_EQ(sampled.json(), "{}");
}

}  // namespace
}  // namespace shadowsync::agent
