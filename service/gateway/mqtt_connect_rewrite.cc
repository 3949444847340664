// SPDX-License-Identifier: Apache-2.0

#include "mqtt_connect_rewrite.h"

#include <cstdint>
#include <string>

namespace shadowsync::gateway {
namespace {

constexpr unsigned char kConnect = 0x10;
constexpr unsigned char kUsernameFlag = 0x80;
constexpr unsigned char kPasswordFlag = 0x40;
constexpr unsigned char kWillFlag = 0x04;
constexpr unsigned char kReservedFlag = 0x01;

enum class FixedHeader { kIncomplete, kMalformed, kRead };

// An MQTT fixed header (3.1.1 section 2.2): the type byte, then the
// remaining length in one to four bytes of seven bits each. On kRead,
// *header is the fixed header's size and *remaining the length after it.
FixedHeader ReadFixedHeader(std::string_view data, std::size_t* header, std::size_t* remaining) {
  *remaining = 0;
  *header = 1;
  for (int shift = 0;; shift += 7) {
    if (*header >= data.size()) return FixedHeader::kIncomplete;
    if (*header > 4) return FixedHeader::kMalformed;
    const unsigned char byte = static_cast<unsigned char>(data[(*header)++]);
    *remaining |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return FixedHeader::kRead;
  }
}

Status Malformed(const std::string& what) {
  return InvalidArgumentError("malformed MQTT CONNECT: " + what);
}

// Reads a two-byte length and that many bytes at *pos.
bool ReadField(std::string_view body, std::size_t* pos, std::string_view* out) {
  if (body.size() - *pos < 2) return false;
  const std::size_t length =
      (static_cast<unsigned char>(body[*pos]) << 8) | static_cast<unsigned char>(body[*pos + 1]);
  if (body.size() - *pos - 2 < length) return false;
  *out = body.substr(*pos + 2, length);
  *pos += 2 + length;
  return true;
}

void AppendField(std::string* out, std::string_view field) {
  out->push_back(static_cast<char>((field.size() >> 8) & 0xff));
  out->push_back(static_cast<char>(field.size() & 0xff));
  out->append(field);
}

void AppendRemainingLength(std::string* out, std::size_t length) {
  do {
    unsigned char byte = length % 128;
    length /= 128;
    if (length > 0) byte |= 0x80;
    out->push_back(static_cast<char>(byte));
  } while (length > 0);
}

}  // namespace

Result<std::optional<RewrittenConnect>> RewriteMqttConnect(std::string_view data,
                                                           std::string_view username,
                                                           std::string_view password,
                                                           std::size_t max_packet_bytes) {
  if (data.empty()) return std::optional<RewrittenConnect>();
  if (static_cast<unsigned char>(data[0]) != kConnect) {
    return InvalidArgumentError("the first MQTT packet is not a CONNECT (type " +
                                std::to_string(static_cast<unsigned char>(data[0]) >> 4) + ")");
  }
  std::size_t header = 0;
  std::size_t remaining = 0;
  switch (ReadFixedHeader(data, &header, &remaining)) {
    case FixedHeader::kIncomplete:
      return std::optional<RewrittenConnect>();
    case FixedHeader::kMalformed:
      return Malformed("remaining length longer than 4 bytes");
    case FixedHeader::kRead:
      break;
  }
  if (header + remaining > max_packet_bytes) {
    return InvalidArgumentError("MQTT CONNECT of " + std::to_string(header + remaining) +
                                " bytes is over the limit of " + std::to_string(max_packet_bytes));
  }
  if (data.size() < header + remaining) return std::optional<RewrittenConnect>();
  const std::string_view body = data.substr(header, remaining);

  std::size_t pos = 0;
  std::string_view protocol;
  if (!ReadField(body, &pos, &protocol)) return Malformed("no protocol name");
  if (body.size() - pos < 4) return Malformed("truncated variable header");
  const unsigned char level = static_cast<unsigned char>(body[pos]);
  const unsigned char flags = static_cast<unsigned char>(body[pos + 1]);
  const std::string_view keep_alive = body.substr(pos + 2, 2);
  pos += 4;
  if (!((protocol == "MQTT" && level == 4) || (protocol == "MQIsdp" && level == 3))) {
    if (protocol == "MQTT" && level == 5) {
      return InvalidArgumentError(
          "MQTT 5 is not supported over the WebSocket relay (use MQTT 3.1.1, as AWS IoT "
          "device SDKs and shadowsync do)");
    }
    return Malformed("unknown protocol level " + std::to_string(level));
  }
  if ((flags & kReservedFlag) != 0) return Malformed("reserved flag set");
  RewrittenConnect out;
  std::string_view client_id;
  if (!ReadField(body, &pos, &client_id)) return Malformed("no client id");
  out.client_id = std::string(client_id);
  std::string_view will_topic;
  std::string_view will_message;
  if ((flags & kWillFlag) != 0) {
    if (!ReadField(body, &pos, &will_topic) || !ReadField(body, &pos, &will_message)) {
      return Malformed("truncated will");
    }
  }
  std::string_view ignored;
  if ((flags & kUsernameFlag) != 0 && !ReadField(body, &pos, &ignored)) {
    return Malformed("truncated username");
  }
  if ((flags & kPasswordFlag) != 0 && !ReadField(body, &pos, &ignored)) {
    return Malformed("truncated password");
  }
  if (pos != body.size()) return Malformed("bytes after the payload");
  if (username.size() > 65535 || password.size() > 65535) {
    return InvalidArgumentError("username or password longer than 65535 bytes");
  }

  std::string rebuilt;
  AppendField(&rebuilt, protocol);
  rebuilt.push_back(static_cast<char>(level));
  rebuilt.push_back(static_cast<char>(flags | kUsernameFlag | kPasswordFlag));
  rebuilt.append(keep_alive);
  AppendField(&rebuilt, client_id);
  if ((flags & kWillFlag) != 0) {
    AppendField(&rebuilt, will_topic);
    AppendField(&rebuilt, will_message);
  }
  AppendField(&rebuilt, username);
  AppendField(&rebuilt, password);
  out.packet.push_back(static_cast<char>(kConnect));
  AppendRemainingLength(&out.packet, rebuilt.size());
  out.packet += rebuilt;
  out.consumed = header + remaining;
  return std::optional<RewrittenConnect>(std::move(out));
}

std::size_t MqttPacketLength(std::string_view data) {
  std::size_t header = 0;
  std::size_t remaining = 0;
  switch (ReadFixedHeader(data, &header, &remaining)) {
    case FixedHeader::kIncomplete:
      return 0;
    case FixedHeader::kMalformed:
      return std::string_view::npos;
    case FixedHeader::kRead:
      break;
  }
  return data.size() < header + remaining ? 0 : header + remaining;
}

}  // namespace shadowsync::gateway
