// SPDX-License-Identifier: Apache-2.0
#include "src/agent.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include "sensors/sensor_factory.h"
#include "shadowsync/diff.h"
#include "src/remote_config.h"

namespace shadowsync::agent {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMaxStartBackoff{30000};
// The loop wakes at least this often, so a stop request (signal) is seen
// well within a second.
constexpr std::chrono::milliseconds kLoopSlice{100};

// "5 s", "0.25 s", "10 min".
std::string Seconds(std::chrono::milliseconds duration) {
  if (duration >= std::chrono::minutes(1) && duration.count() % 60000 == 0) {
    return std::to_string(duration.count() / 60000) + " min";
  }
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(duration.count()) / 1000);
  return text;
}

Clock::duration Interval(const AgentConfig& config) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(config.reporting.interval_seconds));
}

}  // namespace

Result<std::unique_ptr<Agent>> Agent::Create(AgentConfig config,
                                             std::unique_ptr<ShadowClient> client, cli::Logger& log,
                                             AgentEnvironment environment) {
  std::unique_ptr<Agent> agent(
      new Agent(std::move(config), std::move(client), log, std::move(environment)));
  if (Status built = agent->BuildSensors(agent->config_, &agent->sensors_); !built.ok()) {
    return built;
  }
  return agent;
}

Agent::Agent(AgentConfig config, std::unique_ptr<ShadowClient> client, cli::Logger& log,
             AgentEnvironment environment)
    : config_(std::move(config)),
      client_(std::move(client)),
      log_(log),
      environment_(std::move(environment)),
      builder_(ReadHostIdentity(environment_.host_root)),
      filter_(config_.reporting.thresholds),
      no_answer_backoff_(environment_.no_answer_warning_min),
      quick_drop_pause_(environment_.quick_drop_pause) {
  log_.set_level(config_.log_level);
  if (config_.output.enabled) output_ = std::make_unique<LocalOutput>(config_.output);
  next_tick_ = Clock::now();
  next_start_attempt_ = Clock::now();
  if (client_) {
    client_->OnDelta([this](const Delta& delta) { OnDelta(delta); });
    client_->OnConnectivity(
        [this](bool online, const Status& cause) { OnConnectivity(online, cause); });
    client_->OnRequestTimeout([this](const std::string& topic, const Status& timeout) {
      OnRequestTimeout(topic, timeout);
    });
    client_->OnReportResult([this](RequestResult result) {
      if (result.ok()) return NoteAnswer();
      // A timeout has had its warning (OnRequestTimeout), with backoff.
      if (result.status().code() == StatusCode::kTimeout) return;
      NoteAnswer();  // a rejection is an answer
      log_.Warning("report: " + result.status().ToString());
    });
  }
}

Agent::~Agent() = default;

Status Agent::BuildSensors(const AgentConfig& config,
                           std::vector<std::unique_ptr<Sensor>>* sensors) const {
  std::vector<std::unique_ptr<Sensor>> built;
  for (const SensorConfig& entry : config.sensors) {
    if (!entry.enabled || !entry.settings) continue;
    Result<std::unique_ptr<Sensor>> sensor =
        MakeSensor(*entry.settings, entry.pointer, environment_.sensors);
    if (!sensor.ok()) {
      return Status(sensor.status().code(), config.source + ": " + sensor.status().message());
    }
    built.push_back(std::move(sensor).value());
  }
  *sensors = std::move(built);
  return Status::Ok();
}

void Agent::OnConnectivity(bool online, const Status& cause) {
  const auto now = Clock::now();
  if (online) {
    online_since_ = now;
    log_.Info("online: shadow " + client_->shadow().display_name());
    return;
  }
  log_.Warning("offline: " + cause.message() + "; reports are kept until reconnected");
  const bool quick = online_since_ && now - *online_since_ < environment_.quick_drop_window;
  online_since_.reset();
  if (!quick) {
    quick_drops_ = 0;
    return;
  }
  if (++quick_drops_ < 2) return;
  if (!quick_drop_hint_logged_) {
    quick_drop_hint_logged_ = true;
    log_.Warning("the broker dropped the connection twice within " +
                 Seconds(environment_.quick_drop_window) +
                 " of accepting it. This usually means it refuses this client: a policy or ACL "
                 "that refuses the client id or its first subscription or publish (AWS IoT: "
                 "iot:Connect, iot:Subscribe, iot:Publish on the shadow topics; mosquitto with "
                 "the shadowsync plugin and a registry: the \"denied\" line in mosquitto's log "
                 "names the action), or another client connected with the same client id. "
                 "Connecting again less often while it goes on");
  }
  pause_requested_ = true;  // acted on in RunFor(), outside the client's callback
}

