// SPDX-License-Identifier: Apache-2.0
//
// Transport: the narrow MQTT seam (architecture layer 6). Everything above it
// (the emulator, shadowctl, ShadowClient) talks MQTT only through this
// interface; MakePahoTransport (paho_transport.h) is the real one, and tests
// can substitute their own.
//
// Thread safety: implementations are safe for concurrent use. Handlers run on
// the transport's own threads (for PahoTransport: messages on Paho's receive
// thread, connection events as paho_transport.h says); they must not block
// for long and must not call Connect() or Disconnect().

#ifndef SHADOWSYNC_TRANSPORT_H_
#define SHADOWSYNC_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync {

/// One received PUBLISH.
struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  /// Set for a retained message replayed by the broker on subscribe.
  bool retained = false;
};

/// What happened to the connection.
enum class ConnectionEvent {
  kConnected,       ///< first connect succeeded
  kReconnected,     ///< connection restored; subscriptions already renewed
  kConnectionLost,  ///< connection dropped; the transport keeps retrying
};

/// Called for every received message, on the transport's thread, in arrival
/// order. (When a QoS 1 message is acknowledged to the broker, before or
/// after the handler runs, is the implementation's; PahoTransport documents
/// it.)
using MessageHandler = std::function<void(const MqttMessage& message)>;
/// Called on connection changes, on the transport's thread. `cause` says why
/// a connection was lost (OK otherwise).
using ConnectionHandler = std::function<void(ConnectionEvent event, const Status& cause)>;

class Transport {
 public:
  virtual ~Transport() = default;

  /// Installs the handlers. Call before Connect(); not thread-safe with
  /// respect to message delivery.
  virtual void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) = 0;

  /// Connects, blocking until connected or failed. kUnavailable with the
  /// real cause (TLS alert, certificate problem, refused, timeout) on
  /// failure; kInvalidArgument when the configuration itself is unusable
  /// (e.g. a key that does not match its certificate). After a successful
  /// Connect the transport reconnects by itself when the connection drops,
  /// and renews every subscription each time.
  virtual Status Connect() = 0;

  /// Disconnects cleanly and stops reconnecting. Idempotent.
  virtual Status Disconnect() = 0;

  virtual bool IsConnected() const = 0;

  /// Subscribes to `filter` (kept across reconnects), blocking until the
  /// broker grants it. kUnavailable when offline, kRejected when refused.
  virtual Status Subscribe(std::string_view filter, int qos) = 0;

  /// Queues one message for delivery and returns without waiting for the
  /// broker (QoS 1 messages are retried by the transport across a
  /// reconnect). kUnavailable when not connected or when the outgoing buffer
  /// is full. One exception to "not connected": called from this
  /// transport's message handler while the transport is connecting or
  /// reconnecting (a broker resuming a persistent session delivers what it
  /// queued before the transport has renewed its subscriptions), the message
  /// is held and sent as soon as the connection is up, before
  /// kConnected/kReconnected is reported and before anything published after
  /// that; so a handler may always answer the message it handles. Never
  /// retained.
  virtual Status Publish(std::string_view topic, std::string_view payload, int qos) = 0;

  /// Waits until every queued message has been handed to the broker and, for
  /// QoS 1, acknowledged. kTimeout when `timeout` passes first.
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_TRANSPORT_H_
