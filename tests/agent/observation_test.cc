// SPDX-License-Identifier: Apache-2.0
//
// Observations: the DataLogger-like General object, board identity from a
// fixture tree, sensor values and errors.

#include "src/observation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "support/json_expect.h"
#include "support/temp_dir.h"

namespace shadowsync::agent {
namespace {

using ::shadowsync::testing_support::MustParse;
using ::shadowsync::testing_support::TempDir;
using ::shadowsync::testing_support::WriteStringToFile;
using ::testing::HasSubstr;

std::chrono::system_clock::time_point At(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

TEST(ObservationTest, GeneralHasTimeEntryHostAndBoard) {
  ObservationBuilder builder(HostIdentity{"pi4", "Raspberry Pi 4 Model B Rev 1.4"});
  JsonDocument first = builder.Begin(At(1700000000.9));
  EXPECT_JSON_EQ(ToCompactJson(first), R"js({"General": {"Time (Epoch)": 1700000000, "Entry": 1,
      "Host": "pi4", "Board": "Raspberry Pi 4 Model B Rev 1.4"
}
})js");
  EXPECT_TRUE(first["General"]["Time (Epoch)"].IsInt64());  // whole seconds, as the DataLogger
  JsonDocument second = builder.Begin(At(1700000010));
  EXPECT_EQ(second["General"]["Entry"].GetUint64(), 2u);
  EXPECT_EQ(second["General"]["Time (Epoch)"].GetInt64(), 1700000010);
  EXPECT_EQ(builder.entries(), 2u);
}

TEST(ObservationTest, SensorValuesAndErrors) {
  ObservationBuilder builder(HostIdentity{"h", "b"});
  JsonDocument obs = builder.Begin(At(100));
  JsonDocument values = MustParse(R"js({"temp": 21.5, "state": "ok", "fans": {"a": 1200}})js");
  ASSERT_TRUE(AddSensorValues(obs, "cpu", values).ok());
  ASSERT_TRUE(AddSensorError(obs, "w1", "/sys/bus/w1/devices/28-1/w1_slave: no such file").ok());
  EXPECT_JSON_EQ(ToCompactJson(obs), R"js({
      "General": {"Time (Epoch)": 100, "Entry": 1, "Host": "h", "Board": "b"
}
, "cpu" : {"temp" : 21.5, "state" : "ok", "fans" : {"a" : 1200}}, "w1" : {
  "error" : "/sys/bus/w1/devices/28-1/w1_slave: no such file"
}
})js");
  // A deep copy: the sensor's document may go away.
  values.SetNull();
  EXPECT_EQ(obs["cpu"]["temp"].GetDouble(), 21.5);
}

TEST(ObservationTest, ReservedAndDuplicateNamesAreRefused) {
  ObservationBuilder builder(HostIdentity{"h", "b"});
  JsonDocument obs = builder.Begin(At(1));
  JsonDocument values = MustParse(R"js({"x": 1})js");
  EXPECT_EQ(AddSensorValues(obs, "General", values).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AddSensorError(obs, "General", "x").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(AddSensorValues(obs, "s", values).ok());
  EXPECT_THAT(AddSensorValues(obs, "s", values).message(), HasSubstr("already"));
  EXPECT_EQ(AddSensorError(obs, "s", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(obs.MemberCount(), 2u);
  EXPECT_TRUE(obs["General"].HasMember("Host"));
}

TEST(ObservationTest, UnreportableValuesBecomeTheSensorsError) {
  ObservationBuilder builder(HostIdentity{"h", "b"});
  JsonDocument obs = builder.Begin(At(1));
  JsonDocument with_null = MustParse(R"js({"a": {"b": null}})js");
  Status s = AddSensorValues(obs, "n", with_null);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("sensor \"n\": /a/b: null"));
  EXPECT_EQ(std::string(obs["n"]["error"].GetString()), s.message());

  JsonDocument not_object = MustParse("[1, 2]");
  EXPECT_THAT(AddSensorValues(obs, "arr", not_object).message(),
              HasSubstr("expected an object of parameters, found array"));
  EXPECT_TRUE(obs["arr"].HasMember("error"));

  JsonDocument nan(rapidjson::kObjectType);
  nan.AddMember("v", JsonValue(std::numeric_limits<double>::quiet_NaN()), nan.GetAllocator());
  EXPECT_THAT(AddSensorValues(obs, "nan", nan).message(), HasSubstr("/v: a non-finite number"));

  JsonDocument deep = MustParse(R"js({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}})js");
  EXPECT_THAT(AddSensorValues(obs, "deep", deep).message(), HasSubstr("nested deeper than 7"));
  JsonDocument null_in_array = MustParse(R"js({"list": [1, null]})js");
  EXPECT_THAT(AddSensorValues(obs, "arr2", null_in_array).message(), HasSubstr("/list/1: null"));
}

class BoardIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("board-identity");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
  }
  void Write(const std::string& relative, const std::string& text) {
    const std::string path = dir_->path() + relative;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    ASSERT_TRUE(WriteStringToFile(path, text).ok());
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(BoardIdentityTest, DeviceTreeModelFirst) {
  Write("/sys/firmware/devicetree/base/model", std::string("Raspberry Pi 4 Model B Rev 1.4\0", 32));
  Write("/sys/class/dmi/id/product_name", "ignored\n");
  EXPECT_EQ(ReadBoardIdentity(dir_->path()), "Raspberry Pi 4 Model B Rev 1.4");
  EXPECT_EQ(ReadBoardIdentity(dir_->path() + "/"), "Raspberry Pi 4 Model B Rev 1.4");
}

TEST_F(BoardIdentityTest, DmiProductNameOnPcs) {
  Write("/sys/class/dmi/id/product_name", "  ThinkPad X1 Carbon Gen 9 \n");
  EXPECT_EQ(ReadBoardIdentity(dir_->path()), "ThinkPad X1 Carbon Gen 9");
}

TEST_F(BoardIdentityTest, EmptyOrMissingIsUnknown) {
  EXPECT_EQ(ReadBoardIdentity(dir_->path()), "unknown");
  Write("/sys/firmware/devicetree/base/model", std::string("\0", 1));
  EXPECT_EQ(ReadBoardIdentity(dir_->path()), "unknown");
}

TEST(HostIdentityTest, HostNameIsNotEmpty) {
  const HostIdentity id = ReadHostIdentity("/nonexistent-root");
  EXPECT_FALSE(id.host.empty());
  EXPECT_EQ(id.board, "unknown");
}

}  // namespace
}  // namespace shadowsync::agent
