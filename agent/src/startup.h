// SPDX-License-Identifier: Apache-2.0
//
// Everything shadowsync-agent builds before it connects, in one function
// that both a start and `--check-config` call, so that the check cannot
// miss what a start refuses (issue 15, F1):
//
//   1. the MQTT options and the TLS material: inline PEM written to private
//      files, every file read and parsed with OpenSSL, the key matched
//      against the certificate (ValidateMqttOptions, in MakePahoTransport);
//      the ShadowClient: the thing and shadow names, the journal file
//   2. the Agent: every enabled sensor through the sensor factory
//   3. the journal's directory (created by a start, checked by a check)
//   4. the local output's directory and file (same)
//
// The configuration itself (file, flags, CheckConnectionReady) is loaded
// before, by the same code for both (main.cc). Only the connection is left:
// nothing here opens a socket to the broker. In check mode nothing is
// created or taken either: directories are checked for being creatable, and
// a socket sensor is checked but not bound (SensorEnvironment::check_only).
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_AGENT_SRC_STARTUP_H_
#define SHADOWSYNC_AGENT_SRC_STARTUP_H_

#include <memory>
#include <string>

#include "cli/log.h"
#include "shadowsync/status.h"
#include "src/agent.h"
#include "src/config.h"
#include "src/connection.h"

namespace shadowsync::agent {

// Exit codes (docs/agent.md, "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUsage = 2;       // bad flags or configuration
inline constexpr int kExitConnection = 3;  // the connection cannot be set up at all
inline constexpr int kExitUnflushed = 4;   // stopped with reports not acknowledged

enum class StartMode {
  kRun,    ///< build for real: create directories, bind sockets
  kCheck,  ///< `--check-config`: the same checks, nothing created or taken
};

/// What PrepareStart() built. Declared so that the agent (which owns the
/// client and its transport) goes before the inline PEM files.
struct PreparedStart {
  /// kExitOk, or kExitUsage / kExitConnection with `error`.
  int exit_code = kExitOk;
  /// The message to log as "error: <message>"; the same in both modes.
  std::string error;
  /// Private copies of inline PEM; outlive the transport.
  std::unique_ptr<InlinePemFiles> pem_files;
  /// The agent with its sensors and its (not started) client; null on error.
  std::unique_ptr<Agent> agent;

  bool ok() const { return exit_code == kExitOk; }
};

/// Builds everything a start builds except the connection (see the file
/// comment), for `config` as loaded with the command-line flags applied.
/// `log` must outlive the result.
PreparedStart PrepareStart(const AgentConfig& config, StartMode mode, cli::Logger& log,
                           AgentEnvironment environment = {});

/// The directory that will hold `file` (the journal, the local output):
/// kRun creates it (with `private_mode`, 0700, when it did not exist) and
/// checks that it is a writable directory; kCheck checks that it is one, or
/// that the nearest existing parent would let a start create it.
/// kFailedPrecondition "<what> <file>: cannot create <dir>: <reason>" or
/// "<what> <file>: <dir>: <reason>".
Status PrepareDirectoryFor(const std::string& what, const std::string& file, StartMode mode,
                           bool private_mode);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_STARTUP_H_
