// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-agent: parse the flags, load and check the configuration,
// block the signals before any thread starts, build the sensors, transport,
// client and agent, run the loop, and tear down in reverse order.

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/log.h"
#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "src/agent.h"
#include "src/command_line.h"
#include "src/config.h"
#include "src/connection.h"
#include "src/demo.h"
#include "src/resident_memory.h"
#include "src/signals.h"
#include "src/startup.h"
#include "src/systemd_notify.h"

namespace shadowsync::agent {
namespace {

Result<AgentConfig> LoadEffectiveConfig(const AgentFlags& flags) {
  Result<AgentConfig> config = LoadConfig(flags.config_path);
  if (!config.ok()) return config.status();
  if (Status applied = ApplyCommandLineOverrides(flags.overrides, &*config); !applied.ok()) {
    return applied;
  }
  if (flags.interval_seconds) config->reporting.interval_seconds = *flags.interval_seconds;
  if (flags.log_level) config->log_level = *flags.log_level;
  if (Status ready = CheckConnectionReady(*config); !ready.ok()) return ready;
  return config;
}

int Main(int argc, char** argv) {
  cli::Logger log;
  Result<AgentCommandLine> line = ParseAgentCommandLine({argv + 1, argv + argc});
  if (!line.ok()) {
    std::fprintf(stderr, "error: %s\nsee 'shadowsync-agent --help'\n",
                 line.status().message().c_str());
    return kExitUsage;
  }
  if (line->outcome != cli::ParseOutcome::kRun) {
    std::fputs(line->text.c_str(), stdout);
    return kExitOk;
  }
  const AgentFlags* flags = &line->flags;
  if (flags->print_default) {
    std::fputs(DefaultConfigText().c_str(), stdout);
    return kExitOk;
  }
  // Before any thread (Paho's, the demo's broker) exists.
  SignalWatcher::Block();
  SignalWatcher signals;

  if (flags->demo) {
    DemoOptions demo;
    demo.duration = std::chrono::milliseconds(static_cast<long long>(flags->demo_seconds * 1000));
    demo.stop = &signals.stop_requested();
    return RunDemo(demo, log);
  }

  Result<AgentConfig> config = LoadEffectiveConfig(*flags);
  if (!config.ok()) {
    log.Error(config.status().message());
    return kExitUsage;
  }
  log.set_level(config->log_level);
  for (const std::string& note : config->notes) log.Info(note);

  // Everything a start builds before it connects, for --check-config too:
  // one function, so the check cannot miss what a start refuses.
  PreparedStart prepared =
      PrepareStart(*config, flags->check_config ? StartMode::kCheck : StartMode::kRun, log);
  if (!prepared.ok()) {
    log.Error(prepared.error);
    return prepared.exit_code;
  }
  if (flags->check_config) {
    const std::size_t sensors = config->sensors.size();
    std::printf("%s: OK (%zu sensor%s, thing \"%s\")\n", config->source.c_str(), sensors,
                sensors == 1 ? "" : "s", config->connection.thing_name.c_str());
    return kExitOk;
  }
  std::unique_ptr<Agent>& agent = prepared.agent;
  char interval[32];
  std::snprintf(interval, sizeof interval, "%g", config->reporting.interval_seconds);
  log.Info("started: thing \"" + config->connection.thing_name + "\", " +
           std::to_string(config->sensors.size()) +
           (config->sensors.size() == 1 ? " sensor" : " sensors") + ", every " + interval + " s");
  NotifySystemd("READY=1");

  const auto start = std::chrono::steady_clock::now();
  // Start-up code and libraries' initialisation leave pages mapped that the
  // loop never uses again: unmap them once it runs (resident_memory.h).
  ResidentMemoryTrimmer trimmer(start, std::chrono::seconds(10), std::chrono::minutes(10));
  while (!signals.stop_requested().load()) {
    if (flags->run_seconds && std::chrono::steady_clock::now() - start >=
                                  std::chrono::duration<double>(*flags->run_seconds)) {
      break;
    }
    if (signals.TakeReload()) {
      NotifySystemd("RELOADING=1");
      Result<AgentConfig> reloaded = LoadEffectiveConfig(*flags);
      if (!reloaded.ok()) {
        log.Error("reload refused, keeping the running configuration: " +
                  reloaded.status().message());
      } else if (Status applied = agent->Reload(std::move(reloaded).value()); !applied.ok()) {
        log.Error("reload refused, keeping the running configuration: " + applied.message());
      }
      trimmer.Reloaded(std::chrono::steady_clock::now(), std::chrono::seconds(10));
      NotifySystemd("READY=1");
    }
    if (trimmer.Due(std::chrono::steady_clock::now())) {
      if (Result<TrimResult> trimmed = TrimResidentMemory(); trimmed.ok()) {
        log.Debug("released " + std::to_string(trimmed->released_kib) + " KiB of " +
                  std::to_string(trimmed->mappings) + " read-only mappings");
      } else {
        log.Debug(trimmed.status().message());
      }
    }
    agent->RunFor(std::chrono::milliseconds(100));
  }
  NotifySystemd("STOPPING=1");
  const int sig = signals.stop_signal();
  log.Info(std::string("stopping") + (sig ? (sig == SIGTERM ? " (SIGTERM)" : " (SIGINT)") : ""));
  const Status stopped = agent->Stop(std::chrono::milliseconds(800));
  if (!stopped.ok()) {
    log.Warning("stopped: " + stopped.message());
    return kExitUnflushed;
  }
  log.Info("stopped");
  return kExitOk;
}

}  // namespace
}  // namespace shadowsync::agent

int main(int argc, char** argv) {
  try {
    return shadowsync::agent::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s\n", e.what());
    return shadowsync::agent::kExitInternal;
  }
}
