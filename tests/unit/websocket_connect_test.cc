// SPDX-License-Identifier: Apache-2.0
//
// MQTT over WebSocket in the Paho adapter: wss:// / ws:// URIs, the
// presigned URL (the two traps of platform notes §3: the session token
// after the signature, and the host signed as Paho sends it, host:port),
// and the proxy from the options or the environment.

#include "mqtt/websocket_connect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "mqtt/broker_uri.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/sigv4_verifier.h"

namespace shadowsync::mqtt_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

BrokerUri Parse(const std::string& text) {
  Result<BrokerUri> uri = ParseBrokerUri(text);
  EXPECT_TRUE(uri.ok()) << text << ": " << uri.status().ToString();
  return uri.ok() ? *uri : BrokerUri();
}

AwsCredentials Keys(const std::string& token = "") {
  AwsCredentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  credentials.session_token = token;
  return credentials;
}

const auto kTime = std::chrono::system_clock::from_time_t(1796618526);

// What the gateway does with the URL Paho sends: GET path?query with
// `host_header`.
SigV4Verdict Verify(const std::string& paho_uri, const std::string& host_header,
                    const AwsCredentials& keys) {
  const std::size_t path_start = paho_uri.find('/', paho_uri.find("://") + 3);
  const std::string target = paho_uri.substr(path_start);
  const std::size_t question = target.find('?');
  SigV4IncomingRequest request;
  request.method = "GET";
  request.path = target.substr(0, question);
  request.query = question == std::string::npos ? "" : target.substr(question + 1);
  request.headers = {{"Host", host_header}, {"Sec-WebSocket-Protocol", "mqtt"}};
  SigV4VerifierOptions options;
  options.region = "eu-west-1";
  options.services = {"iotdevicegateway"};
  return VerifySigV4(
      request,
      [&keys](std::string_view id) -> std::optional<AwsCredentials> {
        if (id == keys.access_key_id) return keys;
        return std::nullopt;
      },
      options, kTime);
}

TEST(WebSocketUriTest, WssDefaultsToPort443AndPathMqtt) {
  const BrokerUri uri = Parse("wss://a1b2-ats.iot.eu-west-1.amazonaws.com");
  EXPECT_TRUE(uri.tls);
  EXPECT_TRUE(uri.websocket);
  EXPECT_EQ(uri.port, 443);
  EXPECT_EQ(uri.path, "/mqtt");
  EXPECT_EQ(uri.paho_uri, "wss://a1b2-ats.iot.eu-west-1.amazonaws.com:443/mqtt");
  const BrokerUri ws = Parse("WS://127.0.0.1:8080/custom/path");
  EXPECT_FALSE(ws.tls);
  EXPECT_EQ(ws.port, 8080);
  EXPECT_EQ(ws.paho_uri, "ws://127.0.0.1:8080/custom/path");
  EXPECT_EQ(Parse("ws://localhost").port, 80);
  EXPECT_EQ(Parse("wss://[::1]:8445/mqtt").paho_uri, "wss://[::1]:8445/mqtt");
  EXPECT_FALSE(Parse("ssl://localhost").websocket);
  EXPECT_EQ(Parse("ssl://localhost").path, "");
}

TEST(WebSocketUriTest, RejectsQueriesAndBadPathsNamingTheField) {
  for (const auto& [text, message] : std::map<std::string, std::string>{
           {"wss://host/mqtt?X-Amz-Signature=1", "a query or fragment is not allowed"},
           {"wss://host/mqtt#x", "a query or fragment is not allowed"},
           {"wss://host/a b", "invalid character in the path"},
           {"wss://host:0/mqtt", "port out of range"},
           {"wss:///mqtt", "no host"},
           {"https://host/mqtt", "unsupported scheme"},
       }) {
    Result<BrokerUri> uri = ParseBrokerUri(text);
    ASSERT_FALSE(uri.ok()) << text;
    EXPECT_THAT(uri.status().message(), StartsWith("server_uri: ")) << text;
    EXPECT_THAT(uri.status().message(), HasSubstr(message)) << text;
  }
}

