// SPDX-License-Identifier: Apache-2.0
//
// connect_failure.h (lib/src/mqtt/): a failed connect names its cause, not
// Paho's "TCP/TLS connect failure": the CONNACK code in words, or what the
// diagnosis probe found, with Paho's own words and code in brackets. (The
// probe against real failures: tests/integration/connect_diagnosis_test.cc,
// PahoTransportConnectErrorTest.)

#include "mqtt/connect_failure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace shadowsync::mqtt_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

MqttOptions Options(const std::string& uri) {
  MqttOptions options;
  options.server_uri = uri;
  options.client_id = "failure";
  return options;
}

TEST(ConnectFailureTest, ConnackCodesAreInWords) {
  EXPECT_STREQ(ConnackText(1), "unacceptable protocol version");
  EXPECT_STREQ(ConnackText(2), "client identifier rejected");
  EXPECT_STREQ(ConnackText(3), "server unavailable");
  EXPECT_STREQ(ConnackText(4), "bad user name or password");
  EXPECT_STREQ(ConnackText(5), "not authorized");
  EXPECT_STREQ(ConnackText(6), "unknown reason");
}

TEST(ConnectFailureTest, ARefusedConnackNeedsNoProbe) {
  const MqttOptions options = Options("tcp://broker.invalid:1883");
  Result<BrokerUri> uri = ParseBrokerUri(options.server_uri);
  ASSERT_TRUE(uri.ok());
  // diagnose is true, yet broker.invalid is never resolved: the CONNACK says it.
  EXPECT_EQ(DescribeConnectFailure(options, *uri, TlsSettings{}, 5, "ignored", true),
            "connect to tcp://broker.invalid:1883 failed: the broker refused the connection: "
            "CONNACK return code 5 (not authorized)");
}

TEST(ConnectFailureTest, WithoutTheProbePahosWordsAndCodeAreKept) {
  const MqttOptions options = Options("ssl://broker.example:8883");
  Result<BrokerUri> uri = ParseBrokerUri(options.server_uri);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(
      DescribeConnectFailure(options, *uri, TlsSettings{}, -1, "TCP/TLS connect failure", false),
      "connect to ssl://broker.example:8883 failed: see the Paho error [Paho: TCP/TLS connect "
      "failure, rc -1]");
  EXPECT_THAT(DescribeConnectFailure(options, *uri, TlsSettings{}, -3, "", false),
              HasSubstr("[Paho: error, rc -3]"));
}

TEST(ConnectFailureTest, TheProbeNamesARefusedConnection) {
  // A loopback port that was free a moment ago: nothing listens there.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  close(fd);
  const MqttOptions options = Options("tcp://127.0.0.1:" + std::to_string(port));
  Result<BrokerUri> uri = ParseBrokerUri(options.server_uri);
  ASSERT_TRUE(uri.ok());
  const std::string message =
      DescribeConnectFailure(options, *uri, TlsSettings{}, -1, "TCP/TLS connect failure", true);
  EXPECT_THAT(message, StartsWith("connect to " + options.server_uri + " failed: "));
  EXPECT_THAT(message, HasSubstr("refused"));
  EXPECT_THAT(message, HasSubstr("[Paho: TCP/TLS connect failure, rc -1]"));
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
