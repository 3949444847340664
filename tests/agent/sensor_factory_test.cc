// SPDX-License-Identifier: Apache-2.0

#include "sensors/sensor_factory.h"

#include <gtest/gtest.h>

#include "agent/sensor_test_util.h"
#include "sensors/command_sensor.h"
#include "sensors/file_sensor.h"
#include "sensors/hwmon_sensor.h"
#include "sensors/simulated_sensor.h"
#include "sensors/socket_sensor.h"
#include "sensors/stdin_sensor.h"
#include "sensors/system_sensor.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::Json;
using testing::MakeTempDir;
using testing::SampleOnce;
using testing::WriteTreeFile;

class SensorFactoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("sensor-factory");
    ASSERT_NE(dir_, nullptr);
    env_.sys_root = dir_->File("sys");
    env_.proc_root = dir_->File("proc");
    env_.clock = clock_.AsFunction();
  }
  Result<std::unique_ptr<Sensor>> Make(const std::string& config,
                                       const std::string& pointer = "/sensors/2") {
    const JsonDocument document = Json(config);
    return MakeSensor(document, pointer, env_);
  }
  testing::FakeClock clock_;
  std::unique_ptr<testing_support::TempDir> dir_;
  SensorEnvironment env_;
};

TEST_F(SensorFactoryTest, BuildsEveryType) {
  struct Case {
    std::string config;
    std::string name;
    bool (*is_right_type)(Sensor*);
  };
  const std::string socket_path = dir_->File("s.sock");
  const Case cases[] = {
      {R"({"type":"system"})", "system",
       [](Sensor* s) { return dynamic_cast<SystemSensor*>(s) != nullptr; }},
      {R"({"type":"system","name":"host","mounts":["/","/tmp"],"temperatures":false})", "host",
       [](Sensor* s) { return dynamic_cast<SystemSensor*>(s) != nullptr; }},
      {R"({"type":"hwmon","chips":["coretemp"]})", "hwmon",
       [](Sensor* s) { return dynamic_cast<HwmonSensor*>(s) != nullptr; }},
      {R"j({"type":"file","name":"water","path":"/x/w1_slave","regex":"t=(-?\\d+)",
           "scale":0.001,"offset":0,"parameter":"c","as":"number"})j",
       "water", [](Sensor* s) { return dynamic_cast<FileSensor*>(s) != nullptr; }},
      {R"({"type":"command","name":"wifi","command":"echo 1","interval_s":30,"timeout_s":0.5,
           "parameter":"rssi"})",
       "wifi", [](Sensor* s) { return dynamic_cast<CommandSensor*>(s) != nullptr; }},
      {R"({"type":"socket","name":"pushed","path":")" + socket_path + R"(","max_clients":4})",
       "pushed", [](Sensor* s) { return dynamic_cast<SocketSensor*>(s) != nullptr; }},
      {R"({"type":"stdin"})", "stdin",
       [](Sensor* s) { return dynamic_cast<StdinSensor*>(s) != nullptr; }},
      {R"({"type":"simulated","signals":{"t":{"waveform":"sine","period_s":10,"amplitude":2,
           "offset":1,"phase_s":0},"r":{"waveform":"ramp","min":0,"max":5,"period_s":5},
           "w":{"waveform":"random_walk","seed":9,"start":1,"step":0.1,"min":0,"max":2}}})",
       "simulated", [](Sensor* s) { return dynamic_cast<SimulatedSensor*>(s) != nullptr; }},
  };
  for (const Case& c : cases) {
    auto sensor = Make(c.config);
    ASSERT_TRUE(sensor.ok()) << sensor.status().ToString() << "\n  for " << c.config;
    EXPECT_EQ((*sensor)->name(), c.name) << c.config;
    EXPECT_TRUE(c.is_right_type(sensor->get())) << c.config;
  }
}

TEST_F(SensorFactoryTest, ConfiguredKeysReachTheSensor) {
  WriteTreeFile(dir_->path(), "w1_slave", "aa : crc=aa YES\naa t=21500\n");
  auto file = Make(R"({"type":"file","path":")" + dir_->File("w1_slave") +
                   R"j(","regex":"t=(-?\\d+)","scale":0.001,"offset":1,"parameter":"c"})j");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto sampled = SampleOnce(**file);
  ASSERT_TRUE(sampled.status.ok()) << sampled.status.ToString();
  EXPECT_JSON_EQ(sampled.json(), R"({"c":22.5})");

  auto command = Make(R"({"type":"command","command":"echo 3","parameter":"n"})");
  ASSERT_TRUE(command.ok());
  EXPECT_JSON_EQ(SampleOnce(**command).json(), R"({"n":3})");

  // A ramp from 5 to the default max 100 over the default 60 s.
  auto simulated = Make(R"({"type":"simulated","signals":{"a":{"waveform":"ramp","min":5}}})");
  ASSERT_TRUE(simulated.ok());
  EXPECT_JSON_EQ(SampleOnce(**simulated).json(), R"({"a":5})");
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_JSON_EQ(SampleOnce(**simulated).json(), R"({"a":52.5})");
}

