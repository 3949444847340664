// SPDX-License-Identifier: Apache-2.0
//
// Parsing of MqttOptions::server_uri (lib/src/mqtt/broker_uri.cc): every
// accepted form with what it parses to (scheme aliases, default ports,
// IPv6 brackets, WebSocket paths, the URI handed to Paho), and refusals
// that quote the URI (made printable, cut when long) and say what was
// wrong. ValidateMqttOptions' use of it: mqtt_options_test.cc.

#include "mqtt/broker_uri.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace shadowsync::mqtt_internal {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

BrokerUri MustParse(const std::string& text) {
  Result<BrokerUri> uri = ParseBrokerUri(text);
  EXPECT_TRUE(uri.ok()) << text << ": " << uri.status().ToString();
  return uri.ok() ? *uri : BrokerUri{};
}

TEST(BrokerUriTest, TcpAndSslWithTheirAliasesAndDefaultPorts) {
  const struct {
    const char* text;
    bool tls;
    const char* host;
    int port;
    const char* paho_uri;
  } cases[] = {
      {"tcp://broker.example:1884", false, "broker.example", 1884, "tcp://broker.example:1884"},
      {"mqtt://broker.example", false, "broker.example", 1883, "tcp://broker.example:1883"},
      {"ssl://broker.example", true, "broker.example", 8883, "ssl://broker.example:8883"},
      {"MQTTS://a1-ats.iot.eu-west-1.amazonaws.com:443", true, "a1-ats.iot.eu-west-1.amazonaws.com",
       443, "ssl://a1-ats.iot.eu-west-1.amazonaws.com:443"},
      {"TCP://10.0.0.1:1", false, "10.0.0.1", 1, "tcp://10.0.0.1:1"},
      {"tcp://host_name-1.example:65535", false, "host_name-1.example", 65535,
       "tcp://host_name-1.example:65535"},
  };
  for (const auto& c : cases) {
    const BrokerUri uri = MustParse(c.text);
    EXPECT_EQ(uri.tls, c.tls) << c.text;
    EXPECT_FALSE(uri.websocket) << c.text;
    EXPECT_EQ(uri.path, "") << c.text;
    EXPECT_EQ(uri.host, c.host) << c.text;
    EXPECT_EQ(uri.port, c.port) << c.text;
    EXPECT_EQ(uri.paho_uri, c.paho_uri) << c.text;
  }
}

TEST(BrokerUriTest, IpLiteralsAreMarkedAndIpv6KeepsItsBrackets) {
  const BrokerUri v4 = MustParse("tcp://127.0.0.1:1883");
  EXPECT_TRUE(v4.host_is_ip);
  EXPECT_EQ(v4.Endpoint(), "127.0.0.1:1883");
  const BrokerUri name = MustParse("tcp://localhost:1883");
  EXPECT_FALSE(name.host_is_ip);
  // A name that only looks numeric is not an address.
  EXPECT_FALSE(MustParse("tcp://1.2.3:1883").host_is_ip);
  const BrokerUri v6 = MustParse("ssl://[::1]:8884");
  EXPECT_TRUE(v6.host_is_ip);
  EXPECT_EQ(v6.host, "::1");  // without brackets
  EXPECT_EQ(v6.Endpoint(), "[::1]:8884");
  EXPECT_EQ(v6.paho_uri, "ssl://[::1]:8884");
  EXPECT_EQ(MustParse("tcp://[fe80::1]").port, 1883);
}

TEST(BrokerUriTest, WebSocketsTakeAPathAndPorts443And80) {
  const BrokerUri wss = MustParse("wss://a1-ats.iot.us-east-1.amazonaws.com");
  EXPECT_TRUE(wss.tls);
  EXPECT_TRUE(wss.websocket);
  EXPECT_EQ(wss.port, 443);
  EXPECT_EQ(wss.path, "/mqtt");  // AWS IoT's, when left out
  EXPECT_EQ(wss.paho_uri, "wss://a1-ats.iot.us-east-1.amazonaws.com:443/mqtt");
  const BrokerUri ws = MustParse("WS://127.0.0.1:8080/broker/mqtt;v=1");
  EXPECT_FALSE(ws.tls);
  EXPECT_TRUE(ws.websocket);
  EXPECT_EQ(ws.port, 8080);
  EXPECT_EQ(ws.path, "/broker/mqtt;v=1");
  EXPECT_EQ(ws.paho_uri, "ws://127.0.0.1:8080/broker/mqtt;v=1");
  EXPECT_EQ(MustParse("ws://gateway").port, 80);
  EXPECT_EQ(MustParse("wss://[::1]/").paho_uri, "wss://[::1]:443/");
  EXPECT_TRUE(ParseBrokerUri("wss://h/" + std::string(255, 'p')).ok());  // 256 with the '/'
}

