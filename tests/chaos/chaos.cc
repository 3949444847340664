// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-chaos: seeded random faults against the whole stack, with a
// checker of the "nothing lost" invariants (issue 14, docs/reliability.md).
//
// Set-up: mosquitto with the broker plugin and its SQLite store (--mode
// plugin), or mosquitto with shadowsync-emulator and its store (--mode
// emulator); a FaultProxy between the devices and the broker; lamps
// (examples/lamp with a journal) and agents (shadowsync-agent with a
// simulated sensor and a journal) as child processes; an app (ShadowClient
// per thing, straight to the broker) that writes desired values: bursts,
// changes while a device is down, conditional updates that meet 409.
//
// Each step draws its fault and the app's changes from one std::mt19937_64
// seeded with --seed, a fixed number of draws per step, so a seed always
// gives the same fault sequence (--dry-run prints it). A clock step moves a
// device's wall clock (CLOCK_REALTIME only, as an NTP step does) through
// libfaketime, which every device then runs under (LD_PRELOAD, an offset
// file per device); nothing outside the device's process is affected.
// After each fault the checker waits for convergence and checks:
//   (i)   every device converges to the last desired value within the bound;
//   (ii)  within a process life no device applies an older desired version
//         after a newer one, nor the same change twice;
//   (iii) the shadow's reported equals each lamp's real state (its last
//         "lamp: state" line), including the state before a kill -9;
//   (iv)  the shadow's version never goes backwards, and is at least every
//         version the service answered with accepted;
//   (v)   every desired update the service accepted is in the store after a
//         broker (or emulator) kill -9: the desired section is the last
//         accepted one, or one sent after it whose answer was lost.
// Also checked at every SIGTERM of a device: exit 0 with no journal left,
// or (lamp 3, agent 4) with the journal holding the state it names.

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "chaos/device.h"
#include "chaos/fault_proxy.h"
#include "cli/command_line.h"
#include "shadowsync/client.h"
#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "support/emulator_process.h"
#include "support/mosquitto_fixture.h"
#include "support/shadow_service_fixture.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif
#ifndef SHADOWSYNC_FAKETIME_LIBRARY
#define SHADOWSYNC_FAKETIME_LIBRARY ""
#endif

namespace shadowsync::chaos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing_support::EmulatorProcess;
using testing_support::MosquittoBroker;

// How long an offline SIGTERM keeps the proxy black-holed after its cut.
constexpr std::chrono::milliseconds kOfflineHole{4000};

constexpr char kDescription[] =
    "Seeded random faults (device kill -9 and SIGTERM, broker kill -9 and SIGTERM, emulator "
    "kill -9, connection cuts, black holes, latency, a device's wall clock stepped) against "
    "mosquitto with the shadowsync plugin (or the emulator), lamps and agents behind a fault "
    "proxy, and an app writing desired "
    "values; after every fault it checks convergence, ordering, reported state, versions and "
    "durability (docs/reliability.md). The last line is 'N passed, M failed'; exit 0 when none "
    "failed, 1 otherwise, 2 for a usage error.\n";

struct Settings {
  int faults = 40;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string mode = "plugin";
  int lamps = 2;
  int agents = 1;
  int converge_seconds = 60;
  std::string work_dir;
  bool keep = false;
  bool dry_run = false;
  std::string binary_dir = SHADOWSYNC_BINARY_DIR;
  // Clock steps run every device under libfaketime; without them a seed
  // gives the fault sequence of the runs before clock steps existed.
  bool clock_steps = true;
  std::string faketime_library = SHADOWSYNC_FAKETIME_LIBRARY;
};

// ---- the seeded plan ----

enum class FaultKind {
  kDeviceKill,
  kDeviceTerm,
  kBrokerKill,
  kBrokerTerm,
  kEmulatorKill,
  kEmulatorTerm,
  kCut,
  kBlackHole,
  kLatency,
  kClockStep,
};

struct Change {
  int thing = 0;       // index into the things
  int power = 0;       // lamps: 0 off, 1 on
  int brightness = 0;  // lamps: 0..100
  int interval = 1;    // agents: interval_seconds = interval / 2.0 (0.5 .. 3)
  bool conditional = false;
};

struct Step {
  FaultKind fault = FaultKind::kCut;
  int device = 0;                         // device faults
  std::chrono::milliseconds duration{0};  // black hole, latency
  std::chrono::milliseconds latency{0};   // latency
  bool offline = false;                   // SIGTERM: while cut off from the broker
  std::vector<Change> before;             // sent just before the fault
  std::vector<Change> during;             // while it lasts (device down, ...)

