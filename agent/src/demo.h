// SPDX-License-Identifier: Apache-2.0
//
// `shadowsync-agent --demo`: the agent with no broker and no AWS account.
// It runs against an in-process shadow service (shadowsync::testkit's
// LoopbackBroker, which hosts the same ShadowService as the emulator) with
// the system, hwmon and simulated sensors, prints every report and delta as
// it travels, and halfway through plays the cloud: it sets
// desired.agent.interval_seconds, which the agent applies live and
// acknowledges in reported.agent. It ends with the shadow document.
//
// Thread safety: not thread-safe; one call at a time.

#ifndef SHADOWSYNC_AGENT_SRC_DEMO_H_
#define SHADOWSYNC_AGENT_SRC_DEMO_H_

#include <atomic>
#include <chrono>
#include <cstdio>

#include "cli/log.h"
#include "src/agent.h"

namespace shadowsync::agent {

struct DemoOptions {
  std::chrono::milliseconds duration{12000};
  /// Set (e.g. by a signal) to end early.
  const std::atomic<bool>* stop = nullptr;
  /// Where the story is printed.
  std::FILE* out = stdout;
  AgentEnvironment environment;
};

/// The demo's configuration text (valid against the agent's schema).
const char* DemoConfigText();

/// Runs the demo. Returns 0 when the remote configuration was applied and
/// acknowledged and the shadow holds the agent's state, 1 otherwise (with
/// the reason printed).
int RunDemo(const DemoOptions& options, cli::Logger& log);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_DEMO_H_
