// SPDX-License-Identifier: Apache-2.0
//
// The agent's configuration: one JSON file validated against
// schemas/agent-config.schema.json (embedded in the binary, see
// config_schema.h), then checked for what a schema cannot say. The file may
// carry the SparkFun DataLogger IoT's "AWS IoT" settings block as the
// DataLogger saves it; docs/agent.md ("Configuration", "Migrating from the
// SparkFun DataLogger IoT") documents every key and the mapping.
//
// Every error is kInvalidArgument (kNotFound for a missing file) with a
// message of the form
//   <file>: <JSON pointer>: expected <what the schema wants>, found <value>
// e.g. `agent.json: /reporting/interval_seconds: expected a number from 0.1
// to 86400, found "fast"`.

#ifndef SHADOWSYNC_AGENT_SRC_CONFIG_H_
#define SHADOWSYNC_AGENT_SRC_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/log.h"
#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::agent {

/// Severity threshold of the agent's stderr log: the shared log's levels
/// (cli/log.h), spelt "debug", "info", "warning" or "error" in the file.
using cli::LogLevel;
using cli::LogLevelName;
using cli::ParseLogLevel;

/// How the agent reaches the shadow service (`connection.protocol`,
/// docs/protocols.md).
enum class ConnectionProtocol {
  kMqtt,   ///< MQTT over TLS (8883, or 443 with ALPN): the default
  kHttps,  ///< REST with the certificate (8443, or 443 with ALPN): report-only
  kWss,    ///< MQTT over WebSocket (443), handed to the MQTT transport
};

/// "mqtt", "https", "wss".
const char* ConnectionProtocolName(ConnectionProtocol protocol);

/// Where and how the agent connects. After ParseConfig, `host`, `port`,
/// `tls`, `thing_name` and `client_id` are resolved from whichever of
/// "connection" and "AWS IoT" gave them ("connection" wins per key).
struct ConnectionConfig {
  /// False when the DataLogger block says "Enabled": false: the agent samples
  /// and writes its local output but does not connect.
  bool enabled = true;
  /// The endpoint as written (host name or URI); empty when not configured.
  std::string endpoint;
  /// Host name taken from `endpoint`.
  std::string host;
  /// 8883, or 443 with `alpn`, unless given (in "port", "Port" or the URI).
  int port = 8883;
  /// False only for a tcp:// or mqtt:// endpoint (local brokers, tests).
  bool tls = true;
  /// TLS with ALPN "x-amzn-mqtt-ca" (MQTT on port 443 through firewalls).
  bool alpn = false;
  /// MQTT client id; defaults to the thing name.
  std::string client_id;
  std::string thing_name;
  /// Empty for the classic (unnamed) shadow.
  std::string shadow_name;
  /// PEM files. Relative paths in a file are resolved against the directory
  /// of that file; command-line paths against the working directory.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  /// Inline PEM from the DataLogger block ("CA Certificate", "Client
  /// Certificate", "Client Key"), kept in memory only. A file setting for the
  /// same item wins. The connection layer hands these to TLS itself (e.g. a
  /// 0600 file in a private temporary directory, removed after connecting);
  /// the configuration never writes them to disk.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  int keep_alive_seconds = 30;
  ConnectionProtocol protocol = ConnectionProtocol::kMqtt;
  /// kHttps: how often the shadow is read (GET) for remote configuration
  /// (desired changes); reports are one POST each.
  double poll_seconds = 300;
};

/// How a parameter "<sensor>/<param>" is filtered (see thresholds.h).
struct Threshold {
  /// Report when |new - last reported| >= min_change; 0: on any change.
  double min_change = 0;
  /// Report at least this often, even if unchanged; 0: no heartbeat.
  double heartbeat_seconds = 0;

  friend bool operator==(const Threshold& a, const Threshold& b) {
    return a.min_change == b.min_change && a.heartbeat_seconds == b.heartbeat_seconds;
  }
};

/// Keyed "<sensor>/<param>", "<sensor>/*" or "*/*".
using ThresholdMap = std::map<std::string, Threshold>;

/// The threshold of one parameter: the exact key, else "<sensor>/*", else
/// "*/*", else the default Threshold{} (any change, no heartbeat).
Threshold LookupThreshold(const ThresholdMap& thresholds, std::string_view sensor,
                          std::string_view param);