  // A clock step: 360 to 3,600 s, backwards when `offline` was drawn (no
  // draw of its own, so the other faults' sequence does not depend on it).
  std::chrono::seconds ClockStep() const {
    const auto size = std::chrono::seconds(duration.count() * 360 / 1000);
    return offline ? -size : size;
  }

  std::string Describe(const std::vector<std::string>& names) const {
    switch (fault) {
      case FaultKind::kDeviceKill:
        return "kill -9 and restart " + names[static_cast<std::size_t>(device)];
      case FaultKind::kDeviceTerm:
        return "SIGTERM" + std::string(offline ? " (offline)" : "") + " and restart " +
               names[static_cast<std::size_t>(device)];
      case FaultKind::kBrokerKill:
        return "kill -9 and restart the broker";
      case FaultKind::kBrokerTerm:
        return "SIGTERM and restart the broker";
      case FaultKind::kEmulatorKill:
        return "kill -9 and restart the emulator";
      case FaultKind::kEmulatorTerm:
        return "SIGTERM and restart the emulator";
      case FaultKind::kCut:
        return "cut every connection at the proxy";
      case FaultKind::kBlackHole:
        return "black-hole the proxy for " + std::to_string(duration.count()) + " ms";
      case FaultKind::kLatency:
        return "add " + std::to_string(latency.count()) + " ms latency for " +
               std::to_string(duration.count()) + " ms";
      case FaultKind::kClockStep:
        return "step the wall clock of " + names[static_cast<std::size_t>(device)] + " by " +
               (ClockStep().count() > 0 ? "+" : "") + std::to_string(ClockStep().count()) + " s";
    }
    return "?";
  }
};

// A fixed number of draws per step, whatever happens at run time.
Step DrawStep(std::mt19937_64& rng, bool emulator_mode, bool clock_steps, int devices) {
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Step step;
  // Weights: devices 2+2, broker 1+1, emulator 1+1 (emulator mode), proxy
  // 2+1+1, clock step 1 (unless --no-clock-step).
  std::vector<std::pair<FaultKind, int>> table = {
      {FaultKind::kDeviceKill, 2}, {FaultKind::kDeviceTerm, 2}, {FaultKind::kBrokerKill, 1},
      {FaultKind::kBrokerTerm, 1}, {FaultKind::kCut, 2},        {FaultKind::kBlackHole, 1},
      {FaultKind::kLatency, 1}};
  if (emulator_mode) {
    table.push_back({FaultKind::kEmulatorKill, 1});
    table.push_back({FaultKind::kEmulatorTerm, 1});
  }
  if (clock_steps) table.push_back({FaultKind::kClockStep, 1});
  int total = 0;
  for (const auto& entry : table) total += entry.second;
  int pick = uniform(0, total - 1);
  for (const auto& entry : table) {
    if (pick < entry.second) {
      step.fault = entry.first;
      break;
    }
    pick -= entry.second;
  }
  step.device = uniform(0, devices - 1);
  step.duration = std::chrono::milliseconds(uniform(1000, 10000));
  step.latency = std::chrono::milliseconds(uniform(50, 500));
  if (step.fault == FaultKind::kLatency) step.duration = std::min(step.duration, 4000ms);
  step.offline = uniform(0, 1) == 1;
  const auto changes = [&](int count) {
    std::vector<Change> out;
    for (int i = 0; i < 5; ++i) {
      Change change;
      change.thing = uniform(0, devices - 1);
      change.power = uniform(0, 1);
      change.brightness = uniform(0, 100);
      change.interval = uniform(1, 6);
      change.conditional = uniform(0, 3) == 0;
      if (i < count) out.push_back(change);
    }
    return out;
  };
  const int before = uniform(0, 4);  // a burst of up to four
  const int during = uniform(0, 2);
  step.before = changes(before);
  step.during = changes(during);
  return step;
}

// ---- the app ----

// What the checker knows of one thing.
struct ThingModel {
  std::string name;
  bool lamp = true;
  // The desired section of the accepted update with the highest version.
  std::string last_accepted;  // compact JSON of the whole desired patch
  std::uint64_t last_accepted_version = 0;
  std::uint64_t last_accepted_seq = 0;
  // Updates sent after it whose answer never came (timeout, lost).
  std::map<std::uint64_t, std::string> uncertain;  // by send sequence
  std::uint64_t max_version = 0;                   // every version seen accepted
  std::uint64_t last_get_version = 0;
  int outstanding = 0;
};

