// SPDX-License-Identifier: Apache-2.0

#include "mqtt/paho_options.h"

#include <mqtt/ssl_options.h>

#include <string>
#include <utility>

#include "mqtt/websocket_connect.h"

namespace shadowsync {
namespace mqtt_internal {

mqtt::create_options MakePahoCreateOptions(const MqttOptions& options) {
  mqtt::create_options create(MQTTVERSION_3_1_1);
  create.set_max_buffered_messages(options.max_buffered_messages);
  // Publish() refuses while offline; Paho must not queue behind our back.
  create.set_send_while_disconnected(false);
  // No persistence (the client is created with none): QoS 1 state lives in
  // PahoTransport's OutgoingLedger.
  return create;
}

mqtt::connect_options MakePahoConnectOptions(const MqttOptions& options, const BrokerUri& uri) {
  mqtt::connect_options_builder builder;
  builder
      .mqtt_version(MQTTVERSION_3_1_1)  // pitfall 10: no silent fallback to 3.1
      .clean_session(options.clean_session)
      .keep_alive_interval(options.keep_alive)
      .connect_timeout(options.connect_timeout)
      .automatic_reconnect(false);  // ours has jitter and renews subscriptions
  if (uri.tls) {
    // No error_handler: in Paho C++ 1.2 its context dangles (see
    // connect_diagnosis.h); the diagnosis probe finds the cause instead.
    // ssl_version is ignored by Paho C 1.3.11 with OpenSSL >= 1.1 (it always
    // uses TLS_client_method()); OpenSSL 3's default security level already
    // refuses TLS 1.0 and 1.1. Set anyway for Paho versions that honour it.
    mqtt::ssl_options ssl = mqtt::ssl_options_builder()
                                .trust_store(options.ca_file)
                                .enable_server_cert_auth(true)
                                .verify(true)  // host-name check
                                .ssl_version(MQTT_SSL_VERSION_TLS_1_2)
                                .finalize();
    if (!options.cert_file.empty()) {
      ssl.set_key_store(options.cert_file);
      ssl.set_private_key(options.key_file);
    }
    if (!options.alpn_protocols.empty()) ssl.set_alpn_protos(options.alpn_protocols);
    builder.ssl(std::move(ssl));
  }
  // Paho C 1.3.11 wants "[user:password@]host:port": it strips only the
  // prefix "https://" from an https proxy, so the "http://" must go.
  if (uri.websocket && !options.proxy.empty()) {
    const std::string paho_proxy = PahoProxyString(options.proxy);
    if (uri.tls) {
      builder.https_proxy(paho_proxy);
    } else {
      builder.http_proxy(paho_proxy);
    }
  }
  return builder.finalize();
}

}  // namespace mqtt_internal
}  // namespace shadowsync
