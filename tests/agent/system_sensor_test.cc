// SPDX-License-Identifier: Apache-2.0

#include "sensors/system_sensor.h"

#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include "agent/sensor_test_util.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::MakeTempDir;
using testing::SampleOnce;
using testing::WriteTreeFile;

constexpr char kMeminfo[] =
    "MemTotal:       16303412 kB\n"
    "MemFree:         1218016 kB\n"
    "MemAvailable:    9876543 kB\n"
    "Buffers:          612340 kB\n";

class SystemSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("system-sensor");
    ASSERT_NE(dir_, nullptr);
    env_.proc_root = dir_->File("proc");
    env_.sys_root = dir_->File("sys");
    WriteTreeFile(dir_->path(), "proc/loadavg", "0.52 1.25 2.00 1/467 12345\n");
    WriteTreeFile(dir_->path(), "proc/meminfo", kMeminfo);
    WriteTreeFile(dir_->path(), "proc/uptime", "350735.47 234388.90\n");
  }

  SystemSensorOptions NoDisks() {
    SystemSensorOptions options;
    options.mounts = {};
    return options;
  }

  std::unique_ptr<testing_support::TempDir> dir_;
  SensorEnvironment env_;
};

TEST_F(SystemSensorTest, ReportsLoadMemoryUptimeAndZonesByType) {
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone0/type", "acpitz\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone0/temp", "27800\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone1/type", "x86_pkg_temp\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone1/temp", "45500\n");
  // Not a zone: must be ignored.
  WriteTreeFile(dir_->path(), "sys/class/thermal/cooling_device0/type", "Processor\n");
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"load_1m":0.52,"load_5m":1.25,"load_15m":2.0,
      "mem_total_kb":16303412,"mem_available_kb":9876543,"uptime_s":350735.47,
      "temp_c":{"acpitz":27.8,"x86_pkg_temp":45.5}})");
  EXPECT_EQ(sensor->name(), "system");
}

TEST_F(SystemSensorTest, SharedZoneTypesGetTheZoneNumber) {
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone2/type", "acpitz\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone2/temp", "30000\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone10/type", "acpitz\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone10/temp", "-5250\n");
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(ToCompactJson(sampled.document["temp_c"]),
                 R"({"acpitz_2":30.0,"acpitz_10":-5.25})");
}

TEST_F(SystemSensorTest, UnreadableZoneIsLeftOutNotFatal) {
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone0/type", "iwlwifi_1\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone0/temp", "garbage\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone1/type", "cpu\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone1/temp", "51000\n");
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(ToCompactJson(sampled.document["temp_c"]), R"({"cpu":51.0})");
}

TEST_F(SystemSensorTest, NoThermalDirectoryMeansNoTempKey) {
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_FALSE(sampled.document.HasMember("temp_c"));
  EXPECT_FALSE(sampled.document.HasMember("disk_free_mb"));
}

TEST_F(SystemSensorTest, TemperaturesCanBeTurnedOff) {
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone0/type", "cpu\n");
  WriteTreeFile(dir_->path(), "sys/class/thermal/thermal_zone0/temp", "51000\n");
  SystemSensorOptions options = NoDisks();
  options.temperatures = false;
  auto sensor = SystemSensor::Create(options, env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_FALSE(sampled.document.HasMember("temp_c"));
}

TEST_F(SystemSensorTest, DiskSpaceOfAChosenMountMatchesStatvfs) {
  SystemSensorOptions options;
  options.mounts = {dir_->path()};
  auto sensor = SystemSensor::Create(options, env_);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  struct statvfs info {};
  ASSERT_EQ(::statvfs(dir_->path().c_str(), &info), 0);
  const double total_mb =
      static_cast<double>(info.f_blocks) * static_cast<double>(info.f_frsize) / (1024.0 * 1024.0);
  const JsonValue& total = sampled.document["disk_total_mb"][dir_->path().c_str()];
  const JsonValue& free = sampled.document["disk_free_mb"][dir_->path().c_str()];
  EXPECT_NEAR(total.GetDouble(), total_mb, 0.05);
  EXPECT_GE(free.GetDouble(), 0.0);
  EXPECT_LE(free.GetDouble(), total.GetDouble());
}

TEST_F(SystemSensorTest, MissingMountIsAnErrorNamingIt) {
  SystemSensorOptions options;
  options.mounts = {dir_->File("no-such-mount")};
  auto sensor = SystemSensor::Create(options, env_);
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kNotFound);
  EXPECT_NE(sampled.status.message().find("no-such-mount"), std::string::npos);
}

TEST_F(SystemSensorTest, MissingLoadavgIsAnErrorNamingThePath) {
  ASSERT_EQ(::unlink(dir_->File("proc/loadavg").c_str()), 0);
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  const auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kNotFound);
  EXPECT_NE(sampled.status.message().find(dir_->File("proc/loadavg")), std::string::npos)
      << sampled.status.message();
}

TEST_F(SystemSensorTest, MalformedFilesAreErrors) {
  WriteTreeFile(dir_->path(), "proc/loadavg", "0.52 oops\n");
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  auto sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("loadavg"), std::string::npos);

  WriteTreeFile(dir_->path(), "proc/loadavg", "0.52 1.25 2.00 1/467 12345\n");
  WriteTreeFile(dir_->path(), "proc/meminfo", "MemTotal: 100 kB\n");
  sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("MemAvailable"), std::string::npos);

  WriteTreeFile(dir_->path(), "proc/meminfo", kMeminfo);
  WriteTreeFile(dir_->path(), "proc/uptime", "\n");
  sampled = SampleOnce(*sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("uptime"), std::string::npos);
}

TEST_F(SystemSensorTest, ValuesFollowTheFilesFromSampleToSample) {
  auto sensor = SystemSensor::Create(NoDisks(), env_);
  ASSERT_TRUE(SampleOnce(*sensor).status.ok());
  WriteTreeFile(dir_->path(), "proc/loadavg", "3.00 2.00 1.00 2/500 999\n");
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_DOUBLE_EQ(sampled.document["load_1m"].GetDouble(), 3.0);
  EXPECT_DOUBLE_EQ(sampled.document["load_15m"].GetDouble(), 1.0);
}

}  // namespace
}  // namespace shadowsync::agent