class App {
 public:
  App(std::vector<ThingModel>* things, int broker_port) : things_(things), port_(broker_port) {}

  Status Start() {
    for (ThingModel& thing : *things_) {
      MqttOptions mqtt;
      mqtt.server_uri = "tcp://127.0.0.1:" + std::to_string(port_);
      mqtt.client_id = "chaos-app-" + thing.name + "-" + std::to_string(::getpid());
      mqtt.reconnect_min = 200ms;
      mqtt.reconnect_max = 2s;
      ClientOptions options;
      options.shadow.thing = thing.name;
      options.request_timeout = 5s;
      Result<std::unique_ptr<ShadowClient>> client =
          testing_support::MakePahoShadowClient(mqtt, options);
      if (!client.ok()) return client.status();
      if (Status started = (*client)->Start(); !started.ok()) return started;
      clients_.push_back(std::move(client).value());
    }
    return Status::Ok();
  }

  void Poll(std::chrono::milliseconds for_at_least) {
    const auto end = Clock::now() + for_at_least;
    do {
      for (auto& client : clients_) client->RunFor(5ms);
    } while (Clock::now() < end);
  }

  bool Online(std::size_t thing) const { return clients_[thing]->IsOnline(); }

  // Sends `change`, retrying for a while when the app is offline (broker
  // restarting); the answer is handled in Poll(). kUnavailable if it could
  // not be sent at all.
  Status Send(const Change& change) {
    ThingModel& thing = (*things_)[static_cast<std::size_t>(change.thing)];
    ShadowClient& client = *clients_[static_cast<std::size_t>(change.thing)];
    const std::string patch =
        thing.lamp ? std::string(R"({"power":")") + (change.power ? "on" : "off") +
                         R"(","brightness":)" + std::to_string(change.brightness) + "}"
                   : R"({"agent":{"interval_seconds":)" +
                         std::to_string(change.interval / 2.0).substr(0, 3) + "}}";
    Result<JsonDocument> json = ParseJson(patch);
    const std::uint64_t seq = ++seq_;
    UpdateOptions options;
    if (change.conditional) {
      // A version the shadow has passed: 409, then GET, rebase and retry.
      options.expected_version = std::max<std::uint64_t>(1, thing.last_get_version) - 1;
      options.rebase = [this, patch](const JsonValue&) -> Result<JsonDocument> {
        ++conflicts_;
        return ParseJson(patch);
      };
    }
    ThingModel* model = &thing;
    auto done = [this, model, patch, seq](RequestResult result) {
      --model->outstanding;
      if (result.ok()) {
        model->uncertain.erase(seq);
        model->max_version = std::max(model->max_version, result->version);
        if (result->version > model->last_accepted_version) {
          model->last_accepted_version = result->version;
          model->last_accepted = CompactOf(patch);
          model->last_accepted_seq = seq;
          // Sent before it and unanswered: applied before it, or never.
          model->uncertain.erase(model->uncertain.begin(), model->uncertain.lower_bound(seq));
        }
      } else if (result.status().code() == StatusCode::kTimeout) {
        ++lost_answers_;  // stays uncertain
      } else {
        model->uncertain.erase(seq);  // rejected: not applied
        ++rejected_;
      }
    };
    const auto end = Clock::now() + 30s;
    for (;;) {
      Status sent = client.UpdateDesired(*json, done, options);
      if (sent.ok()) {
        ++thing.outstanding;
        thing.uncertain[seq] = CompactOf(patch);
        return sent;
      }
      if (sent.code() != StatusCode::kUnavailable || Clock::now() > end) return sent;
      Poll(50ms);
    }
  }

  // Waits for the answers (or timeouts) of everything sent.
  bool WaitForAnswers(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    for (;;) {
      bool idle = true;
      for (const ThingModel& thing : *things_) idle = idle && thing.outstanding == 0;
      if (idle) return true;
      if (Clock::now() > end) return false;
      Poll(20ms);
    }
  }

  // The whole document of `thing` (get/accepted payload).
  Result<JsonDocument> Get(std::size_t thing) {
    std::optional<RequestResult> answer;
    Status sent = clients_[thing]->Get([&](RequestResult result) { answer = std::move(result); });
    if (!sent.ok()) return sent;
    const auto end = Clock::now() + 6s;
    while (!answer && Clock::now() < end) Poll(5ms);
    if (!answer) return Status(StatusCode::kTimeout, "no answer to GET");
    if (!answer->ok()) return answer->status();
    return std::move(answer->value().payload);
  }

  static std::string CompactOf(const std::string& json) {
    Result<JsonDocument> parsed = ParseJson(json);
    return parsed.ok() ? ToCompactJson(*parsed) : json;
  }

  int conflicts() const { return conflicts_; }
  int lost_answers() const { return lost_answers_; }
  int rejected() const { return rejected_; }

 private:
  std::vector<ThingModel>* things_;
  int port_;
  std::vector<std::unique_ptr<ShadowClient>> clients_;
  std::uint64_t seq_ = 0;
  int conflicts_ = 0;
  int lost_answers_ = 0;
  int rejected_ = 0;
};

