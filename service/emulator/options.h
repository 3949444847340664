// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-emulator's command line: every flag, its default and its
// checks, as a function of argv so that tests cover it without a process.
// Built on the shared front end (cli/): the connection flags are
// cli::AddConnectionFlags', the conventions (--x=v, --help, --version, did
// you mean) cli::CommandLine's; the values of the service's own flags are
// checked as the broker plugin checks them (host_option_values.h).
// HelpText() is the --help output and the reference for docs/emulator.md.
//
// `--seed` (from the issue) names two things: the random publish order's
// seed (`--order random --seed N`) and the seed *file* of shadows loaded at
// start (`--seed FILE`). The value decides: only decimal digits make an
// order seed, anything else is a file path (write `./42` for a file called
// 42). `--order-seed N` and `--seed-file FILE` say it explicitly. An order
// seed without `--order random` is an error, which catches a file name
// mistaken for a number.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_TOOLS_EMULATOR_OPTIONS_H_
#define SHADOWSYNC_TOOLS_EMULATOR_OPTIONS_H_

#include <string>
#include <vector>

#include "emulator.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"

namespace shadowsync::emulator {

/// Process exit codes (also in --help and docs/emulator.md).
enum ExitCode : int {
  kExitOk = 0,       ///< clean stop (SIGTERM/SIGINT), --help, --version
  kExitFailure = 1,  ///< runtime failure: store, subscription refused, final export
  kExitUsage = 2,    ///< bad flag or value, bad TLS files, bad seed file
};

/// The program's version, as --version prints it.
const char* EmulatorVersion();

struct CommandLine {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;

  /// Broker URI, TLS files, ALPN, client id, clean session. Defaults:
  /// tcp://localhost:1883, client id "shadowsync-emulator-<pid>".
  MqttOptions mqtt;
  /// Limits, order, order seed, max_inflight, workers.
  EmulatorOptions emulator;
  cli::LogLevel log_level = cli::LogLevel::kInfo;

  /// SQLite database; empty keeps the shadows in memory.
  std::string store_path;
  /// Shadows to load at start; empty for none.
  std::string seed_file;
  /// Where SIGUSR1 and a clean stop write the shadows; empty for nowhere.
  std::string export_file;
};

/// Parses the arguments after the program name. `pid` makes the default
/// client id. kInvalidArgument with a message that names the flag and the
/// bad value, e.g. "--max-depth: invalid value 'x': expected an integer from
/// 1 to 64". Does not touch the file system (main checks the TLS files with
/// ValidateMqttOptions, and opens the store and the seed file).
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args, long pid);

/// The --help text: usage, every flag with its default, exit codes, signals.
std::string HelpText();

/// "shadowsync-emulator <version>\n".
std::string VersionText();

/// Whether a failed first connect (the transport's message) is a
/// configuration error that retrying cannot fix: a TLS mismatch (wrong
/// scheme or port, a certificate the broker refuses or requires, a server
/// certificate that does not verify, no common ALPN protocol, a TLS file
/// that cannot be loaded) or a CONNACK refusal other than "server
/// unavailable" (bad protocol version, client id, user name or password, not
/// authorized). The emulator then exits kExitUsage instead of retrying.
bool IsConfigurationError(const std::string& connect_message);

}  // namespace shadowsync::emulator

#endif  // SHADOWSYNC_TOOLS_EMULATOR_OPTIONS_H_
