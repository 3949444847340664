// SPDX-License-Identifier: Apache-2.0
//
// Device: one device process of the chaos run, examples/lamp (with its
// journal) or shadowsync-agent (a simulated sensor, a journal), connected
// through the FaultProxy. Each start is a new "life" with a log file of its
// own (<name>.<life>.log), so that what a process applied can be checked per
// process life; the journal is shared by all lives. DeviceLog reads what a
// life's log says: the lamp's "state", "applied" and "reported" lines, the
// agent's "remote configuration vN" lines.
//
// With a libfaketime library, every life runs under it (LD_PRELOAD) with an
// offset file of its own (<name>.faketime) that StepClock() rewrites: the
// device's CLOCK_REALTIME jumps, as with an NTP step, while its monotonic
// clock goes on (FAKETIME_DONT_FAKE_MONOTONIC). The offset survives the
// lives, as a device's clock would.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_TESTS_CHAOS_DEVICE_H_
#define SHADOWSYNC_TESTS_CHAOS_DEVICE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "support/child_process.h"

namespace shadowsync::chaos {

/// What one process life's log says.
struct DeviceLog {
  struct Applied {
    std::string key;    // "power", "brightness", "agent"
    std::string value;  // as logged
    std::uint64_t version = 0;
  };
  std::vector<Applied> applied;
  /// The lamp's last "lamp: state {...}" JSON ("" before any).
  std::string state;
  /// The highest version the log saw acknowledged ("reported ... (version N)").
  std::uint64_t max_reported_version = 0;
  bool ready = false;  // lamp: "lamp: ready"; agent: "online"

  static DeviceLog Parse(const std::string& text);
};

class Device {
 public:
  enum class Kind { kLamp, kAgent };

  /// How long after StepClock() the device sees the new time at the
  /// latest (libfaketime reads the offset file again after this).
  static constexpr std::chrono::milliseconds kClockStepDelay{1500};

  /// `dir` holds the logs, the journal and (agent) the configuration;
  /// `binary` is the lamp's or the agent's executable; `faketime_library`
  /// (libfaketime.so.1), when not empty, lets StepClock() work.
  Device(Kind kind, std::string name, std::string dir, std::string binary,
         std::string faketime_library = "");

  Kind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::string& journal_path() const { return journal_; }
  int life() const { return life_; }
  std::string LogPath(int life) const;
  bool running() { return process_.pid() > 0 && process_.IsRunning(); }

  /// Starts a new life connected to tcp://127.0.0.1:`port`.
  Status Start(int port);
  /// kill -9 (the process group) and reap.
  Status Kill();
  /// SIGTERM and wait up to `timeout` for the exit.
  Result<testing_support::ExitStatus> Terminate(std::chrono::milliseconds timeout);
  /// Moves the device's wall clock by `by` (on top of earlier steps); the
  /// running life sees it within kClockStepDelay. kFailedPrecondition
  /// without a libfaketime library.
  Status StepClock(std::chrono::seconds by);
  /// The wall clock's offset from the real one, the sum of the steps.
  std::chrono::seconds clock_offset() const { return clock_offset_; }

  /// The current life's log (empty before the first start).
  DeviceLog CurrentLog() const;
  std::string ReadLog(int life) const;

 private:
  Status WriteClockFile() const;

  Kind kind_;
  std::string name_;
  std::string dir_;
  std::string binary_;
  std::string journal_;
  std::string faketime_library_;
  std::string clock_file_;
  std::chrono::seconds clock_offset_{0};
  int life_ = 0;
  testing_support::ChildProcess process_;
};

}  // namespace shadowsync::chaos

#endif  // SHADOWSYNC_TESTS_CHAOS_DEVICE_H_
