// SPDX-License-Identifier: Apache-2.0

#include "src/command_line.h"

#include "cli/connection_flags.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "unknown"
#endif

namespace shadowsync::agent {
namespace {

constexpr char kDescription[] =
    "Samples sensors and keeps an AWS IoT Device Shadow's reported state up to date (only "
    "changes travel; nothing is lost offline); takes its own settings back from desired.agent. "
    "Documentation: docs/agent.md (the package installs it as\n"
    "/usr/share/doc/shadowsync-agent/agent.md).\n\n"
    "  shadowsync-agent --config FILE [options]\n"
    "  shadowsync-agent --check-config --config FILE\n"
    "  shadowsync-agent --demo [--demo-seconds N]\n"
    "  shadowsync-agent --print-default-config";

constexpr char kFooter[] =
    "The connection flags override the file's \"connection\" block.\n"
    "Signals: SIGTERM/SIGINT flush pending reports and stop; SIGHUP reloads the file.\n"
    "Exit codes: 0 stopped cleanly, 1 internal error, 2 bad flags or configuration, 3 the\n"
    "connection cannot be set up (e.g. a key that does not match its certificate), 4 stopped\n"
    "with reports not yet acknowledged (kept in the journal).\n";

// --alpn has one meaning in every program (the ALPN protocols to offer);
// the agent's configuration can say only "AWS IoT Core's MQTT on 443".
Result<std::optional<bool>> AlpnOverride(const std::vector<std::string>& protocols) {
  if (protocols.empty()) return std::optional<bool>();
  for (const std::string& protocol : protocols) {
    if (protocol != cli::kAwsAlpn) {
      return InvalidArgumentError(std::string("--alpn: the agent offers only ") + cli::kAwsAlpn +
                                  " (AWS IoT Core's MQTT on port 443), found '" + protocol + "'");
    }
  }
  return std::optional<bool>(true);
}

}  // namespace

Result<AgentCommandLine> ParseAgentCommandLine(const std::vector<std::string>& args) {
  cli::CommandLine line("shadowsync-agent", kDescription, SHADOWSYNC_VERSION);
  CLI::App& app = line.app();
  app.footer(kFooter);
  AgentCommandLine result;
  AgentFlags& f = result.flags;

  app.add_option("--config", f.config_path,
                 "the agent's JSON configuration (schemas/agent-config.schema.json; a SparkFun "
                 "DataLogger IoT settings file with an \"AWS IoT\" block works)")
      ->type_name("FILE");
  app.add_flag("--check-config", f.check_config,
               "run every check a start runs before connecting (configuration, sensors, "
               "certificate and key, journal and output directories), and exit");
  app.add_flag("--print-default-config", f.print_default,
               "print a starting configuration and exit");
  app.add_flag("--demo", f.demo,
               "run against an in-process shadow service: no broker, no AWS account");
  app.add_option("--demo-seconds", f.demo_seconds, "how long the demo runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->type_name("N");
  app.add_option_function<double>(
         "--run-seconds", [&f](double seconds) { f.run_seconds = seconds; },
         "stop by itself after N seconds (tests, measurements)")
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  app.add_option_function<double>(
         "--interval", [&f](double seconds) { f.interval_seconds = seconds; },
         "sampling interval, overrides reporting.interval_seconds; from 0.001 (below the "
         "file's 0.1 floor: for measurements only)")
      ->check(CLI::Range(0.001, 86400.0))
      ->type_name("SECONDS");
  app.add_option_function<std::string>(
         "--log-level", [&f](const std::string& level) { f.log_level = ParseLogLevel(level); },
         "debug, info, warning or error; overrides the file's log_level")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->type_name("LEVEL");

  cli::ConnectionFlags connection;
  cli::ConnectionFlagsSpec spec;
  spec.broker_help =
      "The agent also takes the AWS IoT data endpoint host alone (TLS on 8883, or 443 with "
      "--alpn).";
  spec.shadow_flags = true;
  spec.client_id_default = "the thing name";
  cli::AddConnectionFlags(app, &connection, spec);
  ConnectionOverrides& o = f.overrides;
  app.add_option_function<int>(
         "--port", [&o](int port) { o.port = port; },
         "8883 (default), or 443 with --alpn; a port in --broker wins")
      ->type_name("N")
      ->group("Connection");
  app.add_option_function<int>(
         "--keep-alive", [&o](int seconds) { o.keep_alive_seconds = seconds; },
         "MQTT keep-alive in seconds")
      ->type_name("SECONDS")
      ->group("Connection");

  Result<cli::ParseOutcome> outcome = line.Parse(args);
  if (!outcome.ok()) return outcome.status();
  result.outcome = *outcome;
  if (*outcome == cli::ParseOutcome::kHelp) result.text = line.HelpText();
  if (*outcome == cli::ParseOutcome::kVersion) result.text = line.VersionText();
  if (*outcome != cli::ParseOutcome::kRun) return result;

  o.endpoint = connection.broker;
  o.ca_file = connection.ca_file;
  o.cert_file = connection.cert_file;
  o.key_file = connection.key_file;
  o.client_id = connection.client_id;
  o.thing_name = connection.thing;
  o.shadow_name = connection.shadow;
  Result<std::optional<bool>> alpn = AlpnOverride(connection.alpn_protocols);
  if (!alpn.ok()) return alpn.status();
  o.alpn = *alpn;
  if (f.config_path.empty() && !f.demo && !f.print_default) {
    return InvalidArgumentError("--config FILE is required");
  }
  return result;
}

}  // namespace shadowsync::agent
