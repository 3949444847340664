// SPDX-License-Identifier: Apache-2.0
//
// `shadowctl rules`: the AWS IoT topic rules of a running shadowsync broker
// plugin, with their counters, and `shadowctl rules test`, AWS's console SQL
// tester offline (docs/rules.md "Inspecting rules", docs/shadowctl.md).
//
//   shadowctl rules --broker URI [--ca --cert --key ...] [--timeout S] [--json]
//       subscribes to $shadowsync/rules/stats, where the plugin keeps a
//       retained snapshot of every rule's counters, and prints it as a
//       table (or the JSON document itself with --json).
//   shadowctl rules test --sql S --topic T --payload P [--clientid C]
//                        [--principal P] [--timestamp MS]
//       evaluates S on one message with the library's evaluator: the
//       result as one compact JSON document on stdout and exit 0; nothing
//       on stdout and exit 1 when T does not match FROM or WHERE is not
//       true; exit 2 with the error on stderr for SQL outside the subset
//       (and for a bad command line).
//
// Thread safety: free functions; RunRules runs one command on the calling
// thread (the transport calls back on its own threads).

#ifndef SHADOWSYNC_TOOLS_SHADOWCTL_RULES_COMMAND_H_
#define SHADOWSYNC_TOOLS_SHADOWCTL_RULES_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "shadowctl_command.h"

namespace shadowsync {
namespace shadowctl {

/// Exit codes of `shadowctl rules test` besides kExitOk and kExitUsage.
inline constexpr int kExitNoMatch = 1;  ///< FROM does not match or WHERE is not true

/// True when the command word of `args` is "rules".
bool IsRulesCommand(const std::vector<std::string>& args);

/// Runs `shadowctl rules ...` (`args` with the "rules" word). Returns an
/// ExitCode (kExitNoMatch for `rules test` without a match).
int RunRules(const std::vector<std::string>& args, const TransportFactory& factory,
             std::ostream& out, std::ostream& err, const StopSignal& stop);

/// The `shadowctl rules` table of a $shadowsync/rules/stats snapshot: one
/// line per rule under a header. kInvalidArgument when `json` is not a
/// snapshot.
Result<std::string> FormatRuleStats(const std::string& json);

}  // namespace shadowctl
}  // namespace shadowsync

#endif  // SHADOWSYNC_TOOLS_SHADOWCTL_RULES_COMMAND_H_
