// SPDX-License-Identifier: Apache-2.0
//
// Paho C 1.3.11 never sets TCP_NODELAY on its sockets (paho.mqtt.c #530), so
// a small write that follows another (a PUBACK, then a response PUBLISH)
// waits for the peer's delayed ACK: about 40 ms per exchange on Linux.
//
// Paho does not expose its socket, so the transport finds it: it takes a
// snapshot of the process's TCP sockets before each connect, and afterwards
// sets TCP_NODELAY only on a socket that is new since the snapshot and whose
// peer port is the broker's. The embedding application's own sockets (its
// HTTPS connections on 443, say) existed before, or go elsewhere, and are
// left alone. The one residue: a socket another thread opens to the same
// port during the connect itself.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SRC_MQTT_TCP_NODELAY_H_
#define SHADOWSYNC_SRC_MQTT_TCP_NODELAY_H_

#include <sys/types.h>

#include <set>

namespace shadowsync {
namespace mqtt_internal {

/// The TCP stream sockets of this process at one moment, by inode number
/// (unlike a descriptor number, never reused while the socket lives).
using TcpSocketSnapshot = std::set<ino_t>;

/// The process's TCP stream sockets now (from /proc/self/fd).
TcpSocketSnapshot TakeTcpSocketSnapshot();

/// Sets TCP_NODELAY on each TCP socket of this process that is not in
/// `before` and whose peer port is `peer_port`; returns how many it set.
int SetNoDelayOnNewSocketsToPort(const TcpSocketSnapshot& before, int peer_port);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_SRC_MQTT_TCP_NODELAY_H_
