// SPDX-License-Identifier: Apache-2.0
//
// Parsing of MqttOptions::server_uri (private to the Paho adapter).
//
// Accepted forms: "tcp://host:port", "ssl://host:port", with "mqtt://" and
// "mqtts://" as aliases of tcp:// and ssl:// (Paho C 1.3.11 knows them too,
// but the adapter always hands Paho the tcp:// / ssl:// spelling). The port
// may be left out: 1883 for plain MQTT, 8883 for TLS. IPv6 literals go in
// brackets: "ssl://[::1]:8883". Nothing may follow the port (no path, no
// query).
//
// MQTT over WebSocket: "wss://host[:port][/path]" (TLS, port 443) and
// "ws://host[:port][/path]" (plain, port 80), the path "/mqtt" when left
// out (AWS IoT's). The path is 1-256 characters of RFC 3986 path
// characters; no query or fragment (the transport adds the SigV4 query).
//
// Thread safety: plain functions and values.

#ifndef SHADOWSYNC_MQTT_BROKER_URI_H_
#define SHADOWSYNC_MQTT_BROKER_URI_H_

#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync {
namespace mqtt_internal {

struct BrokerUri {
  bool tls = false;
  /// ws:// or wss://: MQTT over WebSocket.
  bool websocket = false;
  /// The WebSocket request path ("/mqtt"); empty for tcp:// and ssl://.
  std::string path;
  /// Host name or IP literal, without the IPv6 brackets.
  std::string host;
  int port = 0;
  /// True when `host` is an IPv4 or IPv6 literal.
  bool host_is_ip = false;
  /// The normalised URI handed to Paho: "tcp://host:port" / "ssl://host:port",
  /// "ws://host:port/path" / "wss://host:port/path".
  std::string paho_uri;

  /// "host:port" (IPv6 in brackets), for messages.
  std::string Endpoint() const;
};

/// Parses `uri`. kInvalidArgument names the field ("server_uri: ...").
Result<BrokerUri> ParseBrokerUri(std::string_view uri);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_BROKER_URI_H_
