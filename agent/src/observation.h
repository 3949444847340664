// SPDX-License-Identifier: Apache-2.0
//
// One observation, shaped like the SparkFun DataLogger IoT's shadow updates:
//   {"General": {"Time (Epoch)": 1700000000, "Entry": 42,
//                "Host": "pi4", "Board": "Raspberry Pi 4 Model B Rev 1.4"},
//    "<sensor name>": {"<parameter>": value, ...},
//    "<failed sensor>": {"error": "..."}}
// The reporting loop builds one per tick, passes it through the
// ReportFilter (thresholds.h) and hands the result to the client.

#ifndef SHADOWSYNC_AGENT_SRC_OBSERVATION_H_
#define SHADOWSYNC_AGENT_SRC_OBSERVATION_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::agent {

/// Key of the General object and of its members.
inline constexpr char kGeneralKey[] = "General";
inline constexpr char kTimeKey[] = "Time (Epoch)";
inline constexpr char kEntryKey[] = "Entry";
inline constexpr char kHostKey[] = "Host";
inline constexpr char kBoardKey[] = "Board";

/// Who is reporting: fixed for the life of the agent.
struct HostIdentity {
  std::string host;
  std::string board;
};

/// The board identity: <root>/sys/firmware/devicetree/base/model (device
/// tree boards such as a Raspberry Pi), else
/// <root>/sys/class/dmi/id/product_name (PCs and servers), with trailing NULs
/// and white space removed; "unknown" when neither gives a non-empty text.
/// `root` is "/" on a real machine; tests pass a fixture tree.
std::string ReadBoardIdentity(const std::string& root = "/");

/// gethostname(), or "unknown" if it fails.
std::string ReadHostName();

/// ReadHostName() and ReadBoardIdentity(root).
HostIdentity ReadHostIdentity(const std::string& root = "/");

/// Builds observations and numbers them.
///
/// Thread safety: not thread-safe; confine to one thread (the agent's loop).
class ObservationBuilder {
 public:
  explicit ObservationBuilder(HostIdentity identity) : identity_(std::move(identity)) {}

  /// Starts the next observation: {"General": {...}} with "Time (Epoch)" =
  /// whole seconds of `now` and "Entry" = 1 for the first call, then 2, ...
  JsonDocument Begin(std::chrono::system_clock::time_point now);

  /// Number of observations begun so far.
  std::uint64_t entries() const { return entry_; }

 private:
  HostIdentity identity_;
  std::uint64_t entry_ = 0;
};

/// Adds "<name>": a deep copy of `values` to `observation`. `values` must be
/// an object whose members hold no null (a null would delete the key from
/// the shadow) and no non-finite number, at any depth. When it is not, the
/// sensor is recorded as {"error": "<why>"} instead and kInvalidArgument is
/// returned with the same text, so the agent can log it and keep going.
/// kInvalidArgument also (and nothing is added) when `name` is "General" or
/// already present.
Status AddSensorValues(JsonDocument& observation, std::string_view name, const JsonValue& values);

/// Adds "<name>": {"error": message}: a sensor that failed this tick.
/// kInvalidArgument (nothing added) when `name` is "General" or already
/// present.
Status AddSensorError(JsonDocument& observation, std::string_view name, std::string_view message);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_OBSERVATION_H_
