// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-relay-bench: the emulator and the broker plugin against the raw
// MQTT relay they run on (issue 3 and issue 9, "Performance"). In one run, on
// a private loopback mosquitto that it starts itself (MosquittoBroker, plain
// TCP):
//
//   (a)  raw relay: K publishers (one Paho client each, through shadowsync's
//        Transport) publish QoS 1 to bench/relay/<k>; one subscriber client
//        receives everything. Each message carries its send time; latency is
//        taken at the subscriber.
//   (b)  the emulator (shadowsync-emulator, memory store, default workers
//        and limits) on the same broker: the same K clients send QoS 1
//        updates to 1,000 things ($aws/things/bench-<i>/shadow/update) whose
//        4 KB documents were loaded with --seed-file, and receive
//        update/accepted (and update/rejected, counted as errors). By default
//        each client subscribes to the exact answer topics of its own things,
//        as a device does; --subscriptions wildcard subscribes every client
//        to $aws/things/+/shadow/update/{accepted,rejected}, so that each
//        answer reaches all K clients. Latency is update -> accepted,
//        measured through the clientToken, which carries the send time.
//   (b2) the same as (b) with --store on a temporary SQLite file (durable:
//        every accepted update is committed and fsync()ed before its
//        responses go out).
// and then, on a second private mosquitto that loads shadowsync_mosquitto.so
// (--plugin, default: the one of this build) with plugin_opt_seed_file (the
// same 1,000 documents), plugin_opt_export_file and the plugin's default
// limits:
//   (c)  the plugin, memory: the same K publishers (new clients of the same
//        kind, connected after those of (a) and (b) disconnected) send the
//        same updates and wait for update/accepted, which the plugin
//        publishes from inside the broker. There is no emulator process:
//        mosquitto's CPU includes the plugin's.
//   (c2) the same as (c) with plugin_opt_store on a temporary SQLite file:
//        group commit, one transaction and fsync per mosquitto loop pass,
//        the pass's answers held until it is done.
// Before its saturated run, each of (c) and (c2) measures (a) again on its
// own mosquitto ("(a) again here"): the summary also prints (c)/(a) and
// (c2)/(a) against that (a), taken the same minute, as the shared machine's
// load changes over the run.
// After each (c) run the plugin's per-request log lines (us=, the time from
// arrival in the broker to the answers being queued) are summarized, and
// at the end its export is checked as the emulator's.
// The K + 1 clients connect at the same time (toolchain pitfall: a Paho
// client that connects while another one of the process is connected waits
// about 2 s).
//
// Load model. Each publisher is a closed loop with a bounded window: it keeps
// at most --window messages outstanding end to end (sent, not yet received
// by the subscriber or not yet answered), so throughput is the saturated rate
// and latency at that rate is mostly queueing (Little's law: about
// K * window / throughput). Two more runs separate queueing from service
// time: "paced" offers a fixed rate, half of the measured (a) rate (the
// issue's throughput target), with the same window as a cap; "window 1" lets
// each publisher have one message outstanding. (b2) has no paced run.
// Each run also reports the CPU time that the bench, mosquitto and the
// emulator used per completed operation (from /proc): unlike the rates, it
// hardly depends on what else the shared machine is running.
//
// Updates are realistic device reports: a few telemetry leaves and one zone's
// temperature history (about 300 bytes). Every generated number has a fixed
// width, so the stored documents keep their size. At the end of each (b) run
// the emulator's export is read back, and the state size of all 1,000 shadows
// is checked and printed. Each publisher owns the things i with i % K == k
// and sends to them round robin. So a thing never has more than one request
// in flight, and the emulator's --max-inflight (10 per thing) never triggers.
// Each thing gets throughput / 1000 requests per second, so
// --max-requests-per-second (20 per thing) triggers only above 20,000
// updates/s. The plugin has the same L8 (plugin_opt_max_requests_per_second,
// 20 per thing). Its L7 (plugin_opt_max_inflight, 10) counts, per client
// connection and only with a store, the requests held for the pass's commit.
// mosquitto 2.0 reads one packet per plain-TCP connection in each loop pass
// (more only while TLS has buffered data), so a connection has at most one
// request held, and L7 does not trigger in (c2) either: the plugin's stop
// summary, printed after each host, shows throttled_inflight=0 and
// throttled_rate=0. No limit is raised; a 429 would show as "REJECTED 429".
//
// Output ends with the figures:
//   (a) raw relay: N msg/s, p50 X us, p99 Y us
//   (b) emulator: N updates/s, p50 X us, p99 Y us
//   (b2) durable: N updates/s, p50 X us, p99 Y us
//   (c) plugin: N updates/s, p50 X us, p99 Y us
//   (c2) plugin, store: N updates/s, p50 X us, p99 Y us
//   ratio (b)/(a) throughput: 0.NN (target >= 0.5)
//   p99 (b): Y ms (target < 5 ms), paced at 0.5 x (a) ...
//   ratio (c)/(a) throughput: N.NN (target >= 1.0)
//   p99 (c): Y ms (target < 2 ms), paced at 0.5 x (a) ...
//   ratio (c2)/(a) throughput: 0.NN (target >= 0.5); p99 (c2): Y ms
//   cpu per op, all processes, saturated: (a) X us, (b) Y us ((a)/(b) = ...
// The p99 compared with the target is the paced run's, the latency at the
// target throughput (the saturated p99 is the window's queue); without paced
// runs (--latency-seconds 0) it is the saturated one.
// --no-emulator skips (b) and (b2), --no-plugin (c) and (c2), --no-durable
// (b2) and (c2).
// Timings are never asserted. Exit status: 0 when every phase ran; 1 when
// setup failed, a phase completed nothing, an update was rejected with a code
// other than 429 (the bench's payloads are wrong), or a stored document no
// longer has its size; 2 for a usage error.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench_concurrent.h"
#include "bench_cpu.h"
#include "bench_flags.h"
#include "bench_latency.h"
#include "cli/command_line.h"
#include "shadowsync/document.h"
#include "shadowsync/json.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"
#include "shadowsync/transport.h"
#include "support/child_process.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

#ifndef SHADOWSYNC_EMULATOR_PATH
#define SHADOWSYNC_EMULATOR_PATH ""
#endif
#ifndef SHADOWSYNC_PLUGIN_PATH
#define SHADOWSYNC_PLUGIN_PATH ""
#endif
#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

