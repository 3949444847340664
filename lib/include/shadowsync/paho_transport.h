// SPDX-License-Identifier: Apache-2.0
//
// The Eclipse Paho MQTT C++ implementation of Transport, with OpenSSL mutual
// TLS. No Paho or OpenSSL type appears here; the adapter lives in
// lib/src/mqtt/.
//
// Thread safety: as Transport.

#ifndef SHADOWSYNC_PAHO_TRANSPORT_H_
#define SHADOWSYNC_PAHO_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "shadowsync/transport.h"

namespace shadowsync {

/// Everything needed to reach a broker. MQTT 3.1.1 always.
struct MqttOptions {
  /// "tcp://host:port" for plain MQTT, "ssl://host:port" for TLS.
  std::string server_uri;
  std::string client_id;

  /// TLS (ssl:// only). The server certificate and host name are always
  /// verified against `ca_file`; there is no switch to turn that off.
  std::string ca_file;
  /// Client certificate and private key (PEM; EC or RSA) for mutual TLS.
  std::string cert_file;
  std::string key_file;
  /// ALPN protocols, e.g. {"x-amzn-mqtt-ca"} for AWS IoT on port 443.
  std::vector<std::string> alpn_protocols;

  std::chrono::seconds keep_alive{30};
  bool clean_session = true;
  std::chrono::seconds connect_timeout{10};
  /// Reconnect backoff bounds; each wait is drawn with jitter between half
  /// and all of the current bound, which doubles from min to max.
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  /// Messages the client may hold while they wait to be sent or acknowledged.
  int max_buffered_messages = 10000;
};

/// Checks the options without connecting: the URI scheme, host and port,
/// that TLS files exist and are readable, that TLS files are given only for
/// ssl://. kInvalidArgument names the field.
Status ValidateMqttOptions(const MqttOptions& options);

/// Creates the Paho transport. kInvalidArgument for invalid options.
Result<std::unique_ptr<Transport>> MakePahoTransport(const MqttOptions& options);

}  // namespace shadowsync

#endif  // SHADOWSYNC_PAHO_TRANSPORT_H_
