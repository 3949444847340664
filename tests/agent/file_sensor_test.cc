// SPDX-License-Identifier: Apache-2.0

#include "sensors/file_sensor.h"

#include <gtest/gtest.h>

#include "agent/sensor_test_util.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::MakeTempDir;
using testing::SampleOnce;
using testing::WriteTreeFile;

constexpr char kW1Slave[] =
    "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n"
    "72 01 4b 46 7f ff 0e 10 57 t=23125\n";

class FileSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("file-sensor");
    ASSERT_NE(dir_, nullptr);
  }
  std::unique_ptr<FileSensor> Make(FileSensorOptions options) {
    if (options.name.empty()) options.name = "probe";
    auto sensor = FileSensor::Create(std::move(options));
    EXPECT_TRUE(sensor.ok()) << sensor.status().ToString();
    return sensor.ok() ? std::move(sensor).value() : nullptr;
  }
  std::unique_ptr<testing_support::TempDir> dir_;
};

TEST_F(FileSensorTest, Ds18b20WithRegexAndScale) {
  WriteTreeFile(dir_->path(), "w1/28-000005e2fdc3/w1_slave", kW1Slave);
  FileSensorOptions options;
  options.path = dir_->File("w1/28-000005e2fdc3/w1_slave");
  options.parameter = "water_c";
  options.regex = "t=(-?\\d+)";
  options.scale = 0.001;
  auto sensor = Make(options);
  ASSERT_NE(sensor, nullptr);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  ASSERT_TRUE(sampled.document.HasMember("water_c"));
  EXPECT_DOUBLE_EQ(sampled.document["water_c"].GetDouble(), 23.125);
  EXPECT_EQ(sampled.document.MemberCount(), 1u);
}

TEST_F(FileSensorTest, NegativeTemperatureAndOffset) {
  WriteTreeFile(dir_->path(), "w1_slave", "aa : crc=aa YES\naa t=-1250\n");
  FileSensorOptions options;
  options.path = dir_->File("w1_slave");
  options.regex = "t=(-?\\d+)";
  options.scale = 0.001;
  options.offset = 0.5;
  auto sensor = Make(options);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_DOUBLE_EQ(sampled.document["value"].GetDouble(), -0.75);
}

TEST_F(FileSensorTest, GpioValueWholeFileTrimmed) {
  WriteTreeFile(dir_->path(), "gpio17/value", "1\n");
  FileSensorOptions options;
  options.path = dir_->File("gpio17/value");
  options.parameter = "door_open";
  auto sensor = Make(options);
  auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"door_open":1})");
  WriteTreeFile(dir_->path(), "gpio17/value", "0\n");
  sampled = SampleOnce(*sensor);
  EXPECT_JSON_EQ(sampled.json(), R"({"door_open":0})");
}

TEST_F(FileSensorTest, RegexWithoutGroupUsesTheWholeMatch) {
  WriteTreeFile(dir_->path(), "attr", "level: 87 percent\n");
  FileSensorOptions options;
  options.path = dir_->File("attr");
  options.regex = "\\d+";
  auto sensor = Make(options);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"value":87})");
}

TEST_F(FileSensorTest, StringValue) {
  WriteTreeFile(dir_->path(), "power_supply/BAT0/status", "Charging\n");
  FileSensorOptions options;
  options.path = dir_->File("power_supply/BAT0/status");
  options.parameter = "battery";
  options.kind = FileSensorOptions::Kind::kString;
  auto sensor = Make(options);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"battery":"Charging"})");
}

TEST_F(FileSensorTest, MissingFileIsNotFoundNamingThePath) {
  FileSensorOptions options;
  options.path = dir_->File("w1/28-gone/w1_slave");
  auto sensor = Make(options);
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kNotFound);
  EXPECT_NE(sampled.status.message().find(options.path), std::string::npos)
      << sampled.status.message();
}

TEST_F(FileSensorTest, NoMatchIsAnErrorNamingThePath) {
  WriteTreeFile(dir_->path(), "w1_slave", "ff ff : crc=00 NO\n");
  FileSensorOptions options;
  options.path = dir_->File("w1_slave");
  options.regex = "t=(-?\\d+)";
  auto sensor = Make(options);
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find(options.path), std::string::npos);
  EXPECT_NE(sampled.status.message().find("does not match"), std::string::npos);
}

TEST_F(FileSensorTest, NotANumberIsAnError) {
  WriteTreeFile(dir_->path(), "attr", "twelve\n");
  FileSensorOptions options;
  options.path = dir_->File("attr");
  auto sensor = Make(options);
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("\"twelve\""), std::string::npos)
      << sampled.status.message();
}

TEST_F(FileSensorTest, InvalidRegexIsRefusedAtCreation) {
  FileSensorOptions options;
  options.name = "x";
  options.path = dir_->File("attr");
  options.regex = "(";
  auto sensor = FileSensor::Create(options);
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sensor.status().message().find("invalid regular expression \"(\""), std::string::npos)
      << sensor.status().message();
}

}  // namespace
}  // namespace shadowsync::agent
