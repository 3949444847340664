// SPDX-License-Identifier: Apache-2.0
//
// MQTT over WebSocket with SigV4, as AWS IoT Core's `wss://<endpoint>/mqtt`
// (docs/gateway.md, "MQTT over WebSocket"). A TLS listener (1.2 or later)
// that accepts `GET /mqtt` upgrades with the subprotocol `mqtt`, verifies
// the SigV4 presigned query (service iotdevicegateway, the configured
// region, 5 minutes of clock skew, the canonical host taken from the Host
// header as received) against the access keys, and answers a failure with
// 403 and AWS's error shape. A verified connection gets one TCP connection
// to the broker's loopback listener; the client's MQTT CONNECT gets the
// username "iam:<access key id>" and the gateway's secret as password
// (gateway_identity.h), so that the broker plugin applies the key's IAM
// user's policies; every other byte is relayed as it is, both ways.
//
// Bounds: the TLS handshake and the upgrade request together within
// `handshake_timeout`; request headers up to 16 KiB and no body; WebSocket
// messages up to `max_message_bytes`; at most `max_connections` at once
// (more are closed at accept). A relay holds at most one message in each
// direction, so a connection costs bounded memory.
//
// Thread safety: Start() and Stop() need external synchronization; port()
// may be called from any thread after Start().
#ifndef SHADOWSYNC_SERVICE_GATEWAY_WEBSOCKET_RELAY_H_
#define SHADOWSYNC_SERVICE_GATEWAY_WEBSOCKET_RELAY_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "access_keys.h"
#include "https_server.h"
#include "shadowsync/sigv4_verifier.h"
#include "shadowsync/status.h"

namespace shadowsync::gateway {

struct WebSocketRelayConfig {
  std::string address = "127.0.0.1";
  int port = 0;           ///< 0 picks a free port
  std::string cert_file;  ///< the server's certificate chain (PEM)
  std::string key_file;   ///< its private key (PEM)
  /// The broker's plain TCP listener, on loopback: "127.0.0.1:1883".
  std::string broker_host = "127.0.0.1";
  int broker_port = 1883;
  std::shared_ptr<const AccessKeys> access_keys;
  /// The secret the plugin knows (plugin_opt_gateway_secret_file).
  std::string secret;
  SigV4VerifierOptions sigv4;  ///< region; services {"iotdevicegateway"}
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds broker_connect_timeout{5000};
  std::size_t max_message_bytes = 256 * 1024;
  int max_connections = 1024;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

/// The WebSocket listener and its relays.
///
/// Thread safety: Start() and Stop() need external synchronization.
class WebSocketRelay {
 public:
  WebSocketRelay(WebSocketRelayConfig config, LogSink log);
  ~WebSocketRelay();  ///< Stop()s
  WebSocketRelay(const WebSocketRelay&) = delete;
  WebSocketRelay& operator=(const WebSocketRelay&) = delete;

  /// Loads the TLS files, binds and serves on its own I/O thread.
  /// kInvalidArgument naming the file; kUnavailable naming the address.
  Status Start();
  /// Closes the listener and every connection; joins the thread.
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_WEBSOCKET_RELAY_H_