struct ReportingConfig {
  double interval_seconds = 10;
  ThresholdMap thresholds;
  /// Shadow updates always use QoS 1; the key exists so that a file asking
  /// for something else fails loudly.
  int qos = 1;
};

enum class OutputFormat { kJsonLines, kCsv };

/// The optional local log of observations (the DataLogger's SD card).
struct OutputConfig {
  bool enabled = false;
  OutputFormat format = OutputFormat::kJsonLines;
  /// Resolved like the PEM paths. Required when enabled.
  std::string path;
  /// Rotation when the file reaches this size / age, whichever comes first;
  /// 0 disables that trigger.
  std::uint64_t rotate_bytes = 0;
  std::int64_t rotate_seconds = 0;
  int keep_files = 5;
};

/// One entry of "sensors". The sensor factory (agent/sensors/) validates
/// the type-specific keys of `settings`; "type", "name", "enabled" and keys
/// starting with '_' are common to all sensors.
struct SensorConfig {
  std::string type;
  std::string name;
  bool enabled = true;
  /// JSON pointer of the entry in its file, e.g. "/sensors/2", for the
  /// factory's error messages.
  std::string pointer;
  /// A copy of the whole entry without its top-level comment keys ('_...').
  /// Immutable and shared between copies of the AgentConfig (remote
  /// configuration works on copies).
  std::shared_ptr<const JsonDocument> settings;
};

/// The whole validated configuration. A plain value: copy it freely.
struct AgentConfig {
  /// The file name (or the source name given to ParseConfig).
  std::string source;
  ConnectionConfig connection;
  ReportingConfig reporting;
  /// Empty: no journal (pending reports are lost on restart).
  std::string journal_path;
  LogLevel log_level = LogLevel::kInfo;
  OutputConfig output;
  std::vector<SensorConfig> sensors;
  /// Things worth a log line at start that are not errors: ignored
  /// DataLogger blocks and keys, "connection" keys that override a
  /// different "AWS IoT" value, and the like.
  std::vector<std::string> notes;

  /// The sensor with that name, or nullptr.
  const SensorConfig* FindSensor(std::string_view name) const;
  SensorConfig* FindSensor(std::string_view name);
};

/// Parses and validates configuration text. `source_name` starts every error
/// message and is the base for relative paths (its directory). Runs the
/// schema first, then the semantic checks. kInvalidArgument on any error.
/// Does not touch the file system (paths are not checked here; see
/// CheckConnectionReady).
Result<AgentConfig> ParseConfig(std::string_view text, const std::string& source_name);

/// Reads `path` and calls ParseConfig(text, path). kNotFound when the file
/// cannot be read (the message names the path and the reason).
Result<AgentConfig> LoadConfig(const std::string& path);

/// Connection settings given on the command line; each set one replaces the
/// file's value.
struct ConnectionOverrides {
  std::optional<std::string> endpoint;
  std::optional<int> port;
  std::optional<std::string> client_id;
  std::optional<std::string> thing_name;
  std::optional<std::string> shadow_name;  ///< "" selects the classic shadow
  std::optional<bool> alpn;
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<int> keep_alive_seconds;
};

/// Applies `overrides` to `config->connection` with the same rules as the
/// file (a bad value is kInvalidArgument naming the flag, e.g.
/// "--port: expected an integer from 1 to 65535, found 0"). On error
/// `config` is unchanged. A file path given here replaces an inline PEM of
/// the same kind.
Status ApplyCommandLineOverrides(const ConnectionOverrides& overrides, AgentConfig* config);

/// The checks that need the file system and the final (overridden)
/// settings, run by the agent before it connects: an endpoint and a thing
/// name are set; with TLS, a client certificate and key (file or inline)
/// are set, the files are readable, and the key passes CheckPrivateKeyFile.
/// Ok without checking anything when `connection.enabled` is false.
/// kInvalidArgument (missing setting), kNotFound, kFailedPrecondition.
Status CheckConnectionReady(const AgentConfig& config);

/// A complete, valid starting file that explains itself through "_comment"
/// keys (JSON has no comments; keys starting with '_' are ignored at every
/// level). `--print-default-config` prints it.
std::string DefaultConfigText();

/// The embedded text of schemas/agent-config.schema.json.
std::string_view AgentConfigSchemaText();

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_CONFIG_H_
