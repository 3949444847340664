// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-gateway: the AWS IoT Device Shadow REST API on this machine,
// in front of a broker that runs the shadowsync service (docs/gateway.md).
// Thin on purpose: flags, then Gateway (gateway.h) until SIGINT or SIGTERM.
// Signals are blocked before any thread starts (Paho and the server start
// threads) and taken with sigwait() on the main thread.
//
// Exit codes: 0 stopped by a signal, 1 could not start (the message names
// the flag or the broker), 2 usage.

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "cli/command_line.h"
#include "cli/connection_flags.h"
#include "cli/flag_as_value.h"
#include "cli/help_format.h"
#include "cli/log.h"
#include "console.h"
#include "gateway.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

namespace {

// The log every program writes (cli/log.h); several threads log.
const shadowsync::cli::Logger& Log() {
  static const shadowsync::cli::Logger logger(shadowsync::cli::LogLevel::kInfo, {},
                                              "shadowsync-gateway");
  return logger;
}

void LogLine(const std::string& line) { Log().Info(line); }

// Starts `server` (the REST gateway or the console); false, after logging
// why, when it cannot (the caller exits 1).
template <class Server>
bool StartOrLog(Server& server) {
  const shadowsync::Status started = server.Start();
  if (!started.ok()) {
    Log().Error("cannot start: " + shadowsync::cli::InFlagTerms(started.message()));
  }
  return started.ok();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace shadowsync;
  cli::CommandLine command_line(
      "shadowsync-gateway",
      "The AWS IoT Device Shadow REST API (GetThingShadow, UpdateThingShadow, DeleteThingShadow, "
      "ListNamedShadowsForThing, "
      "Publish) over HTTPS on this machine: mutual TLS like AWS's port 8443 and SigV4 like its "
      "port 443. Each request goes to the shadow service as an MQTT request through --broker, so "
      "devices see the same deltas and documents as from AWS. SIGINT or SIGTERM stops it.\n",
      SHADOWSYNC_VERSION);
  CLI::App& app = command_line.app();
  cli::ConnectionFlags connection;
  cli::ConnectionFlagsSpec spec;
  spec.broker_help = "Required: the broker that runs the shadowsync service.";
  spec.client_id_default = "shadowsync-gateway-<pid>-<random>";
  cli::AddConnectionFlags(app, &connection, spec);

  gateway::GatewayOptions options;
  int mtls_port = 8443;
  int sigv4_port = 8444;
  int wss_port = 8445;
  bool no_mtls = false;
  int timeout_ms = 5000;
  app.add_option("--bind", options.bind_address, "address of the listeners")
      ->type_name("ADDR")
      ->capture_default_str()
      ->group("Listeners");
  app.add_option("--mtls-port", mtls_port, "mutual-TLS listener (AWS: 8443)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535))
      ->group("Listeners");
  app.add_flag("--no-mtls", no_mtls, "no mutual-TLS listener")->group("Listeners");
  app.add_option("--sigv4-port", sigv4_port,
                 "SigV4 listener, on with --sigv4-credentials (AWS: 443)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535))
      ->group("Listeners");
  app.add_option("--wss-port", wss_port,
                 "MQTT over WebSocket listener (wss://.../mqtt, SigV4), on with --relay-broker "
                 "(AWS: 443)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535))
      ->group("Listeners");
  app.add_option("--relay-broker", options.relay_broker,
                 "the broker's plain TCP listener on loopback that WebSocket clients are "
                 "relayed to, e.g. 127.0.0.1:1883; turns the WebSocket listener on")
      ->type_name("IP:PORT")
      ->group("Listeners");
  app.add_option("--relay-secret-file", options.relay_secret_file,
                 "file with the secret shared with the plugin (plugin_opt_gateway_secret_file); "
                 "required with --relay-broker")
      ->type_name("FILE")
      ->group("Listeners");
  app.add_option("--tls-cert", options.server_cert_file,
                 "the gateway's server certificate chain, PEM (required)")
      ->type_name("FILE")
      ->group("Listeners");
  app.add_option("--tls-key", options.server_key_file, "its private key, PEM (required)")
      ->type_name("FILE")
      ->group("Listeners");
  app.add_option("--client-ca", options.client_ca_file,
                 "CA that client certificates must chain to (required for mutual TLS)")
      ->type_name("FILE")
      ->group("Listeners");
  app.add_option("--registry", options.registry_file,
                 "registry file (docs/policies.md): authorize certificates by its policies; "
                 "default: allow every verified client")
      ->type_name("FILE")
      ->group("Authorization");
  app.add_option("--sigv4-credentials", options.credentials_file,
                 "access keys accepted by the SigV4 listener, in the AWS shared-credentials "
                 "format; turns the SigV4 listener on")
      ->type_name("FILE")
      ->group("Authorization");
  app.add_option("--region", options.region, "the SigV4 scope's region")
      ->type_name("REGION")
      ->capture_default_str()
      ->group("Authorization");
  app.add_option("--timeout", timeout_ms, "milliseconds to wait for the service's answer")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  // The web console (docs/console.md): off unless --console-port is given.
  std::optional<int> console_port;
  console::ConsoleOptions console_options;
  int history_days = 7;
  app.add_option("--console-port", console_port,
                 "serve the web console (plain HTTP) on this port; with --no-mtls and no "
                 "--sigv4-credentials the gateway serves only the console")
      ->check(CLI::Range(0, 65535))
      ->group("Console");
  app.add_option("--console-bind", console_options.address,
                 "address of the console; anything but loopback requires --console-token")
      ->type_name("ADDR")
      ->capture_default_str()
      ->group("Console");
  app.add_option("--console-token", console_options.token,
                 "a secret the console requires (Bearer header, or open /?token=...)")
      ->type_name("TOKEN")
      ->group("Console");
  app.add_option("--console-web-dir", console_options.web_dir,
                 "the page's files; default: the installed copy")
      ->type_name("DIR")
      ->group("Console");
  app.add_option("--history", console_options.history.path,
                 "SQLite file of the readings' history (numeric leaves of reported)")
      ->type_name("FILE")
      ->group("Console");
  app.add_option("--history-max-days", history_days, "history retention by age")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650))
      ->group("Console");
  app.add_option("--history-max-rows", console_options.history.max_rows,
                 "history retention by size: the oldest samples beyond this are deleted")
      ->capture_default_str()
      ->check(CLI::Range(1000, 1000000000))
      ->group("Console");
  app.footer("Exit codes: 0 stopped by a signal, 1 could not start, 2 usage.");
  cli::RefuseFlagsAsValues(app);
  cli::WrapHelp(app);
  if (std::optional<int> exit = command_line.ParseOrExit(argc, argv, std::cout, std::cerr)) {
    return *exit;
  }

  auto usage = [](const std::string& message) {
    std::cerr << "error: " << message << "\nsee 'shadowsync-gateway --help'\n";
    return cli::kExitUsage;
  };
  Result<MqttOptions> mqtt =
      cli::ToMqttOptions(connection, "", cli::UniqueClientId("shadowsync-gateway"));
  if (!mqtt.ok()) return usage(mqtt.status().message());
  // --no-mtls without SigV4 but with the console: the console alone.
  const bool rest = !no_mtls || !options.credentials_file.empty();
  if (console_port) {
    console_options.mqtt = *mqtt;
    console_options.port = *console_port;
    console_options.history.max_age = std::chrono::hours(24) * history_days;
    console_options.registry_file = options.registry_file;
    console_options.request_timeout = std::chrono::milliseconds(timeout_ms);
  }
  if (rest) {
    if (options.server_cert_file.empty()) return usage("--tls-cert is required");
    if (options.server_key_file.empty()) return usage("--tls-key is required");
    if (!no_mtls && options.client_ca_file.empty()) {
      return usage("--client-ca is required for the mutual-TLS listener (or give --no-mtls)");
    }
  } else if (!console_port) {
    return usage("no listener: --no-mtls without --sigv4-credentials (or --console-port)");
  }
  if (!options.relay_broker.empty() && options.credentials_file.empty()) {
    return usage("--relay-broker needs --sigv4-credentials (the keys WebSocket clients sign with)");
  }
  if (!options.relay_broker.empty() && options.relay_secret_file.empty()) {
    return usage("--relay-broker needs --relay-secret-file");
  }
  options.wss_port = options.relay_broker.empty() ? std::nullopt : std::optional<int>(wss_port);
  options.mqtt = *mqtt;
  options.mtls_port = no_mtls ? std::nullopt : std::optional<int>(mtls_port);
  options.sigv4_port =
      options.credentials_file.empty() ? std::nullopt : std::optional<int>(sigv4_port);
  options.request_timeout = std::chrono::milliseconds(timeout_ms);

  sigset_t stop_signals;  // blocked before Paho and the servers start threads
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  LogLine(std::string("shadowsync-gateway ") + SHADOWSYNC_VERSION + " starting: broker " +
          options.mqtt.server_uri + ", client id " + options.mqtt.client_id);
  // The REST listeners, the console, or both (--no-mtls without SigV4: the
  // console alone).
  std::optional<gateway::Gateway> gateway;
  if (rest) {
    gateway.emplace(options, LogLine);
    if (!StartOrLog(*gateway)) return 1;
  }
  std::optional<console::Console> console;
  if (console_port) {
    console.emplace(console_options, LogLine);
    if (!StartOrLog(*console)) return 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  LogLine(std::string("stopping (") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  if (console) console->Stop();
  if (gateway) gateway->Stop();
  return 0;
}
