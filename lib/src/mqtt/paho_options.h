// SPDX-License-Identifier: Apache-2.0
//
// The translation of MqttOptions into Paho's: the options a Paho client is
// created with (MQTT 3.1.1, the outgoing buffer, no offline queue, no
// persistence) and those of each connect (MQTT 3.1.1 without fallback, clean
// session, keep-alive, timeout, Paho's own reconnect off; for ssl:// and
// wss:// the CA, client certificate and key, host-name check and ALPN; for
// ws:// and wss:// the HTTP proxy). Everything Paho-specific about a
// connect's settings is here; the connect itself is PahoTransport's.
//
// Thread safety: functions of their arguments only; safe from any thread.

#ifndef SHADOWSYNC_MQTT_PAHO_OPTIONS_H_
#define SHADOWSYNC_MQTT_PAHO_OPTIONS_H_

#include <mqtt/connect_options.h>
#include <mqtt/create_options.h>

#include "mqtt/broker_uri.h"
#include "shadowsync/paho_transport.h"

namespace shadowsync {
namespace mqtt_internal {

/// The options of the Paho client PahoTransport creates at each Connect().
mqtt::create_options MakePahoCreateOptions(const MqttOptions& options);

/// The options of one connect. `options.proxy` is already resolved
/// (MakePahoTransport()): empty means a direct connection. SigV4's presigned
/// URI is not here; it is fresh at every attempt (PahoTransport).
mqtt::connect_options MakePahoConnectOptions(const MqttOptions& options, const BrokerUri& uri);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_PAHO_OPTIONS_H_
