// SPDX-License-Identifier: Apache-2.0

#include "sensors/sensor_factory.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "sensors/command_sensor.h"
#include "sensors/config_reader.h"
#include "sensors/file_sensor.h"
#include "sensors/hwmon_sensor.h"
#include "sensors/sensor_util.h"
#include "sensors/simulated_sensor.h"
#include "sensors/socket_sensor.h"
#include "sensors/stdin_sensor.h"
#include "sensors/system_sensor.h"

namespace shadowsync::agent {
namespace {

// Early return of a failed Result's Status; keeps the parsers below flat.
#define SENSOR_CONCAT_INNER(a, b) a##b
#define SENSOR_CONCAT(a, b) SENSOR_CONCAT_INNER(a, b)
#define SENSOR_ASSIGN_OR_RETURN_IMPL(result, lhs, ...) \
  auto result = (__VA_ARGS__);                         \
  if (!result.ok()) return result.status();            \
  lhs = std::move(result).value()
#define SENSOR_ASSIGN_OR_RETURN(lhs, ...) \
  SENSOR_ASSIGN_OR_RETURN_IMPL(SENSOR_CONCAT(result_, __LINE__), lhs, __VA_ARGS__)

// The shortest text that reads back as `value`: "3" for 3.0, "0.1" for 0.1,
// as the user most likely wrote it.
std::string NumberText(double value) {
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

Status Prefixed(const std::string& pointer, const Status& status) {
  return Status(status.code(), pointer + ": " + status.message());
}

Result<std::unique_ptr<Sensor>> MakeSystem(ConfigReader& config, std::string name,
                                           const SensorEnvironment& env) {
  SystemSensorOptions options;
  options.name = std::move(name);
  SENSOR_ASSIGN_OR_RETURN(options.mounts, config.StringArray("mounts", {"/"}));
  SENSOR_ASSIGN_OR_RETURN(options.temperatures, config.Bool("temperatures", true));
  if (Status s = config.CheckNoUnknownKeys("a \"system\" sensor"); !s.ok()) return s;
  return std::unique_ptr<Sensor>(SystemSensor::Create(std::move(options), env));
}

Result<std::unique_ptr<Sensor>> MakeHwmon(ConfigReader& config, std::string name,
                                          const SensorEnvironment& env) {
  HwmonSensorOptions options;
  options.name = std::move(name);
  SENSOR_ASSIGN_OR_RETURN(options.chips, config.StringArray("chips", {}));
  if (Status s = config.CheckNoUnknownKeys("a \"hwmon\" sensor"); !s.ok()) return s;
  return std::unique_ptr<Sensor>(HwmonSensor::Create(std::move(options), env));
}

Result<std::unique_ptr<Sensor>> MakeFile(ConfigReader& config, std::string name) {
  FileSensorOptions options;
  options.name = std::move(name);
  SENSOR_ASSIGN_OR_RETURN(options.path, config.RequiredString("path", "the file to read"));
  SENSOR_ASSIGN_OR_RETURN(options.parameter, config.NonEmptyString("parameter", "value"));
  SENSOR_ASSIGN_OR_RETURN(options.regex, config.OptionalString("regex"));
  std::string kind;
  SENSOR_ASSIGN_OR_RETURN(kind, config.Choice("as", {"number", "string"}, "number"));
  options.kind =
      kind == "string" ? FileSensorOptions::Kind::kString : FileSensorOptions::Kind::kNumber;
  SENSOR_ASSIGN_OR_RETURN(options.scale, config.Number("scale", 1.0));
  SENSOR_ASSIGN_OR_RETURN(options.offset, config.Number("offset", 0.0));
  if (Status s = config.CheckNoUnknownKeys("a \"file\" sensor"); !s.ok()) return s;
  if (options.kind == FileSensorOptions::Kind::kString &&
      (config.Has("scale") || config.Has("offset"))) {
    return InvalidArgumentError(config.PointerTo(config.Has("scale") ? "scale" : "offset") +
                                ": expected no scale or offset with \"as\": \"string\", found one");
  }
  Result<std::unique_ptr<FileSensor>> sensor = FileSensor::Create(std::move(options));
  if (!sensor.ok()) return Prefixed(config.PointerTo("regex"), sensor.status());
  return std::unique_ptr<Sensor>(std::move(sensor).value());
}

Result<std::unique_ptr<Sensor>> MakeCommand(ConfigReader& config, std::string name,
                                            const SensorEnvironment& env) {
  CommandSensorOptions options;
  options.name = std::move(name);
  SENSOR_ASSIGN_OR_RETURN(options.command,
                          config.RequiredString("command", "a /bin/sh command line"));
  double interval = 0;
  double timeout = 0;
  SENSOR_ASSIGN_OR_RETURN(interval, config.PositiveNumber("interval_s", 60.0));
  SENSOR_ASSIGN_OR_RETURN(timeout, config.PositiveNumber("timeout_s", 10.0));
  options.interval = std::chrono::duration<double>(interval);
  options.timeout = std::chrono::duration<double>(timeout);
  SENSOR_ASSIGN_OR_RETURN(options.parameter, config.NonEmptyString("parameter", "value"));
  if (Status s = config.CheckNoUnknownKeys("a \"command\" sensor"); !s.ok()) return s;
  return std::unique_ptr<Sensor>(new CommandSensor(std::move(options), env));
}

// check_only's stand-in for a sensor that was checked but not built.
class CheckedSensor : public Sensor {
 public:
  explicit CheckedSensor(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  Status Sample(JsonValue&, JsonAllocator&) override {
    return FailedPreconditionError("sensor " + name_ + " was only checked (--check-config)");
  }

 private:
  std::string name_;
};

Result<std::unique_ptr<Sensor>> MakeSocket(ConfigReader& config, std::string name,
                                           const SensorEnvironment& env) {
  SocketSensorOptions options;
  options.name = std::move(name);
  SENSOR_ASSIGN_OR_RETURN(options.path, config.RequiredString("path", "the socket to listen on"));
  std::uint64_t max_clients = 0;
  SENSOR_ASSIGN_OR_RETURN(max_clients, config.Uint64("max_clients", 16));
  if (max_clients < 1 || max_clients > 1024) {
    return InvalidArgumentError(config.PointerTo("max_clients") +
                                ": expected an integer from 1 to 1024, found number " +
                                std::to_string(max_clients));
  }
  options.max_clients = static_cast<int>(max_clients);
  if (Status s = config.CheckNoUnknownKeys("a \"socket\" sensor"); !s.ok()) return s;
  if (env.check_only) {
    if (Status s = SocketSensor::CheckPath(options); !s.ok()) {
      return Prefixed(config.PointerTo("path"), s);
    }
    return std::unique_ptr<Sensor>(new CheckedSensor(std::move(options.name)));
  }
  Result<std::unique_ptr<SocketSensor>> sensor = SocketSensor::Create(std::move(options));
  if (!sensor.ok()) return Prefixed(config.PointerTo("path"), sensor.status());
  return std::unique_ptr<Sensor>(std::move(sensor).value());
}

Result<std::unique_ptr<Sensor>> MakeStdin(ConfigReader& config, std::string name,
                                          const SensorEnvironment& env) {
  if (Status s = config.CheckNoUnknownKeys("a \"stdin\" sensor"); !s.ok()) return s;
  return std::unique_ptr<Sensor>(new StdinSensor(std::move(name), env.stdin_fd));
}

Result<Waveform> ParseWaveform(const JsonValue& value, const std::string& pointer,
                               std::string parameter) {
  Waveform w;
  w.parameter = std::move(parameter);
  Result<ConfigReader> made = ConfigReader::Make(value, pointer);
  if (!made.ok()) {
    return InvalidArgumentError(pointer + ": expected a waveform object, found " +
                                DescribeFoundValue(value));
  }
  ConfigReader& config = *made;
  std::string kind;
  SENSOR_ASSIGN_OR_RETURN(kind, config.Choice("waveform", {"sine", "ramp", "random_walk"}, ""));
  if (kind.empty()) {
    return InvalidArgumentError(config.PointerTo("waveform") +
                                ": expected one of \"sine\", \"ramp\", \"random_walk\", found "
                                "nothing: the key is required");
  }
  constexpr double kHuge = std::numeric_limits<double>::max();
  if (kind == "sine") {
    w.kind = Waveform::Kind::kSine;
    SENSOR_ASSIGN_OR_RETURN(w.period_s, config.PositiveNumber("period_s", 60.0));
    SENSOR_ASSIGN_OR_RETURN(w.phase_s, config.Number("phase_s", 0.0));
    SENSOR_ASSIGN_OR_RETURN(w.amplitude, config.Number("amplitude", 1.0));
    SENSOR_ASSIGN_OR_RETURN(w.offset, config.Number("offset", 0.0));
  } else if (kind == "ramp") {
    w.kind = Waveform::Kind::kRamp;
    SENSOR_ASSIGN_OR_RETURN(w.period_s, config.PositiveNumber("period_s", 60.0));
    SENSOR_ASSIGN_OR_RETURN(w.phase_s, config.Number("phase_s", 0.0));
    SENSOR_ASSIGN_OR_RETURN(w.min, config.Number("min", 0.0));
    SENSOR_ASSIGN_OR_RETURN(w.max, config.Number("max", 100.0));
  } else {
    w.kind = Waveform::Kind::kRandomWalk;
    SENSOR_ASSIGN_OR_RETURN(w.start, config.Number("start", 0.0));
    SENSOR_ASSIGN_OR_RETURN(w.step, config.PositiveNumber("step", 1.0));
    SENSOR_ASSIGN_OR_RETURN(w.min, config.Number("min", -kHuge));
    SENSOR_ASSIGN_OR_RETURN(w.max, config.Number("max", kHuge));
    SENSOR_ASSIGN_OR_RETURN(w.seed, config.Uint64("seed", 1));
    if (w.start < w.min || w.start > w.max) {
      return InvalidArgumentError(config.PointerTo("start") + ": expected a number from min to " +
                                  "max, found number " + NumberText(w.start));
    }
  }
  if (Status s = config.CheckNoUnknownKeys("a \"" + kind + "\" waveform"); !s.ok()) return s;
  if (w.min > w.max) {
    return InvalidArgumentError(config.PointerTo("max") + ": expected a number >= min (" +
                                NumberText(w.min) + "), found number " + NumberText(w.max));
  }
  return w;
}

Result<std::unique_ptr<Sensor>> MakeSimulated(ConfigReader& config, std::string name,
                                              const SensorEnvironment& env) {
  SimulatedSensorOptions options;
  options.name = std::move(name);
  const JsonValue* signals = nullptr;
  SENSOR_ASSIGN_OR_RETURN(signals, config.Object("signals", /*required=*/true));
  if (signals->MemberCount() == 0) {
    return InvalidArgumentError(config.PointerTo("signals") +
                                ": expected at least one parameter, found object {}");
  }
  for (auto it = signals->MemberBegin(); it != signals->MemberEnd(); ++it) {
    std::string parameter(it->name.GetString(), it->name.GetStringLength());
    const std::string pointer = JsonPointerAppend(config.PointerTo("signals"), parameter);
    Waveform waveform;
    SENSOR_ASSIGN_OR_RETURN(waveform, ParseWaveform(it->value, pointer, std::move(parameter)));
    options.waveforms.push_back(std::move(waveform));
  }
  if (Status s = config.CheckNoUnknownKeys("a \"simulated\" sensor"); !s.ok()) return s;
  return std::unique_ptr<Sensor>(new SimulatedSensor(std::move(options), env));
}

#undef SENSOR_ASSIGN_OR_RETURN
#undef SENSOR_ASSIGN_OR_RETURN_IMPL
#undef SENSOR_CONCAT
#undef SENSOR_CONCAT_INNER

}  // namespace

const std::vector<std::string>& SensorTypes() {
  static const std::vector<std::string> kTypes = {"system", "hwmon", "file",     "command",
                                                  "socket", "stdin", "simulated"};
  return kTypes;
}

Result<std::unique_ptr<Sensor>> MakeSensor(const JsonValue& config, const std::string& json_pointer,
                                           const SensorEnvironment& env) {
  Result<ConfigReader> made = ConfigReader::Make(config, json_pointer);
  if (!made.ok()) return made.status();
  ConfigReader& reader = *made;

  Result<std::string> type = reader.RequiredString("type", "the sensor type");
  if (!type.ok()) return type.status();
  bool known = false;
  std::string expected;
  for (const std::string& candidate : SensorTypes()) {
    known = known || candidate == *type;
    expected += (expected.empty() ? "\"" : ", \"") + candidate + "\"";
  }
  if (!known) {
    return InvalidArgumentError(reader.PointerTo("type") +
                                ": unknown sensor type: expected one of " + expected +
                                ", found string " + QuoteForMessage(*type));
  }
  Result<std::string> name = reader.NonEmptyString("name", *type);
  if (!name.ok()) return name.status();
  // Whether to build the sensor at all is the agent's decision; the key is
  // only type-checked here so that the whole object can be passed in.
  if (Result<bool> enabled = reader.Bool("enabled", true); !enabled.ok()) {
    return enabled.status();
  }

  if (*type == "system") return MakeSystem(reader, std::move(name).value(), env);
  if (*type == "hwmon") return MakeHwmon(reader, std::move(name).value(), env);
  if (*type == "file") return MakeFile(reader, std::move(name).value());
  if (*type == "command") return MakeCommand(reader, std::move(name).value(), env);
  if (*type == "socket") return MakeSocket(reader, std::move(name).value(), env);
  if (*type == "stdin") return MakeStdin(reader, std::move(name).value(), env);
  return MakeSimulated(reader, std::move(name).value(), env);
}

}  // namespace shadowsync::agent
