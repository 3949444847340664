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

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "src/agent.h"
#include "src/config.h"
#include "src/connection.h"
#include "src/demo.h"
#include "src/log.h"
#include "src/signals.h"
#include "src/startup.h"
#include "src/systemd_notify.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

namespace shadowsync::agent {
namespace {

constexpr char kUsage[] = R"(usage: shadowsync-agent --config FILE [options]
       shadowsync-agent --demo [--demo-seconds N]
       shadowsync-agent --check-config --config FILE
       shadowsync-agent --print-default-config

Samples sensors and keeps an AWS IoT Device Shadow's reported state up to
date (only changes travel; nothing is lost offline); takes its own settings
back from desired.agent. Documentation: docs/agent.md in the shadowsync
source repository.

  --config FILE            the agent's JSON configuration (schemas/agent-config.schema.json;
                           a SparkFun DataLogger IoT settings file with an "AWS IoT" block works)
  --check-config           run every check a start runs before connecting (configuration,
                           sensors, certificate and key, journal and output directories), exit
  --print-default-config   print a starting configuration and exit
  --demo                   run against an in-process shadow service: no broker, no AWS account
  --demo-seconds N         how long the demo runs (default 12)
  --run-seconds N          stop by itself after N seconds (tests, measurements)
  --interval SECONDS       sampling interval, overrides reporting.interval_seconds; from
                           0.001 (below the file's 0.1 floor: for measurements only)

Connection (override the file):
  --endpoint HOST|URI      AWS IoT data endpoint, or ssl://host:port, tcp://host:port
  --port N                 8883 (default), or 443 with --alpn
  --alpn                   TLS ALPN x-amzn-mqtt-ca (MQTT on port 443)
  --thing NAME             thing name       --shadow NAME   named shadow ("" = classic)
  --client-id ID           MQTT client id (default: the thing name)
  --ca FILE --cert FILE --key FILE          PEM files (the key must be chmod 600)
  --keep-alive SECONDS
  --log-level debug|info|warning|error

Signals: SIGTERM/SIGINT flush pending reports and stop; SIGHUP reloads the file.
Exit codes: 0 stopped cleanly, 1 internal error, 2 bad flags or configuration,
3 the connection cannot be set up (e.g. a key that does not match its
certificate), 4 stopped with reports not yet acknowledged (kept in the journal).
)";

struct Flags {
  std::string config_path;
  bool check_config = false;
  bool print_default = false;
  bool demo = false;
  double demo_seconds = 12;
  std::optional<double> run_seconds;
  std::optional<double> interval_seconds;
  std::optional<std::string> log_level;
  ConnectionOverrides overrides;
};

Result<double> ParseSeconds(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value > 0)) {
    return InvalidArgumentError(flag + ": expected a positive number of seconds, found \"" + text +
                                "\"");
  }
  return value;
}

Result<int> ParseInt(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 0 || value > 1000000) {
    return InvalidArgumentError(flag + ": expected an integer, found \"" + text + "\"");
  }
  return static_cast<int>(value);
}

Result<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return InvalidArgumentError(arg + ": missing value");
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(kExitOk);
    } else if (arg == "--version") {
      std::printf("shadowsync-agent %s\n", SHADOWSYNC_VERSION);
      std::exit(kExitOk);
    } else if (arg == "--check-config") {
      flags.check_config = true;
    } else if (arg == "--print-default-config") {
      flags.print_default = true;
    } else if (arg == "--demo") {
      flags.demo = true;
    } else if (arg == "--alpn") {
      flags.overrides.alpn = true;
    } else {
      Result<std::string> v = value();
      if (!v.ok()) return v.status();
      if (arg == "--config") {
        flags.config_path = *v;
      } else if (arg == "--demo-seconds" || arg == "--run-seconds") {
        Result<double> seconds = ParseSeconds(arg, *v);
        if (!seconds.ok()) return seconds.status();
        (arg == "--demo-seconds" ? flags.demo_seconds : flags.run_seconds.emplace()) = *seconds;
      } else if (arg == "--interval") {
        Result<double> seconds = ParseSeconds(arg, *v);
        if (!seconds.ok()) return seconds.status();
        if (*seconds < 0.001 || *seconds > 86400) {
          return InvalidArgumentError(
              "--interval: expected a number from 0.001 to 86400, found \"" + *v + "\"");
        }
        flags.interval_seconds = *seconds;
      } else if (arg == "--log-level") {
        flags.log_level = *v;
      } else if (arg == "--endpoint") {
        flags.overrides.endpoint = *v;
      } else if (arg == "--port" || arg == "--keep-alive") {
        Result<int> n = ParseInt(arg, *v);
        if (!n.ok()) return n.status();
        (arg == "--port" ? flags.overrides.port : flags.overrides.keep_alive_seconds) = *n;
      } else if (arg == "--thing") {
        flags.overrides.thing_name = *v;
      } else if (arg == "--shadow") {
        flags.overrides.shadow_name = *v;
      } else if (arg == "--client-id") {
        flags.overrides.client_id = *v;
      } else if (arg == "--ca") {
        flags.overrides.ca_file = *v;
      } else if (arg == "--cert") {
        flags.overrides.cert_file = *v;
      } else if (arg == "--key") {
        flags.overrides.key_file = *v;
      } else {
        return InvalidArgumentError("unknown flag " + arg + " (see --help)");
      }
    }
  }
  return flags;
}

Result<AgentConfig> LoadEffectiveConfig(const Flags& flags) {
  if (flags.config_path.empty()) return InvalidArgumentError("--config FILE is required");
  Result<AgentConfig> config = LoadConfig(flags.config_path);
  if (!config.ok()) return config.status();
  if (Status applied = ApplyCommandLineOverrides(flags.overrides, &*config); !applied.ok()) {
    return applied;
  }
  if (flags.interval_seconds) config->reporting.interval_seconds = *flags.interval_seconds;
  if (flags.log_level) {
    std::optional<LogLevel> level = ParseLogLevel(*flags.log_level);
    if (!level) {
      return InvalidArgumentError("--log-level: expected debug, info, warning or error, found \"" +
                                  *flags.log_level + "\"");
    }
    config->log_level = *level;
  }
  if (Status ready = CheckConnectionReady(*config); !ready.ok()) return ready;
  return config;
}

int Main(int argc, char** argv) {
  Log log;
  Result<Flags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    log.Error(flags.status().message());
    return kExitUsage;
  }
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
      NotifySystemd("READY=1");
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
