// SPDX-License-Identifier: Apache-2.0
//
// paho_options.h (lib/src/mqtt/): MqttOptions become Paho's create and
// connect options: MQTT 3.1.1 without fallback, Paho's own reconnect and
// offline queue off, the TLS files, host-name check and ALPN for ssl:// and
// wss:// only, and the proxy (without its "http://") for ws:// and wss://.

#include "mqtt/paho_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowsync::mqtt_internal {
namespace {

using namespace std::chrono_literals;

BrokerUri Uri(const std::string& text) {
  Result<BrokerUri> uri = ParseBrokerUri(text);
  EXPECT_TRUE(uri.ok()) << uri.status().ToString();
  return uri.ok() ? *uri : BrokerUri{};
}

MqttOptions Plain() {
  MqttOptions options;
  options.server_uri = "tcp://127.0.0.1:1883";
  options.client_id = "options";
  return options;
}

MqttOptions Tls() {
  MqttOptions options = Plain();
  options.server_uri = "ssl://broker.example:8883";
  options.ca_file = "/etc/ca.pem";
  options.cert_file = "/etc/client.pem";
  options.key_file = "/etc/client.key";
  return options;
}

TEST(PahoOptionsTest, CreateOptionsBoundTheBufferAndNeverQueueOffline) {
  MqttOptions options = Plain();
  options.max_buffered_messages = 123;
  const mqtt::create_options create = MakePahoCreateOptions(options);
  EXPECT_EQ(create.get_max_buffered_messages(), 123);
  EXPECT_FALSE(create.get_send_while_disconnected());
}

TEST(PahoOptionsTest, PlainConnectIsMqtt311WithTheSessionSettingsAndNoTls) {
  MqttOptions options = Plain();
  options.clean_session = false;
  options.keep_alive = 45s;
  options.connect_timeout = 7s;
  const mqtt::connect_options connect = MakePahoConnectOptions(options, Uri(options.server_uri));
  EXPECT_EQ(connect.get_mqtt_version(), MQTTVERSION_3_1_1) << "no silent fallback to 3.1";
  EXPECT_FALSE(connect.is_clean_session());
  EXPECT_EQ(connect.get_keep_alive_interval(), 45s);
  EXPECT_EQ(connect.get_connect_timeout(), 7s);
  EXPECT_FALSE(connect.get_automatic_reconnect()) << "the transport reconnects itself";
  EXPECT_TRUE(connect.get_ssl_options().get_trust_store().empty());
  EXPECT_TRUE(connect.get_http_proxy().empty());
  EXPECT_TRUE(connect.get_https_proxy().empty());
}

TEST(PahoOptionsTest, TlsVerifiesTheServerAndTakesTheClientCertificateAndAlpn) {
  MqttOptions options = Tls();
  options.alpn_protocols = {"x-amzn-mqtt-ca"};
  const mqtt::connect_options connect = MakePahoConnectOptions(options, Uri(options.server_uri));
  const mqtt::ssl_options& ssl = connect.get_ssl_options();
  EXPECT_EQ(ssl.get_trust_store(), "/etc/ca.pem");
  EXPECT_EQ(ssl.get_key_store(), "/etc/client.pem");
  EXPECT_EQ(ssl.get_private_key(), "/etc/client.key");
  EXPECT_TRUE(ssl.get_enable_server_cert_auth());
  EXPECT_TRUE(ssl.get_verify()) << "host-name check";
  EXPECT_EQ(ssl.get_alpn_protos(), std::vector<std::string>{"x-amzn-mqtt-ca"});
}

TEST(PahoOptionsTest, TlsWithoutAClientCertificateAuthenticatesTheServerOnly) {
  MqttOptions options = Tls();
  options.cert_file.clear();
  options.key_file.clear();
  const mqtt::connect_options connect = MakePahoConnectOptions(options, Uri(options.server_uri));
  EXPECT_EQ(connect.get_ssl_options().get_trust_store(), "/etc/ca.pem");
  EXPECT_TRUE(connect.get_ssl_options().get_key_store().empty());
  EXPECT_TRUE(connect.get_ssl_options().get_alpn_protos().empty());
}

TEST(PahoOptionsTest, TheProxyGoesToPahoWithoutItsSchemeForWebSocketsOnly) {
  MqttOptions wss = Tls();
  wss.server_uri = "wss://broker.example/mqtt";
  wss.proxy = "http://user:pw@proxy.example:3128";
  const mqtt::connect_options secure = MakePahoConnectOptions(wss, Uri(wss.server_uri));
  EXPECT_EQ(secure.get_https_proxy(), "user:pw@proxy.example:3128");
  EXPECT_TRUE(secure.get_http_proxy().empty());

  MqttOptions ws = Plain();
  ws.server_uri = "ws://broker.example:8080/mqtt";
  ws.proxy = "http://proxy.example:3128";
  const mqtt::connect_options plain = MakePahoConnectOptions(ws, Uri(ws.server_uri));
  EXPECT_EQ(plain.get_http_proxy(), "proxy.example:3128");
  EXPECT_TRUE(plain.get_https_proxy().empty());

  MqttOptions direct = Plain();
  direct.proxy = "http://proxy.example:3128";  // not a WebSocket: ignored
  const mqtt::connect_options tcp = MakePahoConnectOptions(direct, Uri(direct.server_uri));
  EXPECT_TRUE(tcp.get_http_proxy().empty());
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
