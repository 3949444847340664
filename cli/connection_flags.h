// SPDX-License-Identifier: Apache-2.0
//
// The connection flags, defined once for every program (command_line.h):
//
//   --broker URI      tcp://host:port, or ssl://host:port for TLS; the
//                     agent also takes a bare AWS IoT endpoint host.
//                     wss://host/mqtt is MQTT over WebSocket, signed with
//                     SigV4 from the AWS CLI's credentials and region
//                     (aws_credentials.h; the environment, AWS_PROFILE,
//                     the shared files, credential_process), through
//                     https_proxy unless no_proxy names the host.
//                     --endpoint is an alias (AWS calls it the endpoint).
//   --ca F, --cert F, --key F   PEM files for TLS and mutual TLS
//   --alpn[=P[,P...]] ALPN protocols offered in the TLS handshake,
//                     repeatable; alone, x-amzn-mqtt-ca, which AWS IoT Core
//                     needs for MQTT on port 443
//   --client-id ID    MQTT client id
//   --thing NAME, --shadow NAME   the shadow (programs that address one)
//
// Each flag has one meaning everywhere. A program reads the values from
// ConnectionFlags; a flag not given is nullopt, so that a program with a
// configuration file can tell "not given" from "given".
//
// Thread safety: free functions over values; the struct is a plain value.

#ifndef SHADOWSYNC_CLI_CONNECTION_FLAGS_H_
#define SHADOWSYNC_CLI_CONNECTION_FLAGS_H_

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"

namespace shadowsync::cli {

/// The ALPN protocol AWS IoT Core needs for MQTT with certificates on 443.
inline constexpr char kAwsAlpn[] = "x-amzn-mqtt-ca";

/// The connection flags as given on the command line.
struct ConnectionFlags {
  std::optional<std::string> broker;
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  /// Empty when --alpn was not given.
  std::vector<std::string> alpn_protocols;
  std::optional<std::string> client_id;
  std::optional<std::string> thing;
  /// "" selects the classic shadow.
  std::optional<std::string> shadow;
};

/// Which flags a program takes, and what its --help says of them.
struct ConnectionFlagsSpec {
  /// The --broker help line: what the program does with it (its default,
  /// or "required").
  std::string broker_help = "required";
  /// Also --thing and --shadow (checked with ValidateThingName and
  /// ValidateShadowName).
  bool shadow_flags = false;
  /// The --client-id help line's default.
  std::string client_id_default = "<program>-<pid>-<random>";
};

/// Adds the connection flags to `app` in a "Connection" group; the values
/// land in `*flags`, which must outlive the parse. Empty values are refused
/// ("--ca: empty value"), except --shadow "" (the classic shadow).
void AddConnectionFlags(CLI::App& app, ConnectionFlags* flags,
                        const ConnectionFlagsSpec& spec = {});

/// MqttOptions from the flags, checked with ValidateMqttOptions() (the
/// files exist and hold PEM, the key matches the certificate, TLS files
/// only with ssl://). kInvalidArgument naming the flag, e.g. "--key:
/// /x/y.key: No such file or directory". `default_broker` is used when
/// --broker was not given ("" makes --broker required), `default_client_id`
/// when --client-id was not given.
/// SigV4 for MQTT over WebSocket (wss://, ws://) from the AWS CLI's chain
/// (environment, AWS_PROFILE, the shared files, credential_process),
/// narrowed by `wanted` (a profile, a region): the region is resolved now,
/// the credentials again at every (re)connect. kInvalidArgument when no
/// region is found, naming where it looked.
Result<MqttSigV4> WebSocketSigV4(const AwsCredentialOptions& wanted = {});

/// Whether `server_uri` is MQTT over WebSocket (wss:// or ws://, any case).
bool IsWebSocketUri(std::string_view server_uri);

/// Whether `server_uri` is MQTT over TLS (ssl://, mqtts:// or wss://, any case).
bool IsTlsUri(std::string_view server_uri);

/// Checks a --broker value alone by the library's broker-URI rules (the
/// schemes, host, port and path that ToMqttOptions accepts; see
/// MqttOptions::server_uri), for a program that checks its TLS files later.
/// kInvalidArgument in flag terms: `--broker: "ftp://h": unsupported scheme ...`.
Status CheckBrokerUri(std::string_view server_uri);

/// Sets `options->sigv4` for MQTT over WebSocket (WebSocketSigV4()); does
/// nothing for other URIs. kInvalidArgument naming --broker when no region
/// is found.
Status SignWebSocket(MqttOptions* options);

Result<MqttOptions> ToMqttOptions(const ConnectionFlags& flags, const std::string& default_broker,
                                  std::string default_client_id);

/// `message` (from the MqttOptions checks or the transport) in flag terms:
/// the fields server_uri, ca_file, cert_file, key_file, client_id and
/// alpn_protocols become --broker, --ca, --cert, --key, --client-id and
/// --alpn. Text inside `values` (the paths and names the user gave; a key
/// file may well be called key_file) is left alone.
std::string InFlagTerms(const std::string& message, const std::vector<std::string>& values = {});

/// "<program>-<pid>-<8 random hex digits>". AWS IoT Core drops the older of
/// two connections with one client id, so a default must be unique; a thing
/// policy may want the thing name instead (--client-id).
std::string UniqueClientId(std::string_view program);

}  // namespace shadowsync::cli

#endif  // SHADOWSYNC_CLI_CONNECTION_FLAGS_H_
