// SPDX-License-Identifier: Apache-2.0
//
// The "simulated" sensor: deterministic waveforms for demos and tests of the
// whole pipeline without hardware.

#ifndef SHADOWSYNC_AGENT_SENSORS_SIMULATED_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_SIMULATED_SENSOR_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sensors/sensor.h"

namespace shadowsync::agent {

/// One simulated parameter.
struct Waveform {
  enum class Kind { kSine, kRamp, kRandomWalk };
  std::string parameter;
  Kind kind = Kind::kSine;
  /// kSine: offset + amplitude * sin(2 pi (t + phase) / period).
  /// kRamp: a sawtooth from `min` (at t = 0, period, 2 period ...) rising
  ///        linearly towards `max`: min + (max - min) * frac((t + phase) / period).
  /// t is the time in seconds since the sensor was made, by the
  /// environment's clock.
  double period_s = 60.0;
  double phase_s = 0.0;
  double amplitude = 1.0;
  double offset = 0.0;
  /// kRamp: the range. kRandomWalk: the value is clamped to [min, max].
  double min = 0.0;
  double max = 1.0;
  /// kRandomWalk: the first sample reports `start`; each later sample adds a
  /// step u * step where u is uniform in [-1, 1), u = 2 * (x >> 11) / 2^53 - 1
  /// for the next output x of std::mt19937_64 seeded with `seed` (computed
  /// by hand rather than by std::uniform_real_distribution, whose algorithm
  /// the standard leaves to the library, so the sequence is the same
  /// everywhere). The n-th sample depends only on seed and n, not on time.
  double start = 0.0;
  double step = 1.0;
  std::uint64_t seed = 1;
};

struct SimulatedSensorOptions {
  std::string name = "simulated";
  std::vector<Waveform> waveforms;
};

/// Reports {parameter: value} for each waveform, in configuration order.
/// Never fails.
///
/// Thread safety: not thread-safe; confine to one thread.
class SimulatedSensor : public Sensor {
 public:
  /// The waveforms' time starts at env.clock() now.
  SimulatedSensor(SimulatedSensorOptions options, const SensorEnvironment& env);

  const std::string& name() const override { return options_.name; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

 private:
  struct Walk {
    std::mt19937_64 engine;
    double value;
    bool started = false;
  };

  SimulatedSensorOptions options_;
  std::function<SensorClock::time_point()> clock_;
  SensorClock::time_point start_;
  std::vector<Walk> walks_;  // one per waveform (unused unless kRandomWalk)
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_SIMULATED_SENSOR_H_
