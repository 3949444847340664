// SPDX-License-Identifier: Apache-2.0
//
// A small device for examples/delta_test: a thermostat whose shadow has
// `setpoint` (whole degrees Celsius, 5 to 30) and `mode` ("heat" or "off").
// It is the code a user would test: the tests next to it drive it through
// a ShadowClient on shadowsync::testing's LoopbackBroker and MockTransport.

#ifndef SHADOWSYNC_EXAMPLES_DELTA_TEST_THERMOSTAT_H_
#define SHADOWSYNC_EXAMPLES_DELTA_TEST_THERMOSTAT_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace thermostat {

enum class Mode { kOff, kHeat };

/// "off" or "heat".
const char* ModeName(Mode mode);

/// Keeps a thermostat in sync with its shadow through a ShadowClient:
/// - each desired setting that is valid is applied and the whole state is
///   reported back (the client sends only what changed);
/// - a bad one (out of range, wrong type, unknown key) is refused: the
///   thermostat keeps and reports its actual value, and clears the desired
///   key so that it stops producing deltas. A clear that times out is sent
///   again (up to kMaxClearAttempts), one that could not be sent while
///   offline is sent when the client is online again;
/// - a local change (someone turns the knob) is applied, reported, and the
///   stale desired setpoint is cleared.
///
/// Thread safety: not thread-safe; confine to the thread that polls the
/// client (every callback of the client runs there).
class Thermostat {
 public:
  static constexpr int kMinSetpoint = 5;
  static constexpr int kMaxSetpoint = 30;
  static constexpr int kMaxClearAttempts = 3;

  /// Installs the client's OnDelta and OnConnectivity handlers, so create
  /// the Thermostat before client.Start(). `client` must outlive it; the
  /// destructor removes the handlers, but the answers of clears in flight
  /// still call back, so do not poll the client once the Thermostat is gone.
  explicit Thermostat(shadowsync::ShadowClient& client, int setpoint = 20, Mode mode = Mode::kOff);
  ~Thermostat();
  Thermostat(const Thermostat&) = delete;
  Thermostat& operator=(const Thermostat&) = delete;

  /// Reports the whole state; call it once before client.Start().
  shadowsync::Status ReportState();

  /// Someone turned the knob: applies `celsius` (kInvalidArgument when out
  /// of range), reports it and clears the desired setpoint.
  shadowsync::Status SetSetpointLocally(int celsius);

  int setpoint() const { return setpoint_; }
  Mode mode() const { return mode_; }
  /// {"setpoint":N,"mode":"..."}, what the thermostat reports.
  shadowsync::JsonDocument StateJson() const;

  /// Every change applied, in order: "setpoint 20 -> 22", "mode off -> heat".
  const std::vector<std::string>& changes() const { return changes_; }
  /// Every desired value refused: "setpoint 45: must be a whole number from 5 to 30".
  const std::vector<std::string>& refusals() const { return refusals_; }
  /// The version of every delta handled, in order.
  const std::vector<std::uint64_t>& delta_versions() const { return delta_versions_; }
  /// Failures of reports and clears, as Status::ToString().
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void HandleDelta(const shadowsync::Delta& delta);
  void Clear(std::vector<std::string> pointers, int attempt);
  void Report();

  shadowsync::ShadowClient& client_;
  int setpoint_;
  Mode mode_;
  // Desired keys (JSON pointers) to clear once online again.
  std::set<std::string> clear_when_online_;
  std::vector<std::string> changes_;
  std::vector<std::string> refusals_;
  std::vector<std::uint64_t> delta_versions_;
  std::vector<std::string> errors_;
};

}  // namespace thermostat

#endif  // SHADOWSYNC_EXAMPLES_DELTA_TEST_THERMOSTAT_H_
