// SPDX-License-Identifier: Apache-2.0
//
// lamp: a device with two settings, `power` ("on" or "off") and `brightness`
// (an integer from 0 to 100), kept in sync with its shadow by ShadowClient.
// Desired values arrive through OnDelta (once each, in version order, also
// those missed while offline); valid ones are applied and reported back, bad
// ones are logged, the current value stays reported and the stale desired key
// is cleared so that it stops producing deltas.
//
// The same flags work for shadowsync-emulator on mosquitto and for AWS IoT
// Core, and mean what they mean in every shadowsync program (cli/);
// `lamp --help` lists them. Every change is one line on stdout (the
// integration test reads them); errors go to stderr.

#include <signal.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/command_line.h"
#include "cli/connection_flags.h"
#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

namespace {

using shadowsync::Delta;
using shadowsync::JsonDocument;
using shadowsync::JsonValue;
using shadowsync::ShadowClient;
using shadowsync::Status;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitConnection = 3;

// How long the first GET and report may take before lamp gives up: a few
// request timeouts, so one lost message does not fail the start.
constexpr std::chrono::seconds kReadyTimeout{30};
constexpr std::chrono::milliseconds kStopTimeout{2000};

constexpr char kDescription[] =
    "A lamp with `power` (\"on\" or \"off\") and `brightness` (integer 0 to 100) that applies "
    "the desired values of its shadow and reports its state back. It starts off at brightness "
    "100, or, with a journal left by an earlier run, in the state that run could not deliver. "
    "Each change is logged as one line on stdout; `lamp: ready` follows once the service has "
    "acknowledged the lamp's state. Its state itself is logged, whenever it changes, as "
    "`lamp: state {\"power\":...,\"brightness\":...}`.\n";

constexpr char kExitCodes[] =
    "Exit codes:\n"
    "  0  stopped by SIGINT, SIGTERM or --run-seconds, with every report acknowledged\n"
    "  2  usage: a bad or missing flag, an unusable TLS file, a bad thing or shadow\n"
    "     name, a journal of another shadow\n"
    "  3  connection: the broker cannot be reached (TLS errors included), the shadow\n"
    "     service did not acknowledge the lamp's state within 30 s of connecting,\n"
    "     or a report was still unacknowledged when the lamp stopped";

// The lamp's command line: the shared connection flags with --thing
// (required; checked after the parse, so that a mistyped flag gets "did you
// mean" first) and --shadow, and the lamp's own.
struct LampFlags {
  shadowsync::cli::ConnectionFlags connection;
  std::string journal;
  std::optional<int> run_seconds;
};

void AddLampFlags(CLI::App& app, LampFlags* flags) {
  shadowsync::cli::ConnectionFlagsSpec spec;
  spec.broker_help = "Required.";
  spec.shadow_flags = true;
  spec.client_id_default = "lamp-<pid>-<random>";
  shadowsync::cli::AddConnectionFlags(app, &flags->connection, spec);
  app.get_option("--thing")->description("thing name (required)");
  app.add_option("--journal", flags->journal,
                 "keep the state the service has not acknowledged in FILE, so that a restart "
                 "loses no report")
      ->type_name("FILE")
      ->group("Lamp");
  app.add_option_function<int>(
         "--run-seconds", [flags](const int& seconds) { flags->run_seconds = seconds; },
         "stop N seconds after `lamp: ready` (default: run until SIGINT or SIGTERM)")
      ->type_name("N")
      ->check(CLI::Range(0, 100000000).description(""))
      ->group("Lamp");
  app.footer(kExitCodes);
}

// stdout is a pipe under test: flush every line.
void Log(const std::string& line) { std::cout << "lamp: " << line << std::endl; }
void Error(const std::string& line) { std::cerr << "lamp: " << line << std::endl; }

// SIGINT and SIGTERM are blocked (before Paho starts its threads, so none of
// them takes the signal) and collected here between RunFor() slices.
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  // True once SIGINT or SIGTERM has arrived (logged the first time).
  bool StopRequested() {
    if (stop_) return true;
    const timespec no_wait{0, 0};
    const int signal = sigtimedwait(&set_, nullptr, &no_wait);
    if (signal > 0) {
      stop_ = true;
      Log(std::string("stopping (") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ")");
    }
    return stop_;
  }

 private:
  sigset_t set_;
  bool stop_ = false;
};

struct LampState {
  bool on = false;
  int brightness = 100;

  JsonDocument ToJson() const {
    JsonDocument json(rapidjson::kObjectType);
    json.AddMember("power", rapidjson::StringRef(on ? "on" : "off"), json.GetAllocator());
    json.AddMember("brightness", brightness, json.GetAllocator());
    return json;
  }
};

