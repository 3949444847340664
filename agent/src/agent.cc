// SPDX-License-Identifier: Apache-2.0
#include "src/agent.h"

#include <algorithm>
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

Clock::duration Interval(const AgentConfig& config) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(config.reporting.interval_seconds));
}

}  // namespace

Result<std::unique_ptr<Agent>> Agent::Create(AgentConfig config,
                                             std::unique_ptr<ShadowClient> client, Log& log,
                                             AgentEnvironment environment) {
  std::unique_ptr<Agent> agent(
      new Agent(std::move(config), std::move(client), log, std::move(environment)));
  if (Status built = agent->BuildSensors(agent->config_, &agent->sensors_); !built.ok()) {
    return built;
  }
  return agent;
}

Agent::Agent(AgentConfig config, std::unique_ptr<ShadowClient> client, Log& log,
             AgentEnvironment environment)
    : config_(std::move(config)),
      client_(std::move(client)),
      log_(log),
      environment_(std::move(environment)),
      builder_(ReadHostIdentity(environment_.host_root)),
      filter_(config_.reporting.thresholds) {
  log_.set_level(config_.log_level);
  if (config_.output.enabled) output_ = std::make_unique<LocalOutput>(config_.output);
  next_tick_ = Clock::now();
  next_start_attempt_ = Clock::now();
  if (client_) {
    client_->OnDelta([this](const Delta& delta) { OnDelta(delta); });
    client_->OnConnectivity([this](bool online, const Status& cause) {
      if (online) {
        log_.Info("online: shadow " + client_->shadow().display_name());
      } else {
        log_.Warning("offline: " + cause.message() + "; reports are kept until reconnected");
      }
    });
    client_->OnReportResult([this](RequestResult result) {
      if (!result.ok()) log_.Warning("report: " + result.status().ToString());
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
  const auto agent = delta.state.FindMember("agent");
  if (agent == delta.state.MemberEnd()) {
    log_.Debug("delta v" + std::to_string(delta.version) +
               " ignored (no desired.agent): " + ToCompactJson(delta.state));
    return;
  }
  RemoteConfigResult result =
      ApplyRemoteConfig(config_, agent->value, static_cast<std::int64_t>(delta.version));
  ApplyPatch(ack_, result.ack, ack_.GetAllocator());
  log_.Info("remote configuration v" + std::to_string(delta.version) + ": " +
            ToCompactJson(agent->value) + " -> " + ToCompactJson(result.ack));
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
    return client_->HasPendingReport()
               ? Status(StatusCode::kTimeout, "stopped offline with reports not yet sent")
               : Status::Ok();
  }
  return client_->Stop(timeout);
}

}  // namespace shadowsync::agent
