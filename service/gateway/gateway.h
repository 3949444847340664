// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-gateway as a class: the broker connection (an MQTT client of
// the broker that runs the shadow service), the request correlation, the
// REST handlers and the HTTPS listeners, started and stopped together. The
// program (main.cc) and the tests (tests/gateway/) both use it.
//
// Thread safety: Start() and Stop() need external synchronization; the
// port accessors may be called from any thread after Start().
#ifndef SHADOWSYNC_SERVICE_GATEWAY_GATEWAY_H_
#define SHADOWSYNC_SERVICE_GATEWAY_GATEWAY_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "https_server.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"

namespace shadowsync::gateway {

struct WebSocketRelayConfig;

/// Everything the gateway is configured with; the comments name the flags.
struct GatewayOptions {
  MqttOptions mqtt;                        ///< the connection flags (--broker, --ca, ...)
  std::string bind_address = "127.0.0.1";  ///< --bind
  std::optional<int> mtls_port = 8443;     ///< --mtls-port; nullopt: no mTLS listener (--no-mtls)
  std::optional<int> sigv4_port;           ///< --sigv4-port when --sigv4-credentials is given
  std::string server_cert_file;            ///< --tls-cert
  std::string server_key_file;             ///< --tls-key
  std::string client_ca_file;              ///< --client-ca (mTLS listener)
  std::string registry_file;               ///< --registry; "" allows every verified client
  std::string credentials_file;            ///< --sigv4-credentials
  std::string region = "us-east-1";        ///< --region
  /// MQTT over WebSocket (websocket_relay.h): --wss-port, on with
  /// --relay-broker (the broker's loopback TCP listener, "127.0.0.1:1883")
  /// and --relay-secret-file (plugin_opt_gateway_secret_file's file).
  std::optional<int> wss_port;
  std::string relay_broker;
  std::string relay_secret_file;
  std::chrono::milliseconds request_timeout{5000};  ///< --timeout
  std::size_t max_body_bytes = 128 * 1024;
  /// A client must send a whole request (headers and body) within this, or
  /// the connection is closed (slow clients cost bounded time).
  std::chrono::milliseconds read_timeout{30000};
  int threads = 1;
};

/// The local Device Shadow REST API.
///
/// Thread safety: Start() and Stop() need external synchronization.
class Gateway {
 public:
  /// `log` gets every log line (request lines, connection events); it must
  /// be safe to call from several threads and outlive the gateway.
  Gateway(GatewayOptions options, LogSink log);
  ~Gateway();  ///< Stop()s
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// Loads the registry and the access keys, connects to the broker,
  /// subscribes to the answer topics and opens the listeners. Errors name
  /// the flag: "--registry: ...", "--sigv4-credentials: ...", "--tls-key:
  /// ...", "broker: ..." (the transport's message, in its own terms).
  Status Start();
  /// Closes the listeners, answers pending requests and disconnects.
  /// Idempotent.
  void Stop();

  /// The bound ports (after Start()); 0 for a listener that is off.
  int mtls_port() const { return mtls_port_; }
  int sigv4_port() const { return sigv4_port_; }
  int wss_port() const { return wss_port_; }

 private:
  struct Parts;
  Result<WebSocketRelayConfig> MakeRelayConfig() const;
  GatewayOptions options_;
  LogSink log_;
  std::unique_ptr<Parts> parts_;
  int mtls_port_ = 0;
  int sigv4_port_ = 0;
  int wss_port_ = 0;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_GATEWAY_H_