// Each bad configuration must fail with kInvalidArgument and a message that
// begins with the offending pointer and contains `expected` (what was
// expected and what was found).
struct BadConfig {
  const char* config;
  const char* pointer;
  const char* expected;
};

const BadConfig kBadConfigs[] = {
    {R"([1,2])", "/sensors/2", "expected a sensor object, found array [1,2]"},
    {R"({"name":"x"})", "/sensors/2/type", "expected a string (the sensor type), found nothing"},
    {R"({"type":7})", "/sensors/2/type", "expected a string (the sensor type), found number 7"},
    {R"({"type":"thermometer"})", "/sensors/2/type",
     "unknown sensor type: expected one of \"system\", \"hwmon\", \"file\", \"command\", "
     "\"socket\", \"stdin\", \"simulated\", found string \"thermometer\""},
    {R"({"type":"system","name":""})", "/sensors/2/name",
     "expected a non-empty string, found string \"\""},
    {R"({"type":"system","name":3})", "/sensors/2/name",
     "expected a non-empty string, found number 3"},
    {R"({"type":"system","enabled":"no"})", "/sensors/2/enabled",
     "expected true or false, found string \"no\""},
    {R"({"type":"system","mount":["/"]})", "/sensors/2/mount",
     "unknown key for a \"system\" sensor; expected one of"},
    {R"({"type":"system","mount":["/"]})", "/sensors/2/mount", "; did you mean \"mounts\"?"},
    {R"({"type":"system","mounts":"/"})", "/sensors/2/mounts",
     "expected an array of strings, found string \"/\""},
    {R"({"type":"system","mounts":["/",5]})", "/sensors/2/mounts/1",
     "expected a non-empty string, found number 5"},
    {R"({"type":"system","temperatures":"yes"})", "/sensors/2/temperatures",
     "expected true or false, found string \"yes\""},
    {R"({"type":"hwmon","chips":{}})", "/sensors/2/chips",
     "expected an array of strings, found object {}"},
    {R"({"type":"file"})", "/sensors/2/path",
     "expected a string (the file to read), found nothing"},
    {R"({"type":"file","path":["/a"]})", "/sensors/2/path", "found array [\"/a\"]"},
    {R"({"type":"file","path":"/a","regex":"("})", "/sensors/2/regex",
     "invalid regular expression \"(\": "},
    {R"({"type":"file","path":"/a","regex":5})", "/sensors/2/regex",
     "expected a string, found number 5"},
    {R"({"type":"file","path":"/a","scale":"0.001"})", "/sensors/2/scale",
     "expected a number, found string \"0.001\""},
    {R"({"type":"file","path":"/a","offset":true})", "/sensors/2/offset",
     "expected a number, found boolean true"},
    {R"({"type":"file","path":"/a","as":"float"})", "/sensors/2/as",
     "expected one of \"number\", \"string\", found string \"float\""},
    {R"({"type":"file","path":"/a","as":"string","scale":2})", "/sensors/2/scale",
     "expected no scale or offset"},
    {R"({"type":"file","path":"/a","parameter":""})", "/sensors/2/parameter",
     "expected a non-empty string"},
    {R"({"type":"file","path":"/a","scle":2})", "/sensors/2/scle",
     "unknown key for a \"file\" sensor"},
    {R"({"type":"command"})", "/sensors/2/command", "expected a string (a /bin/sh command line)"},
    {R"({"type":"command","command":"true","interval_s":-1})", "/sensors/2/interval_s",
     "expected a number > 0, found number -1"},
    {R"({"type":"command","command":"true","timeout_s":"2"})", "/sensors/2/timeout_s",
     "expected a number > 0, found string \"2\""},
    {R"({"type":"command","command":"true","timeout_ms":200})", "/sensors/2/timeout_ms",
     "unknown key for a \"command\" sensor"},
    {R"({"type":"socket"})", "/sensors/2/path", "expected a string (the socket to listen on)"},
    {R"({"type":"socket","path":"/tmp/x.sock","max_clients":0})", "/sensors/2/max_clients",
     "expected an integer from 1 to 1024, found number 0"},
    {R"({"type":"socket","path":"/tmp/x.sock","max_clients":1.5})", "/sensors/2/max_clients",
     "expected an integer from 0 to 2^64-1, found number 1.5"},
    {R"({"type":"stdin","fd":3})", "/sensors/2/fd", "unknown key for a \"stdin\" sensor"},
    {R"({"type":"simulated"})", "/sensors/2/signals", "expected an object, found nothing"},
    {R"({"type":"simulated","signals":[]})", "/sensors/2/signals",
     "expected an object, found array []"},
    {R"({"type":"simulated","signals":{}})", "/sensors/2/signals",
     "expected at least one parameter, found object {}"},
    {R"({"type":"simulated","signals":{"a/b":1}})", "/sensors/2/signals/a~1b",
     "expected a waveform object, found number 1"},
    {R"({"type":"simulated","signals":{"t":{}}})", "/sensors/2/signals/t/waveform",
     "expected one of \"sine\", \"ramp\", \"random_walk\", found nothing"},
    {R"({"type":"simulated","signals":{"t":{"waveform":"square"}}})",
     "/sensors/2/signals/t/waveform",
     "expected one of \"sine\", \"ramp\", \"random_walk\", found string \"square\""},
    {R"({"type":"simulated","signals":{"t":{"waveform":"sine","period_s":0}}})",
     "/sensors/2/signals/t/period_s", "expected a number > 0, found number 0"},
    {R"({"type":"simulated","signals":{"t":{"waveform":"sine","seed":1}}})",
     "/sensors/2/signals/t/seed", "unknown key for a \"sine\" waveform"},
    {R"({"type":"simulated","signals":{"t":{"waveform":"random_walk","seed":-1}}})",
     "/sensors/2/signals/t/seed", "expected an integer from 0 to 2^64-1, found number -1"},
    {R"({"type":"simulated","signals":{"t":{"waveform":"random_walk","min":0,"max":1,"start":5}}})",
     "/sensors/2/signals/t/start", "expected a number from min to max, found number 5"},
    {R"({"type":"simulated","signals":{"t":{"waveform":"ramp","min":3,"max":1}}})",
     "/sensors/2/signals/t/max", "expected a number >= min (3), found number 1"},
    {R"({"type":"simulated","signals":{"t":{"waveform":"ramp"}},"seed":1})", "/sensors/2/seed",
     "unknown key for a \"simulated\" sensor"},
};

TEST_F(SensorFactoryTest, BadConfigsNameThePointerTheExpectedAndTheFound) {
  for (const BadConfig& bad : kBadConfigs) {
    auto sensor = Make(bad.config);
    ASSERT_FALSE(sensor.ok()) << bad.config;
    EXPECT_EQ(sensor.status().code(), StatusCode::kInvalidArgument) << bad.config;
    const std::string message = sensor.status().message();
    EXPECT_EQ(message.rfind(std::string(bad.pointer) + ": ", 0), 0u)
        << "message does not start with the pointer " << bad.pointer << ": " << message;
    EXPECT_NE(message.find(bad.expected), std::string::npos)
        << "\n  config:   " << bad.config << "\n  message:  " << message
        << "\n  expected: " << bad.expected;
  }
}

TEST_F(SensorFactoryTest, AcceptsEnabledAndCommentKeysAsTheAgentConfigHasThem) {
  auto sensor = Make(R"({"type":"simulated","name":"demo","enabled":false,"_note":"lab bench",
                         "signals":{"t":{"waveform":"sine","_why":"demo"}}})");
  ASSERT_TRUE(sensor.ok()) << sensor.status().ToString();
  EXPECT_EQ((*sensor)->name(), "demo");
}

