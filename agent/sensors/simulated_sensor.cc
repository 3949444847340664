// SPDX-License-Identifier: Apache-2.0

#include "sensors/simulated_sensor.h"

#include <algorithm>
#include <cmath>

namespace shadowsync::agent {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

}  // namespace

SimulatedSensor::SimulatedSensor(SimulatedSensorOptions options, const SensorEnvironment& env)
    : options_(std::move(options)), clock_(env.clock), start_(clock_()) {
  for (const Waveform& waveform : options_.waveforms) {
    walks_.push_back(Walk{std::mt19937_64(waveform.seed), waveform.start, false});
  }
}

Status SimulatedSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  out.SetObject();
  const double t = std::chrono::duration<double>(clock_() - start_).count();
  for (std::size_t i = 0; i < options_.waveforms.size(); ++i) {
    const Waveform& w = options_.waveforms[i];
    double value = 0;
    switch (w.kind) {
      case Waveform::Kind::kSine:
        value = w.offset + w.amplitude * std::sin(kTwoPi * (t + w.phase_s) / w.period_s);
        break;
      case Waveform::Kind::kRamp: {
        const double cycles = (t + w.phase_s) / w.period_s;
        value = w.min + (w.max - w.min) * (cycles - std::floor(cycles));
        break;
      }
      case Waveform::Kind::kRandomWalk: {
        Walk& walk = walks_[i];
        if (walk.started) {
          // 53 random bits -> [0, 1) exactly representable, then [-1, 1).
          const double unit = static_cast<double>(walk.engine() >> 11) * 0x1.0p-53;
          walk.value = std::clamp(walk.value + (2.0 * unit - 1.0) * w.step, w.min, w.max);
        }
        walk.started = true;
        value = walk.value;
        break;
      }
    }
    out.AddMember(JsonValue(w.parameter.c_str(),
                            static_cast<rapidjson::SizeType>(w.parameter.size()), allocator),
                  JsonValue(value), allocator);
  }
  return Status::Ok();
}

}  // namespace shadowsync::agent
