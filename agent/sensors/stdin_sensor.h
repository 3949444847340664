// SPDX-License-Identifier: Apache-2.0
//
// The "stdin" sensor: a program that starts the agent (or a pipe in a
// systemd unit) feeds it JSON lines on standard input.

#ifndef SHADOWSYNC_AGENT_SENSORS_STDIN_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_STDIN_SENSOR_H_

#include <memory>
#include <string>

#include "sensors/json_lines.h"
#include "sensors/sensor.h"

namespace shadowsync::agent {

/// Reads JSON lines, each one object, from a descriptor it borrows
/// (SensorEnvironment::stdin_fd; it must stay open while the sensor lives).
/// The latest value of each key wins and `null` removes a key.
///
/// No thread: Sample() polls the descriptor and reads only while poll() says
/// data is ready, so it never blocks and never changes the descriptor's
/// flags (O_NONBLOCK would be shared with whoever else holds it, such as a
/// terminal). At most 1 MiB is read per sample. After end of file the last
/// values keep being reported.
///
/// Malformed lines: as for the socket sensor, the sample that drained them
/// returns kInvalidArgument naming the first ("malformed line 7 of stdin:
/// ..."); good lines of the same drain are kept for the next sample.
///
/// Thread safety: not thread-safe; confine to one thread.
class StdinSensor : public Sensor {
 public:
  StdinSensor(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}

  const std::string& name() const override { return name_; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

  /// True once the descriptor reached end of file.
  bool at_eof() const { return eof_; }

 private:
  std::string name_;
  int fd_;
  bool eof_ = false;
  LineSplitter lines_;
  LatestValues values_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_STDIN_SENSOR_H_
