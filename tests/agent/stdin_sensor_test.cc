// SPDX-License-Identifier: Apache-2.0

#include "sensors/stdin_sensor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/sensor_test_util.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::SampleOnce;

// A pipe whose read end plays standard input.
class StdinSensorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  void TearDown() override {
    ::close(fds_[0]);
    CloseWriter();
  }
  void Write(const std::string& text) {
    ASSERT_EQ(::write(fds_[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void CloseWriter() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  int fds_[2] = {-1, -1};
};

TEST_F(StdinSensorTest, NoDataDoesNotBlock) {
  StdinSensor sensor("piped", fds_[0]);
  const auto start = std::chrono::steady_clock::now();
  const auto sampled = SampleOnce(sensor);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_EQ(sampled.json(), "{}");
  EXPECT_FALSE(sensor.at_eof());
  // The descriptor's flags are left alone.
  EXPECT_EQ(::fcntl(fds_[0], F_GETFL) & O_NONBLOCK, 0);
}

TEST_F(StdinSensorTest, LinesMergeLatestWins) {
  StdinSensor sensor("piped", fds_[0]);
  Write("{\"rssi\": -70, \"ssid\": \"home\"}\n{\"rssi\": -65}\n");
  auto sampled = SampleOnce(sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"rssi":-65,"ssid":"home"})");
  Write("{\"ssid\": null}\n");
  sampled = SampleOnce(sensor);
  EXPECT_JSON_EQ(sampled.json(), R"({"rssi":-65})");
}

TEST_F(StdinSensorTest, MalformedLineNamedAndGoodLinesKept) {
  StdinSensor sensor("piped", fds_[0]);
  Write("{\"a\": 1}\n{\"a\": 2,}\n{\"b\": \"ok\"}\n");
  auto sampled = SampleOnce(sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("malformed line 2 of stdin"), std::string::npos)
      << sampled.status.message();
  EXPECT_NE(sampled.status.message().find("JSON parse error"), std::string::npos);
  sampled = SampleOnce(sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"a":1,"b":"ok"})");
}

TEST_F(StdinSensorTest, InvalidUtf8AndDeepNestingAreMalformed) {
  StdinSensor sensor("piped", fds_[0]);
  Write("{\"s\": \"\xff\"}\n");
  EXPECT_EQ(SampleOnce(sensor).status.code(), StatusCode::kInvalidArgument);
  std::string deep = "{\"d\":";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}\n";
  Write(deep);
  const auto sampled = SampleOnce(sensor);
  EXPECT_EQ(sampled.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sampled.status.message().find("nesting deeper than 32"), std::string::npos)
      << sampled.status.message();
  EXPECT_EQ(SampleOnce(sensor).json(), "{}");
}

TEST_F(StdinSensorTest, EndOfFileKeepsTheLastValuesAndTheUnterminatedLine) {
  StdinSensor sensor("piped", fds_[0]);
  Write("{\"a\": 1}\n{\"b\": 2}");
  CloseWriter();
  auto sampled = SampleOnce(sensor);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"a":1,"b":2})");
  EXPECT_TRUE(sensor.at_eof());
  sampled = SampleOnce(sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_JSON_EQ(sampled.json(), R"({"a":1,"b":2})");
}

TEST_F(StdinSensorTest, ClosedDescriptorIsUnavailable) {
  const int fd = ::dup(fds_[0]);
  ASSERT_GE(fd, 0);
  ::close(fd);
  StdinSensor sensor("piped", fd);
  EXPECT_EQ(SampleOnce(sensor).status.code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shadowsync::agent
