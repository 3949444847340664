// SPDX-License-Identifier: Apache-2.0
//
// The command-line front end every shadowsync program shares, on CLI11:
// shadowsync-agent, shadowsync-emulator, shadowctl, shadowsync-demo, the
// examples and the benches. One set of conventions:
//
//   - `--name value` and `--name=value` both work; `-h`/`--help` prints the
//     flags with their defaults and exits 0; `--version` prints
//     "<program> <version>" and exits 0.
//   - A bad command line is one line on stderr, "error: <what>", naming the
//     flag and the value, then where to look ("see 'shadowctl --help'"),
//     and exit code 2 (kExitUsage in every program).
//   - An unknown flag suggests the nearest known one ("unknown flag
//     '--brokr'; did you mean '--broker'?"); a flag where a value belongs is
//     refused ("--store: needs a value (got the flag '--export')",
//     flag_as_value.h); --help wraps at 80 columns (help_format.h).
//
// The connection flags (--broker, --ca, ...) are in connection_flags.h.
// CLI11 reports errors with exceptions; they never leave Parse().
//
// Thread safety: functions over one CLI::App; confine an App to one thread.

#ifndef SHADOWSYNC_CLI_COMMAND_LINE_H_
#define SHADOWSYNC_CLI_COMMAND_LINE_H_

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::cli {

/// Exit code of a bad command line, the same in every program.
inline constexpr int kExitUsage = 2;

/// What a successful parse asks the program to do.
enum class ParseOutcome {
  kRun,      ///< the flags are valid: run
  kHelp,     ///< -h/--help: print HelpText() and exit 0
  kVersion,  ///< --version: print VersionText() and exit 0
};

/// One program's command line: a CLI::App with the shared conventions.
/// The program adds its flags (and subcommands) to app(), then parses.
///
/// Thread safety: not thread-safe; confine to one thread.
class CommandLine {
 public:
  /// `name` as the user types it ("shadowctl"); `description`, the first
  /// paragraph of --help; `version` for --version.
  CommandLine(std::string name, std::string description, std::string version);

  CLI::App& app() { return app_; }

  /// Parses `args` (without the program name). kInvalidArgument with the
  /// message that follows "error: ", naming the flag. --help anywhere wins
  /// over every error.
  Result<ParseOutcome> Parse(const std::vector<std::string>& args);

  /// The --help text of the program, or of the subcommand that Parse()
  /// chose.
  std::string HelpText() const;

  /// "<name> <version>\n".
  std::string VersionText() const;

  /// main()'s whole front end: Parse(argv[1..]); prints the help or the
  /// version to `out`, or "error: ..." and a hint to `err`. nullopt: go on
  /// and run; otherwise the exit code to return (0, or kExitUsage).
  std::optional<int> ParseOrExit(int argc, const char* const* argv, std::ostream& out,
                                 std::ostream& err);

 private:
  std::string UnknownArgument(const std::string& argument) const;

  CLI::App app_;
  std::string version_;
  bool flags_checked_ = false;
};

}  // namespace shadowsync::cli

#endif  // SHADOWSYNC_CLI_COMMAND_LINE_H_