// The checks of the two settings; an empty string means valid.
std::string CheckPower(const JsonValue& value) {
  if (value.IsString() && (value == "on" || value == "off")) return {};
  return "must be \"on\" or \"off\"";
}
std::string CheckBrightness(const JsonValue& value) {
  if (value.IsNumber()) {
    const double d = value.GetDouble();  // 40.0 is 40 (spec M14)
    if (d >= 0 && d <= 100 && std::floor(d) == d) return {};
  }
  return "must be an integer from 0 to 100";
}

// The state a reported section describes; settings that are missing or
// invalid keep their defaults (the next report corrects the section).
LampState FromReported(const JsonValue& reported) {
  LampState state;
  if (const auto power = reported.FindMember("power");
      power != reported.MemberEnd() && CheckPower(power->value).empty()) {
    state.on = power->value == "on";
  }
  if (const auto brightness = reported.FindMember("brightness");
      brightness != reported.MemberEnd() && CheckBrightness(brightness->value).empty()) {
    state.brightness = static_cast<int>(brightness->value.GetDouble());
  }
  return state;
}

// The device: applies deltas to its state and reports the state back.
// Runs on the thread that polls the client (all ShadowClient callbacks do).
class Lamp {
 public:
  // `client` must outlive the Lamp.
  explicit Lamp(ShadowClient& client) : client_(client) {}

  // Whether the lamp knows its own state. Not yet when it resumes from a
  // journal: the journal's state becomes the lamp's once acknowledged.
  void set_state_known(bool known) { state_known_ = known; }

  // Also logs the lamp's state, when it changed, as one machine-readable
  // line ("lamp: state {...}"; tests/chaos checks it against the shadow).
  void ReportState() {
    const std::string state = shadowsync::ToCompactJson(state_.ToJson());
    if (state != logged_state_) Log("state " + state);
    logged_state_ = state;
    if (Status reported = client_.Report(state_.ToJson()); !reported.ok()) {
      Error("report: " + reported.ToString());
    }
  }

  // Adopts the state the service acknowledged, then applies the deltas
  // that arrived meanwhile.
  void AdoptAcknowledged() {
    state_ = FromReported(client_.acknowledged_reported());
    state_known_ = true;
    ReportState();  // corrects a section that was not all valid
    std::vector<Delta> held = std::move(held_);
    held_.clear();
    for (const Delta& delta : held) Apply(delta);
  }

  void Apply(const Delta& delta) {
    if (!state_known_) {
      JsonDocument copy;
      copy.CopyFrom(delta.state, copy.GetAllocator());
      held_.push_back(Delta{delta.version, std::move(copy), delta.from_resync});
      return;
    }
    const std::string version = " (version " + std::to_string(delta.version) + ")";
    std::vector<std::string> stale;
    for (const auto& member : delta.state.GetObject()) {
      const std::string key(member.name.GetString(), member.name.GetStringLength());
      const JsonValue& value = member.value;
      std::string problem;
      // A setting that already has the value is no change (the service
      // repeats a difference in every delta until the lamp's report lands).
      if (key == "power") {
        problem = CheckPower(value);
        if (problem.empty()) {
          if (state_.on != (value == "on")) {
            state_.on = value == "on";
            Log(std::string("power ") + (state_.on ? "on" : "off") + " -> applied" + version);
          }
          continue;
        }
        problem += "; keeping " + std::string(state_.on ? "on" : "off");
      } else if (key == "brightness") {
        problem = CheckBrightness(value);
        if (problem.empty()) {
          if (state_.brightness != static_cast<int>(value.GetDouble())) {
            state_.brightness = static_cast<int>(value.GetDouble());
            Log("brightness " + std::to_string(state_.brightness) + " -> applied" + version);
          }
          continue;
        }
        problem += "; keeping " + std::to_string(state_.brightness);
      } else {
        problem = "not a setting of this lamp";
      }
      const std::string pointer = shadowsync::JsonPointerAppend("", key);
      const std::string json = shadowsync::ToCompactJson(value);
      const auto clearing = clearing_.find(pointer);
      if (clearing != clearing_.end() && clearing->second == json) continue;  // already on it
      Log(key + " " + json + " -> rejected: " + problem + version);
      clearing_[pointer] = json;
      stale.push_back(pointer);
    }
    // The state, including the current value of any rejected setting.
    ReportState();
    // A bad desired value would come back in every delta: clear it.
    if (!stale.empty()) ClearStale(std::move(stale));
  }

 private:
  void ClearStale(std::vector<std::string> pointers) {
    std::string names;
    for (const std::string& pointer : pointers) names += (names.empty() ? "" : ", ") + pointer;
    // The ClearDesired answer runs inside the client's Poll, while the Lamp
    // (which outlives the client's polling) is alive.
    Status sent =
        client_.ClearDesired(pointers, [this, pointers, names](shadowsync::RequestResult result) {
          for (const std::string& pointer : pointers) clearing_.erase(pointer);
          if (result.ok()) {
            Log("cleared desired " + names + " (version " + std::to_string(result->version) + ")");
          } else {
            Error("clearing desired " + names + ": " + result.status().ToString());
          }
        });
    if (!sent.ok()) {
      for (const std::string& pointer : pointers) clearing_.erase(pointer);
      Error("clearing desired " + names + ": " + sent.ToString());
    }
  }

