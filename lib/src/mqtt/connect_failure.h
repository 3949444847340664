// SPDX-License-Identifier: Apache-2.0
//
// The message of a failed connect: instead of Paho's "TCP/TLS connect
// failure", the CONNACK code in words, or (after a failed first Connect())
// what the diagnosis probe of connect_diagnosis.h found (refused, unknown
// host, the certificate at fault, ...), or what is known to work. Paho's own
// words and return code follow in brackets:
//   connect to ssl://localhost:8883 failed: TLS: ... [Paho: ..., rc -1]
//
// Thread safety: functions of their arguments only; safe from any thread.

#ifndef SHADOWSYNC_MQTT_CONNECT_FAILURE_H_
#define SHADOWSYNC_MQTT_CONNECT_FAILURE_H_

#include <string>

#include "mqtt/broker_uri.h"
#include "mqtt/connect_diagnosis.h"
#include "shadowsync/paho_transport.h"

namespace shadowsync {
namespace mqtt_internal {

/// The meaning of an MQTT 3.1.1 CONNACK return code 1-5.
const char* ConnackText(int rc);

/// Describes a connect to `options.server_uri` that failed with Paho's
/// return code `rc` and message. With `diagnose`, probes the endpoint
/// (at most min(connect_timeout, 5 s)) to find the cause; without, names
/// only the CONNACK code or Paho's error.
std::string DescribeConnectFailure(const MqttOptions& options, const BrokerUri& uri,
                                   const TlsSettings& tls, int rc, const std::string& paho_message,
                                   bool diagnose);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_CONNECT_FAILURE_H_
