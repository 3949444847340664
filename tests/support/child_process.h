// SPDX-License-Identifier: Apache-2.0
//
// Test helper: start, signal, stop and reap a child process (mosquitto, the
// emulator, openssl, mosquitto_pub ...). PID 1 in our containers does not reap
// orphans, so whoever starts a process must waitpid() it; this class always
// does, also from its destructor.

#ifndef SHADOWSYNC_TESTS_SUPPORT_CHILD_PROCESS_H_
#define SHADOWSYNC_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::testing_support {

/// How a child ended, from waitpid().
class ExitStatus {
 public:
  explicit ExitStatus(int wait_status) : wait_status_(wait_status) {}

  bool exited() const;      ///< ended by exit() / return from main
  int exit_code() const;    ///< valid when exited()
  bool signaled() const;    ///< ended by a signal
  int term_signal() const;  ///< valid when signaled()
  bool success() const { return exited() && exit_code() == 0; }
  int wait_status() const { return wait_status_; }

  /// "exited with code 3" or "killed by signal 15 (Terminated)".
  std::string ToString() const;

 private:
  int wait_status_;
};

/// What to run and where its output goes.
struct ChildProcessOptions {
  /// argv[0] is looked up in $PATH (of the child's environment) unless it
  /// contains a '/'. Must not be empty.
  std::vector<std::string> argv;
  /// Added to (or replacing entries of) the parent's environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// Working directory of the child; empty keeps the parent's.
  std::string working_dir;
  /// stdout and stderr both go here; empty means /dev/null. stdin is always
  /// /dev/null.
  std::string log_path;
  /// Append to log_path instead of truncating it (Restart() keeps one log).
  bool append_log = false;
  /// The child gets SIGKILL when the thread that started it dies
  /// (PR_SET_PDEATHSIG), so a crashed or killed test binary leaves no broker
  /// behind. Caveat: it is the starting *thread*, so turn this off when
  /// starting from a short-lived std::thread.
  bool die_with_parent = true;
};

/// One child process in its own process group. Start() forks and execs it
/// with all other file descriptors closed, the signal mask cleared and
/// signal dispositions reset. Stop()/Kill() signal the whole group, so
/// helpers the child started go too. Every path that ends the child reaps it
/// with waitpid(); after that the pid is never signalled again (it may be
/// reused).
///
/// Thread safety: not thread-safe; confine to one thread.
class ChildProcess {
 public:
  ChildProcess() = default;
  /// Stop()s the child (SIGTERM, then SIGKILL after 5 s) and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Starts the child. Returns kFailedPrecondition if a previous child has
  /// not been reaped yet, kInvalidArgument for an empty argv, kNotFound when
  /// the program or working directory does not exist, kInternal for other
  /// fork/exec failures (exec errors are reported here, not as exit 127).
  Status Start(ChildProcessOptions options);

  /// The child's pid (also its process group id); -1 before Start().
  pid_t pid() const { return pid_; }

  /// True while the child runs. Reaps it (waitpid WNOHANG) once it has ended.
  bool IsRunning();

  /// Sends `sig` to the child only (not its group). kFailedPrecondition if
  /// there is no unreaped child; kInternal if kill() fails.
  Status Signal(int sig);

  /// Waits up to `timeout` for the child to end on its own and reaps it.
  /// kTimeout if it is still running, kFailedPrecondition if never started.
  Result<ExitStatus> WaitForExit(std::chrono::milliseconds timeout);

  /// SIGTERM to the process group, SIGKILL to it after `timeout`, then
  /// waitpid(). Finally SIGKILLs whatever is left in the group. OK if there
  /// is nothing to stop. Check exit_status() to see how it ended.
  Status Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// SIGKILL to the process group, then waitpid().
  Status Kill();

  /// Set once the child has been reaped.
  const std::optional<ExitStatus>& exit_status() const { return exit_status_; }

  /// The log file given in the options ("" when there is none or it is
  /// unreadable).
  std::string ReadLog() const;
  const std::string& log_path() const { return options_.log_path; }

 private:
  // Records a reaped child's status.
  void Reaped(int wait_status);

  ChildProcessOptions options_;
  pid_t pid_ = -1;
  bool reaped_ = true;
  std::optional<ExitStatus> exit_status_;
};

/// The result of RunProcess().
struct ProcessOutput {
  ExitStatus status;
  std::string output;  ///< stdout and stderr, interleaved
};

/// Runs a command to completion, capturing its output (in a temp file when
/// options.log_path is empty). kTimeout (with the output so far in the
/// message) when it runs longer than `timeout`; it is then killed and reaped.
/// Other errors as ChildProcess::Start().
Result<ProcessOutput> RunProcess(ChildProcessOptions options,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Absolute path of `program` found in `search_path` (":"-separated), or in
/// `extra_dirs` after it. kNotFound when absent or not executable.
Result<std::string> FindExecutable(const std::string& program, const std::string& search_path,
                                   const std::vector<std::string>& extra_dirs = {});

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_CHILD_PROCESS_H_
