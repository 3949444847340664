// SPDX-License-Identifier: Apache-2.0
//
// The agent's log: the log every program writes (cli/log.h), one line per
// event on stderr, "<level>: <text>", which journald stores with the unit's
// name, time and (from the "<N>" prefix) priority. The level can change at
// run time (remote configuration, SIGHUP).
//
// Thread safety: safe for concurrent use (whole lines, never interleaved).

#ifndef SHADOWSYNC_AGENT_SRC_LOG_H_
#define SHADOWSYNC_AGENT_SRC_LOG_H_

#include "cli/log.h"

namespace shadowsync::agent {

using Log = cli::Logger;

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_LOG_H_
