// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-agent's command line: its own flags and the shared connection
// flags (cli/connection_flags.h), their checks and --help, as a function of
// the arguments so that tests cover it without a process. The connection
// flags override the file's "connection" block (config.h,
// ApplyCommandLineOverrides).
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_AGENT_SRC_COMMAND_LINE_H_
#define SHADOWSYNC_AGENT_SRC_COMMAND_LINE_H_

#include <optional>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "shadowsync/status.h"
#include "src/config.h"

namespace shadowsync::agent {

/// Everything the command line says.
struct AgentFlags {
  std::string config_path;
  bool check_config = false;
  bool print_default = false;
  bool demo = false;
  double demo_seconds = 12;
  std::optional<double> run_seconds;
  std::optional<double> interval_seconds;
  std::optional<LogLevel> log_level;
  ConnectionOverrides overrides;
};

/// The parse: what to do, the flags, and for kHelp / kVersion the text to
/// print.
struct AgentCommandLine {
  cli::ParseOutcome outcome = cli::ParseOutcome::kRun;
  AgentFlags flags;
  std::string text;
};

/// Parses the arguments after the program name. kInvalidArgument naming the
/// flag and the value ("--interval: Value 0 not in range 0.001 to 86400").
/// --config is required unless --demo or --print-default-config is given.
Result<AgentCommandLine> ParseAgentCommandLine(const std::vector<std::string>& args);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_COMMAND_LINE_H_
