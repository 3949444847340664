// SPDX-License-Identifier: Apache-2.0
//
// Builds a sensor from its configuration object. docs/agent.md ("Sensors")
// documents every type and key.

#ifndef SHADOWSYNC_AGENT_SENSORS_SENSOR_FACTORY_H_
#define SHADOWSYNC_AGENT_SENSORS_SENSOR_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "sensors/sensor.h"

namespace shadowsync::agent {

/// The sensor types MakeSensor() knows: "system", "hwmon", "file",
/// "command", "socket", "stdin", "simulated".
const std::vector<std::string>& SensorTypes();

/// Builds the sensor described by `config`, an object
/// {"type": "...", "name": "...", ...type-specific keys}, found at
/// `json_pointer` in the agent's configuration (e.g. "/sensors/2"). "name"
/// defaults to the type (the agent's configuration requires it and checks
/// that names are unique). "enabled" (a boolean) is accepted and ignored:
/// the caller decides whether to build a disabled sensor. Keys starting with
/// '_' are comments. Any other unknown key is refused, so a typo is not
/// silently ignored.
///
/// Errors are kInvalidArgument with a message that starts with the pointer
/// of the offending value and says what was expected and what was found:
///   /sensors/2/regex: invalid regular expression "(": ...
///   /sensors/0/type: unknown sensor type: expected one of "system", ..., found string "foo"
/// A socket that cannot be bound fails with the Status of SocketSensor::Create()
/// (kUnavailable, kFailedPrecondition), its message also prefixed with the pointer.
///
/// `env` is copied into the sensor where it needs it (the clock, the roots);
/// the "stdin" sensor borrows env.stdin_fd, which must outlive it.
Result<std::unique_ptr<Sensor>> MakeSensor(const JsonValue& config, const std::string& json_pointer,
                                           const SensorEnvironment& env);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_SENSOR_FACTORY_H_