// ---- the run ----

const JsonValue* Find(const JsonValue& object, std::initializer_list<const char*> path) {
  const JsonValue* node = &object;
  for (const char* key : path) {
    if (!node->IsObject()) return nullptr;
    auto it = node->FindMember(key);
    if (it == node->MemberEnd()) return nullptr;
    node = &it->value;
  }
  return node;
}

std::string CompactOrNone(const JsonValue* value) {
  return value ? ToCompactJson(*value) : std::string("(none)");
}

bool SameJson(const std::string& a, const std::string& b) {
  Result<JsonDocument> x = ParseJson(a);
  Result<JsonDocument> y = ParseJson(b);
  return x.ok() && y.ok() && JsonEquals(*x, *y);
}

class Run {
 public:
  explicit Run(Settings settings) : settings_(std::move(settings)), rng_(settings_.seed) {}

  int Main() {
    if (Status set_up = SetUp(); !set_up.ok()) {
      std::cout << "set-up failed: " << set_up.message() << "\nlogs kept in " << dir_ << "\n"
                << "0 passed, 1 failed" << std::endl;
      return 1;
    }
    // The first convergence: every device ready and the shadows in place.
    if (std::string problem = Converge(); !problem.empty()) {
      Fail(0, "start", problem);
    }
    for (int index = 1; index <= settings_.faults; ++index) {
      Step step =
          DrawStep(rng_, emulator_mode(), settings_.clock_steps, static_cast<int>(devices_.size()));
      const std::string what = step.Describe(names_);
      const auto started = Clock::now();
      std::string problem = Inject(step);
      if (problem.empty()) problem = Converge();
      const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
      if (problem.empty()) {
        ++passed_;
        std::cout << "step " << index << ": " << what << ": ok (" << Seconds(seconds) << ")"
                  << std::endl;
      } else {
        Fail(index, what, problem);
      }
    }
    std::cout << "app: " << app_->conflicts() << " conflicts (409) met and rebased, "
              << app_->lost_answers() << " answers lost, " << app_->rejected()
              << " rejected; device SIGTERMs: " << clean_stops_ << " exited 0, " << pending_stops_
              << " exited with a report pending (journal named)\n";
    TearDown();
    if (failed_ > 0 || settings_.keep) {
      std::cout << "logs kept in " << dir_ << "\n";
    } else {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
    std::cout << passed_ << " passed, " << failed_ << " failed" << std::endl;
    return failed_ == 0 ? 0 : 1;
  }

  void DryRun() {
    const int devices = settings_.lamps + settings_.agents;
    for (int i = 0; i < devices; ++i) {
      names_.push_back(i < settings_.lamps ? "lamp-" + std::to_string(i)
                                           : "agent-" + std::to_string(i - settings_.lamps));
    }
    for (int index = 1; index <= settings_.faults; ++index) {
      Step step = DrawStep(rng_, emulator_mode(), settings_.clock_steps, devices);
      std::cout << "step " << index << ": " << step.Describe(names_) << " (" << step.before.size()
                << " change(s) before, " << step.during.size() << " during)\n";
    }
  }

 private:
  bool emulator_mode() const { return settings_.mode == "emulator"; }

  static std::string Seconds(double s) {
    std::ostringstream out;
    out.precision(1);
    out << std::fixed << s << " s";
    return out.str();
  }

  void Fail(int index, const std::string& what, const std::string& problem) {
    ++failed_;
    std::cout << "FAIL seed " << settings_.seed << " step " << index << " (" << what
              << "): " << problem << "\n  logs: " << dir_ << std::endl;
  }

  Status SetUp() {
    if (settings_.work_dir.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "shadowsync-chaos-XXXXXX");
      if (::mkdtemp(pattern.data()) == nullptr) {
        return Status(StatusCode::kInternal, "mkdtemp failed");
      }
      dir_ = pattern;
    } else {
      dir_ = settings_.work_dir;
      std::filesystem::create_directories(dir_);
    }
    std::cout << "shadowsync-chaos: seed " << settings_.seed << ", " << settings_.faults
              << " faults, mode " << settings_.mode << ", " << settings_.lamps << " lamp(s), "
              << settings_.agents << " agent(s), clock steps "
              << (settings_.clock_steps ? "on" : "off") << ", work dir " << dir_ << std::endl;
    std::string faketime;
    if (settings_.clock_steps) {
      if (settings_.faketime_library.empty() ||
          ::access(settings_.faketime_library.c_str(), R_OK) != 0) {
        return Status(
            StatusCode::kFailedPrecondition,
            "clock steps need libfaketime (" +
                (settings_.faketime_library.empty() ? std::string("not found at build time")
                                                    : settings_.faketime_library) +
                "; Debian package faketime, scripts/install-deps.sh); "
                "--faketime-library PATH names it, --no-clock-step runs without");
      }
      faketime = settings_.faketime_library;
    }
    testing_support::BrokerOptions broker;
    broker.client_names = {"shadowsync-emulator"};
    broker.log_types = {"error", "warning", "notice", "information"};
    if (!emulator_mode()) {
      broker.plugin_path = settings_.binary_dir + "/service/mosquitto/shadowsync_mosquitto.so";
      broker.plugin_options = {
          {"store", dir_ + "/shadows.db"}, {"max_inflight", "0"}, {"max_requests_per_second", "0"}};
    }
    if (Status started = broker_.Start(broker); !started.ok()) return started;
    if (emulator_mode()) {
      testing_support::EmulatorProcessOptions emulator;
      emulator.binary = settings_.binary_dir + "/service/emulator/shadowsync-emulator";
      emulator.listener = testing_support::EmulatorListener::kPlain;
      emulator.store_path = dir_ + "/emulator.db";
      emulator.max_inflight = 0;
      emulator.max_requests_per_second = 0;
      // The mode docs/emulator.md recommends for losing nothing answered.
      emulator.workers = 0;
      emulator.extra_args = {"--persistent-session", "--client-id", "chaos-emulator"};
      emulator.log_path = dir_ + "/emulator.log";
      if (Status started = emulator_.Start(broker_, emulator); !started.ok()) return started;
    }
    Result<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(broker_.plain_port());
    if (!proxy.ok()) return proxy.status();
    proxy_ = std::move(proxy).value();

    for (int i = 0; i < settings_.lamps + settings_.agents; ++i) {
      const bool lamp = i < settings_.lamps;
      const std::string name =
          lamp ? "lamp-" + std::to_string(i) : "agent-" + std::to_string(i - settings_.lamps);
      names_.push_back(name);
      ThingModel model;
      model.name = name;
      model.lamp = lamp;
      things_.push_back(model);
      devices_.push_back(std::make_unique<Device>(
          lamp ? Device::Kind::kLamp : Device::Kind::kAgent, name, dir_,
          settings_.binary_dir + (lamp ? "/examples/lamp/lamp" : "/agent/shadowsync-agent"),
          faketime));
    }
    app_ = std::make_unique<App>(&things_, broker_.plain_port());
    if (Status started = app_->Start(); !started.ok()) return started;
    for (auto& device : devices_) {
      if (Status started = device->Start(proxy_->port()); !started.ok()) return started;
    }
    return Status::Ok();
  }

