// SPDX-License-Identifier: Apache-2.0
//
// The WebSocket relay's one look inside MQTT: the client's first packet
// must be a CONNECT (MQTT 3.1.1, or 3.1), and the relay replaces its
// username and password with the identity it verified (gateway_identity.h)
// before the broker sees it. Everything after the CONNECT passes through
// untouched, in both directions.
//
// Thread safety: plain functions on values.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_MQTT_CONNECT_REWRITE_H_
#define SHADOWSYNC_SERVICE_GATEWAY_MQTT_CONNECT_REWRITE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync::gateway {

/// A rewritten CONNECT.
struct RewrittenConnect {
  std::string packet;        ///< the CONNECT to send to the broker
  std::size_t consumed = 0;  ///< bytes of the input it replaces
  std::string client_id;     ///< for the log
};

/// Looks at the start of what the client sent. std::nullopt: not a whole
/// packet yet (read more). kInvalidArgument when it is not a CONNECT, is
/// malformed, is longer than `max_packet_bytes`, or is MQTT 5 (its
/// properties are not rewritten; say why in the message).
Result<std::optional<RewrittenConnect>> RewriteMqttConnect(std::string_view data,
                                                           std::string_view username,
                                                           std::string_view password,
                                                           std::size_t max_packet_bytes);

/// Where the first MQTT packet of `data` (bytes from the broker) ends: its
/// length with the fixed header, 0 when it has not all arrived yet, or
/// std::string_view::npos when the remaining length is malformed (more than
/// four bytes). The relay sends each packet in a WebSocket frame of its own,
/// as AWS does: a client that meets several packets in one frame may leave
/// the last ones unread until more data arrives.
std::size_t MqttPacketLength(std::string_view data);

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_MQTT_CONNECT_REWRITE_H_
