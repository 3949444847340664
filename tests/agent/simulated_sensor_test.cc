// SPDX-License-Identifier: Apache-2.0

#include "sensors/simulated_sensor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "agent/sensor_test_util.h"
#include "support/json_expect.h"

namespace shadowsync::agent {
namespace {

using testing::FakeClock;
using testing::SampleOnce;
using namespace std::chrono_literals;

class SimulatedSensorTest : public ::testing::Test {
 protected:
  std::unique_ptr<SimulatedSensor> Make(std::vector<Waveform> waveforms) {
    SimulatedSensorOptions options;
    options.waveforms = std::move(waveforms);
    SensorEnvironment env;
    env.clock = clock_.AsFunction();
    return std::make_unique<SimulatedSensor>(options, env);
  }
  double Value(SimulatedSensor& sensor, const char* parameter) {
    const auto sampled = SampleOnce(sensor);
    EXPECT_TRUE(sampled.status.ok());
    return sampled.document[parameter].GetDouble();
  }
  FakeClock clock_;
};

Waveform Sine() {
  Waveform w;
  w.parameter = "temp";
  w.kind = Waveform::Kind::kSine;
  w.period_s = 60;
  w.amplitude = 5;
  w.offset = 20;
  return w;
}

TEST_F(SimulatedSensorTest, SineFollowsTheClock) {
  auto sensor = Make({Sine()});
  EXPECT_DOUBLE_EQ(Value(*sensor, "temp"), 20.0);  // t = 0
  clock_.Advance(15s);                             // a quarter period: the peak
  EXPECT_DOUBLE_EQ(Value(*sensor, "temp"), 25.0);
  clock_.Advance(30s);  // three quarters: the trough
  EXPECT_DOUBLE_EQ(Value(*sensor, "temp"), 15.0);
  clock_.Advance(5s);  // t = 50 s
  EXPECT_NEAR(Value(*sensor, "temp"), 20.0 + 5.0 * std::sin(2 * M_PI * 50.0 / 60.0), 1e-12);
  // Sampling again without time passing gives the same value.
  EXPECT_NEAR(Value(*sensor, "temp"), 20.0 + 5.0 * std::sin(2 * M_PI * 50.0 / 60.0), 1e-12);
}

TEST_F(SimulatedSensorTest, SinePhaseShiftsTheWave) {
  Waveform w = Sine();
  w.phase_s = 15;  // starts at the peak
  auto sensor = Make({w});
  EXPECT_DOUBLE_EQ(Value(*sensor, "temp"), 25.0);
}

TEST_F(SimulatedSensorTest, RampIsASawtooth) {
  Waveform w;
  w.parameter = "level";
  w.kind = Waveform::Kind::kRamp;
  w.period_s = 10;
  w.min = 0;
  w.max = 100;
  auto sensor = Make({w});
  EXPECT_DOUBLE_EQ(Value(*sensor, "level"), 0.0);
  clock_.Advance(2.5s);
  EXPECT_DOUBLE_EQ(Value(*sensor, "level"), 25.0);
  clock_.Advance(5s);
  EXPECT_DOUBLE_EQ(Value(*sensor, "level"), 75.0);
  clock_.Advance(2.5s);  // t = 10: back to the start
  EXPECT_DOUBLE_EQ(Value(*sensor, "level"), 0.0);
  clock_.Advance(11s);  // t = 21
  EXPECT_NEAR(Value(*sensor, "level"), 10.0, 1e-9);
}

Waveform Walk(std::uint64_t seed) {
  Waveform w;
  w.parameter = "walk";
  w.kind = Waveform::Kind::kRandomWalk;
  w.start = 10;
  w.step = 0.5;
  w.min = 0;
  w.max = 20;
  w.seed = seed;
  return w;
}

TEST_F(SimulatedSensorTest, RandomWalkExactValuesFromTheSeed) {
  auto sensor = Make({Walk(42)});
  EXPECT_DOUBLE_EQ(Value(*sensor, "walk"), 10.0);
  // std::mt19937_64(42)'s first output is 13930160852258120406; the step is
  // (2 * (x >> 11) / 2^53 - 1) * 0.5.
  const double u = static_cast<double>(13930160852258120406ULL >> 11) * 0x1.0p-53;
  EXPECT_DOUBLE_EQ(Value(*sensor, "walk"), 10.0 + (2 * u - 1) * 0.5);
  EXPECT_DOUBLE_EQ(Value(*sensor, "walk"), 10.394186926809237);
  EXPECT_DOUBLE_EQ(Value(*sensor, "walk"), 10.646332127557264);
}

TEST_F(SimulatedSensorTest, RandomWalkDependsOnSampleCountNotTime) {
  auto a = Make({Walk(7)});
  auto b = Make({Walk(7)});
  auto other_seed = Make({Walk(8)});
  bool differs_from_other_seed = false;
  double previous = 10.0;
  for (int i = 0; i < 200; ++i) {
    const double va = Value(*a, "walk");
    clock_.Advance(std::chrono::milliseconds(137 * i));  // time must not matter
    const double vb = Value(*b, "walk");
    EXPECT_EQ(va, vb) << "sample " << i;
    differs_from_other_seed = differs_from_other_seed || Value(*other_seed, "walk") != va;
    EXPECT_GE(va, 0.0);
    EXPECT_LE(va, 20.0);
    EXPECT_LE(std::fabs(va - previous), 0.5);
    previous = va;
  }
  EXPECT_TRUE(differs_from_other_seed);
}

TEST_F(SimulatedSensorTest, RandomWalkIsClampedToItsRange) {
  Waveform w = Walk(3);
  w.start = 0;
  w.min = 0;
  w.max = 1;
  w.step = 5;  // every step overshoots
  auto sensor = Make({w});
  bool hit_min = false;
  bool hit_max = false;
  for (int i = 0; i < 50; ++i) {
    const double v = Value(*sensor, "walk");
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
    hit_min = hit_min || v == 0.0;
    hit_max = hit_max || v == 1.0;
  }
  EXPECT_TRUE(hit_min && hit_max);
}

TEST_F(SimulatedSensorTest, SeveralWaveformsInOneSample) {
  Waveform ramp;
  ramp.parameter = "level";
  ramp.kind = Waveform::Kind::kRamp;
  ramp.period_s = 4;
  ramp.min = 10;
  ramp.max = 20;
  auto sensor = Make({Sine(), ramp, Walk(1)});
  clock_.Advance(1s);
  const auto sampled = SampleOnce(*sensor);
  ASSERT_TRUE(sampled.status.ok());
  EXPECT_EQ(sampled.document.MemberCount(), 3u);
  EXPECT_DOUBLE_EQ(sampled.document["level"].GetDouble(), 12.5);
  EXPECT_DOUBLE_EQ(sampled.document["walk"].GetDouble(), 10.0);
  EXPECT_EQ(sensor->name(), "simulated");
}

}  // namespace
}  // namespace shadowsync::agent