TEST(PresignedWebSocketUriTest, SignsTheHostWithThePortAsPahoSendsIt) {
  const BrokerUri uri = Parse("wss://a1b2-ats.iot.eu-west-1.amazonaws.com/mqtt");
  Result<std::string> url =
      PresignedWebSocketUri(uri, Keys(), "eu-west-1", "iotdevicegateway", kTime);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_THAT(*url, StartsWith("wss://a1b2-ats.iot.eu-west-1.amazonaws.com:443/mqtt?"));
  EXPECT_THAT(*url, HasSubstr("X-Amz-Algorithm=AWS4-HMAC-SHA256"));
  EXPECT_THAT(*url,
              HasSubstr("X-Amz-Credential=AKIDEXAMPLE%2F20261207%2Feu-west-1%2Fiotdevicegateway"));
  EXPECT_THAT(*url, HasSubstr("X-Amz-SignedHeaders=host"));
  // Paho sends "Host: host:443": that verifies; the bare host does not
  // (the trap Java and Python clients fell into).
  EXPECT_TRUE(Verify(*url, "a1b2-ats.iot.eu-west-1.amazonaws.com:443", Keys()).ok());
  const SigV4Verdict bare = Verify(*url, "a1b2-ats.iot.eu-west-1.amazonaws.com", Keys());
  EXPECT_EQ(bare.rejection, SigV4Rejection::kSignatureMismatch);
}

TEST(PresignedWebSocketUriTest, SessionTokenIsAppendedAfterTheSignatureUnsigned) {
  const BrokerUri uri = Parse("wss://127.0.0.1:8445/mqtt");
  const AwsCredentials keys = Keys("FwoGZXIvYXdzEJr//token+with/reserved=chars");
  Result<std::string> url =
      PresignedWebSocketUri(uri, keys, "eu-west-1", "iotdevicegateway", kTime);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  const std::size_t signature = url->find("X-Amz-Signature=");
  const std::size_t token = url->find("X-Amz-Security-Token=");
  ASSERT_NE(signature, std::string::npos);
  ASSERT_NE(token, std::string::npos);
  EXPECT_GT(token, signature) << *url;
  EXPECT_THAT(*url, HasSubstr("FwoGZXIvYXdzEJr%2F%2Ftoken%2Bwith%2Freserved%3Dchars"));
  EXPECT_TRUE(Verify(*url, "127.0.0.1:8445", keys).ok());
}

TEST(PresignedWebSocketUriTest, EachConnectGetsItsOwnSignature) {
  const BrokerUri uri = Parse("wss://127.0.0.1:8445/mqtt");
  Result<std::string> first =
      PresignedWebSocketUri(uri, Keys(), "eu-west-1", "iotdevicegateway", kTime);
  Result<std::string> later = PresignedWebSocketUri(uri, Keys(), "eu-west-1", "iotdevicegateway",
                                                    kTime + std::chrono::seconds(1));
  ASSERT_TRUE(first.ok() && later.ok());
  EXPECT_NE(*first, *later);
  AwsCredentials no_secret = Keys();
  no_secret.secret_access_key.clear();
  EXPECT_FALSE(PresignedWebSocketUri(uri, no_secret, "eu-west-1", "iotdevicegateway", kTime).ok());
  EXPECT_FALSE(PresignedWebSocketUri(uri, Keys(), "", "iotdevicegateway", kTime).ok());
}