// After the second quick drop in a row: disconnect and connect again later
// (the transport would reconnect at once, and the broker drop it again).
void Agent::MaybePauseAfterQuickDrops() {
  const auto now = Clock::now();
  if (online_since_ && now - *online_since_ >= environment_.quick_drop_window) {
    // Stayed up: the next flapping is a new episode.
    if (quick_drop_hint_logged_) {
      log_.Info("the connection stayed up for " + Seconds(environment_.quick_drop_window) +
                "; reconnects are no longer paused");
    }
    quick_drops_ = 0;
    quick_drop_hint_logged_ = false;
    quick_drop_pause_ = environment_.quick_drop_pause;
  }
  if (!pause_requested_) return;
  pause_requested_ = false;
  (void)client_->Stop(std::chrono::milliseconds(0));  // offline: nothing to wait for
  started_ = false;
  online_since_.reset();
  next_start_attempt_ = now + quick_drop_pause_;
  log_.Warning("connection dropped " + std::to_string(quick_drops_) + " times in a row within " +
               Seconds(environment_.quick_drop_window) + " of connecting; next attempt in " +
               Seconds(quick_drop_pause_));
  quick_drop_pause_ = std::min(environment_.quick_drop_pause_max, quick_drop_pause_ * 2);
}

void Agent::OnRequestTimeout(const std::string& topic, const Status& timeout) {
  ++unanswered_since_warning_;
  const auto now = Clock::now();
  if (next_no_answer_warning_ && now < *next_no_answer_warning_) {
    log_.Debug(topic + ": " + timeout.message());
    return;
  }
  std::string text = topic + ": " + timeout.message();
  if (unanswered_since_warning_ > 1) {
    text += " (" + std::to_string(unanswered_since_warning_) +
            " requests unanswered since the last warning)";
  }
  text +=
      "; likely causes: no shadow service on that broker (for mosquitto: load "
      "shadowsync_mosquitto.so, docs/broker-plugin.md); a policy or ACL that refuses the topic. "
      "Retrying; next warning in " +
      Seconds(no_answer_backoff_) + " at the earliest";
  log_.Warning(text);
  warned_no_answer_ = true;
  unanswered_since_warning_ = 0;
  next_no_answer_warning_ = now + no_answer_backoff_;
  no_answer_backoff_ = std::min(environment_.no_answer_warning_max, no_answer_backoff_ * 2);
}

void Agent::NoteAnswer() {
  if (warned_no_answer_) {
    log_.Info("the shadow service answers now");
  }
  warned_no_answer_ = false;
  unanswered_since_warning_ = 0;
  next_no_answer_warning_.reset();
  no_answer_backoff_ = environment_.no_answer_warning_min;
}

void Agent::MaybeStart() {
  if (!client_ || started_ || Clock::now() < next_start_attempt_) return;
  const Status started = client_->Start();
  if (started.ok()) {
    started_ = true;
    last_start_error_.clear();
    return;
  }
  // Log each distinct failure once, not every retry.
  if (started.message() != last_start_error_) {
    log_.Error("cannot connect: " + started.ToString() + "; retrying");
    last_start_error_ = started.message();
  }
  next_start_attempt_ = Clock::now() + start_backoff_;
  start_backoff_ = std::min(kMaxStartBackoff, start_backoff_ * 2);
}

void Agent::RunFor(std::chrono::milliseconds duration) {
  const auto end = Clock::now() + duration;
  for (;;) {
    if (client_ && started_) MaybePauseAfterQuickDrops();
    MaybeStart();
    const auto now = Clock::now();
    if (now >= next_tick_) {
      Tick();
      // Keep the cadence; after a stall, start again from now.
      next_tick_ += Interval(config_);
      if (next_tick_ < now) next_tick_ = now + Interval(config_);
    }
    if (Clock::now() >= end) return;
    const auto wait = std::min({end, next_tick_, Clock::now() + kLoopSlice}) - Clock::now();
    // Rounded up: truncating made the last fraction of a millisecond before
    // every tick and every RunFor() end a busy loop of zero-length waits
    // (about 1% of a core at a 1 s interval; docs/performance.md).
    const auto wait_ms =
        std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(wait));
    if (client_ && started_) {
      client_->RunFor(wait_ms);
    } else {
      std::this_thread::sleep_for(wait_ms);
    }
  }
}

