// SPDX-License-Identifier: Apache-2.0
//
// PahoTransport: Transport over mqtt::async_client (Paho MQTT C++ 1.2 on
// Paho C 1.3.11), MQTT 3.1.1, with OpenSSL mutual TLS. What users see is in
// shadowsync/paho_transport.h; this is how it works. The class is in three
// files, one per machine:
//   - paho_transport.cc: the public operations (Connect, Disconnect,
//     Subscribe, Publish, Flush), Paho's callbacks, and the Paho client's
//     life (create, wait on tokens, tear down);
//   - paho_supervisor.cc: what follows a CONNACK (renew the subscriptions,
//     go live with the held messages) and the reconnect supervisor;
//   - mqtt_options.cc: ValidateMqttOptions().
// Its parts without Paho threads have their own files and unit tests:
// OutgoingLedger (what is published and not yet acknowledged),
// SubscriptionTable (what is renewed on reconnect), paho_options.h (MqttOptions
// to Paho's options), connect_failure.h (the words of a failed connect),
// handler_context.h (which callback or handler this thread runs), Backoff.
//
// Threads and locks:
//   - Paho's receive thread runs OnMessage and OnConnectionLost, and Paho's
//     threads run the delivery listener; each only touches our state under
//     mu_ for a moment, and OnMessage calls the user's message handler.
//   - One supervisor thread per connected transport (started by Connect(),
//     joined by Disconnect()) turns a lost connection into
//     kConnectionLost, reconnects with jittered backoff, renews the
//     subscriptions, sends the held messages (below), and reports
//     kReconnected. It waits on supervisor_cv_, so Disconnect() stops it
//     at once.
//   - Held messages. Between Paho's CONNACK and the moment the transport
//     counts itself connected (the subscriptions are being renewed), a
//     broker with a persistent session already delivers the messages it
//     queued for us, and a message handler may publish in reaction (the
//     emulator with --workers 0 answers requests that way; issue 14). Such a
//     publish is not refused: it is held in ledger_ (unsent, like a QoS 1
//     message whose delivery failed) and GoLive() hands every held message
//     to Paho, oldest first, before the state becomes kConnected, so nothing
//     published later overtakes it. We hold them ourselves instead of
//     publishing into Paho at once (Paho C counts itself connected from the
//     CONNACK on) because the supervisor learns of the CONNACK only after
//     Paho's receive thread has moved on to the queued messages, so whether a
//     direct publish would work is a race; and instead of Paho's own offline
//     buffer (send_while_disconnected) because that would also take the
//     publishes of every other thread during a whole outage, which
//     Transport::Publish() refuses.
//   - No Paho function is ever called while mu_ is held: Paho runs our
//     callbacks while holding its own global mutex, and some Paho calls (and
//     MQTTAsync_destroy) take that mutex, so the reverse order would deadlock.
//     Lock order: lifecycle_mu_ -> sub_mu_ -> mu_.
//   - A Paho client exists only between Connect() and Disconnect(); it is
//     destroyed on the thread that calls Disconnect(), after every user call
//     that borrowed it has returned (client_users_), never on a Paho thread.
//   - Waits on Paho tokens poll in short slices so that Disconnect() can
//     abandon them (disconnect_requests_ changes); destroying the Paho client
//     then ends the abandoned operation.
//   - When an incoming QoS 1 message is acknowledged. Paho C 1.3.11 calls the
//     message handler synchronously on its receive thread, from
//     MQTTProtocol_handlePublishes() (MQTTProtocolClient.c) via
//     Protocol_processPublication() (MQTTAsyncUtils.c), and sends the PUBACK
//     only after the handler has returned: Protocol_processPublication() comes
//     first, then MQTTPacket_send_puback(), or MQTTProtocol_queueAck() when
//     the socket has a write pending, which sends it later still. That order
//     came with the ack queue of eclipse-paho/paho.mqtt.c PR #1131 (2021,
//     after 1.3.9); older releases sent the PUBACK first (paho.mqtt.cpp #353).
//     Measured here: a handler that blocks for 2 s delays the broker's
//     "Received PUBACK" by 2 s;
//     PahoTransportHandlerTest.PubackIsSentOnlyAfterTheHandlerReturns checks
//     it against mosquitto, so a Paho upgrade that changes it fails a test.
//     One exception in Paho's code: a message that arrives while Paho does not
//     yet count the client as connected, or while earlier messages wait in its
//     queue, is queued, acknowledged, and handed to the handler later; with
//     Paho C++ (whose callback always accepts the message) that queue only
//     fills in that not-connected corner. What it means for users:
//     paho_transport.h.
//
// Thread safety: safe for concurrent use (as Transport), with the handler
// rules of paho_transport.h; mu_ guards the state, lifecycle_mu_ serialises
// Connect() and Disconnect(), sub_mu_ the SUBSCRIBE exchanges.

#ifndef SHADOWSYNC_MQTT_PAHO_TRANSPORT_IMPL_H_
#define SHADOWSYNC_MQTT_PAHO_TRANSPORT_IMPL_H_

#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "mqtt/backoff.h"
#include "mqtt/broker_uri.h"
#include "mqtt/connect_diagnosis.h"
#include "mqtt/outgoing_ledger.h"
#include "mqtt/subscription_table.h"
#include "shadowsync/mutex.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/transport.h"

