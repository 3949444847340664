// SPDX-License-Identifier: Apache-2.0
//
// Agent: the reporting loop of shadowsync-agent.
//
//   every interval:  sensors -> observation (observation.h) -> local output
//                    -> ReportFilter (thresholds.h) -> reported view
//                    -> ShadowClient::Report(view + {"agent": acknowledgement})
//   on a delta:      desired.agent -> ApplyRemoteConfig (remote_config.h)
//                    -> applied live (interval, thresholds, sensors, log
//                    level) -> acknowledged in reported.agent at once
//
// The client's Diff sends only what changed; while offline the reports
// coalesce (and survive a restart with a journal). A sensor that fails is
// reported as {"error": "..."} and the loop goes on. When the first connect
// fails the agent keeps sampling and retries with backoff.
//
// Thread safety: not thread-safe; confine to one thread (the agent's loop).
// The client's callbacks run on that thread too, inside RunFor().

#ifndef SHADOWSYNC_AGENT_SRC_AGENT_H_
#define SHADOWSYNC_AGENT_SRC_AGENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/log.h"
#include "sensors/sensor.h"
#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"
#include "src/config.h"
#include "src/local_output.h"
#include "src/observation.h"
#include "src/thresholds.h"

namespace shadowsync::agent {

/// Where the agent reads the machine from; tests point it at fixture trees.
struct AgentEnvironment {
  SensorEnvironment sensors;
  /// Root for the board identity (observation.h).
  std::string host_root = "/";
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] {
    return std::chrono::system_clock::now();
  };
  /// A request that times out logs a warning naming the topic and the
  /// likely causes; while nothing answers, the next one comes after this
  /// much, doubling up to no_answer_warning_max.
  std::chrono::milliseconds no_answer_warning_min{20000};
  std::chrono::milliseconds no_answer_warning_max{600000};
  /// A drop within this time after "online" is quick. After the second
  /// quick drop in a row the agent logs what that usually means, disconnects
  /// and connects again only after quick_drop_pause, doubling per further
  /// quick drop up to quick_drop_pause_max. A connection that stays up for
  /// quick_drop_window ends the episode. The cap bounds how long a device
  /// behind a flapping link stays away (a cut or a broker restart right
  /// after a reconnect looks the same as a refusal); one attempt per 30 s is
  /// still no reconnect storm for a broker.
  std::chrono::milliseconds quick_drop_window{5000};
  std::chrono::milliseconds quick_drop_pause{5000};
  std::chrono::milliseconds quick_drop_pause_max{30000};
};

class Agent {
 public:
  /// Builds the enabled sensors of `config`; kInvalidArgument names the
  /// sensor's pointer when one cannot be built. `client` may be null (the
  /// DataLogger block said "Enabled": false): the agent then only samples
  /// and writes its local output. `log` must outlive the agent.
  static Result<std::unique_ptr<Agent>> Create(AgentConfig config,
                                               std::unique_ptr<ShadowClient> client,
                                               cli::Logger& log, AgentEnvironment environment = {});
  ~Agent();

  /// Runs the loop for `duration`: connects (retrying with backoff), ticks
  /// at the configured interval, runs the client's callbacks.
  void RunFor(std::chrono::milliseconds duration);

  /// Samples every sensor now and reports (also called by RunFor).
  void Tick();

  /// Replaces the configuration (SIGHUP). Sensors, interval, thresholds,
  /// log level and output follow at once; connection settings only after a
  /// restart (logged). On error nothing changes.
  Status Reload(AgentConfig config);

  /// Waits up to `timeout` for pending reports to be acknowledged, then
  /// disconnects. kTimeout when something is still pending (it stays in
  /// the journal, if there is one).
  Status Stop(std::chrono::milliseconds timeout);

  const AgentConfig& config() const { return config_; }
  /// Observations taken so far.
  std::uint64_t ticks() const { return builder_.entries(); }
  /// The acknowledgement reported as reported.agent ({} before any).
  const JsonValue& acknowledgement() const { return ack_; }
  /// Null when the agent does not connect.
  ShadowClient* client() { return client_.get(); }

 private:
  Agent(AgentConfig config, std::unique_ptr<ShadowClient> client, cli::Logger& log,
        AgentEnvironment environment);
  Status BuildSensors(const AgentConfig& config,
                      std::vector<std::unique_ptr<Sensor>>* sensors) const;
  void OnDelta(const Delta& delta);
  void ReportView(const JsonValue& view);
  void MaybeStart();
  void OnConnectivity(bool online, const Status& cause);
  void OnRequestTimeout(const std::string& topic, const Status& timeout);
  void NoteAnswer();
  void MaybePauseAfterQuickDrops();

  AgentConfig config_;
  std::unique_ptr<ShadowClient> client_;
  cli::Logger& log_;
  AgentEnvironment environment_;

  std::vector<std::unique_ptr<Sensor>> sensors_;
  ObservationBuilder builder_;
  ReportFilter filter_;
  std::unique_ptr<LocalOutput> output_;
  JsonDocument ack_{rapidjson::kObjectType};

  std::chrono::steady_clock::time_point next_tick_;
  bool started_ = false;
  std::chrono::steady_clock::time_point next_start_attempt_;
  std::chrono::milliseconds start_backoff_{1000};
  std::string last_start_error_;

  // Requests nobody answers (no shadow service, a policy that drops them).
  std::optional<std::chrono::steady_clock::time_point> next_no_answer_warning_;
  std::chrono::milliseconds no_answer_backoff_;
  int unanswered_since_warning_ = 0;
  bool warned_no_answer_ = false;

  // Connections the broker drops right after accepting them.
  std::optional<std::chrono::steady_clock::time_point> online_since_;
  int quick_drops_ = 0;
  bool quick_drop_hint_logged_ = false;
  bool pause_requested_ = false;
  std::chrono::milliseconds quick_drop_pause_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_AGENT_H_