  void TearDown() {
    for (auto& device : devices_) (void)device->Kill();
    app_.reset();
    proxy_.reset();
    (void)emulator_.Stop();
    (void)broker_.Stop();
  }

  void SendAll(const std::vector<Change>& changes) {
    for (const Change& change : changes) (void)app_->Send(change);
  }

  // Restarts a broker (kill -9 first when `kill`); the devices and the app
  // reconnect by themselves.
  std::string RestartBroker(bool kill) {
    if (kill && ::kill(broker_.pid(), SIGKILL) != 0) return "kill -9 of the broker failed";
    if (Status restarted = broker_.Restart(); !restarted.ok()) {
      return "the broker did not restart: " + restarted.message();
    }
    return "";
  }

  // A device's SIGTERM: exit 0 with no journal file, or the "pending" exit
  // code naming the journal, which holds the state.
  std::string TerminateDevice(Device& device) {
    Result<testing_support::ExitStatus> exited = device.Terminate(15s);
    if (!exited.ok()) {
      (void)device.Kill();
      return device.name() + " did not stop within 15 s of SIGTERM";
    }
    const std::string log = device.ReadLog(device.life());
    struct stat info;
    const bool journal = ::stat(device.journal_path().c_str(), &info) == 0;
    const int pending_code = device.kind() == Device::Kind::kLamp ? 3 : 4;
    if (!exited->exited()) return device.name() + " " + exited->ToString();
    if (exited->exit_code() == 0) {
      if (journal) {
        return device.name() + " exited 0 (nothing pending) but left its journal " +
               device.journal_path();
      }
      ++clean_stops_;
      return "";
    }
    if (exited->exit_code() == pending_code) {
      ++pending_stops_;
      // The lamp says "(kept in PATH)", the agent "kept in the journal PATH".
      const std::string& named = device.journal_path();
      if (!journal) {
        return device.name() + " exited " + std::to_string(pending_code) +
               " (report pending) but its journal " + device.journal_path() + " does not exist";
      }
      if (log.find(named) == std::string::npos) {
        return device.name() + " exited " + std::to_string(pending_code) +
               " with a journal but did not name it; log tail: " + Tail(log);
      }
      return "";
    }
    return device.name() + " " + exited->ToString() + "; log tail: " + Tail(log);
  }