TEST_F(SensorFactoryTest, PointerIsTheCallersNotAFixedOne) {
  auto sensor = Make(R"({"type":"file","path":"/a","regex":"[z-a]"})", "/sensors/17");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().message().rfind("/sensors/17/regex: invalid regular expression", 0), 0u)
      << sensor.status().message();
}

TEST_F(SensorFactoryTest, SocketThatCannotListenNamesThePointerAndPath) {
  const std::string blocked = dir_->File("not-a-socket");
  ASSERT_TRUE(testing_support::WriteStringToFile(blocked, "x").ok());
  auto sensor = Make(R"({"type":"socket","path":")" + blocked + R"("})");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(sensor.status().message().rfind("/sensors/2/path: " + blocked, 0), 0u)
      << sensor.status().message();

  auto missing_dir = Make(R"({"type":"socket","path":")" + dir_->File("no/dir/s.sock") + R"("})");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(missing_dir.status().message().rfind("/sensors/2/path: cannot listen on", 0), 0u)
      << missing_dir.status().message();
}

TEST_F(SensorFactoryTest, SensorTypesListsWhatTheFactoryBuilds) {
  EXPECT_EQ(SensorTypes().size(), 7u);
  for (const std::string& type : SensorTypes()) {
    auto sensor = Make(R"({"type":")" + type + R"("})");
    // Types with required keys fail on those keys, never on the type.
    if (!sensor.ok()) {
      EXPECT_EQ(sensor.status().message().find("/sensors/2/type"), std::string::npos)
          << sensor.status().message();
    }
  }
}

}  // namespace
}  // namespace shadowsync::agent
