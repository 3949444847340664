// SPDX-License-Identifier: Apache-2.0
//
// A flag where a value belongs. CLI11 gives a flag that needs a value the
// next argument whatever it is, so `--store --export out.json` would store
// into a file called "--export" and then trip over "out.json".
// RefuseFlagsAsValues() makes that an error that says what happened:
// "--store: needs a value (got the flag '--export')". A value that only
// looks like a flag ("-1", "--not-a-flag") is still taken.
//
// Thread safety: changes one App (command_line.h); confine it to one thread.

#ifndef SHADOWSYNC_CLI_FLAG_AS_VALUE_H_
#define SHADOWSYNC_CLI_FLAG_AS_VALUE_H_

#include <CLI/CLI.hpp>

namespace shadowsync::cli {

/// Every flag of `app` that takes a value refuses one that is a flag of
/// `app` ("--name" or "--name=..."). Call it once all flags are added; the
/// check is by name at parse time. `app` must outlive its parses.
void RefuseFlagsAsValues(CLI::App& app);

}  // namespace shadowsync::cli

#endif  // SHADOWSYNC_CLI_FLAG_AS_VALUE_H_