std::function<std::optional<std::string>(const std::string&)> Env(
    std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(WebSocketProxyTest, ExplicitProxyWinsAndIsNormalised) {
  const BrokerUri uri = Parse("wss://iot.example.com/mqtt");
  Result<std::string> proxy =
      ResolveWebSocketProxy(uri, "proxy.corp:3128", true, Env({{"https_proxy", "http://other:1"}}));
  ASSERT_TRUE(proxy.ok());
  EXPECT_EQ(*proxy, "http://proxy.corp:3128");
  EXPECT_EQ(*NormalizeProxyUrl("http://user:pw@proxy/"), "http://user:pw@proxy:80");
  Result<std::string> bad = ResolveWebSocketProxy(uri, "socks5://proxy:1080", true, Env({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), StartsWith("proxy: unsupported proxy scheme"));
  Result<std::string> bad_port = ResolveWebSocketProxy(
      uri, "", true, Env({{"https_proxy", "http://user:hunter2@proxy:99999"}}));
  ASSERT_FALSE(bad_port.ok());
  EXPECT_THAT(bad_port.status().message(), StartsWith("https_proxy: proxy port"));
  EXPECT_THAT(bad_port.status().message(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(WebSocketProxyTest, EnvironmentByScheme) {
  const auto env = Env({{"https_proxy", "http://secure:3128"}, {"HTTP_PROXY", "plain:8080"}});
  EXPECT_EQ(*ResolveWebSocketProxy(Parse("wss://h/mqtt"), "", true, env), "http://secure:3128");
  EXPECT_EQ(*ResolveWebSocketProxy(Parse("ws://h/mqtt"), "", true, env), "http://plain:8080");
  EXPECT_EQ(*ResolveWebSocketProxy(Parse("wss://h/mqtt"), "", false, env), "");
  // Only WebSocket goes through a proxy (Paho C 1.3 has none for MQTT/TCP).
  EXPECT_EQ(*ResolveWebSocketProxy(Parse("ssl://h:8883"), "", true, env), "");
}

TEST(WebSocketProxyTest, NoProxyExemptsHostsDomainsAndPorts) {
  const auto with_no_proxy = [](const std::string& no_proxy, const std::string& broker) {
    return *ResolveWebSocketProxy(
        Parse(broker), "", true,
        Env({{"https_proxy", "http://proxy:3128"}, {"no_proxy", no_proxy}}));
  };
  EXPECT_EQ(with_no_proxy("localhost,127.0.0.1", "wss://127.0.0.1:8445/mqtt"), "");
  EXPECT_EQ(with_no_proxy(".example.com", "wss://iot.example.com/mqtt"), "");
  EXPECT_EQ(with_no_proxy("example.com", "wss://a.b.example.com/mqtt"), "");
  EXPECT_EQ(with_no_proxy("example.com", "wss://notexample.com/mqtt"), "http://proxy:3128");
  EXPECT_EQ(with_no_proxy("*", "wss://anything/mqtt"), "");
  EXPECT_EQ(with_no_proxy("iot.example.com:443", "wss://iot.example.com/mqtt"), "");
  EXPECT_EQ(with_no_proxy("iot.example.com:8443", "wss://iot.example.com/mqtt"),
            "http://proxy:3128");
  EXPECT_EQ(with_no_proxy("[::1]", "wss://[::1]:8445/mqtt"), "");
  EXPECT_EQ(with_no_proxy(" other.org , ", "wss://iot.example.com/mqtt"), "http://proxy:3128");
}

TEST(WebSocketOptionsTest, SigV4AndProxyOnlyWithWebSocketAndComplete) {
  MqttOptions options;
  options.server_uri = "tcp://127.0.0.1:1883";
  options.client_id = "c";
  options.proxy = "http://proxy:3128";
  EXPECT_THAT(ValidateMqttOptions(options).message(),
              HasSubstr("proxy is set but server_uri is not wss:// or ws://"));
  options.proxy.clear();
  options.sigv4 = MqttSigV4{};
  EXPECT_THAT(ValidateMqttOptions(options).message(),
              HasSubstr("sigv4 is set but server_uri is not wss:// or ws://"));
  options.server_uri = "ws://127.0.0.1:8080/mqtt";
  EXPECT_THAT(ValidateMqttOptions(options).message(), HasSubstr("sigv4.credentials: required"));
  options.sigv4->credentials = [] { return Result<AwsCredentials>(Keys()); };
  EXPECT_THAT(ValidateMqttOptions(options).message(), HasSubstr("sigv4.region: required"));
  options.sigv4->region = "us-east-1";
  EXPECT_TRUE(ValidateMqttOptions(options).ok()) << ValidateMqttOptions(options).ToString();
  options.proxy = "ftp://x";
  EXPECT_THAT(ValidateMqttOptions(options).message(), StartsWith("proxy: unsupported"));
  options.proxy.clear();
  options.server_uri = "wss://127.0.0.1:8445/mqtt";
  EXPECT_THAT(ValidateMqttOptions(options).message(), HasSubstr("ca_file: required"));
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
