// SPDX-License-Identifier: Apache-2.0
//
// Remote configuration: the keys under desired.agent are validated with the
// rules of the configuration file (the same schema definitions), the valid
// ones are applied to a copy of the configuration, and an acknowledgement
// is produced for reported.agent, modelled on Azure IoT writable-property
// acknowledgements: the cloud side always learns what happened to each key.
//
// desired.agent (every key optional):
//   {"interval_seconds": 5,                       // as /reporting/interval_seconds
//    "log_level": "debug",                        // as /log_level
//    "thresholds": {"cpu/temp": {"min_change": 0.5, "heartbeat_seconds": 600}},
//    "sensors": {"cpu": {"enabled": false}}}      // a sensor of /sensors, by name
//
// reported.agent, the acknowledgement: the same tree, where
//  - an applied key carries the applied value, exactly as asked, so the
//    shadow's delta for it disappears;
//  - a rejected key carries
//      {"value": <what was asked>, "status": "rejected",
//       "reason": "/desired/agent/<key>: expected ..., found ..."}
//    which differs from desired, so its delta stays until desired changes;
//  - "desired_version": <n> is added when the caller passes the version of
//    the desired state it acted on (Azure's "av").
// Granularity: interval_seconds and log_level are acknowledged as a whole;
// thresholds per "<sensor>/<param>" entry; sensors per sensor and key
// ("sensors": {"cpu": {"enabled": false}}). A thresholds or sensors value
// that is not an object, an unknown sensor and an unknown key are rejected
// at their own level. A threshold entry replaces that key's threshold as a
// whole (a missing field is 0). Keys starting with '_' are comments: echoed
// as applied, otherwise ignored. If desired.agent itself is not an object,
// reported.agent is one rejection object.
//
// Pure functions: no I/O, no clock.

#ifndef SHADOWSYNC_AGENT_SRC_REMOTE_CONFIG_H_
#define SHADOWSYNC_AGENT_SRC_REMOTE_CONFIG_H_

#include <cstdint>
#include <optional>

#include "shadowsync/json.h"
#include "src/config.h"

namespace shadowsync::agent {

/// The outcome of ApplyRemoteConfig.
struct RemoteConfigResult {
  /// The input configuration with every accepted key applied.
  AgentConfig config;
  /// The object to report as reported.agent (see the file comment).
  JsonDocument ack{rapidjson::kObjectType};
  /// Which parts of `config` differ from the input, so the loop restarts its
  /// timer, calls ReportFilter::SetThresholds, starts or stops sensors, or
  /// changes the log level.
  bool interval_changed = false;
  bool thresholds_changed = false;
  bool sensors_changed = false;
  bool log_level_changed = false;
  /// Number of rejected keys (0: everything was applied).
  int rejected = 0;
};

/// Validates and applies `desired_agent` (the value of desired.agent) to a
/// copy of `current`. Never fails: every problem becomes a rejection in the
/// acknowledgement. `desired_version`, when given, is echoed as
/// "desired_version".
RemoteConfigResult ApplyRemoteConfig(const AgentConfig& current, const JsonValue& desired_agent,
                                     std::optional<std::int64_t> desired_version = std::nullopt);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_REMOTE_CONFIG_H_
