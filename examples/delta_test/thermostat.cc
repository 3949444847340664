// SPDX-License-Identifier: Apache-2.0

#include "thermostat.h"

#include <cmath>
#include <utility>

namespace thermostat {

using shadowsync::Delta;
using shadowsync::JsonValue;
using shadowsync::Status;
using shadowsync::StatusCode;

namespace {

// An empty string when `value` is a valid setpoint; otherwise why not.
std::string CheckSetpoint(const JsonValue& value) {
  if (value.IsNumber()) {
    const double d = value.GetDouble();  // 22.0 is 22, as the service says (M14)
    if (std::floor(d) == d && d >= Thermostat::kMinSetpoint && d <= Thermostat::kMaxSetpoint) {
      return {};
    }
  }
  return "must be a whole number from " + std::to_string(Thermostat::kMinSetpoint) + " to " +
         std::to_string(Thermostat::kMaxSetpoint);
}

std::string CheckMode(const JsonValue& value) {
  if (value.IsString() && (value == "heat" || value == "off")) return {};
  return "must be \"heat\" or \"off\"";
}

}  // namespace

const char* ModeName(Mode mode) { return mode == Mode::kHeat ? "heat" : "off"; }

Thermostat::Thermostat(shadowsync::ShadowClient& client, int setpoint, Mode mode)
    : client_(client), setpoint_(setpoint), mode_(mode) {
  client_.OnDelta([this](const Delta& delta) { HandleDelta(delta); });
  client_.OnConnectivity([this](bool online, const Status&) {
    if (!online || clear_when_online_.empty()) return;
    std::vector<std::string> pointers(clear_when_online_.begin(), clear_when_online_.end());
    clear_when_online_.clear();
    Clear(std::move(pointers), 1);
  });
}

Thermostat::~Thermostat() {
  client_.OnDelta({});
  client_.OnConnectivity({});
}

shadowsync::JsonDocument Thermostat::StateJson() const {
  shadowsync::JsonDocument state(rapidjson::kObjectType);
  state.AddMember("setpoint", setpoint_, state.GetAllocator());
  state.AddMember("mode", rapidjson::StringRef(ModeName(mode_)), state.GetAllocator());
  return state;
}

Status Thermostat::ReportState() { return client_.Report(StateJson()); }

void Thermostat::Report() {
  // Report() fails only for a state that breaks the service's limits, which
  // two small settings never do; keep the error anyway.
  if (Status reported = ReportState(); !reported.ok()) errors_.push_back(reported.ToString());
}

Status Thermostat::SetSetpointLocally(int celsius) {
  if (celsius < kMinSetpoint || celsius > kMaxSetpoint) {
    return Status(StatusCode::kInvalidArgument, "setpoint out of range");
  }
  if (celsius != setpoint_) {
    changes_.push_back("setpoint " + std::to_string(setpoint_) + " -> " + std::to_string(celsius));
    setpoint_ = celsius;
  }
  Report();
  // A desired setpoint, if any, is stale now: the service would keep
  // sending it in every delta.
  Clear({"/setpoint"}, 1);
  return Status::Ok();
}

void Thermostat::HandleDelta(const Delta& delta) {
  delta_versions_.push_back(delta.version);
  std::vector<std::string> stale;
  for (const auto& member : delta.state.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    const JsonValue& value = member.value;
    std::string problem;
    // "Make this value true", not "an event happened": a value the
    // thermostat already has changes nothing.
    if (key == "setpoint") {
      problem = CheckSetpoint(value);
      if (problem.empty()) {
        const int celsius = static_cast<int>(value.GetDouble());
        if (celsius != setpoint_) {
          changes_.push_back("setpoint " + std::to_string(setpoint_) + " -> " +
                             std::to_string(celsius));
          setpoint_ = celsius;
        }
        continue;
      }
    } else if (key == "mode") {
      problem = CheckMode(value);
      if (problem.empty()) {
        const Mode mode = value == "heat" ? Mode::kHeat : Mode::kOff;
        if (mode != mode_) {
          changes_.push_back(std::string("mode ") + ModeName(mode_) + " -> " + ModeName(mode));
          mode_ = mode;
        }
        continue;
      }
    } else {
      problem = "not a setting of this thermostat";
    }
    refusals_.push_back(key + " " + shadowsync::ToCompactJson(value) + ": " + problem);
    stale.push_back(shadowsync::JsonPointerAppend("", key));
  }
  // The whole state, including the actual value of every refused setting.
  Report();
  if (!stale.empty()) Clear(std::move(stale), 1);
}

void Thermostat::Clear(std::vector<std::string> pointers, int attempt) {
  // Runs inside the client's Poll(), where the Thermostat is alive (the
  // destructor removes the handlers that could lead here).
  Status sent =
      client_.ClearDesired(pointers, [this, pointers, attempt](shadowsync::RequestResult result) {
        if (result.ok()) return;
        if (result.status().code() == StatusCode::kTimeout && attempt < kMaxClearAttempts) {
          Clear(pointers, attempt + 1);  // the request or its answer was lost
          return;
        }
        errors_.push_back("clear: " + result.status().ToString());
      });
  if (sent.code() == StatusCode::kUnavailable) {
    clear_when_online_.insert(pointers.begin(), pointers.end());
  } else if (!sent.ok()) {
    errors_.push_back("clear: " + sent.ToString());
  }
}

}  // namespace thermostat
