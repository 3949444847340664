// SPDX-License-Identifier: Apache-2.0
//
// The agent's sensor interface: one source of parameters (a chip, a file, a
// command, a socket ...) that the reporting loop samples on each tick and
// reports under the sensor's name in the shadow's reported state.

#ifndef SHADOWSYNC_AGENT_SENSORS_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_SENSOR_H_

#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::agent {

/// The clock sensors use for intervals and waveforms. Monotonic, so a wall
/// clock step never makes a command run twice or a waveform jump.
using SensorClock = std::chrono::steady_clock;

/// Where sensors look for the system and what time it is. The defaults are
/// the real machine; tests point the roots at fake trees in a temporary
/// directory and inject a clock they advance by hand.
///
/// Thread safety: a plain value; const access may run concurrently.
struct SensorEnvironment {
  /// Root of sysfs: hwmon chips under <sys_root>/class/hwmon, thermal zones
  /// under <sys_root>/class/thermal.
  std::string sys_root = "/sys";
  /// Root of procfs: loadavg, meminfo and uptime are read from here.
  std::string proc_root = "/proc";
  /// Returns the current time. Sensors call it from Sample() only (and once
  /// when they are made), never from another thread.
  std::function<SensorClock::time_point()> clock = [] { return SensorClock::now(); };
  /// The descriptor the "stdin" sensor reads. The sensor does not own it and
  /// never closes it; it must stay open while the sensor exists.
  int stdin_fd = STDIN_FILENO;
  /// For `--check-config`: the factory checks everything it would check,
  /// but a sensor that would take a resource another process may hold (the
  /// socket sensor binds, and replaces a stale socket file) is only
  /// checked, and an inert stand-in is returned. A running agent's socket
  /// is left alone.
  bool check_only = false;
};

/// One source of named parameters. The agent owns its sensors and calls
/// Sample() from its loop thread once per reporting tick.
///
/// Thread safety: not thread-safe; confine to one thread (the agent's loop).
/// No sensor starts a thread or calls back into the agent.
class Sensor {
 public:
  virtual ~Sensor();

  /// The key under which the agent reports this sensor's parameters. Unique
  /// among the agent's sensors (the agent's configuration checks that).
  virtual const std::string& name() const = 0;

  /// Replaces `out` with an object mapping parameter -> value (numbers,
  /// strings, booleans and nested objects), allocated from `allocator`,
  /// which must be the allocator of the document `out` belongs to.
  ///
  /// A failure returns a non-OK Status whose message names what failed (a
  /// path, a command, a line); the agent then reports {"error": message} for
  /// this sensor and keeps going, and the contents of `out` are unspecified.
  /// Codes: kNotFound (a file is missing), kTimeout (a command ran too long),
  /// kInvalidArgument (a value could not be parsed), kUnavailable (a source
  /// cannot be read), kInternal (an unexpected system error).
  /// Sample() never blocks for longer than the sensor's own timeout.
  [[nodiscard]] virtual Status Sample(JsonValue& out, JsonAllocator& allocator) = 0;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_SENSOR_H_
