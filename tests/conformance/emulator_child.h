// SPDX-License-Identifier: Apache-2.0
//
// The conformance runner's wire mode starts shadowsync-emulator once per
// vector. EmulatorChild is the small launcher it needs: fork and exec with
// stdout and stderr on a pipe, a thread that collects the output lines, a
// wait for the "ready on" line (no polling: the reader thread signals it),
// and SIGKILL plus waitpid() to end it. The runner needs no clean stop: the
// emulator keeps its shadows in memory and the next vector starts afresh.
//
// Self-contained (no gtest, no tests/support) so that the runner stays a
// plain program. The child gets SIGKILL when the thread that started it
// dies (PR_SET_PDEATHSIG), so a killed runner leaves no emulator behind.
//
// Thread safety: not thread-safe; confine to one thread (the one that
// starts the child, see PR_SET_PDEATHSIG).

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_EMULATOR_CHILD_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_EMULATOR_CHILD_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::conformance {

class EmulatorChild {
 public:
  /// The line the emulator prints once it is connected and subscribed
  /// (docs/emulator.md, "Logging").
  static constexpr const char* kReadyPrefix = "shadowsync-emulator: ready on ";

  EmulatorChild() = default;
  /// Kill()s a running child.
  ~EmulatorChild();
  EmulatorChild(const EmulatorChild&) = delete;
  EmulatorChild& operator=(const EmulatorChild&) = delete;

  /// Starts `argv` (argv[0] a path) and waits until it prints the ready
  /// line. kFailedPrecondition while a child runs; kInternal when fork or
  /// pipe fail; kUnavailable when the child exits (exec failure: exit 127)
  /// or `ready_timeout` passes first; the child is killed and reaped then,
  /// and the message ends with its output.
  Status Start(const std::vector<std::string>& argv, std::chrono::milliseconds ready_timeout);

  /// Another program's ready line: a line that contains `marker` (e.g.
  /// mosquitto's " running" line when the service is the broker plugin).
  void set_ready_marker(std::string marker) { ready_marker_ = std::move(marker); }

  /// SIGKILL, waitpid() and the end of the output. Returns how the child
  /// ended: "" when it was still running (the normal case), else e.g.
  /// "exited with code 1" for a child that ended by itself. Idempotent.
  std::string Kill();

  bool running() const { return pid_ > 0; }

  /// The output lines (without the newline) since the last call, each
  /// prefixed with the milliseconds since Start() forked, e.g. "+12.3 ms ".
  std::vector<std::string> TakeLines();

  /// The last `max_lines` output lines, one per line, for error messages.
  std::string Tail(std::size_t max_lines = 20);

 private:
  void ReadOutput(int fd);

  pid_t pid_ = -1;
  std::string ready_marker_;  // empty: a line starting with kReadyPrefix
  std::thread reader_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::string> lines_;                               // guarded by mu_
  std::vector<std::chrono::steady_clock::duration> line_times_;  // guarded by mu_
  std::size_t taken_ = 0;                                        // lines_ handed out by TakeLines()
  bool ready_ = false;                                           // guarded by mu_
  bool eof_ = false;                                             // guarded by mu_
};

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_EMULATOR_CHILD_H_
