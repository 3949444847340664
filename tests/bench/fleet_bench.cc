// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-fleet-bench: a fleet of devices on mosquitto with the broker
// plugin and its store (issue 14, "A fleet load test"; docs/performance.md).
// N ShadowClients, each on its own Paho transport in this one process, are
// polled by a few threads (--threads). Each device reports {"seq", "target"}
// every --interval, staggered; an app (one raw transport) sets
// desired.target on a random tenth of the devices each interval, and each
// device applies the delta and reports it back.
//
// Measured: reports accepted per second; p50/p99 report latency (Report()
// to the OnReportResult acceptance that covers that seq; coalesced seqs are
// not samples); lost reports (a device whose last seq is not acknowledged
// after the drain) and duplicated ones (an acceptance that does not advance
// the seq); lost deltas (a device whose last desired target never arrived)
// and duplicated ones (a target delivered twice); broker CPU and RSS; the
// per-device memory and CPU of this process; the load average of the machine.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_concurrent.h"
#include "bench_cpu.h"
#include "bench_latency.h"
#include "cli/command_line.h"
#include "shadowsync/client.h"
#include "shadowsync/mutex.h"
#include "shadowsync/paho_transport.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif
#ifndef SHADOWSYNC_PLUGIN_PATH
#define SHADOWSYNC_PLUGIN_PATH ""
#endif

namespace shadowsync::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kDescription[] =
    "A fleet of ShadowClient devices on mosquitto with the shadowsync plugin and its store: "
    "each reports every interval while an app changes desired values on a random tenth of "
    "them (docs/performance.md). Prints reports accepted per second, report latency, lost and "
    "duplicated reports and deltas (which must be 0), broker CPU and RSS, and the per-device "
    "cost in this process.\n";

struct Settings {
  int devices = 1000;
  int threads = 4;
  double seconds = 600;
  double interval = 1;
  std::string plugin = SHADOWSYNC_PLUGIN_PATH;
};

// Resident set size of `pid` in KiB, from /proc/<pid>/status.
long RssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// The machine's 1-minute load average, from /proc/loadavg; -1 when unread.
// The bench shares the machine, so every figure is printed with it.
double LoadAverage() {
  std::ifstream loadavg("/proc/loadavg");
  double one_minute = -1;
  loadavg >> one_minute;
  return one_minute;
}

// One device, confined to the thread that polls it.
struct Device {
  std::unique_ptr<ShadowClient> client;
  std::string thing;
  // Atomic: the drain reads them from the main thread.
  std::atomic<std::uint64_t> seq{0};              // last reported
  std::atomic<std::uint64_t> acked_seq{0};        // last acknowledged
  std::int64_t target = -1;                       // last applied desired target
  std::map<std::uint64_t, std::int64_t> sent_ns;  // seq -> Report() time
  Clock::time_point next_report;
  std::uint64_t duplicated_reports = 0;
  std::uint64_t duplicated_deltas = 0;
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t accepted = 0;

  void Report() {
    JsonDocument state(rapidjson::kObjectType);
    const std::uint64_t next = ++seq;
    state.AddMember("seq", next, state.GetAllocator());
    state.AddMember("target", target, state.GetAllocator());
    sent_ns[next] = NowNs();
    (void)client->Report(state);
  }
};

