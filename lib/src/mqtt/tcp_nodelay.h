// SPDX-License-Identifier: Apache-2.0
//
// Paho C 1.3.11 never sets TCP_NODELAY on its sockets (paho.mqtt.c #530), so
// a small write that follows another (a PUBACK, then a response PUBLISH)
// waits for the peer's delayed ACK: about 40 ms per exchange on Linux.
// Paho does not expose its socket, so after each connect we find it.

#ifndef SHADOWSYNC_SRC_MQTT_TCP_NODELAY_H_
#define SHADOWSYNC_SRC_MQTT_TCP_NODELAY_H_

namespace shadowsync {
namespace mqtt_internal {

/// Sets TCP_NODELAY on every TCP socket of this process whose peer port is
/// `peer_port` (the broker's), and returns how many it set. Other sockets to
/// the same port belong to other MQTT clients of the process, for which the
/// setting is just as right.
int SetNoDelayOnSocketsToPort(int peer_port);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_SRC_MQTT_TCP_NODELAY_H_
