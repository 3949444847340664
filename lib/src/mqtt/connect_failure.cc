// SPDX-License-Identifier: Apache-2.0

#include "mqtt/connect_failure.h"

#include <algorithm>
#include <chrono>

namespace shadowsync {
namespace mqtt_internal {
namespace {

// Upper bound on the diagnostic probe after a failed first Connect().
constexpr std::chrono::seconds kMaxDiagnosis{5};

}  // namespace

const char* ConnackText(int rc) {
  switch (rc) {
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client identifier rejected";
    case 3:
      return "server unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized";
    default:
      return "unknown reason";
  }
}

std::string DescribeConnectFailure(const MqttOptions& options, const BrokerUri& uri,
                                   const TlsSettings& tls, int rc, const std::string& paho_message,
                                   bool diagnose) {
  const std::string head = "connect to " + options.server_uri + " failed: ";
  if (rc >= 1 && rc <= 5) {
    return head + "the broker refused the connection: CONNACK return code " + std::to_string(rc) +
           " (" + ConnackText(rc) + ")";
  }
  const std::string paho =
      " [Paho: " + (paho_message.empty() ? std::string("error") : paho_message) + ", rc " +
      std::to_string(rc) + "]";
  if (!diagnose) return head + "see the Paho error" + paho;
  const auto budget = std::min<std::chrono::milliseconds>(options.connect_timeout, kMaxDiagnosis);
  std::string cause = DiagnoseConnectFailure(uri, tls, budget);
  if (cause.empty()) {
    const bool timeout = paho_message.find("timeout") != std::string::npos;
    if (timeout) {
      cause = "no answer to the MQTT CONNECT within connect_timeout (" +
              std::to_string(options.connect_timeout.count()) + " s); TCP" +
              (uri.tls ? " and TLS work" : " works");
    } else if (uri.websocket) {
      cause = std::string("TCP") + (uri.tls ? " and TLS work" : " works") +
              ", but the WebSocket upgrade (HTTP 101 expected; a refused SigV4 signature is "
              "403) or the MQTT connect failed";
    } else {
      cause = uri.tls ? "TCP and TLS work (a diagnostic TLS handshake succeeded), but the MQTT "
                        "connect failed"
                      : "TCP works, but the MQTT connect failed";
    }
  }
  return head + cause + paho;
}

}  // namespace mqtt_internal
}  // namespace shadowsync
