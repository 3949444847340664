// SPDX-License-Identifier: Apache-2.0
//
// The "command" sensor: runs an administrator's shell command on its own
// interval and reports a number or a JSON object from its standard output.

#ifndef SHADOWSYNC_AGENT_SENSORS_COMMAND_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_COMMAND_SENSOR_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "sensors/sensor.h"

namespace shadowsync::agent {

struct CommandSensorOptions {
  std::string name;
  /// Run as /bin/sh -c <command>. It comes from the agent's configuration,
  /// which only the administrator can write, so it is trusted as a script.
  std::string command;
  /// Shortest time between two runs; samples in between report the cached
  /// result of the last run.
  std::chrono::duration<double> interval = std::chrono::seconds(60);
  /// Longest a run may take; then its whole process group gets SIGKILL.
  std::chrono::duration<double> timeout = std::chrono::seconds(10);
  /// The parameter a plain number is reported under.
  std::string parameter = "value";
};

/// Output is trimmed and parsed as JSON: a number is reported as
/// {parameter: number}; an object's members are reported as they are (at
/// most kMaxJsonLineDepth deep). Anything else is an error.
///
/// Each run is synchronous inside Sample(), when the interval has elapsed
/// since the previous run began (the first Sample() always runs). The child
/// runs in its own process group with stdin on /dev/null, the signal mask
/// cleared, SIGPIPE at its default and no descriptors but 0-2 (so it neither
/// inherits the agent's blocked SIGTERM nor holds its sockets). stdout is
/// limited to 64 KiB and stderr is kept (4 KiB) for error messages. On
/// timeout the group is killed with SIGKILL and the child reaped, so Sample()
/// never waits much longer than `timeout` and leaves no zombie.
///
/// Errors (cached like results until the next run): kTimeout ("... timed
/// out after 0.2 s; killed its process group"), kUnavailable (non-zero exit
/// or death by a signal, with stderr's start), kInvalidArgument (output that
/// is not a number or an object, or too long), kInternal (fork/pipe failed).
/// Every message quotes the command.
///
/// Thread safety: not thread-safe; confine to one thread.
class CommandSensor : public Sensor {
 public:
  CommandSensor(CommandSensorOptions options, const SensorEnvironment& env)
      : options_(std::move(options)), clock_(env.clock) {}

  const std::string& name() const override { return options_.name; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

  /// How many times the command has been started.
  int run_count() const { return run_count_; }

 private:
  // Runs the command once and stores its outcome in last_*.
  void Run();

  CommandSensorOptions options_;
  std::function<SensorClock::time_point()> clock_;
  std::optional<SensorClock::time_point> last_run_;
  int run_count_ = 0;
  JsonDocument last_value_;  // an object when last_status_ is OK
  Status last_status_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_COMMAND_SENSOR_H_
