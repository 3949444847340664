// SPDX-License-Identifier: Apache-2.0
//
// ValidateMqttOptions() (paho_transport.h): the checks MakePahoTransport()
// makes before it creates anything, without connecting. The URI is
// broker_uri.h's; the TLS files are tls_files.h's; the WebSocket proxy URL
// is websocket_connect.h's. The first problem found is reported, naming the
// field (and the path for a file).

#include <chrono>
#include <string>
#include <utility>

#include "mqtt/broker_uri.h"
#include "mqtt/tls_files.h"
#include "mqtt/websocket_connect.h"
#include "shadowsync/paho_transport.h"

namespace shadowsync {

using mqtt_internal::BrokerUri;

Status ValidateMqttOptions(const MqttOptions& options) {
  Result<BrokerUri> uri = mqtt_internal::ParseBrokerUri(options.server_uri);
  if (!uri.ok()) return uri.status();
  if (options.client_id.empty()) return InvalidArgumentError("client_id: must not be empty");
  if (options.client_id.size() > 65535) {
    return InvalidArgumentError("client_id: longer than 65535 bytes");
  }
  if (options.keep_alive < std::chrono::seconds(0) ||
      options.keep_alive > std::chrono::seconds(65535)) {
    return InvalidArgumentError("keep_alive: must be 0 (off) to 65535 s");
  }
  if (options.connect_timeout <= std::chrono::seconds(0)) {
    return InvalidArgumentError("connect_timeout: must be positive");
  }
  if (options.reconnect_min <= std::chrono::milliseconds(0)) {
    return InvalidArgumentError("reconnect_min: must be positive");
  }
  if (options.reconnect_max < options.reconnect_min) {
    return InvalidArgumentError("reconnect_max: must not be less than reconnect_min");
  }
  if (options.max_buffered_messages < 1) {
    return InvalidArgumentError("max_buffered_messages: must be at least 1");
  }

  if (!uri->websocket) {
    if (options.sigv4) {
      return InvalidArgumentError("sigv4 is set but server_uri is not wss:// or ws://");
    }
    if (!options.proxy.empty()) {
      return InvalidArgumentError("proxy is set but server_uri is not wss:// or ws://");
    }
  } else {
    if (options.sigv4) {
      if (!options.sigv4->credentials) {
        return InvalidArgumentError("sigv4.credentials: required (a credentials source)");
      }
      if (options.sigv4->region.empty()) return InvalidArgumentError("sigv4.region: required");
      if (options.sigv4->service.empty()) {
        return InvalidArgumentError("sigv4.service: must not be empty (iotdevicegateway)");
      }
    }
    if (!options.proxy.empty()) {
      Result<std::string> proxy = mqtt_internal::NormalizeProxyUrl(options.proxy);
      if (!proxy.ok()) return InvalidArgumentError("proxy: " + proxy.status().message());
    }
  }

  if (!uri->tls) {
    const std::pair<const char*, const std::string*> files[] = {{"ca_file", &options.ca_file},
                                                                {"cert_file", &options.cert_file},
                                                                {"key_file", &options.key_file}};
    for (const auto& [field, value] : files) {
      if (!value->empty()) {
        return InvalidArgumentError(std::string(field) + " is set but server_uri is not ssl://");
      }
    }
    if (!options.alpn_protocols.empty()) {
      return InvalidArgumentError("alpn_protocols is set but server_uri is not ssl://");
    }
    return Status::Ok();
  }

  if (options.ca_file.empty()) {
    return InvalidArgumentError(
        "ca_file: required for ssl:// and wss:// (the server certificate is always verified)");
  }
  if (!options.cert_file.empty() && options.key_file.empty()) {
    return InvalidArgumentError("key_file: required when cert_file is set");
  }
  if (options.cert_file.empty() && !options.key_file.empty()) {
    return InvalidArgumentError("cert_file: required when key_file is set");
  }
  for (const std::string& protocol : options.alpn_protocols) {
    if (protocol.empty()) return InvalidArgumentError("alpn_protocols: empty protocol name");
    if (protocol.size() > 255) {
      return InvalidArgumentError("alpn_protocols: \"" + protocol.substr(0, 40) +
                                  "...\" is longer than 255 bytes");
    }
  }
  if (Status s = mqtt_internal::CheckCaFile(options.ca_file); !s.ok()) return s;
  if (!options.cert_file.empty()) {
    return mqtt_internal::CheckClientCertificate(options.cert_file, options.key_file);
  }
  return Status::Ok();
}

}  // namespace shadowsync