void Agent::Tick() {
  const auto wall = environment_.wall_clock();
  JsonDocument observation = builder_.Begin(wall);
  for (const auto& sensor : sensors_) {
    JsonDocument values;
    const Status sampled = sensor->Sample(values, values.GetAllocator());
    if (sampled.ok()) {
      if (Status added = AddSensorValues(observation, sensor->name(), values); !added.ok()) {
        log_.Warning("sensor " + sensor->name() + ": " + added.message());
      }
    } else {
      log_.Debug("sensor " + sensor->name() + ": " + sampled.message());
      (void)AddSensorError(observation, sensor->name(), sampled.message());
    }
  }
  if (output_) {
    if (Status written = output_->Write(observation, wall); !written.ok()) {
      log_.Warning(written.message());
    }
  }
  JsonDocument view = filter_.Apply(observation, Clock::now());
  ReportView(view);
}

// The reported state is the sensors' view plus the remote-configuration
// acknowledgement under "agent".
void Agent::ReportView(const JsonValue& view) {
  if (!client_) return;
  JsonDocument state;
  state.CopyFrom(view, state.GetAllocator());
  if (ack_.MemberCount() > 0) {
    state.RemoveMember("agent");
    state.AddMember("agent", JsonValue(ack_, state.GetAllocator()), state.GetAllocator());
  }
  if (Status reported = client_->Report(state); !reported.ok()) {
    log_.Error("report refused before sending: " + reported.message());
  }
}

void Agent::OnDelta(const Delta& delta) {
  NoteAnswer();  // a delta, or a GET's answer
  const auto agent = delta.state.FindMember("agent");
  if (agent == delta.state.MemberEnd()) {
    log_.Debug("delta v" + std::to_string(delta.version) +
               " ignored (no desired.agent): " + ToCompactJson(delta.state));
    return;
  }
  RemoteConfigResult result =
      ApplyRemoteConfig(config_, agent->value, static_cast<std::int64_t>(delta.version));
  ApplyPatch(ack_, result.ack, ack_.GetAllocator());
  // A refused key is something the operator must fix: a warning, not info.
  log_.Log(result.rejected > 0 ? LogLevel::kWarning : LogLevel::kInfo,
           "remote configuration v" + std::to_string(delta.version) + ": " +
               ToCompactJson(agent->value) + " -> " + ToCompactJson(result.ack) +
               (result.rejected > 0 ? " (" + std::to_string(result.rejected) + " key" +
                                          (result.rejected == 1 ? "" : "s") + " rejected)"
                                    : ""));
  if (result.sensors_changed) {
    std::vector<std::unique_ptr<Sensor>> sensors;
    if (Status built = BuildSensors(result.config, &sensors); built.ok()) {
      sensors_ = std::move(sensors);
    } else {
      log_.Error("remote configuration: sensors: " + built.message());
    }
  }
  if (result.thresholds_changed) filter_.SetThresholds(result.config.reporting.thresholds);
  if (result.log_level_changed) log_.set_level(result.config.log_level);
  if (result.interval_changed) next_tick_ = Clock::now() + Interval(result.config);
  config_ = std::move(result.config);
  ReportView(filter_.last_reported());  // acknowledge at once
}

Status Agent::Reload(AgentConfig config) {
  std::vector<std::unique_ptr<Sensor>> sensors;
  if (Status built = BuildSensors(config, &sensors); !built.ok()) return built;
  const ConnectionConfig& old_connection = config_.connection;
  if (config.connection.endpoint != old_connection.endpoint ||
      config.connection.thing_name != old_connection.thing_name ||
      config.connection.shadow_name != old_connection.shadow_name ||
      config.connection.port != old_connection.port) {
    log_.Warning("reload: connection settings changed; they apply after a restart");
  }
  sensors_ = std::move(sensors);
  filter_.SetThresholds(config.reporting.thresholds);
  log_.set_level(config.log_level);
  output_ = config.output.enabled ? std::make_unique<LocalOutput>(config.output) : nullptr;
  next_tick_ = Clock::now();
  config_ = std::move(config);
  log_.Info("configuration reloaded from " + config_.source);
  return Status::Ok();
}

Status Agent::Stop(std::chrono::milliseconds timeout) {
  if (!client_) return Status::Ok();
  if (!started_) {
    if (!client_->HasPendingReport()) return Status::Ok();
    const std::string& journal = config_.journal_path;
    return Status(StatusCode::kTimeout,
                  "stopped offline with reports not yet sent" +
                      (journal.empty() ? std::string(" (no journal_path: they are lost)")
                                       : "; they are kept in the journal " + journal +
                                             " and sent at the next start"));
  }
  return client_->Stop(timeout);
}

}  // namespace shadowsync::agent