  ShadowClient& client_;
  LampState state_;
  bool state_known_ = true;
  std::vector<Delta> held_;
  std::string logged_state_;  // the last "state" line's JSON
  // Desired keys whose ClearDesired is in flight, with the bad value (JSON).
  std::map<std::string, std::string> clearing_;
};

}  // namespace

int main(int argc, char** argv) {
  namespace cli = shadowsync::cli;
  cli::CommandLine command_line("lamp", kDescription, SHADOWSYNC_VERSION);
  LampFlags flags;
  AddLampFlags(command_line.app(), &flags);
  if (std::optional<int> exit = command_line.ParseOrExit(argc, argv, std::cout, std::cerr)) {
    return *exit;
  }
  if (!flags.connection.thing) {
    std::cerr << "error: --thing is required\nsee 'lamp --help'\n";
    return kExitUsage;
  }
  shadowsync::ClientOptions options;
  options.shadow.thing = *flags.connection.thing;
  // --shadow "" (or none) is the classic shadow.
  if (flags.connection.shadow && !flags.connection.shadow->empty()) {
    options.shadow.shadow = *flags.connection.shadow;
  }
  options.journal_path = flags.journal;
  std::optional<std::chrono::seconds> run_for;
  if (flags.run_seconds) run_for = std::chrono::seconds(*flags.run_seconds);
  auto mqtt = cli::ToMqttOptions(flags.connection, "", cli::UniqueClientId("lamp"));
  if (!mqtt.ok()) {
    std::cerr << "error: " << mqtt.status().message() << "\nsee 'lamp --help'\n";
    return kExitUsage;
  }

  Signals signals;  // before the transport: Paho starts threads
  auto transport = shadowsync::MakePahoTransport(*mqtt);
  if (!transport.ok()) {
    Error(transport.status().message());
    return kExitUsage;
  }
  auto created = ShadowClient::Create(std::move(options), std::move(*transport));
  if (!created.ok()) {
    Error(created.status().message());
    return kExitUsage;
  }
  ShadowClient& client = **created;
  Lamp lamp(client);

  client.OnDelta([&lamp](const Delta& delta) { lamp.Apply(delta); });
  client.OnReportResult([&client](shadowsync::RequestResult result) {
    if (result.ok()) {
      Log("reported " +
          shadowsync::ToCompactJson(FromReported(client.acknowledged_reported()).ToJson()) +
          " (version " + std::to_string(result->version) + ")");
    } else {
      Error("report failed: " + result.status().ToString());
    }
  });
  client.OnConnectivity([](bool online, const Status& cause) {
    if (online) {
      Log("online");
    } else {
      Log("offline: " + cause.message());
    }
  });

  // A fresh lamp reports its power-up state. One resuming from a journal
  // does not: the client sends the journal's state, which was the lamp's
  // last, and the lamp adopts it once it is acknowledged.
  const bool resumed = client.HasPendingReport();
  if (resumed) {
    Log("resuming from the journal " + flags.journal);
    lamp.set_state_known(false);
  } else {
    lamp.ReportState();
  }

  if (Status started = client.Start(); !started.ok()) {
    Error("cannot connect: " + started.message());
    return kExitConnection;
  }
  // Ready once the service has the lamp's state (the GET after connecting
  // answered and the report, if one was needed, was acknowledged).
  const bool ready = client.RunUntil(
      [&] { return signals.StopRequested() || !client.HasPendingReport(); }, kReadyTimeout);
  if (!signals.StopRequested()) {
    if (!ready) {
      Error("the shadow service did not acknowledge the lamp's state within " +
            std::to_string(kReadyTimeout.count()) +
            " s (is shadowsync-emulator running? does the policy allow the shadow topics?)");
      (void)client.Stop(std::chrono::milliseconds(0));
      return kExitConnection;
    }
    if (resumed) lamp.AdoptAcknowledged();
    Log("ready");
    using Clock = std::chrono::steady_clock;
    const Clock::time_point end = run_for ? Clock::now() + *run_for : Clock::time_point::max();
    while (!signals.StopRequested() && Clock::now() < end) {
      client.RunFor(std::chrono::milliseconds(100));
    }
  }

  if (Status stopped = client.Stop(kStopTimeout); !stopped.ok()) {
    Error("stop: " + stopped.message());
    return kExitConnection;
  }
  Log("stopped");
  return kExitOk;
}