  static std::size_t CountLines(const Device& device, const std::string& needle) {
    const std::string log = device.ReadLog(device.life());
    std::size_t count = 0;
    for (std::size_t at = log.find(needle); at != std::string::npos;
         at = log.find(needle, at + 1)) {
      ++count;
    }
    return count;
  }

  static std::string Tail(const std::string& log, std::size_t lines = 8) {
    std::size_t at = log.size();
    for (std::size_t n = 0; n <= lines && at > 0; ++n) at = log.rfind('\n', at - 1);
    return log.substr(at == std::string::npos ? 0 : at + 1);
  }

  std::string Inject(const Step& step) {
    SendAll(step.before);
    Device& device = *devices_[static_cast<std::size_t>(step.device)];
    std::string problem;
    switch (step.fault) {
      case FaultKind::kDeviceKill:
        if (Status killed = device.Kill(); !killed.ok()) return killed.message();
        SendAll(step.during);  // while it is down
        if (Status started = device.Start(proxy_->port()); !started.ok()) return started.message();
        break;
      case FaultKind::kDeviceTerm:
        if (step.offline) {
          // Cut, and hold the reconnect in a black hole: the device is
          // offline when the signal comes.
          const std::size_t offline_before = CountLines(device, "offline");
          proxy_->BlackHole(kOfflineHole);
          (void)proxy_->CutAll();
          const auto end = Clock::now() + kOfflineHole;
          while (CountLines(device, "offline") == offline_before && Clock::now() < end) {
            app_->Poll(20ms);
          }
        }
        problem = TerminateDevice(device);
        SendAll(step.during);
        if (Status started = device.Start(proxy_->port()); !started.ok()) return started.message();
        break;
      case FaultKind::kBrokerKill:
      case FaultKind::kBrokerTerm:
        problem = RestartBroker(step.fault == FaultKind::kBrokerKill);
        SendAll(step.during);
        break;
      case FaultKind::kEmulatorKill:
        if (Status killed = emulator_.Kill(); !killed.ok()) return killed.message();
        [[fallthrough]];
      case FaultKind::kEmulatorTerm:
        if (Status restarted = emulator_.Restart(); !restarted.ok()) {
          return "the emulator did not restart: " + restarted.message();
        }
        SendAll(step.during);
        break;
      case FaultKind::kCut:
        (void)proxy_->CutAll();
        SendAll(step.during);
        break;
      case FaultKind::kBlackHole:
        proxy_->BlackHole(step.duration);
        SendAll(step.during);
        app_->Poll(step.duration);  // the fault's own duration
        break;
      case FaultKind::kLatency:
        proxy_->AddLatency(step.latency, step.duration);
        SendAll(step.during);
        app_->Poll(step.duration);  // the fault's own duration
        break;
      case FaultKind::kClockStep:
        if (Status stepped = device.StepClock(step.ClockStep()); !stepped.ok()) {
          return stepped.message();
        }
        // libfaketime reads the offset again at most a second later.
        app_->Poll(Device::kClockStepDelay);
        SendAll(step.during);  // changes the device applies on its new clock
        break;
    }
    return problem;
  }

