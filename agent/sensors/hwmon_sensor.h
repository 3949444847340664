// SPDX-License-Identifier: Apache-2.0
//
// The "hwmon" sensor: every channel of the Linux hardware-monitoring chips
// under <sys>/class/hwmon (CPU and board temperatures, fans, voltages,
// currents, power).

#ifndef SHADOWSYNC_AGENT_SENSORS_HWMON_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_HWMON_SENSOR_H_

#include <memory>
#include <string>
#include <vector>

#include "sensors/sensor.h"

namespace shadowsync::agent {

struct HwmonSensorOptions {
  std::string name = "hwmon";
  /// Chip names (the `name` file, e.g. "coretemp") to report; empty = all.
  std::vector<std::string> chips;
};

/// Channels are found once, when the sensor is made, from the *_input files
/// of each <sys>/class/hwmon/hwmonN (or its device/ subdirectory, where old
/// drivers put them). The report nests chip, then kind, then channel:
///
///   {"coretemp": {"temp_c": {"Package id 0": 45.0, "Core 0": 43.0}},
///    "nct6775":  {"fan_rpm": {"fan1": 1200}, "in_v": {"Vcore": 1.112}}}
///
/// - Chip key: the chip's `name` file. When several chips share a name (two
///   "nvme" drives, one "coretemp" per socket), each is "<name>_<N>" for
///   hwmonN; the kernel numbers chips in probe order, so N can change across
///   reboots when hardware changes.
/// - Kind and unit: temp*_input -> "temp_c" (millidegrees / 1000),
///   fan*_input -> "fan_rpm", in*_input -> "in_v" (millivolts / 1000),
///   curr*_input -> "curr_a" (milliamperes / 1000), power*_input ->
///   "power_w" (microwatts / 1e6).
/// - Channel key: the trimmed *_label file when present, else the channel's
///   file stem ("temp1"). Two channels of one kind with the same label are
///   "<label> (<stem>)".
///
/// A channel that cannot be read at a sample is left out of it; if none can
/// be read the sample fails with kUnavailable naming the first failure. With
/// no channels at all the sensor reports {}.
///
/// Thread safety: not thread-safe; confine to one thread.
class HwmonSensor : public Sensor {
 public:
  static std::unique_ptr<HwmonSensor> Create(HwmonSensorOptions options,
                                             const SensorEnvironment& env);

  const std::string& name() const override { return options_.name; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

  /// Number of channels found at creation (for the agent's start-up log).
  std::size_t channel_count() const { return channels_.size(); }

 private:
  struct Channel {
    std::string chip;
    std::string kind;  // "temp_c", ...
    std::string key;
    std::string input_path;
    double divisor;
  };
  HwmonSensor(HwmonSensorOptions options, std::vector<Channel> channels)
      : options_(std::move(options)), channels_(std::move(channels)) {}

  HwmonSensorOptions options_;
  std::vector<Channel> channels_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_HWMON_SENSOR_H_