namespace shadowsync {
namespace bench {
namespace {

using testing_support::ChildProcess;
using testing_support::ChildProcessOptions;
using testing_support::MosquittoBroker;
using testing_support::TempDir;

// ---------------------------------------------------------------------------
// Flags

struct Flags {
  int publishers = 4;
  int window = 50;
  double seconds = 5;
  double warmup = 1;
  double latency_seconds = 2;
  int things = 1000;
  int doc_bytes = 4096;
  EmulatorFlags emulator{SHADOWSYNC_EMULATOR_PATH};
  PluginFlags plugin{SHADOWSYNC_PLUGIN_PATH};
  bool run_emulator = true;  // runs (b) and (b2)
  bool run_plugin = true;    // runs (c) and (c2)
  bool durable = true;
  bool wildcard = false;
  bool keep_logs = false;
};

constexpr char kDescription[] =
    "The emulator on a loopback mosquitto it starts itself, and the broker plugin in a "
    "mosquitto of its own, against the raw relay (issue 3 and issue 9, \"Performance\"). "
    "docs/performance.md says how to run it for figures.\n";

// The exit code to return at once (0 after --help, 2 on a usage error), or
// nullopt to run.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  cli::CommandLine command_line("shadowsync-relay-bench", kDescription, SHADOWSYNC_VERSION);
  CLI::App& app = command_line.app();
  AddNumber(app, "--publishers", &flags->publishers, "K", "publisher clients (default 4)", 1, 64);
  AddNumber(app, "--window", &flags->window, "N", "messages outstanding per publisher (default 50)",
            1, 1000);
  AddNumber(app, "--seconds", &flags->seconds, "S",
            "measured seconds of each saturated phase (default 5)", 0.05, 1e6);
  AddNumber(app, "--warmup", &flags->warmup, "S",
            "seconds before each measurement, excluded (default 1)", 0, 1e6);
  AddNumber(app, "--latency-seconds", &flags->latency_seconds, "S",
            "measured seconds of the paced and window-1 runs (default 2; 0 skips them)", 0, 1e6);
  AddNumber(app, "--things", &flags->things, "N", "things of (b) (default 1000)", 1, 1000000);
  AddNumber(app, "--doc-bytes", &flags->doc_bytes, "N",
            "state size of each shadow, desired + reported (default 4096)", 1, 8192);
  std::string subscriptions = flags->wildcard ? "wildcard" : "own";
  app.add_option("--subscriptions", subscriptions,
                 "own (default): each publisher subscribes to the exact update/accepted and "
                 "update/rejected topics of its own things; wildcard: every publisher subscribes "
                 "to $aws/things/+/shadow/update/{accepted,rejected} and so receives every "
                 "answer (K copies)")
      ->type_name("wildcard|own")
      ->check(CLI::IsMember({"wildcard", "own"}).description(""));
  app.add_flag_callback(
      "--no-emulator", [flags] { flags->run_emulator = false; }, "skip (b) and (b2)");
  app.add_flag_callback(
      "--no-plugin", [flags] { flags->run_plugin = false; }, "skip (c) and (c2)");
  app.add_flag_callback(
      "--no-durable", [flags] { flags->durable = false; },
      "skip (b2) and (c2), the runs with a store");
  app.add_flag("--keep-logs", flags->keep_logs,
               "print where the broker and emulator logs are, and keep them");
  AddEmulatorFlags(app, &flags->emulator);
  AddPluginFlags(app, &flags->plugin);
  if (std::optional<int> exit = command_line.ParseOrExit(argc, argv, std::cout, std::cerr)) {
    return exit;
  }
  flags->wildcard = subscriptions == "wildcard";
  if (flags->run_plugin && flags->plugin.path.empty()) {
    std::fprintf(stderr,
                 "error: --plugin: no default in this build; give the path, or --no-plugin\n");
    return cli::kExitUsage;
  }
  if (flags->run_emulator) {
    if (int rc = CheckEmulatorFlags(flags->emulator); rc != 0) return rc;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Time and formatting

void SleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void Append(std::string* out, const char* format, long long value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, value);
  *out += buffer;
}

// A number of tenths in [100, 999] as "dd.d": always four characters, and
// RapidJSON writes the parsed double back the same way ("20.0" stays "20.0").
void AppendTenths(std::string* out, std::uint64_t random) {
  const long long tenths = 100 + static_cast<long long>(random % 900);
  Append(out, "%lld", tenths / 10);
  Append(out, ".%lld", tenths % 10);
}

// An integer with exactly `digits` digits.
void AppendFixed(std::string* out, std::uint64_t random, int digits) {
  long long low = 1;
  for (int i = 1; i < digits; ++i) low *= 10;
  Append(out, "%lld", low + static_cast<long long>(random % static_cast<std::uint64_t>(9 * low)));
}

std::string Fmt(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// ---------------------------------------------------------------------------
// Documents and updates

constexpr int kZones = 6;
constexpr int kHistory = 8;

std::string ThingName(int i) { return "bench-" + std::to_string(i); }

// The configuration: in `desired`, and mirrored in `reported` as a device
// that applied it reports it, so there is no delta.
std::string ConfigJson(int thing) {
  std::string out = "{\"sampling\":{\"interval_s\":60,\"zones\":{";
  for (int z = 1; z <= kZones; ++z) {
    if (z > 1) out += ',';
    out += "\"z" + std::to_string(z) + "\":{\"temp_hi\":";
    AppendTenths(&out, SplitMix64(static_cast<std::uint64_t>(thing * 100 + z)));
    out += ",\"temp_lo\":";
    AppendTenths(&out, SplitMix64(static_cast<std::uint64_t>(thing * 100 + z + 50)));
    out += '}';
  }
  out +=
      "}},\"led\":{\"brightness\":70,\"mode\":\"auto\"},\"update_policy\":{\"channel\":"
      "\"stable\",\"window\":{\"start\":\"02:00\",\"end\":\"04:00\"}}}";
  return out;
}

// The whole state, {"desired":...,"reported":...}; `location` pads it to size.
std::string StateJson(int thing, const std::string& location) {
  const std::string config = ConfigJson(thing);
  std::uint64_t r = SplitMix64(static_cast<std::uint64_t>(thing) + 0x5eed);
  auto next = [&r] { return r = SplitMix64(r); };
  std::string out = "{\"desired\":" + config + ",\"reported\":{\"device\":{\"serial\":\"SN-";
  Append(&out, "%08lld", thing);
  out += "\",\"model\":\"EnvSense-4\",\"location\":\"" + location + "\",\"uptime_s\":";
  AppendFixed(&out, next(), 8);
  out += ",\"boot_count\":";
  AppendFixed(&out, next(), 4);
  out += "},\"power\":{\"battery_pct\":";
  AppendTenths(&out, next());
  out += ",\"voltage_mv\":";
  AppendFixed(&out, next(), 4);
  out += ",\"charging\":false,\"source\":\"battery\"},\"network\":{\"wifi\":{\"ssid\":";
  out += "\"plant-floor-2\",\"rssi\":-";
  AppendFixed(&out, next(), 2);
  out += ",\"channel\":11,\"ip\":\"10.20.30.40\"},\"mqtt\":{\"connected\":true,\"reconnects\":";
  AppendFixed(&out, next(), 4);
  out += ",\"last_error\":\"none\"},\"interfaces\":[";
  const char* interfaces[] = {"wlan0", "eth0"};
  for (int i = 0; i < 2; ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":\"" + std::string(interfaces[i]) + "\",\"rx_errors\":";
    AppendFixed(&out, next(), 4);
    out += ",\"tx_errors\":";
    AppendFixed(&out, next(), 4);
    out += '}';
  }
  out +=
      "]},\"firmware\":{\"version\":\"2.14.3\",\"components\":[{\"name\":\"app\",\"version\":"
      "\"2.14.3\"},{\"name\":\"modem\",\"version\":\"1.9.0\"}]},\"sensors\":{\"zones\":{";
  for (int z = 1; z <= kZones; ++z) {
    if (z > 1) out += ',';
    out += "\"z" + std::to_string(z) + "\":{\"temperature\":";
    AppendTenths(&out, next());
    out += ",\"humidity\":";
    AppendTenths(&out, next());
    for (const char* history : {"temperature_history", "humidity_history"}) {
      out += ",\"" + std::string(history) + "\":[";
      for (int h = 0; h < kHistory; ++h) {
        if (h > 0) out += ',';
        AppendTenths(&out, next());
      }
      out += ']';
    }
    out += ",\"alarm\":false}";
  }
  // The applied configuration, as the device reports it.
  out += "}}," + config.substr(1) + "}";
  return out;
}

// A device report changing a few leaves, and one zone's temperature and
// history: ~350 bytes, every value of fixed width.
std::string UpdatePayload(int thing, std::uint64_t seq, std::string_view token) {
  std::uint64_t r = SplitMix64((seq << 20) ^ static_cast<std::uint64_t>(thing));
  auto next = [&r] { return r = SplitMix64(r); };
  std::string out = "{\"state\":{\"reported\":{\"device\":{\"uptime_s\":";
  AppendFixed(&out, next(), 8);
  out += "},\"power\":{\"battery_pct\":";
  AppendTenths(&out, next());
  out += ",\"voltage_mv\":";
  AppendFixed(&out, next(), 4);
  out += "},\"network\":{\"wifi\":{\"rssi\":-";
  AppendFixed(&out, next(), 2);
  out += "}},\"sensors\":{\"zones\":{\"z";
  out += std::to_string(1 + static_cast<int>(seq % kZones));
  out += "\":{\"temperature\":";
  AppendTenths(&out, next());
  out += ",\"humidity\":";
  AppendTenths(&out, next());
  out += ",\"temperature_history\":[";
  for (int h = 0; h < kHistory; ++h) {
    if (h > 0) out += ',';
    AppendTenths(&out, next());
  }
  out += "]}}}}},\"clientToken\":\"";
  out += token;
  out += "\"}";
  return out;
}

struct SeedDocuments {
  std::size_t state_bytes = 0;   // L1 size of each shadow
  std::size_t stored_bytes = 0;  // stored form with metadata (of thing 0)
  std::string file_text;         // the --seed-file
};

Result<SeedDocuments> BuildSeed(int things, int doc_bytes) {
  const Timestamp now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  auto build = [now](int thing, const std::string& location) -> Result<ShadowDocument> {
    Result<JsonDocument> state = ParseJson(StateJson(thing, location));
    if (!state.ok()) return state.status();
    ShadowDocument doc;
    doc.ApplyState(*state, now);
    doc.set_version(1);
    return doc;
  };
  // Pad the location so that the state is exactly doc_bytes (all things
  // have the same size: every value has a fixed width).
  Result<ShadowDocument> base = build(0, "");
  if (!base.ok()) return base.status();
  const std::size_t unpadded = base->StateSize();
  if (unpadded > static_cast<std::size_t>(doc_bytes)) {
    return InvalidArgumentError("--doc-bytes: at least " + std::to_string(unpadded) +
                                " bytes needed for the generated document");
  }
  const std::string location(static_cast<std::size_t>(doc_bytes) - unpadded, 'L');
  SeedDocuments seed;
  seed.file_text = "{\"shadows\":[";
  for (int i = 0; i < things; ++i) {
    Result<ShadowDocument> doc = build(i, location);
    if (!doc.ok()) return doc.status();
    if (doc->StateSize() != static_cast<std::size_t>(doc_bytes)) {
      return InternalError("thing " + std::to_string(i) + ": state of " +
                           std::to_string(doc->StateSize()) + " bytes");
    }
    const std::string stored = doc->ToJson();
    if (i == 0) {
      seed.state_bytes = doc->StateSize();
      seed.stored_bytes = stored.size();
    } else {
      seed.file_text += ',';
    }
    seed.file_text += "{\"thing\":\"" + ThingName(i) + "\",\"shadow\":null,\"document\":";
    seed.file_text += stored;
    seed.file_text += '}';
  }
  seed.file_text += "]}";
  return seed;
}

// ---------------------------------------------------------------------------
// The load generator

// One publisher: a Paho client (through Transport) and the state of the
// current phase.
struct Publisher {
  int index = 0;
  std::unique_ptr<Transport> transport;
  std::vector<int> things;  // (b): the things it owns

  std::mutex mu;
  std::condition_variable cv;
  int inflight = 0;                        // GUARDED_BY(mu)
  std::vector<std::int64_t> latencies_ns;  // GUARDED_BY(mu)
  std::uint64_t completed_in_window = 0;   // GUARDED_BY(mu)
  std::map<int, std::uint64_t> rejected;   // code -> count, GUARDED_BY(mu)

  // Written by the publisher's own thread only.
  std::uint64_t sent = 0;
  std::uint64_t publish_failures = 0;
};

// kShadow: updates to the shadow service, whichever host answers them (the
// emulator or the plugin).
enum class Target { kRelay, kShadow };

struct PhaseSpec {
  std::string name;
  Target target = Target::kRelay;
  int window = 1;
  double offered_per_second = 0;  // 0: closed loop, as fast as the window allows
  double warmup = 0;
  double seconds = 1;
};

struct Cpu {
  std::optional<double> bench, broker, emulator;  // share of one core
};

struct PhaseResult {
  std::string name;
  std::uint64_t completed = 0;  // answered inside the measured window
  double window_seconds = 0;
  double throughput = 0;
  std::int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
  std::size_t samples = 0;
  std::uint64_t sent = 0, lost = 0, stale = 0, publish_failures = 0;
  std::map<int, std::uint64_t> rejected;
  Cpu cpu;
  double cpu_us_per_op = 0;  // bench + mosquitto (+ emulator) CPU per completed op
};

class LoadGenerator {
 public:
  LoadGenerator(const Flags& flags, MosquittoBroker& broker) : flags_(flags), broker_(broker) {}
  // Disconnects every client before the members their handlers use go away.
  ~LoadGenerator() {
    if (subscriber_) (void)subscriber_->Disconnect();
    for (auto& p : publishers_) (void)p->transport->Disconnect();
  }
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Creates and connects the K publishers and the relay subscriber at once
  // (toolchain pitfall 1: a client that connects while another of the same
  // process is connected waits about 2 s).
  Status Connect() {
    const std::string uri = broker_.plain_uri();
    const std::string prefix = "relay-bench-" + std::to_string(getpid()) + "-";
    for (int k = 0; k <= flags_.publishers; ++k) {
      MqttOptions options;
      options.server_uri = uri;
      options.client_id = prefix + (k == flags_.publishers ? "sub" : "pub" + std::to_string(k));
      Result<std::unique_ptr<Transport>> transport = MakePahoTransport(options);
      if (!transport.ok()) return transport.status();
      (*transport)
          ->SetHandlers([this, k](const MqttMessage& m) { OnMessage(k, m); },
                        [](ConnectionEvent, const Status&) {});
      if (k == flags_.publishers) {
        subscriber_ = std::move(transport).value();
      } else {
        auto publisher = std::make_unique<Publisher>();
        publisher->index = k;
        publisher->transport = std::move(transport).value();
        for (int i = k; i < flags_.things; i += flags_.publishers) publisher->things.push_back(i);
        publishers_.push_back(std::move(publisher));
      }
    }
    std::vector<std::function<Status()>> connects;
    for (auto& p : publishers_) {
      connects.push_back([transport = p->transport.get()] { return transport->Connect(); });
    }
    connects.push_back([this] { return subscriber_->Connect(); });
    const std::int64_t start = NowNs();
    for (const Status& s : RunConcurrently(connects)) {
      if (!s.ok()) return s;
    }
    std::printf("connected %zu clients concurrently in %.0f ms\n", connects.size(),
                static_cast<double>(NowNs() - start) / 1e6);
    return subscriber_->Subscribe("bench/relay/+", 1);
  }

  // The publishers' subscriptions to the emulator's answers.
  Status SubscribeToAnswers() {
    const std::int64_t start = NowNs();
    std::vector<std::function<Status()>> subscribes;
    for (auto& publisher : publishers_) {
      subscribes.push_back([this, &p = *publisher]() -> Status {
        if (flags_.wildcard) {
          for (const char* filter :
               {"$aws/things/+/shadow/update/accepted", "$aws/things/+/shadow/update/rejected"}) {
            Status s = p.transport->Subscribe(filter, 1);
            if (!s.ok()) return s;
          }
          return Status::Ok();
        }
        for (int thing : p.things) {
          for (const char* suffix : {"/shadow/update/accepted", "/shadow/update/rejected"}) {
            Status s = p.transport->Subscribe("$aws/things/" + ThingName(thing) + suffix, 1);
            if (!s.ok()) return s;
          }
        }
        return Status::Ok();
      });
    }
    for (const Status& s : RunConcurrently(subscribes)) {
      if (!s.ok()) return s;
    }
    std::printf("subscribed to the answers (%s) in %.0f ms\n",
                flags_.wildcard ? "wildcard filters, every client gets every answer"
                                : "exact topics of each client's own things",
                static_cast<double>(NowNs() - start) / 1e6);
    return Status::Ok();
  }

  PhaseResult Run(const PhaseSpec& spec, pid_t emulator_pid) {
    const int phase = ++phase_counter_;
    t0_ns_.store(INT64_MAX);
    t1_ns_.store(INT64_MAX);
    stale_.store(0);
    for (auto& p : publishers_) {
      std::lock_guard<std::mutex> lock(p->mu);
      p->inflight = 0;
      p->latencies_ns.clear();
      p->completed_in_window = 0;
      p->rejected.clear();
      p->sent = 0;
      p->publish_failures = 0;
    }
    current_phase_.store(phase);
    stop_.store(false);

    std::vector<std::thread> threads;
    for (auto& p : publishers_) {
      Publisher* publisher = p.get();
      threads.emplace_back(
          [this, publisher, &spec, phase] { PublishLoop(*publisher, spec, phase); });
    }
    SleepSeconds(spec.warmup);
    const pid_t broker_pid = broker_.pid();
    const auto bench0 = CpuSeconds(getpid());
    const auto broker0 = CpuSeconds(broker_pid);
    const auto emulator0 = emulator_pid > 0 ? CpuSeconds(emulator_pid) : std::nullopt;
    const std::int64_t t0 = NowNs();
    t0_ns_.store(t0);
    SleepSeconds(spec.seconds);
    const std::int64_t t1 = NowNs();
    t1_ns_.store(t1);
    const auto bench1 = CpuSeconds(getpid());
    const auto broker1 = CpuSeconds(broker_pid);
    const auto emulator1 = emulator_pid > 0 ? CpuSeconds(emulator_pid) : std::nullopt;
    stop_.store(true);
    for (auto& p : publishers_) {
      std::lock_guard<std::mutex> lock(p->mu);
      p->cv.notify_all();
    }
    for (auto& t : threads) t.join();

    // Drain: wait for the answers still outstanding (bounded; a ~1.1 s Paho
    // stall can hold one back).
    PhaseResult result;
    result.name = spec.name;
    const std::int64_t drain_until = NowNs() + 5'000'000'000;
    for (auto& p : publishers_) {
      std::unique_lock<std::mutex> lock(p->mu);
      while (p->inflight > 0 && NowNs() < drain_until) {
        p->cv.wait_for(lock, std::chrono::milliseconds(20));
      }
      result.lost += static_cast<std::uint64_t>(p->inflight);
    }
    current_phase_.store(0);  // later answers of this phase count as stale

    const double window = static_cast<double>(t1 - t0) / 1e9;
    auto share = [window](const std::optional<double>& a, const std::optional<double>& b) {
      return a && b ? std::optional<double>((*b - *a) / window) : std::nullopt;
    };
    result.cpu = {share(bench0, bench1), share(broker0, broker1), share(emulator0, emulator1)};
    std::vector<std::int64_t> all;
    for (auto& p : publishers_) {
      std::lock_guard<std::mutex> lock(p->mu);
      all.insert(all.end(), p->latencies_ns.begin(), p->latencies_ns.end());
      result.completed += p->completed_in_window;
      result.sent += p->sent;
      result.publish_failures += p->publish_failures;
      for (const auto& [code, n] : p->rejected) result.rejected[code] += n;
    }
    result.stale = stale_.load();
    result.window_seconds = window;
    result.throughput = static_cast<double>(result.completed) / window;
    if (result.throughput > 0) {
      for (const auto& used : {result.cpu.bench, result.cpu.broker, result.cpu.emulator}) {
        if (used) result.cpu_us_per_op += *used * 1e6 / result.throughput;
      }
    }
    const LatencySummary latencies = SummarizeLatencies(std::move(all));
    result.samples = latencies.samples;
    result.p50_ns = latencies.p50_ns;
    result.p99_ns = latencies.p99_ns;
    result.max_ns = latencies.max_ns;
    return result;
  }

 private:
  void PublishLoop(Publisher& p, const PhaseSpec& spec, int phase) {
    const bool relay = spec.target == Target::kRelay;
    const std::string relay_topic = "bench/relay/" + std::to_string(p.index);
    // Paced: this publisher's share of the offered rate.
    const std::int64_t interval_ns =
        spec.offered_per_second > 0
            ? static_cast<std::int64_t>(1e9 * static_cast<double>(publishers_.size()) /
                                        spec.offered_per_second)
            : 0;
    std::int64_t next_ns =
        NowNs() + (interval_ns > 0
                       ? interval_ns * p.index / static_cast<std::int64_t>(publishers_.size())
                       : 0);
    std::uint64_t seq = 0;
    char token[96];
    while (!stop_.load(std::memory_order_relaxed)) {
      if (interval_ns > 0) {
        const std::int64_t now = NowNs();
        // Do not catch up in a burst after falling behind (window full).
        if (now - next_ns > interval_ns * spec.window) next_ns = now;
        if (next_ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(next_ns - now));
        next_ns += interval_ns;
      }
      {
        std::unique_lock<std::mutex> lock(p.mu);
        p.cv.wait(lock, [&] { return stop_.load() || p.inflight < spec.window; });
        if (stop_.load()) break;
        ++p.inflight;
      }
      const int thing = p.things.empty() ? 0 : p.things[seq % p.things.size()];
      const std::int64_t sent_ns = NowNs();
      std::snprintf(token, sizeof token, "%d.%d.%" PRIu64 ".%" PRId64, phase, p.index, seq,
                    sent_ns);
      const std::string payload = UpdatePayload(thing, seq, token);
      Status s = p.transport->Publish(
          relay ? relay_topic : "$aws/things/" + ThingName(thing) + "/shadow/update", payload, 1);
      ++seq;
      if (!s.ok()) {
        {
          std::lock_guard<std::mutex> lock(p.mu);
          --p.inflight;
        }
        ++p.publish_failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      ++p.sent;
    }
  }

  // On a client's Paho thread. `client` is the publisher index, or K for the
  // relay subscriber.
  void OnMessage(int client, const MqttMessage& m) {
    const std::int64_t now = NowNs();
    const bool is_relay = m.topic.rfind("bench/relay/", 0) == 0;
    bool accepted = false;
    if (!is_relay) {
      const std::string_view topic = m.topic;
      accepted = topic.size() > 9 && topic.substr(topic.size() - 9) == "/accepted";
      const bool rejected = topic.size() > 9 && topic.substr(topic.size() - 9) == "/rejected";
      if (!accepted && !rejected) return;
    }
    const std::size_t at = m.payload.rfind("\"clientToken\":\"");
    if (at == std::string::npos) return;
    const char* p = m.payload.c_str() + at + 15;
    char* end = nullptr;
    const long phase = std::strtol(p, &end, 10);
    if (*end != '.') return;
    const long publisher = std::strtol(end + 1, &end, 10);
    if (*end != '.') return;
    std::strtoull(end + 1, &end, 10);  // seq
    if (*end != '.') return;
    const long long sent_ns = std::strtoll(end + 1, &end, 10);
    if (publisher < 0 || publisher >= static_cast<long>(publishers_.size())) return;
    // With wildcard subscriptions every client receives every answer: only
    // the sender's own client counts it.
    if (!is_relay && publisher != client) return;
    if (phase != current_phase_.load()) {
      ++stale_;
      return;
    }
    int code = 0;
    if (!is_relay && !accepted) {
      const std::size_t c = m.payload.find("\"code\":");
      code = c == std::string::npos ? -1 : std::atoi(m.payload.c_str() + c + 7);
    }
    Publisher& pub = *publishers_[static_cast<std::size_t>(publisher)];
    const std::int64_t t0 = t0_ns_.load();
    const std::int64_t t1 = t1_ns_.load();
    std::lock_guard<std::mutex> lock(pub.mu);
    if (pub.inflight > 0) --pub.inflight;
    if (is_relay || accepted) {
      if (now >= t0 && now <= t1) ++pub.completed_in_window;
      if (sent_ns >= t0 && now <= t1) pub.latencies_ns.push_back(now - sent_ns);
    } else {
      ++pub.rejected[code];
    }
    pub.cv.notify_one();
  }

  const Flags& flags_;
  MosquittoBroker& broker_;
  std::vector<std::unique_ptr<Publisher>> publishers_;
  std::unique_ptr<Transport> subscriber_;
  std::atomic<int> current_phase_{0};
  int phase_counter_ = 0;
  std::atomic<std::int64_t> t0_ns_{INT64_MAX};
  std::atomic<std::int64_t> t1_ns_{INT64_MAX};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> stale_{0};
};

// ---------------------------------------------------------------------------
// The export check, and the hosts: the emulator as a child process, the
// plugin in a mosquitto of its own

// Reads back an export (the emulator's --export, the plugin's export_file):
// every one of the `things` shadows must still have its seeded state size.
Status CheckExport(const std::string& path, std::size_t expected_state_bytes, int things) {
  Result<std::string> text = testing_support::ReadFileToString(path);
  if (!text.ok()) return text.status();
  Result<JsonDocument> exported = ParseJson(*text);
  if (!exported.ok()) return exported.status();
  const JsonValue& shadows = (*exported)["shadows"];
  std::size_t min_size = SIZE_MAX, max_size = 0, count = 0;
  std::uint64_t versions = 0;
  for (const JsonValue& entry : shadows.GetArray()) {
    if (!entry.HasMember("document")) continue;
    Result<ShadowDocument> doc = ShadowDocument::FromJson(entry["document"]);
    if (!doc.ok()) return doc.status();
    min_size = std::min(min_size, doc->StateSize());
    max_size = std::max(max_size, doc->StateSize());
    versions += doc->version() - 1;
    ++count;
  }
  std::printf("  export: %zu shadows, state %zu to %zu bytes (seeded %zu), %" PRIu64
              " updates applied\n",
              count, min_size, max_size, expected_state_bytes, versions);
  if (count != static_cast<std::size_t>(things) || min_size != expected_state_bytes ||
      max_size != expected_state_bytes) {
    return InternalError("the stored documents changed size or number");
  }
  return Status::Ok();
}

class EmulatorProcess {
 public:
  EmulatorProcess(const Flags& flags, const TempDir& dir) : flags_(flags), dir_(dir) {}

  Status Start(const std::string& broker_uri, const std::string& label,
               const std::optional<std::string>& store) {
    label_ = label;
    ChildProcessOptions options;
    options.argv = {flags_.emulator.path,     "--broker", broker_uri,   "--seed-file",
                    dir_.File("seed.json"),   "--export", ExportPath(), "--log-level",
                    flags_.emulator.log_level};
    if (store) {
      options.argv.push_back("--store");
      options.argv.push_back(*store);
    }
    for (const std::string& arg : flags_.emulator.args) options.argv.push_back(arg);
    options.log_path = dir_.File("emulator-" + label + ".log");
    command_.clear();
    for (const std::string& arg : options.argv) command_ += (command_.empty() ? "" : " ") + arg;
    const std::int64_t start = NowNs();
    Status started = process_.Start(std::move(options));
    if (!started.ok()) return started;
    const std::int64_t deadline = start + 120'000'000'000;
    while (NowNs() < deadline) {
      if (process_.ReadLog().find("shadowsync-emulator: ready on") != std::string::npos) {
        std::printf("emulator (%s) ready in %.0f ms: %s\n", label.c_str(),
                    static_cast<double>(NowNs() - start) / 1e6, command_.c_str());
        return Status::Ok();
      }
      if (!process_.IsRunning()) {
        return Status(
            StatusCode::kUnavailable,
            "the emulator ended during startup (" +
                (process_.exit_status() ? process_.exit_status()->ToString() : std::string("?")) +
                "): " + Tail(process_.ReadLog()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Status(StatusCode::kTimeout,
                  "the emulator was not ready within 120 s: " + Tail(process_.ReadLog()));
  }

  pid_t pid() const { return process_.pid(); }

  // SIGTERM (it drains, exports and exits), then the export is read back:
  // every shadow must still have its seeded state size.
  Status StopAndCheck(std::size_t expected_state_bytes, int things) {
    Status stopped = process_.Stop(std::chrono::seconds(30));
    if (!stopped.ok()) return stopped;
    const std::string log = process_.ReadLog();
    if (!process_.exit_status() || !process_.exit_status()->success()) {
      return InternalError("the emulator " +
                           (process_.exit_status() ? process_.exit_status()->ToString()
                                                   : std::string("did not stop")) +
                           ": " + Tail(log));
    }
    const std::size_t summary = log.rfind("stopped: ");
    if (summary != std::string::npos) {
      std::printf("  emulator %s\n",
                  log.substr(summary, log.find('\n', summary) - summary).c_str());
    }
    return CheckExport(ExportPath(), expected_state_bytes, things);
  }

 private:
  std::string ExportPath() const { return dir_.File("export-" + label_ + ".json"); }

  static std::string Tail(const std::string& log) {
    return log.size() > 2000 ? "..." + log.substr(log.size() - 2000) : log;
  }

  const Flags& flags_;
  const TempDir& dir_;
  std::string label_;
  std::string command_;
  ChildProcess process_;
};

// The plugin: a mosquitto of its own that loads shadowsync_mosquitto.so with
// the same seed file, an export file, the plugin's default limits and, for
// (c2), a store. The plugin answers inside the broker: there is no emulator
// process, and mosquitto's CPU includes the plugin's.
class PluginBroker {
 public:
  PluginBroker(const Flags& flags, const TempDir& dir) : flags_(flags), dir_(dir) {}

  Status Start(const std::string& label, const std::optional<std::string>& store,
               std::shared_ptr<const testing_support::TestCertificates> certificates) {
    label_ = label;
    testing_support::BrokerOptions options;
    // As for (a) and (b): not "all". The plugin's own lines at info are
    // mosquitto notices (one per request, as the emulator's at info).
    options.log_types = {"error", "warning", "notice"};
    options.certificates = std::move(certificates);  // not generated again
    options.plugin_path = flags_.plugin.path;
    options.plugin_options = {{"seed_file", dir_.File("seed.json")},
                              {"export_file", ExportPath()},
                              {"log_level", flags_.plugin.log_level}};
    if (store) options.plugin_options.emplace_back("store", *store);
    for (const auto& option : flags_.plugin.options) options.plugin_options.push_back(option);
    // Seeding the documents (into SQLite, for (c2)) comes before ready.
    options.start_timeout = std::chrono::seconds(120);
    std::string described;
    for (const auto& [name, value] : options.plugin_options) {
      described += " plugin_opt_" + name + " " + value + ";";
    }
    const std::int64_t start = NowNs();
    if (Status s = broker_.Start(std::move(options)); !s.ok()) return s;
    std::printf("mosquitto with the plugin (%s) on %s, ready in %.0f ms: plugin %s;%s\n",
                label.c_str(), broker_.plain_uri().c_str(),
                static_cast<double>(NowNs() - start) / 1e6, flags_.plugin.path.c_str(),
                described.c_str());
    log_offset_ = 0;
    return Status::Ok();
  }

  MosquittoBroker& broker() { return broker_; }

  // The plugin's per-request lines ("... op=update result=accepted ...
  // us=N") logged since the last call, summarized: N is the time from the
  // request's arrival in the broker to its answers being queued (with a
  // store, after the pass's commit). Prints nothing without those lines
  // (--plugin-log-level warn).
  void PrintRequestTimes() {
    const std::string log = broker_.ReadLog();
    const std::size_t end = log.rfind('\n');
    if (end == std::string::npos || end < log_offset_) return;
    std::vector<std::int64_t> ns;
    std::size_t pos = log_offset_;
    while (pos < end) {
      const std::size_t eol = log.find('\n', pos);
      const std::string_view line(log.data() + pos, eol - pos);
      const std::size_t line_start = pos;
      pos = eol + 1;
      if (line.find(" op=") == std::string_view::npos) continue;
      const std::size_t us = line.rfind(" us=");
      if (us == std::string_view::npos) continue;
      ns.push_back(std::atoll(log.c_str() + line_start + us + 4) * 1000);
    }
    log_offset_ = end + 1;
    const LatencySummary l = SummarizeLatencies(std::move(ns));
    if (l.samples == 0) return;
    std::printf(
        "    in the plugin (log us=, arrival to answers queued, warm-up included): p50 %.0f us, "
        "p99 %.0f us, max %.0f us (%zu requests)\n",
        static_cast<double>(l.p50_ns) / 1e3, static_cast<double>(l.p99_ns) / 1e3,
        static_cast<double>(l.max_ns) / 1e3, l.samples);
  }

  // SIGTERM (the plugin commits, exports and logs its summary, then
  // mosquitto exits), then the export is read back.
  Status StopAndCheck(std::size_t expected_state_bytes, int things) {
    Status stopped = broker_.Stop(std::chrono::seconds(30));
    if (!stopped.ok()) return stopped;
    const std::string log = broker_.ReadLog();
    if (!broker_.exit_status() || !broker_.exit_status()->success()) {
      return InternalError("mosquitto with the plugin " +
                           (broker_.exit_status() ? broker_.exit_status()->ToString()
                                                  : std::string("did not stop")) +
                           ": " + broker_.LogTail());
    }
    const std::size_t summary = log.rfind("stopped: ");
    if (summary != std::string::npos) {
      std::printf("  plugin %s\n", log.substr(summary, log.find('\n', summary) - summary).c_str());
    }
    return CheckExport(ExportPath(), expected_state_bytes, things);
  }

 private:
  std::string ExportPath() const { return dir_.File("export-plugin-" + label_ + ".json"); }

  const Flags& flags_;
  const TempDir& dir_;
  std::string label_;
  MosquittoBroker broker_;
  std::size_t log_offset_ = 0;
};

// ---------------------------------------------------------------------------
// Reporting

std::string Us(std::int64_t ns) { return Fmt("%.0f", static_cast<double>(ns) / 1e3); }

void PrintPhase(const PhaseResult& r, const char* unit) {
  std::printf("  %-34s %8.0f %s/s  p50 %6s us  p99 %7s us  max %8s us  (%zu samples)\n",
              r.name.c_str(), r.throughput, unit, Us(r.p50_ns).c_str(), Us(r.p99_ns).c_str(),
              Us(r.max_ns).c_str(), r.samples);
  // CPU per completed operation: unlike the rates, it hardly depends on
  // what else the (shared) machine runs.
  std::string cpu = "    cpu: share of one core";
  std::string per_op = "cpu us per op";
  double total = 0;
  auto add = [&](const char* who, const std::optional<double>& v) {
    if (!v) return;
    cpu += std::string(" ") + who + " " + Fmt("%.0f%%", *v * 100);
    if (r.throughput > 0) {
      per_op += std::string(" ") + who + " " + Fmt("%.0f", *v * 1e6 / r.throughput);
      total += *v * 1e6 / r.throughput;
    }
  };
  add("bench", r.cpu.bench);
  add("mosquitto", r.cpu.broker);
  add("emulator", r.cpu.emulator);
  if (total > 0) per_op += " total " + Fmt("%.0f", total);
  std::printf("%s; %s; sent %" PRIu64, cpu.c_str(), per_op.c_str(), r.sent);
  if (r.lost) std::printf(", LOST %" PRIu64, r.lost);
  if (r.stale) std::printf(", late %" PRIu64, r.stale);
  if (r.publish_failures) std::printf(", publish retries %" PRIu64, r.publish_failures);
  for (const auto& [code, n] : r.rejected) std::printf(", REJECTED %d: %" PRIu64, code, n);
  std::printf("\n");
  std::fflush(stdout);
}

// The runs of one host (the emulator or the plugin).
struct HostResults {
  std::optional<PhaseResult> saturated, paced, one;
  // The plugin's runs only: (a) again, saturated, on the plugin's mosquitto
  // just before its own saturated run, so that both see the same load of
  // the (shared) machine.
  std::optional<PhaseResult> relay_here;
};

bool BadRejections(const PhaseResult& r) {
  for (const auto& [code, n] : r.rejected) {
    if (code != 429 && n > 0) return true;
  }
  return false;
}

int Main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when piped, too
  Flags flags;
  if (std::optional<int> exit = ParseFlags(argc, argv, &flags)) return *exit;
  if (flags.window * flags.publishers > flags.things) {
    std::fprintf(stderr,
                 "warning: window x publishers > things: a thing may have several updates in "
                 "flight (the emulator's --max-inflight is 10 per thing)\n");
  }

  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-relay-bench");
  if (!dir.ok()) {
    std::fprintf(stderr, "error: %s\n", dir.status().ToString().c_str());
    return 1;
  }
  Result<SeedDocuments> seed = BuildSeed(flags.things, flags.doc_bytes);
  if (!seed.ok()) {
    std::fprintf(stderr, "error: %s\n", seed.status().ToString().c_str());
    return 1;
  }
  if (Status s = testing_support::WriteStringToFile((*dir)->File("seed.json"), seed->file_text);
      !s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    return 1;
  }
  const std::string sample_update = UpdatePayload(0, 0, "1.0.0.1234567890123456");
  std::printf(
      "shadowsync-relay-bench: K=%d publishers, window %d per publisher, %.1f s measured after "
      "%.1f s warm-up\n"
      "documents: %d things, state %zu B (desired + reported), stored form with metadata %zu B; "
      "update payload ~%zu B\n",
      flags.publishers, flags.window, flags.seconds, flags.warmup, flags.things, seed->state_bytes,
      seed->stored_bytes, sample_update.size());

  MosquittoBroker broker;
  testing_support::BrokerOptions broker_options;
  // Not "all": mosquitto would write a log line per PUBLISH.
  broker_options.log_types = {"error", "warning", "notice"};
  if (Status s = broker.Start(broker_options); !s.ok()) {
    std::fprintf(stderr, "error: mosquitto: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("mosquitto on %s (set_tcp_nodelay true, max_queued_messages 0)\n",
              broker.plain_uri().c_str());

  auto load = std::make_unique<LoadGenerator>(flags, broker);
  if (Status s = load->Connect(); !s.ok()) {
    std::fprintf(stderr, "error: connect: %s\n", s.ToString().c_str());
    return 1;
  }
  bool failed = false;
  const bool light = flags.latency_seconds > 0;
  const double light_warmup = std::min(flags.warmup, 0.5);

  // (a)
  std::printf("\n(a) raw relay: bench/relay/<k> -> one subscriber\n");
  PhaseResult a = load->Run({"saturated (window " + std::to_string(flags.window) + ")",
                             Target::kRelay, flags.window, 0, flags.warmup, flags.seconds},
                            -1);
  PrintPhase(a, "msg");
  const double target_rate = a.throughput * 0.5;
  std::optional<PhaseResult> a_paced, a_one;
  if (light) {
    a_paced = load->Run({"paced at " + Fmt("%.0f", target_rate) + "/s (0.5 x (a))", Target::kRelay,
                         flags.window, target_rate, light_warmup, flags.latency_seconds},
                        -1);
    PrintPhase(*a_paced, "msg");
    a_one = load->Run({"window 1", Target::kRelay, 1, 0, light_warmup, flags.latency_seconds}, -1);
    PrintPhase(*a_one, "msg");
  }
  if (a.completed == 0) failed = true;

  if (Status s = load->SubscribeToAnswers(); !s.ok()) {
    std::fprintf(stderr, "error: subscribe: %s\n", s.ToString().c_str());
    return 1;
  }

  // The runs of one host on one load generator: saturated, paced (not with
  // a store), window 1. `host_pid`: the emulator's, or -1 for the plugin
  // (inside mosquitto). `after_each` runs after each printed run.
  auto run_phases = [&](LoadGenerator& generator, pid_t host_pid, bool with_paced,
                        const std::function<void()>& after_each) {
    HostResults r;
    r.saturated = generator.Run({"saturated (window " + std::to_string(flags.window) + ")",
                                 Target::kShadow, flags.window, 0, flags.warmup, flags.seconds},
                                host_pid);
    PrintPhase(*r.saturated, "upd");
    after_each();
    if (light && with_paced) {
      r.paced =
          generator.Run({"paced at " + Fmt("%.0f", target_rate) + "/s (0.5 x (a))", Target::kShadow,
                         flags.window, target_rate, light_warmup, flags.latency_seconds},
                        host_pid);
      PrintPhase(*r.paced, "upd");
      after_each();
    }
    if (light) {
      r.one = generator.Run(
          {"window 1", Target::kShadow, 1, 0, light_warmup, flags.latency_seconds}, host_pid);
      PrintPhase(*r.one, "upd");
      after_each();
    }
    return r;
  };
  auto check_phases = [&](const HostResults& r) {
    for (const auto* phase : {&r.saturated, &r.paced, &r.one}) {
      if (*phase && BadRejections(**phase)) {
        std::fprintf(stderr, "error: updates rejected with codes other than 429\n");
        failed = true;
      }
    }
    if (r.saturated->completed == 0) failed = true;
  };

  // (b), (b2): the emulator on the broker of (a).
  auto run_emulator = [&](const std::string& label,
                          const std::optional<std::string>& store) -> std::optional<HostResults> {
    EmulatorProcess emulator(flags, **dir);
    if (Status s = emulator.Start(broker.plain_uri(), label, store); !s.ok()) {
      std::fprintf(stderr, "error: emulator: %s\n", s.ToString().c_str());
      return std::nullopt;
    }
    HostResults r = run_phases(*load, emulator.pid(), !store, [] {});
    if (Status s = emulator.StopAndCheck(seed->state_bytes, flags.things); !s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      failed = true;
    }
    check_phases(r);
    return r;
  };

  std::optional<HostResults> b, b2;
  if (flags.run_emulator) {
    std::printf("\n(b) emulator, memory store: $aws/things/bench-<i>/shadow/update -> accepted\n");
    b = run_emulator("memory", std::nullopt);
    if (!b) return 1;
    if (flags.durable) {
      std::printf("\n(b2) durable: the same with --store %s\n", (*dir)->File("store.db").c_str());
      b2 = run_emulator("durable", (*dir)->File("store.db"));
      if (!b2) return 1;
    }
  }
  // The clients of (a) and (b) disconnect before those of (c) connect
  // (toolchain pitfall 1).
  load.reset();

  // (c), (c2): the plugin, in a mosquitto of its own, with the same
  // publishers (new clients, the same load model) and documents.
  auto run_plugin = [&](const std::string& label,
                        const std::optional<std::string>& store) -> std::optional<HostResults> {
    PluginBroker plugin(flags, **dir);
    if (Status s = plugin.Start(label, store, broker.shared_certificates()); !s.ok()) {
      std::fprintf(stderr, "error: mosquitto with the plugin: %s\n", s.ToString().c_str());
      return std::nullopt;
    }
    HostResults r;
    {
      LoadGenerator generator(flags, plugin.broker());
      if (Status s = generator.Connect(); !s.ok()) {
        std::fprintf(stderr, "error: connect: %s\n", s.ToString().c_str());
        return std::nullopt;
      }
      if (Status s = generator.SubscribeToAnswers(); !s.ok()) {
        std::fprintf(stderr, "error: subscribe: %s\n", s.ToString().c_str());
        return std::nullopt;
      }
      PhaseResult relay_here =
          generator.Run({"(a) again here, saturated (window " + std::to_string(flags.window) + ")",
                         Target::kRelay, flags.window, 0, flags.warmup, flags.seconds},
                        -1);
      PrintPhase(relay_here, "msg");
      plugin.PrintRequestTimes();  // skips the start-up lines
      r = run_phases(generator, -1, !store, [&plugin] { plugin.PrintRequestTimes(); });
      r.relay_here = relay_here;
    }
    if (Status s = plugin.StopAndCheck(seed->state_bytes, flags.things); !s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      failed = true;
    }
    check_phases(r);
    return r;
  };

  std::optional<HostResults> c, c2;
  if (flags.run_plugin) {
    std::printf(
        "\n(c) the plugin, memory: the same updates to shadowsync_mosquitto.so in a mosquitto of "
        "its own (mosquitto's CPU includes the plugin's)\n");
    c = run_plugin("memory", std::nullopt);
    if (!c) return 1;
    if (flags.durable) {
      std::printf("\n(c2) the plugin with plugin_opt_store %s (group commit)\n",
                  (*dir)->File("plugin-store.db").c_str());
      c2 = run_plugin("store", (*dir)->File("plugin-store.db"));
      if (!c2) return 1;
    }
  }

  // Summary
  auto line = [](const char* label, const PhaseResult& r, const char* unit) {
    std::printf("%s: %.0f %s/s, p50 %s us, p99 %s us\n", label, r.throughput, unit,
                Us(r.p50_ns).c_str(), Us(r.p99_ns).c_str());
  };
  std::printf("\n");
  line("(a) raw relay", a, "msg");
  if (b) line("(b) emulator", *b->saturated, "updates");
  if (b2) line("(b2) durable", *b2->saturated, "updates");
  if (c) line("(c) plugin", *c->saturated, "updates");
  if (c2) line("(c2) plugin, store", *c2->saturated, "updates");
  if (a.throughput <= 0) {
    std::printf("ratio (b)/(a) throughput: n/a (the raw relay completed nothing)\n");
    return 1;
  }
  // The latency targets are about latency at the target throughput: the
  // paced run offers 0.5 x (a). A saturated closed loop's latency is its
  // queue (Little's law: K * window / throughput), so it is only the
  // fallback.
  auto p99_line = [&](const char* label, const HostResults& r, const char* target) {
    if (r.paced) {
      std::printf(
          "p99 %s: %.2f ms (target %s), paced at 0.5 x (a) = %.0f updates/s offered, %.0f "
          "done; saturated p99 %.2f ms\n",
          label, static_cast<double>(r.paced->p99_ns) / 1e6, target, target_rate,
          r.paced->throughput, static_cast<double>(r.saturated->p99_ns) / 1e6);
    } else {
      std::printf("p99 %s: %.2f ms (target %s), saturated\n", label,
                  static_cast<double>(r.saturated->p99_ns) / 1e6, target);
    }
    if (r.one) {
      std::printf("p99 %s window 1: %.2f ms (p50 %.2f ms)\n", label,
                  static_cast<double>(r.one->p99_ns) / 1e6,
                  static_cast<double>(r.one->p50_ns) / 1e6);
    }
  };
  // CPU per op of all processes, saturated; (a)/(x) is the throughput ratio
  // an otherwise idle machine would show, if everything is CPU-bound.
  std::string cpu_line;
  auto add_cpu = [&](const std::string& label, const PhaseResult& r) {
    if (r.cpu_us_per_op <= 0) return;
    cpu_line += (cpu_line.empty() ? "" : ", ") + label + " " + Fmt("%.0f", r.cpu_us_per_op) + " us";
    if (label != "(a)" && a.cpu_us_per_op > 0) {
      cpu_line += " ((a)/" + label + " = " + Fmt("%.2f", a.cpu_us_per_op / r.cpu_us_per_op) + ")";
    }
  };
  add_cpu("(a)", a);
  if (b) {
    std::printf("ratio (b)/(a) throughput: %.2f (target >= 0.5)\n",
                b->saturated->throughput / a.throughput);
    p99_line("(b)", *b, "< 5 ms");
    add_cpu("(b)", *b->saturated);
  }
  if (b2) {
    std::printf("ratio (b2)/(a) throughput: %.2f; p99 (b2): %.2f ms\n",
                b2->saturated->throughput / a.throughput,
                static_cast<double>(b2->saturated->p99_ns) / 1e6);
    add_cpu("(b2)", *b2->saturated);
  }
  // The same ratio against (a) measured again on the plugin's mosquitto
  // right before: less exposed to the shared machine's changing load.
  auto here = [](const HostResults& r) {
    return r.relay_here && r.relay_here->throughput > 0
               ? Fmt("%.2f", r.saturated->throughput / r.relay_here->throughput) + " (" +
                     Fmt("%.0f", r.relay_here->throughput) + " msg/s)"
               : std::string("n/a");
  };
  if (c) {
    std::printf(
        "ratio (c)/(a) throughput: %.2f (target >= 1.0); against (a) again just before (c), on "
        "its mosquitto: %s\n",
        c->saturated->throughput / a.throughput, here(*c).c_str());
    p99_line("(c)", *c, "< 2 ms");
    add_cpu("(c)", *c->saturated);
  }
  if (c2) {
    std::printf(
        "ratio (c2)/(a) throughput: %.2f (target >= 0.5); against (a) again just before (c2): "
        "%s; p99 (c2): %.2f ms\n",
        c2->saturated->throughput / a.throughput, here(*c2).c_str(),
        static_cast<double>(c2->saturated->p99_ns) / 1e6);
    add_cpu("(c2)", *c2->saturated);
  }
  if (!cpu_line.empty()) {
    std::printf(
        "cpu per op, all processes, saturated: %s; (a)/(x) is the throughput ratio on an "
        "otherwise idle machine, if CPU-bound\n",
        cpu_line.c_str());
  }
  if (flags.keep_logs) {
    std::printf("logs kept: %s and %s\n", broker.log_path().c_str(), (*dir)->path().c_str());
    setenv("SHADOWSYNC_KEEP_TEST_FILES", "1", 1);
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace bench
}  // namespace shadowsync

int main(int argc, char** argv) { return shadowsync::bench::Main(argc, argv); }