  // (ii) over every life of every device.
  std::string CheckOrder() {
    for (auto& device : devices_) {
      for (int life = checked_lives_[device->name()]; life <= device->life(); ++life) {
        if (life == 0) continue;
        const DeviceLog log = DeviceLog::Parse(device->ReadLog(life));
        std::map<std::string, std::uint64_t> last;  // key -> last applied version
        std::uint64_t newest = 0;
        for (const DeviceLog::Applied& applied : log.applied) {
          if (applied.version < newest) {
            return "(ii) " + device->name() + " life " + std::to_string(life) + " applied " +
                   applied.key + " " + applied.value + " of version " +
                   std::to_string(applied.version) + " after version " + std::to_string(newest);
          }
          auto seen = last.find(applied.key);
          if (seen != last.end() && seen->second == applied.version) {
            return "(ii) " + device->name() + " life " + std::to_string(life) + " applied " +
                   applied.key + " of version " + std::to_string(applied.version) + " twice";
          }
          last[applied.key] = applied.version;
          newest = applied.version;
        }
      }
      // Finished lives need no second look.
      checked_lives_[device->name()] = std::max(1, device->life());
    }
    return "";
  }

  // Waits until every device has converged, then checks (i)-(v). "" when
  // all hold; otherwise the first broken invariant, expected vs seen.
  std::string Converge() {
    if (!app_->WaitForAnswers(20s)) return "the app's requests were not answered within 20 s";
    const auto end = Clock::now() + std::chrono::seconds(settings_.converge_seconds);
    std::string last_problem;
    std::vector<JsonDocument> documents(things_.size());
    for (;;) {
      last_problem.clear();
      for (std::size_t i = 0; i < things_.size() && last_problem.empty(); ++i) {
        Result<JsonDocument> document = app_->Get(i);
        if (!document.ok()) {
          last_problem = "(i) GET " + things_[i].name + ": " + document.status().ToString();
          break;
        }
        documents[i] = std::move(document).value();
        last_problem = Converged(i, documents[i]);
      }
      if (last_problem.empty()) break;
      if (Clock::now() > end) {
        return "no convergence within " + std::to_string(settings_.converge_seconds) +
               " s: " + last_problem;
      }
      app_->Poll(100ms);
    }
    for (std::size_t i = 0; i < things_.size(); ++i) {
      if (std::string problem = CheckDurable(i, documents[i]); !problem.empty()) return problem;
    }
    return CheckOrder();
  }

  // (i) and (iii) for one thing: "" once converged.
  std::string Converged(std::size_t i, const JsonDocument& document) {
    const ThingModel& thing = things_[i];
    Device& device = *devices_[i];
    const JsonValue* desired = Find(document, {"state", "desired"});
    const JsonValue* reported = Find(document, {"state", "reported"});
    const DeviceLog log = device.CurrentLog();
    if (!log.ready)
      return "(i) " + thing.name + " is not ready (life " + std::to_string(device.life()) + ")";
    if (thing.lamp) {
      if (desired != nullptr && reported != nullptr) {
        for (const char* key : {"power", "brightness"}) {
          const JsonValue* want = Find(*desired, {key});
          const JsonValue* have = Find(*reported, {key});
          if (want && (!have || !JsonEquals(*want, *have))) {
            return "(i) " + thing.name + " reported." + key + ": expected " + CompactOrNone(want) +
                   " (desired), seen " + CompactOrNone(have);
          }
        }
      }
      // (iii): the shadow's reported is the lamp's real state.
      if (reported == nullptr || !SameJson(ToCompactJson(*reported), log.state)) {
        return "(iii) " + thing.name + " reported: expected " + log.state +
               " (the lamp's state), seen " + CompactOrNone(reported);
      }
    } else {
      const JsonValue* want = desired ? Find(*desired, {"agent", "interval_seconds"}) : nullptr;
      const JsonValue* have = reported ? Find(*reported, {"agent", "interval_seconds"}) : nullptr;
      if (want && (!have || !JsonEquals(*want, *have))) {
        return "(i) " + thing.name + " reported.agent.interval_seconds: expected " +
               CompactOrNone(want) + " (desired), seen " + CompactOrNone(have);
      }
    }
    return "";
  }