TEST(BrokerUriTest, RefusalsQuoteTheUriAndSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "server_uri: \"\": empty; expected tcp://host:port, ssl://host:port or wss://host/mqtt"},
      {"localhost:1883",
       "server_uri: \"localhost:1883\": no scheme; expected tcp://host:port or ssl://host:port"},
      {"http://localhost",
       "server_uri: \"http://localhost\": unsupported scheme \"http://\"; use tcp:// (or "
       "mqtt://), ssl:// (or mqtts://), or wss:// (or ws://) for MQTT over WebSocket"},
      {"tcp://", "server_uri: \"tcp://\": no host"},
      {"tcp://:1883", "server_uri: \"tcp://:1883\": no host"},
      {"tcp://[]:1883", "server_uri: \"tcp://[]:1883\": \"\" is not an IPv6 address"},
      {"tcp://h:", "server_uri: \"tcp://h:\": empty port; expected 1-65535"},
      {"tcp://h:0", "server_uri: \"tcp://h:0\": port out of range; expected 1-65535"},
      {"tcp://h:65536", "server_uri: \"tcp://h:65536\": port out of range; expected 1-65535"},
      {"tcp://h:-1",
       "server_uri: \"tcp://h:-1\": port \"-1\" is not a number 1-65535 (nothing may follow the "
       "port)"},
      {"tcp://h:1883/x",
       "server_uri: \"tcp://h:1883/x\": port \"1883/x\" is not a number 1-65535 (nothing may "
       "follow the port)"},
      {"tcp://h/x",
       "server_uri: \"tcp://h/x\": unexpected \"/x\"; expected host:port and nothing after it"},
      {"tcp://h?q",
       "server_uri: \"tcp://h?q\": unexpected \"?q\"; expected host:port and nothing "
       "after it"},
      {"tcp://b@d",
       "server_uri: \"tcp://b@d\": unexpected \"@d\"; expected host:port and nothing "
       "after it"},
      {"tcp://bad host", "server_uri: \"tcp://bad host\": invalid character in host name"},
      {"tcp://[::1:1883", "server_uri: \"tcp://[::1:1883\": missing ']' after the IPv6 address"},
      {"tcp://[::1]x", "server_uri: \"tcp://[::1]x\": unexpected \"x\" after the host"},
      {"tcp://[host]:1", "server_uri: \"tcp://[host]:1\": \"host\" is not an IPv6 address"},
      {"wss://h/mqtt?x=1",
       "server_uri: \"wss://h/mqtt?x=1\": a query or fragment is not allowed (the SigV4 query is "
       "added at every connect)"},
      {"wss://h/mqtt#f",
       "server_uri: \"wss://h/mqtt#f\": a query or fragment is not allowed (the SigV4 query is "
       "added at every connect)"},
      {"wss://h/a b", "server_uri: \"wss://h/a b\": invalid character in the path"},
  };
  for (const auto& [text, message] : cases) {
    Result<BrokerUri> uri = ParseBrokerUri(text);
    ASSERT_FALSE(uri.ok()) << text;
    EXPECT_EQ(uri.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(uri.status().message(), message) << text;
  }
  EXPECT_THAT(ParseBrokerUri("wss://h/" + std::string(256, 'p')).status().message(),
              EndsWith(": path longer than 256 characters"));
}

TEST(BrokerUriTest, TheQuotedUriIsPrintableAndShort) {
  // Control characters are shown as '?', so a message stays one line.
  Result<BrokerUri> control = ParseBrokerUri("tcp://h\n:1\x7f");
  ASSERT_FALSE(control.ok());
  EXPECT_THAT(control.status().message(), ::testing::StartsWith("server_uri: \"tcp://h?:1?\": "));
  // A very long URI is cut after 120 characters.
  const std::string long_uri = "tcp://" + std::string(300, 'h') + ":x";
  Result<BrokerUri> cut = ParseBrokerUri(long_uri);
  ASSERT_FALSE(cut.ok());
  EXPECT_THAT(cut.status().message(),
              HasSubstr("server_uri: \"" + long_uri.substr(0, 120) + "...\": "));
  EXPECT_THAT(cut.status().message(), ::testing::Not(HasSubstr(std::string(121, 'h'))));
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
