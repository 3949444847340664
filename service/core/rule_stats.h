// SPDX-License-Identifier: Apache-2.0
//
// The rules' counters as one JSON document: what the mosquitto plugin
// publishes, retained, on kRuleStatsTopic and what `shadowctl rules` reads
// (docs/rules.md "Counters"):
//
//   {"rules":[{"name":"esp32_readings","enabled":true,"from":"esp32/pub",
//              "matched":3,"actionsSucceeded":3,"actionsFailed":0,
//              "dropped":0,"republishCut":0}, ...]}
//
// Thread safety: free functions; RuleEngine's own rule applies (broker
// thread).

#ifndef SHADOWSYNC_SERVICE_CORE_RULE_STATS_H_
#define SHADOWSYNC_SERVICE_CORE_RULE_STATS_H_

#include <string>

#include "rule_engine.h"

namespace shadowsync::host {

/// Where the plugin publishes the snapshot (retained, QoS 1). A `$` topic:
/// `#` subscriptions never see it, and with a registry only a principal
/// whose policy allows iot:Subscribe and iot:Receive on it reads it.
inline constexpr char kRuleStatsTopic[] = "$shadowsync/rules/stats";

/// The snapshot of every rule of `engine`, in load order, as compact JSON.
std::string RuleStatsJson(const RuleEngine& engine);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RULE_STATS_H_
