// SPDX-License-Identifier: Apache-2.0
//
// The "system" sensor: load average, memory, uptime, thermal zones and free
// disk space of the machine the agent runs on.

#ifndef SHADOWSYNC_AGENT_SENSORS_SYSTEM_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_SYSTEM_SENSOR_H_

#include <memory>
#include <string>
#include <vector>

#include "sensors/sensor.h"

namespace shadowsync::agent {

struct SystemSensorOptions {
  std::string name = "system";
  /// Mount points (any path on the file system) whose free space is
  /// reported, as given (not under the environment's roots).
  std::vector<std::string> mounts = {"/"};
  /// Whether to report the thermal zones.
  bool temperatures = true;
};

/// Reports, with units in the parameter names:
///   "load_1m", "load_5m", "load_15m"   from <proc>/loadavg
///   "mem_total_kb", "mem_available_kb" from <proc>/meminfo (kB = KiB, as the
///                                       kernel reports them; integers)
///   "uptime_s"                          from <proc>/uptime
///   "temp_c": {"<zone type>": °C, ...}  from <sys>/class/thermal/thermal_zone*/
///       {type,temp}, millidegrees / 1000. A type shared by several zones is
///       reported as "<type>_<N>" for thermal_zoneN, for each of them. Zones
///       are found once, when the sensor is made; a zone that cannot be read
///       at a sample (some drivers return ENODATA while powered down) is left
///       out of that sample. Absent when there are no zones.
///   "disk_free_mb": {"<mount>": MiB available to unprivileged users, ...}
///   "disk_total_mb": {"<mount>": MiB, ...}  from statvfs(), 0.1 MiB rounding.
/// A missing or malformed loadavg/meminfo/uptime, or a mount that statvfs()
/// rejects, fails the sample with a message naming the file or mount.
///
/// Thread safety: not thread-safe; confine to one thread.
class SystemSensor : public Sensor {
 public:
  static std::unique_ptr<SystemSensor> Create(SystemSensorOptions options,
                                              const SensorEnvironment& env);

  const std::string& name() const override { return options_.name; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

 private:
  struct Zone {
    std::string key;
    std::string temp_path;
  };
  SystemSensor(SystemSensorOptions options, std::string proc_root, std::vector<Zone> zones)
      : options_(std::move(options)), proc_root_(std::move(proc_root)), zones_(std::move(zones)) {}

  Status SampleLoad(JsonValue& out, JsonAllocator& allocator) const;
  Status SampleMemory(JsonValue& out, JsonAllocator& allocator) const;
  Status SampleUptime(JsonValue& out, JsonAllocator& allocator) const;
  void SampleZones(JsonValue& out, JsonAllocator& allocator) const;
  Status SampleDisks(JsonValue& out, JsonAllocator& allocator) const;

  SystemSensorOptions options_;
  std::string proc_root_;
  std::vector<Zone> zones_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_SYSTEM_SENSOR_H_