namespace shadowsync {
namespace mqtt_internal {

class PahoTransport final : public Transport {
 public:
  PahoTransport(MqttOptions options, BrokerUri uri);
  ~PahoTransport() override;

  PahoTransport(const PahoTransport&) = delete;
  PahoTransport& operator=(const PahoTransport&) = delete;

  void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) override;
  Status Connect() override;
  Status Disconnect() override;
  bool IsConnected() const override;
  Status Subscribe(std::string_view filter, int qos) override;
  Status Publish(std::string_view topic, std::string_view payload, int qos) override;
  Status Flush(std::chrono::milliseconds timeout) override;

 private:
  using Clock = std::chrono::steady_clock;

  enum class State { kIdle, kConnecting, kConnected, kReconnecting, kDisconnecting };

  struct Handlers {
    MessageHandler on_message;
    ConnectionHandler on_connection;
  };

  enum class WaitResult { kDone, kFailed, kTimedOut, kAborted };

  // Where HandToPaho() stopped: todo.size() when Paho took every message.
  struct HandOff {
    std::size_t refused_at = 0;
    int rc = 0;
    std::string what;
  };

  // The key of a published message in Paho's delivery callback: its
  // sequence number in ledger_.
  static void* SeqContext(std::uint64_t seq) {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq));
  }
  static std::uint64_t SeqOf(const mqtt::token& token) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(token.get_user_context()));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }

  class DeliveryListener final : public mqtt::iaction_listener {
   public:
    explicit DeliveryListener(PahoTransport* transport) : transport_(transport) {}
    void on_success(const mqtt::token& token) override;
    void on_failure(const mqtt::token& token) override;

   private:
    PahoTransport* transport_;
  };

  // Paho callbacks (Paho's threads). Never throw. (paho_transport.cc)
  void OnMessage(const mqtt::const_message_ptr& message) noexcept;
  void OnConnectionLost(const std::string& cause) noexcept;
  void OnDelivered(std::uint64_t seq, bool ok) noexcept;
  void NotifyConnection(ConnectionEvent event, const Status& cause) noexcept;

  // The Paho client's life (paho_transport.cc).
  bool Aborted(std::uint64_t life) const { return disconnect_requests_.load() != life; }
  std::unique_ptr<mqtt::async_client> CreateClient();
  WaitResult WaitToken(const mqtt::token_ptr& token, Clock::time_point deadline, std::uint64_t life,
                       int* rc, std::string* message) const;
  Status ConnectOnce(mqtt::async_client& client, std::uint64_t life, bool diagnose);
  // wss:// with SigV4: the URI Paho connects to this time (websocket_connect.h).
  Result<std::string> PresignedUri() const;
  void DisconnectQuietly(mqtt::async_client& client, std::chrono::milliseconds grace) const;
  void TearDown(mqtt::async_client* client, bool graceful);

  // After the CONNACK, and the supervisor (paho_supervisor.cc).
  Status RenewSubscriptions(mqtt::async_client& client, std::uint64_t life);
  HandOff HandToPaho(mqtt::async_client& client, const std::vector<OutgoingLedger::Unsent>& todo);
  bool ResendFailed(mqtt::async_client& client);
  Status GoLive(mqtt::async_client& client, std::uint64_t lost_before, bool* complete);
  void SupervisorLoop(mqtt::async_client* client, std::uint64_t life);
  bool Reconnect(mqtt::async_client& client, std::uint64_t life, Backoff& backoff,
                 bool* resend_complete);

  const MqttOptions options_;
  const BrokerUri uri_;
  const TlsSettings tls_;
  DeliveryListener delivery_listener_;
  const std::uint64_t seed_;

  // Read by Paho's threads without mu_ (atomic shared_ptr access).
  std::shared_ptr<const Handlers> handlers_;

  // Incremented by every Disconnect() before it waits for lifecycle_mu_;
  // a change aborts every wait that began before it.
  std::atomic<std::uint64_t> disconnect_requests_{0};

  // Serialises Connect() and Disconnect().
  Mutex lifecycle_mu_;
  // Serialises SUBSCRIBE exchanges: a user's Subscribe() and the renewal
  // after a reconnect, so that a filter granted during a reconnect is
  // renewed too.
  Mutex sub_mu_;

  mutable Mutex mu_;
  // Two condition variables, so that the hot path (a Publish() and its
  // PUBACK) does not wake the supervisor, and wakes nobody when nobody
  // waits: supervisor_cv_ for stop_, lost_pending_ and resend_requested_;
  // cv_ for client_users_ and ledger_ (Flush() and TearDown() wait on it,
  // counted in cv_waiters_).
  std::condition_variable_any supervisor_cv_;
  std::condition_variable_any cv_;
  int cv_waiters_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  State state_ SHADOWSYNC_GUARDED_BY(mu_) = State::kIdle;
  std::unique_ptr<mqtt::async_client> client_ SHADOWSYNC_GUARDED_BY(mu_);
  int client_users_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::thread supervisor_ SHADOWSYNC_GUARDED_BY(mu_);
  bool stop_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  bool lost_pending_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  bool resend_requested_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::uint64_t lost_count_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  Status lost_cause_ SHADOWSYNC_GUARDED_BY(mu_);
  Status last_reconnect_error_ SHADOWSYNC_GUARDED_BY(mu_);
  OutgoingLedger ledger_ SHADOWSYNC_GUARDED_BY(mu_);
  SubscriptionTable subscriptions_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_PAHO_TRANSPORT_IMPL_H_
