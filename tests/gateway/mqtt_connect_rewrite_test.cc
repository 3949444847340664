// SPDX-License-Identifier: Apache-2.0
//
// The WebSocket relay's CONNECT rewrite: the verified identity replaces
// whatever username and password the client sent; everything else of the
// packet, and every byte after it, is kept.

#include "mqtt_connect_rewrite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace shadowsync::gateway {
namespace {

using ::testing::HasSubstr;

std::string Field(const std::string& text) {
  return std::string{static_cast<char>(text.size() >> 8), static_cast<char>(text.size() & 0xff)} +
         text;
}

// An MQTT 3.1.1 CONNECT with `flags` and the given payload fields.
std::string Connect(unsigned char flags, const std::string& payload) {
  std::string body = Field("MQTT") + std::string{4, static_cast<char>(flags), 0, 30} + payload;
  std::string packet{0x10};
  std::size_t length = body.size();
  do {
    unsigned char byte = length % 128;
    length /= 128;
    if (length > 0) byte |= 0x80;
    packet.push_back(static_cast<char>(byte));
  } while (length > 0);
  return packet + body;
}

TEST(MqttConnectRewriteTest, ReplacesUsernameAndPasswordAndKeepsTheRest) {
  const std::string original =
      Connect(0x02 | 0x04 | 0x80 | 0x40,
              Field("lamp") + Field("will/topic") + Field("bye") + Field("mallory") + Field("pw"));
  const std::string next_packet = "\xc0\x00";  // PINGREQ, sent with it
  auto rewritten =
      RewriteMqttConnect(original + next_packet, "iam:AKID", "secret-0123456789", 4096);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  ASSERT_TRUE(rewritten->has_value());
  EXPECT_EQ((*rewritten)->consumed, original.size());
  EXPECT_EQ((*rewritten)->client_id, "lamp");
  EXPECT_EQ((*rewritten)->packet,
            Connect(0x02 | 0x04 | 0x80 | 0x40, Field("lamp") + Field("will/topic") + Field("bye") +
                                                   Field("iam:AKID") + Field("secret-0123456789")));
}

TEST(MqttConnectRewriteTest, AddsCredentialsToAConnectWithout) {
  auto rewritten = RewriteMqttConnect(Connect(0x02, Field("c")), "iam:K", "s", 4096);
  ASSERT_TRUE(rewritten.ok() && rewritten->has_value());
  EXPECT_EQ((*rewritten)->packet, Connect(0x02 | 0xc0, Field("c") + Field("iam:K") + Field("s")));
}

TEST(MqttConnectRewriteTest, WaitsForTheWholePacketAcrossMessages) {
  const std::string packet = Connect(0x02, Field(std::string(300, 'x')));  // 2-byte length
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{2}, packet.size() - 1}) {
    auto partial = RewriteMqttConnect(packet.substr(0, cut), "u", "p", 4096);
    ASSERT_TRUE(partial.ok()) << cut;
    EXPECT_FALSE(partial->has_value()) << cut;
  }
}

TEST(MqttConnectRewriteTest, RefusesWhatIsNotAnMqtt311Connect) {
  EXPECT_THAT(RewriteMqttConnect("\x30\x02\x00\x00", "u", "p", 4096).status().message(),
              HasSubstr("not a CONNECT (type 3)"));
  std::string v5 = Field("MQTT") + std::string{5, 2, 0, 30, 0} + Field("c");
  v5 = std::string{0x10, static_cast<char>(v5.size())} + v5;
  EXPECT_THAT(RewriteMqttConnect(v5, "u", "p", 4096).status().message(), HasSubstr("MQTT 5"));
  EXPECT_THAT(RewriteMqttConnect(Connect(0x03, Field("c")), "u", "p", 4096).status().message(),
              HasSubstr("reserved flag"));
  EXPECT_THAT(RewriteMqttConnect(Connect(0x80, ""), "u", "p", 4096).status().message(),
              HasSubstr("no client id"));
  EXPECT_THAT(RewriteMqttConnect("\x10\xff\xff\xff\x7f", "u", "p", 4096).status().message(),
              HasSubstr("over the limit"));
  EXPECT_THAT(RewriteMqttConnect("\x10\xff\xff\xff\xff\x01", "u", "p", 4096).status().message(),
              HasSubstr("longer than 4 bytes"));
  EXPECT_THAT(
      RewriteMqttConnect(Connect(0x02, Field("c") + "junk"), "u", "p", 4096).status().message(),
      HasSubstr("bytes after the payload"));
}

// The relay frames the broker's bytes packet by packet.
TEST(MqttPacketLengthTest, FindsWhereEachPacketEndsAndWaitsForTheRest) {
  const std::string puback("\x40\x02\x00\x01", 4);
  EXPECT_EQ(MqttPacketLength(puback), 4u);
  EXPECT_EQ(MqttPacketLength(puback + puback), 4u);  // the first of two
  EXPECT_EQ(MqttPacketLength(puback.substr(0, 3)), 0u);
  EXPECT_EQ(MqttPacketLength(std::string_view()), 0u);
  EXPECT_EQ(MqttPacketLength(std::string("\xd0\x00", 2)), 2u);  // PINGRESP
  // A remaining length of 200 takes two bytes (0xc8 0x01).
  std::string publish("\x30\xc8\x01", 3);
  EXPECT_EQ(MqttPacketLength(publish), 0u);
  publish += std::string(200, 'x');
  EXPECT_EQ(MqttPacketLength(publish), 203u);
  EXPECT_EQ(MqttPacketLength(std::string("\x30\x80\x80\x80\x80\x01", 6)), std::string_view::npos);
}

}  // namespace
}  // namespace shadowsync::gateway
