// SPDX-License-Identifier: Apache-2.0
//
// "Did you mean ...?" for every program's user-facing names: command-line
// flags (command_line.h) and the keys of the agent's configuration.
//
// Thread safety: pure functions; safe for concurrent use.

#ifndef SHADOWSYNC_CLI_DID_YOU_MEAN_H_
#define SHADOWSYNC_CLI_DID_YOU_MEAN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shadowsync::cli {

/// The Levenshtein distance between a and b.
std::size_t EditDistance(std::string_view a, std::string_view b);

/// The candidate within two edits of `name` (the nearest; the first of
/// equals), or "" when none is that close. A candidate is never suggested
/// when every character would change ("qo" suggests "qos"; "xy" nothing).
std::string ClosestName(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace shadowsync::cli

#endif  // SHADOWSYNC_CLI_DID_YOU_MEAN_H_
