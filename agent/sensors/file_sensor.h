// SPDX-License-Identifier: Apache-2.0
//
// The "file" sensor: one value read from a file on each sample (a 1-wire
// DS18B20's w1_slave, a GPIO's value, any sysfs attribute).

#ifndef SHADOWSYNC_AGENT_SENSORS_FILE_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_FILE_SENSOR_H_

#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "sensors/sensor.h"

namespace shadowsync::agent {

/// What a file sensor reads and how it turns the text into a value.
struct FileSensorOptions {
  std::string name;
  /// The file, read whole (at most 64 KiB) on every sample.
  std::string path;
  /// The parameter the value is reported under.
  std::string parameter = "value";
  /// ECMAScript regular expression searched in the text; the value is its
  /// first capture group, or the whole match when it has no group. Without
  /// one the value is the whole text, trimmed of white space.
  std::optional<std::string> regex;
  /// "number": parsed as a number, then value * scale + offset.
  /// "string": the text as is (scale and offset must stay 1 and 0).
  enum class Kind { kNumber, kString } kind = Kind::kNumber;
  double scale = 1.0;
  double offset = 0.0;
};

/// Reports {parameter: value}. Errors name the path: kNotFound when the file
/// is missing, kUnavailable when it cannot be read, kInvalidArgument when the
/// regular expression does not match or the text is not a number.
///
/// Thread safety: not thread-safe; confine to one thread.
class FileSensor : public Sensor {
 public:
  /// kInvalidArgument for an invalid regular expression (the message says
  /// why; the factory prefixes the JSON pointer).
  static Result<std::unique_ptr<FileSensor>> Create(FileSensorOptions options);

  const std::string& name() const override { return options_.name; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

 private:
  FileSensor(FileSensorOptions options, std::optional<std::regex> regex)
      : options_(std::move(options)), regex_(std::move(regex)) {}

  FileSensorOptions options_;
  std::optional<std::regex> regex_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_FILE_SENSOR_H_
