// SPDX-License-Identifier: Apache-2.0
//
// systemd readiness notification (Type=notify) without libsystemd: one
// datagram with "READY=1", "RELOADING=1" or "STOPPING=1" to $NOTIFY_SOCKET,
// the protocol sd_notify(3) documents. A no-op outside systemd.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSYNC_AGENT_SRC_SYSTEMD_NOTIFY_H_
#define SHADOWSYNC_AGENT_SRC_SYSTEMD_NOTIFY_H_

#include <string_view>

namespace shadowsync::agent {

/// Sends `state` to systemd; returns false when there is no $NOTIFY_SOCKET
/// or sending failed (never fatal).
bool NotifySystemd(std::string_view state);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_SYSTEMD_NOTIFY_H_