  // (iv) and (v) for one thing.
  std::string CheckDurable(std::size_t i, const JsonDocument& document) {
    ThingModel& thing = things_[i];
    const JsonValue* version = Find(document, {"version"});
    const std::uint64_t now = version && version->IsUint64() ? version->GetUint64() : 0;
    const DeviceLog log = devices_[i]->CurrentLog();
    thing.max_version = std::max(thing.max_version, log.max_reported_version);
    if (now < thing.last_get_version || now < thing.max_version) {
      return "(iv) " + thing.name + " version: expected at least " +
             std::to_string(std::max(thing.last_get_version, thing.max_version)) +
             " (seen before or answered accepted), seen " + std::to_string(now);
    }
    thing.last_get_version = now;
    if (thing.last_accepted.empty()) return "";
    const JsonValue* desired = Find(document, {"state", "desired"});
    const std::string seen = CompactOrNone(desired);
    if (desired && SameJson(seen, thing.last_accepted)) return "";
    for (const auto& [seq, patch] : thing.uncertain) {
      if (seq > thing.last_accepted_seq && desired && SameJson(seen, patch)) return "";
    }
    return "(v) " + thing.name + " desired: expected " + thing.last_accepted +
           " (accepted at version " + std::to_string(thing.last_accepted_version) + ")" +
           (thing.uncertain.empty() ? "" : " or a later unanswered update") + ", seen " + seen;
  }

  Settings settings_;
  std::mt19937_64 rng_;
  std::string dir_;
  MosquittoBroker broker_;
  EmulatorProcess emulator_;
  std::unique_ptr<FaultProxy> proxy_;
  std::vector<std::string> names_;
  std::vector<ThingModel> things_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::unique_ptr<App> app_;
  std::map<std::string, int> checked_lives_;
  int passed_ = 0;
  int failed_ = 0;
  int clean_stops_ = 0;
  int pending_stops_ = 0;
};

}  // namespace
}  // namespace shadowsync::chaos

int main(int argc, char** argv) {
  using shadowsync::chaos::Settings;
  // Paho's threads must not take the SIGPIPE of a cut connection.
  ::signal(SIGPIPE, SIG_IGN);
  shadowsync::cli::CommandLine command_line("shadowsync-chaos", shadowsync::chaos::kDescription,
                                            SHADOWSYNC_VERSION);
  Settings settings;
  CLI::App& app = command_line.app();
  app.add_option("--faults", settings.faults, "number of faults to inject (default 40)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000).description(""));
  app.add_option_function<std::uint64_t>(
         "--seed",
         [&settings](const std::uint64_t& seed) {
           settings.seed = seed;
           settings.seed_given = true;
         },
         "seed of the fault sequence (default: from the clock; printed first)")
      ->type_name("S");
  app.add_option("--mode", settings.mode, "plugin (mosquitto + plugin + store) or emulator")
      ->check(CLI::IsMember({"plugin", "emulator"}).description(""))
      ->type_name("MODE");
  app.add_option("--lamps", settings.lamps, "lamp processes (default 2)")
      ->check(CLI::Range(1, 20).description(""))
      ->type_name("N");
  app.add_option("--agents", settings.agents, "agent processes (default 1)")
      ->check(CLI::Range(0, 20).description(""))
      ->type_name("N");
  app.add_option("--converge-seconds", settings.converge_seconds,
                 "the bound of invariant (i) after each fault (default 60)")
      ->check(CLI::Range(1, 3600).description(""))
      ->type_name("S");
  app.add_option("--work-dir", settings.work_dir,
                 "where the store, logs and journals go (default: a new temp dir, removed "
                 "after a run without failures)")
      ->type_name("DIR");
  app.add_flag("--keep", settings.keep, "keep the work dir after a run without failures");
  app.add_flag("--dry-run", settings.dry_run, "print the fault sequence of the seed and exit");
  app.add_option("--binary-dir", settings.binary_dir,
                 "the build tree with the lamp, agent, emulator and plugin (default: this one)")
      ->type_name("DIR");
  bool no_clock_step = false;
  app.add_flag("--no-clock-step", no_clock_step,
               "inject no clock steps and run the devices without libfaketime (a seed then gives "
               "the fault sequence of the runs made before clock steps existed)");
  app.add_option("--faketime-library", settings.faketime_library,
                 "libfaketime.so.1 for the clock steps (default: the one found at build time)")
      ->type_name("PATH");
  if (std::optional<int> exit = command_line.ParseOrExit(argc, argv, std::cout, std::cerr)) {
    return *exit;
  }
  settings.clock_steps = !no_clock_step;
  if (!settings.seed_given) {
    settings.seed = static_cast<std::uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count() % 1000000007);
  }
  shadowsync::chaos::Run run(settings);
  if (settings.dry_run) {
    run.DryRun();
    return 0;
  }
  return run.Main();
}