int Main(const Settings& settings) {
  // A thousand clients and their broker need file descriptors.
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);

  auto dir = testing_support::TempDir::Create("shadowsync-fleet");
  if (!dir.ok()) {
    std::cerr << "error: " << dir.status().message() << "\n";
    return 1;
  }
  testing_support::MosquittoBroker broker;
  testing_support::BrokerOptions options;
  options.log_types = {"error", "warning"};
  options.plugin_path = settings.plugin;
  options.plugin_options = {{"store", (*dir)->File("shadows.db")},
                            {"max_inflight", "0"},
                            {"max_requests_per_second", "0"}};
  options.extra_config = {"max_queued_messages 10000"};
  if (Status started = broker.Start(options); !started.ok()) {
    std::cerr << "error: broker: " << started.message() << "\n";
    return 1;
  }
  const std::string uri = broker.plain_uri();
  const long rss_before = RssKib(::getpid());

  // Connect the fleet.
  std::vector<Device> devices(static_cast<std::size_t>(settings.devices));
  const auto connect_start = Clock::now();
  for (int i = 0; i < settings.devices; ++i) {
    Device& device = devices[static_cast<std::size_t>(i)];
    device.thing = "fleet-" + std::to_string(i);
    MqttOptions mqtt;
    mqtt.server_uri = uri;
    mqtt.client_id = device.thing;
    ClientOptions client_options;
    client_options.shadow.thing = device.thing;
    client_options.request_timeout = 30s;
    auto transport = MakePahoTransport(mqtt);
    if (!transport.ok()) {
      std::cerr << "error: device " << i << ": " << transport.status().message() << "\n";
      return 1;
    }
    auto client = ShadowClient::Create(client_options, std::move(transport).value());
    if (!client.ok()) {
      std::cerr << "error: device " << i << ": " << client.status().message() << "\n";
      return 1;
    }
    device.client = std::move(client).value();
    Device* raw = &device;
    device.client->OnDelta([raw](const Delta& delta) {
      const auto target = delta.state.FindMember("target");
      if (target == delta.state.MemberEnd() || !target->value.IsInt64()) return;
      if (target->value.GetInt64() == raw->target) {
        ++raw->duplicated_deltas;
        return;
      }
      raw->target = target->value.GetInt64();
      raw->Report();
    });
    device.client->OnReportResult([raw](RequestResult result) {
      if (!result.ok()) return;
      const JsonValue& acked = raw->client->acknowledged_reported();
      const auto seq = acked.FindMember("seq");
      if (seq == acked.MemberEnd() || !seq->value.IsUint64()) return;
      const std::uint64_t now_acked = seq->value.GetUint64();
      if (now_acked <= raw->acked_seq) {
        ++raw->duplicated_reports;
        return;
      }
      ++raw->accepted;
      raw->acked_seq = now_acked;
      const auto sent = raw->sent_ns.find(now_acked);
      if (sent != raw->sent_ns.end()) raw->latencies_ns.push_back(NowNs() - sent->second);
      raw->sent_ns.erase(raw->sent_ns.begin(), raw->sent_ns.upper_bound(now_acked));
    });
  }
  // Connected in concurrent batches: a Paho client that connects while
  // another one of the process is connected waits about 2 s (toolchain
  // pitfall 1, bench_concurrent.h).
  constexpr std::size_t kBatch = 100;
  for (std::size_t first = 0; first < devices.size(); first += kBatch) {
    std::vector<std::function<Status()>> starts;
    for (std::size_t i = first; i < std::min(devices.size(), first + kBatch); ++i) {
      starts.push_back([&devices, i] { return devices[i].client->Start(); });
    }
    const std::vector<Status> results = RunConcurrently(starts);
    for (std::size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok()) {
        std::cerr << "error: device " << first + k << " connect: " << results[k].message()
                  << "\nbroker log:\n"
                  << broker.LogTail() << "\n";
        return 1;
      }
    }
  }
  const double connect_seconds =
      std::chrono::duration<double>(Clock::now() - connect_start).count();
  const long rss_connected = RssKib(::getpid());
  std::cout << "connected " << settings.devices << " devices in " << connect_seconds << " s"
            << std::endl;

  // The app: one raw transport publishing desired changes.
  MqttOptions app_mqtt;
  app_mqtt.server_uri = uri;
  app_mqtt.client_id = "fleet-app";
  auto app_transport = MakePahoTransport(app_mqtt);
  if (!app_transport.ok() || !(*app_transport)->Connect().ok()) {
    std::cerr << "error: app transport\n";
    return 1;
  }
  Transport& app = **app_transport;
  std::vector<std::int64_t> last_desired(devices.size(), -1);
  std::uint64_t desired_changes = 0;
  std::uint64_t app_refused = 0;

  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(settings.interval));
  const auto start = Clock::now();
  for (std::size_t i = 0; i < devices.size(); ++i) {
    devices[i].next_report =
        start + interval * static_cast<long>(i) / static_cast<long>(devices.size());
  }
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(settings.seconds));
  const std::optional<double> broker_cpu_start = CpuSeconds(broker.pid());
  const std::optional<double> own_cpu_start = CpuSeconds(::getpid());
  std::atomic<bool> reporting{true};
  std::atomic<bool> running{true};
  std::vector<std::thread> pollers;
  for (int t = 0; t < settings.threads; ++t) {
    pollers.emplace_back([&, t] {
      while (running.load()) {
        const auto now = Clock::now();
        for (std::size_t i = static_cast<std::size_t>(t); i < devices.size();
             i += static_cast<std::size_t>(settings.threads)) {
          Device& device = devices[i];
          device.client->Poll();
          if (reporting.load() && now >= device.next_report) {
            device.Report();
            device.next_report += interval;
          }
        }
        std::this_thread::sleep_for(2ms);  // the poll cadence, not an event stand-in
      }
    });
  }
  // Each interval: desired changes on a random tenth of the fleet.
  std::mt19937_64 rng(14);
  long broker_rss_peak = 0;
  const double load_start = LoadAverage();
  double load_min = load_start, load_max = load_start;
  // The run ends on time even when the app falls behind its ticks (on a
  // loaded machine its 600 ticks once took twice as long): the ticks it made
  // are printed against those due.
  std::uint64_t ticks_due = 0, ticks_done = 0;
  for (auto tick = start; tick < end; tick += interval) ++ticks_due;
  for (auto tick = start; tick < end && Clock::now() < end; tick += interval) {
    std::this_thread::sleep_until(tick);
    ++ticks_done;
    for (std::size_t n = 0; n < std::max<std::size_t>(1, devices.size() / 10); ++n) {
      const std::size_t i = std::uniform_int_distribution<std::size_t>(0, devices.size() - 1)(rng);
      const std::int64_t target = static_cast<std::int64_t>(++desired_changes);
      const std::string payload =
          R"({"state":{"desired":{"target":)" + std::to_string(target) + "}}}";
      if (app.Publish("$aws/things/" + devices[i].thing + "/shadow/update", payload, 1).ok()) {
        last_desired[i] = target;
      } else {
        ++app_refused;
      }
    }
    broker_rss_peak = std::max(broker_rss_peak, RssKib(broker.pid()));
    const double load = LoadAverage();
    load_min = std::min(load_min, load);
    load_max = std::max(load_max, load);
  }
  std::this_thread::sleep_until(end);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const std::optional<double> broker_cpu_end = CpuSeconds(broker.pid());
  const std::optional<double> own_cpu_end = CpuSeconds(::getpid());
  // Drain: no new reports; wait until every device's last seq is
  // acknowledged and its last desired target applied (or 60 s).
  reporting = false;
  const auto drain_end = Clock::now() + 60s;
  const auto settled = [&] {
    for (std::size_t i = 0; i < devices.size(); ++i) {
      // Read across threads only as a progress check; the final count is
      // taken after the pollers stopped.
      if (devices[i].acked_seq.load() != devices[i].seq.load()) return false;
    }
    return true;
  };
  const auto drain_start = Clock::now();
  while (Clock::now() < drain_end && !settled()) std::this_thread::sleep_for(100ms);
  std::cout << "drained in " << std::chrono::duration<double>(Clock::now() - drain_start).count()
            << " s" << std::endl;
  running = false;
  for (std::thread& poller : pollers) poller.join();

  std::uint64_t accepted = 0, lost_reports = 0, dup_reports = 0, lost_deltas = 0, dup_deltas = 0;
  std::vector<std::int64_t> latencies;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const Device& device = devices[i];
    accepted += device.accepted;
    dup_reports += device.duplicated_reports;
    dup_deltas += device.duplicated_deltas;
    if (device.acked_seq.load() != device.seq.load()) ++lost_reports;
    if (last_desired[i] >= 0 && device.target != last_desired[i]) ++lost_deltas;
    latencies.insert(latencies.end(), device.latencies_ns.begin(), device.latencies_ns.end());
  }
  const LatencySummary summary = SummarizeLatencies(latencies);
  const long broker_rss = RssKib(broker.pid());
  std::cout << "devices " << settings.devices << ", threads " << settings.threads << ", " << elapsed
            << " s, interval " << settings.interval << " s\n"
            << "reports accepted: " << accepted << " (" << static_cast<double>(accepted) / elapsed
            << "/s)\n"
            << "report latency: p50 " << summary.p50_ns / 1e6 << " ms, p99 " << summary.p99_ns / 1e6
            << " ms, max " << summary.max_ns / 1e6 << " ms (" << summary.samples << " samples)\n"
            << "desired changes: " << desired_changes << " (" << app_refused << " refused) in "
            << ticks_done << " of " << ticks_due << " ticks\n"
            << "lost reports " << lost_reports << ", duplicated reports " << dup_reports
            << ", lost deltas " << lost_deltas << ", duplicated deltas " << dup_deltas << "\n"
            << "load average (1 min): " << load_start << " at the start, " << LoadAverage()
            << " at the end, " << load_min << " to " << load_max << " during the run" << std::endl;
  if (broker_cpu_start && broker_cpu_end) {
    std::cout << "broker CPU: " << 100 * (*broker_cpu_end - *broker_cpu_start) / elapsed
              << "% of a core; RSS " << broker_rss / 1024.0 << " MiB (peak "
              << broker_rss_peak / 1024.0 << " MiB)\n";
  }
  if (own_cpu_start && own_cpu_end) {
    std::cout << "client process: " << (rss_connected - rss_before) / settings.devices
              << " KiB and " << 1e3 * (*own_cpu_end - *own_cpu_start) / elapsed / settings.devices
              << " ms CPU per second per device; RSS " << RssKib(::getpid()) / 1024.0 << " MiB\n";
  }
  for (Device& device : devices) device.client.reset();
  (void)app.Disconnect();
  return lost_reports + dup_reports + lost_deltas + dup_deltas == 0 ? 0 : 1;
}

}  // namespace
}  // namespace shadowsync::bench

int main(int argc, char** argv) {
  shadowsync::cli::CommandLine command_line("shadowsync-fleet-bench",
                                            shadowsync::bench::kDescription, SHADOWSYNC_VERSION);
  shadowsync::bench::Settings settings;
  CLI::App& app = command_line.app();
  app.add_option("--devices", settings.devices, "devices (default 1000)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000).description(""));
  app.add_option("--threads", settings.threads, "threads polling the devices (default 4)")
      ->type_name("N")
      ->check(CLI::Range(1, 256).description(""));
  app.add_option("--seconds", settings.seconds, "how long the fleet reports (default 600)")
      ->type_name("S")
      ->check(CLI::Range(0.1, 86400.0).description(""));
  app.add_option("--interval", settings.interval, "each device's report interval (default 1)")
      ->type_name("S")
      ->check(CLI::Range(0.01, 3600.0).description(""));
  app.add_option("--plugin", settings.plugin, "shadowsync_mosquitto.so (default: this build's)")
      ->type_name("FILE");
  if (std::optional<int> exit = command_line.ParseOrExit(argc, argv, std::cout, std::cerr)) {
    return *exit;
  }
  return shadowsync::bench::Main(settings);
}
