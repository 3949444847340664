// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT lifecycle events (developer guide, "Lifecycle events"): on every
// connect and disconnect the service publishes
//   $aws/events/presence/connected/<clientId>
//   $aws/events/presence/disconnected/<clientId>
// with a JSON payload: clientId, timestamp (ms), eventType,
// sessionIdentifier, principalIdentifier, ipAddress (where known),
// versionNumber, and for disconnects clientInitiatedDisconnect and
// disconnectReason where known.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_MOSQUITTO_LIFECYCLE_EVENTS_H_
#define SHADOWSYNC_SERVICE_MOSQUITTO_LIFECYCLE_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace shadowsync::mosquitto_plugin {

/// One connection as the lifecycle events describe it.
struct SessionInfo {
  std::string client_id;
  /// A random 32-hex-digit id, new for every connection.
  std::string session_identifier;
  /// The certificate's SHA-256 fingerprint (AWS gives the certificate id,
  /// which is that fingerprint), else the username, else "anonymous".
  std::string principal_identifier;
  std::string ip_address;  ///< empty when unknown
  /// Increases with every connect of the same client id (AWS: "a
  /// monotonically increasing long integer value for each client ID").
  std::uint64_t version_number = 0;
};

/// "$aws/events/presence/connected/<clientId>" (or disconnected).
std::string LifecycleTopic(bool connected, const std::string& client_id);

/// The connected event's payload at `timestamp_ms`.
std::string ConnectedPayload(const SessionInfo& session, std::int64_t timestamp_ms);

/// The disconnected event's payload; `reason` (e.g. "DUPLICATE_CLIENTID")
/// is left out when unknown, as is clientInitiatedDisconnect.
std::string DisconnectedPayload(const SessionInfo& session, std::int64_t timestamp_ms,
                                const std::optional<std::string>& reason);

/// A new random session identifier (32 lowercase hex digits).
std::string NewSessionIdentifier();

}  // namespace shadowsync::mosquitto_plugin

#endif  // SHADOWSYNC_SERVICE_MOSQUITTO_LIFECYCLE_EVENTS_H_
