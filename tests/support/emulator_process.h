// SPDX-License-Identifier: Apache-2.0
//
// Test fixture piece: the shadowsync-emulator binary as a child process
// against a MosquittoBroker (issue 3, "Test fixture"). It builds the command
// line (broker URI, TLS files of a client certificate whose CN is the
// emulator's identity, store, seed, export, order, workers, limits, extra
// flags), starts the emulator with its stderr in a log file, and waits for
// the line "shadowsync-emulator: ready on <uri>" (polling with a deadline;
// on failure the error carries the log tail). Stop() sends SIGTERM and
// expects exit code 0, Kill() sends SIGKILL, Restart() starts the same
// command line again (same store, same log file, appended). The child is
// always reaped: the destructor stops it (SIGTERM, then SIGKILL).
//
// Thread safety: not thread-safe; confine to one thread (the thread that
// starts the emulator is the one whose death kills it, see ChildProcess).

#ifndef SHADOWSYNC_TESTS_SUPPORT_EMULATOR_PROCESS_H_
#define SHADOWSYNC_TESTS_SUPPORT_EMULATOR_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/status.h"
#include "support/child_process.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync::testing_support {

/// Which listener of the broker the emulator connects to.
enum class EmulatorListener {
  kTlsEc,   ///< ssl://localhost:P, EC server certificate; EC client certificate
  kTlsRsa,  ///< ssl://localhost:P, RSA server certificate; RSA client certificate
  kPlain,   ///< tcp://127.0.0.1:P (not available in ACL mode)
};

/// How to run the emulator. Unset optionals and empty strings leave the
/// emulator's own default (no flag is passed).
struct EmulatorProcessOptions {
  /// The shadowsync-emulator executable; empty: $SHADOWSYNC_EMULATOR.
  std::string binary;
  EmulatorListener listener = EmulatorListener::kTlsEc;
  /// CN of the emulator's client certificate (TLS listeners). Issued from
  /// the broker's CA when the broker's certificates have no such client. In
  /// ACL mode, list it in BrokerOptions::acl_privileged_identities.
  std::string identity = "shadowsync-emulator";

  std::string store_path;                      ///< --store
  std::string seed_file;                       ///< --seed-file
  std::string export_path;                     ///< --export
  std::string order;                           ///< --order accepted-first|delta-first|random
  std::optional<std::uint64_t> order_seed;     ///< --order-seed
  std::optional<int> workers;                  ///< --workers
  std::optional<int> max_inflight;             ///< --max-inflight
  std::optional<int> max_requests_per_second;  ///< --max-requests-per-second
  std::string log_level;                       ///< --log-level
  /// Appended verbatim after everything above.
  std::vector<std::string> extra_args;
  /// Added to (or replacing entries of) the test's environment, e.g.
  /// {"MQTT_C_CLIENT_TRACE", "ON"} to see Paho's view of a connect failure.
  std::vector<std::pair<std::string, std::string>> env;

  /// The emulator's stdout and stderr; empty: emulator.log in a private
  /// temp dir owned by the EmulatorProcess.
  std::string log_path;
  /// How long Start()/Restart() wait for the ready line.
  std::chrono::milliseconds ready_timeout{20000};
};

/// One shadowsync-emulator process.
class EmulatorProcess {
 public:
  /// The line the emulator prints (whatever --log-level) once it is
  /// connected and subscribed.
  static constexpr const char* kReadyLine = "shadowsync-emulator: ready on ";

  EmulatorProcess() = default;
  /// Stops the emulator (SIGTERM, SIGKILL after 5 s) and reaps it.
  ~EmulatorProcess() = default;
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  /// Builds the command line for `broker` and starts the emulator without
  /// waiting for it to be ready. kFailedPrecondition if one still runs;
  /// kInvalidArgument without a binary, for kPlain in ACL mode or a bad
  /// identity; certificate and ChildProcess::Start() errors otherwise.
  Status Launch(const MosquittoBroker& broker, EmulatorProcessOptions options);

  /// Waits until the current run printed the ready line. kUnavailable (with
  /// how it ended and the log tail) if the emulator exits first, kTimeout
  /// (with the log tail) when `timeout` passes.
  Status WaitUntilReady(std::chrono::milliseconds timeout);

  /// Launch() + WaitUntilReady(options.ready_timeout).
  Status Start(const MosquittoBroker& broker, EmulatorProcessOptions options);

  /// SIGTERM, SIGKILL after `timeout`; reaps. OK only when the emulator
  /// exited with code 0 (kInternal with the exit status and the log tail
  /// otherwise). OK when nothing runs and the last run exited 0.
  Status Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// SIGKILL and reap. OK if nothing runs.
  Status Kill();

  /// Starts the same command line (and environment) again after Stop() or Kill() (Stop()s it
  /// first when it still runs) and waits for the ready line. The log file
  /// is appended to. kFailedPrecondition before the first Launch().
  Status Restart();

  /// Sends `sig` to the emulator (e.g. SIGUSR1 for an export).
  Status Signal(int sig) { return process_.Signal(sig); }
  /// Waits for the emulator to end by itself (bad flags, bad seed file).
  Result<ExitStatus> WaitForExit(std::chrono::milliseconds timeout) {
    return process_.WaitForExit(timeout);
  }
  /// True while it runs (reaps it once it ended).
  bool IsRunning() { return process_.IsRunning(); }
  pid_t pid() const { return process_.pid(); }
  /// How the last run ended, once reaped.
  const std::optional<ExitStatus>& exit_status() const { return process_.exit_status(); }
  /// Wall time of the last Stop(): from the SIGTERM until reaped.
  std::chrono::milliseconds last_stop_duration() const { return last_stop_duration_; }

  /// The full command line (argv[0] is the binary).
  const std::vector<std::string>& argv() const { return argv_; }
  /// The --broker URI.
  const std::string& broker_uri() const { return broker_uri_; }
  /// The client certificate the emulator uses (empty for kPlain).
  const CertKeyPair& client_certificate() const { return client_certificate_; }

  /// The whole log, every run.
  std::string ReadLog() const { return process_.ReadLog(); }
  /// The log of the current (or last) run only.
  std::string CurrentLog() const;
  /// The last `max_lines` lines of the log, headed by its path.
  std::string LogTail(size_t max_lines = 40) const;
  const std::string& log_path() const { return log_path_; }
  /// Occurrences of `needle` in the current run's log.
  size_t CountInLog(const std::string& needle) const;
  /// Waits until `needle` occurs at least `count` times in the current run's
  /// log; false when `timeout` passes first.
  bool WaitForLog(const std::string& needle, std::chrono::milliseconds timeout,
                  size_t count = 1) const;

 private:
  Status LaunchCurrent(bool append);

  std::unique_ptr<TempDir> dir_;
  std::vector<std::string> argv_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::string broker_uri_;
  std::string log_path_;
  CertKeyPair client_certificate_;
  std::chrono::milliseconds ready_timeout_{20000};
  size_t log_offset_ = 0;  // log size when the current run started
  bool launched_ = false;
  std::chrono::milliseconds last_stop_duration_{0};
  ChildProcess process_;  // last: destroyed (stopped) first
};

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_EMULATOR_PROCESS_H_
