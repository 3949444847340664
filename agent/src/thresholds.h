// SPDX-License-Identifier: Apache-2.0
//
// Per-parameter report filter: turns each observation into the device's
// reported view, in which a parameter keeps its last reported value until
// it is worth reporting again. The client diffs that view against what it
// last sent (shadowsync/diff.h), so unchanged and below-threshold values
// cost nothing on the wire.
//
// A parameter "<sensor>/<param>" is reported (takes its new value) when
//  - it is new (not in the last reported view), or
//  - both values are numbers and they differ by at least min_change (any
//    difference when min_change is 0), or
//  - either is not a number and the values differ (JsonEquals), or
//  - heartbeat_seconds > 0 and at least that long passed since it was last
//    reported (the value may be equal: the report then carries a new
//    General "Time (Epoch)", see below).
// Thresholds come from LookupThreshold (config.h).
//
// The General object follows the sensors: it takes the observation's
// General (new "Time (Epoch)" and "Entry") only when something else was
// reported in the same tick (a value, a new or vanished parameter or
// sensor), when its own heartbeat (threshold "General/Time (Epoch)",
// "General/*" or "*/*") is due, or when Host or Board changed. Otherwise it
// keeps the last reported General, so a quiet tick sends nothing at all.
//
// A sensor (or parameter) missing from the observation is missing from the
// result; the client's Diff turns that into null, which deletes it from the
// shadow.

#ifndef SHADOWSYNC_AGENT_SRC_THRESHOLDS_H_
#define SHADOWSYNC_AGENT_SRC_THRESHOLDS_H_

#include <chrono>
#include <map>
#include <string>
#include <utility>

#include "shadowsync/json.h"
#include "src/config.h"

namespace shadowsync::agent {

/// The filter's clock: monotonic, injected by the caller.
using FilterClock = std::chrono::steady_clock;

/// Remembers the last reported view and when each parameter was last
/// reported.
///
/// Thread safety: not thread-safe; confine to one thread (the agent's loop).
class ReportFilter {
 public:
  explicit ReportFilter(ThresholdMap thresholds = {}) : thresholds_(std::move(thresholds)) {}

  /// Replaces the thresholds (remote configuration); used from the next
  /// Apply on.
  void SetThresholds(ThresholdMap thresholds) { thresholds_ = std::move(thresholds); }
  const ThresholdMap& thresholds() const { return thresholds_; }

  /// Filters one observation (an object: {"General": {...}, "<sensor>":
  /// {...}}, see observation.h) taken at `now`, and returns the reported
  /// view to hand to the client. The result is also remembered as the last
  /// reported view: call this once per observation that is reported.
  JsonDocument Apply(const JsonValue& observation, FilterClock::time_point now);

  /// Forgets everything: the next Apply reports every value.
  void Reset();

  /// The last result of Apply ({} before the first).
  const JsonValue& last_reported() const { return reported_; }

 private:
  // Key of reported_at_: (sensor, parameter); ("General", "") for General.
  using ParamKey = std::pair<std::string, std::string>;

  bool HeartbeatDue(const ParamKey& key, double heartbeat_seconds,
                    FilterClock::time_point now) const;

  ThresholdMap thresholds_;
  JsonDocument reported_{rapidjson::kObjectType};
  std::map<ParamKey, FilterClock::time_point> reported_at_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_THRESHOLDS_H_
