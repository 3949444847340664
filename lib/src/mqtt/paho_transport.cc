// SPDX-License-Identifier: Apache-2.0
//
// PahoTransport: Transport over mqtt::async_client (Paho MQTT C++ 1.2 on
// Paho C 1.3.11), MQTT 3.1.1, with OpenSSL mutual TLS.
//
// Threads and locks (see also paho_transport.h):
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
//     publish is not refused: it is held in outgoing_ (in_flight false, like
//     a QoS 1 message whose delivery failed) and GoLive() hands every held
//     message to Paho, oldest first, before the state becomes kConnected, so
//     nothing published later overtakes it. We hold them ourselves instead of
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

#include "shadowsync/paho_transport.h"

#include <mqtt/async_client.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "mqtt/backoff.h"
#include "mqtt/broker_uri.h"
#include "mqtt/connect_diagnosis.h"
#include "mqtt/tcp_nodelay.h"
#include "mqtt/tls_files.h"
#include "mqtt/websocket_connect.h"
#include "shadowsync/mutex.h"

namespace shadowsync {
namespace {

using Clock = std::chrono::steady_clock;
using mqtt_internal::Backoff;
using mqtt_internal::BrokerUri;
using mqtt_internal::SetNoDelayOnNewSocketsToPort;
using mqtt_internal::TakeTcpSocketSnapshot;
using mqtt_internal::TlsSettings;

constexpr std::chrono::seconds kSubscribeTimeout{10};
// Granularity of abortable waits on Paho tokens.
constexpr std::chrono::milliseconds kPollSlice{20};
// Paho's disconnect timeout: how long in-flight messages may finish before
// DISCONNECT. Zero: Flush() is the way to wait for them, and with anything
// unacknowledged Paho only notices the timeout at its 1 s tick (measured
// 1.1-2.6 s with 500 ms).
constexpr std::chrono::milliseconds kDisconnectGrace{0};
// Upper bound on waiting for Paho's disconnect to complete.
constexpr std::chrono::milliseconds kDisconnectWait{1000};
// Our own deadline on a connect, beyond Paho's connect_timeout (which
// normally fires first).
constexpr std::chrono::seconds kConnectBackstop{5};
// Upper bound on the diagnostic probe after a failed first Connect().
constexpr std::chrono::seconds kMaxDiagnosis{5};
// AWS IoT Core accepts at most 8 filters per SUBSCRIBE packet.
constexpr std::size_t kFiltersPerSubscribe = 8;

// > 0 while this thread runs inside one of our Paho callbacks (Paho's
// receive or send thread). Blocking calls that need Paho's receive thread
// (Subscribe, Flush) refuse to run there instead of deadlocking.
thread_local int t_paho_callback_depth = 0;
// > 0 while this thread runs a user handler that this transport called.
thread_local int t_handler_depth = 0;
// The transport whose message handler this thread is running (innermost),
// or null: Publish() holds such a handler's messages while (re)connecting.
thread_local const void* t_delivering = nullptr;

class DeliveringScope {
 public:
  explicit DeliveringScope(const void* transport) : saved_(t_delivering) {
    t_delivering = transport;
  }
  ~DeliveringScope() { t_delivering = saved_; }
  DeliveringScope(const DeliveringScope&) = delete;
  DeliveringScope& operator=(const DeliveringScope&) = delete;

 private:
  const void* saved_;
};

class DepthScope {
 public:
  explicit DepthScope(int& depth) : depth_(depth) { ++depth_; }
  ~DepthScope() { --depth_; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;

 private:
  int& depth_;
};

Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}

const char* ConnackText(int rc) {
  switch (rc) {
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client identifier rejected";
    case 3:
      return "server unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized";
    default:
      return "unknown reason";
  }
}

void* SeqContext(std::uint64_t seq) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq));
}

std::uint64_t SeqOf(const mqtt::token& token) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(token.get_user_context()));
}

// MQTT 3.1.1 section 4.7: names carry no wildcard; in filters '#' is last
// and alone in its level, '+' is alone in its level. U+0000 is not allowed.
Status CheckTopic(std::string_view topic, bool filter) {
  const char* field = filter ? "filter" : "topic";
  if (topic.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (topic.size() > 65535) {
    return InvalidArgumentError(std::string(field) + " is longer than 65535 bytes");
  }
  if (topic.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(std::string(field) + " contains a NUL character");
  }
  if (!filter) {
    if (topic.find_first_of("+#") != std::string_view::npos) {
      return InvalidArgumentError("topic \"" + std::string(topic.substr(0, 200)) +
                                  "\" contains a wildcard (+ or #)");
    }
    return Status::Ok();
  }
  std::size_t start = 0;
  while (start <= topic.size()) {
    std::size_t end = topic.find('/', start);
    if (end == std::string_view::npos) end = topic.size();
    const std::string_view level = topic.substr(start, end - start);
    if (level.find_first_of("+#") != std::string_view::npos && level.size() != 1) {
      return InvalidArgumentError("filter \"" + std::string(topic.substr(0, 200)) +
                                  "\": a wildcard must be a whole level");
    }
    if (level == "#" && end != topic.size()) {
      return InvalidArgumentError("filter \"" + std::string(topic.substr(0, 200)) +
                                  "\": '#' must be the last level");
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status CheckQos(int qos) {
  if (qos == 0 || qos == 1) return Status::Ok();
  return InvalidArgumentError("qos " + std::to_string(qos) +
                              " is not supported; use 0 or 1 (AWS IoT has no QoS 2)");
}

class PahoTransport final : public Transport {
 public:
  PahoTransport(MqttOptions options, BrokerUri uri)
      : options_(std::move(options)),
        uri_(std::move(uri)),
        tls_{options_.ca_file, options_.cert_file, options_.key_file, options_.alpn_protocols},
        delivery_listener_(this),
        seed_(std::random_device{}() ^
              static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(this))) {}

  ~PahoTransport() override {
    // A handler must not destroy its transport (paho_transport.h).
    assert(t_paho_callback_depth == 0 && t_handler_depth == 0);
    (void)Disconnect();
  }

  PahoTransport(const PahoTransport&) = delete;
  PahoTransport& operator=(const PahoTransport&) = delete;

  void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) override {
    std::atomic_store(&handlers_, std::make_shared<const Handlers>(
                                      Handlers{std::move(on_message), std::move(on_connection)}));
  }

  Status Connect() override;
  Status Disconnect() override;

  bool IsConnected() const override {
    MutexLock lock(mu_);
    return state_ == State::kConnected;
  }

  Status Subscribe(std::string_view filter, int qos) override;
  Status Publish(std::string_view topic, std::string_view payload, int qos) override;
  Status Flush(std::chrono::milliseconds timeout) override;

 private:
  enum class State { kIdle, kConnecting, kConnected, kReconnecting, kDisconnecting };

  struct Handlers {
    MessageHandler on_message;
    ConnectionHandler on_connection;
  };

  // One published message until the broker has acknowledged it (QoS 1) or
  // Paho has written it (QoS 0).
  struct Outgoing {
    mqtt::const_message_ptr message;
    std::uint64_t epoch = 0;  // connection it was last handed to Paho on
    // false: not with Paho; sent once connected (GoLive(), ResendFailed()).
    // Either its delivery failed on an earlier connection, or a message
    // handler published it while the transport was (re)connecting.
    bool in_flight = true;
  };

  struct Subscription {
    std::string filter;
    int qos = 1;
  };

  enum class WaitResult { kDone, kFailed, kTimedOut, kAborted };

  class DeliveryListener final : public mqtt::iaction_listener {
   public:
    explicit DeliveryListener(PahoTransport* transport) : transport_(transport) {}
    void on_success(const mqtt::token& token) override {
      transport_->OnDelivered(SeqOf(token), true);
    }
    void on_failure(const mqtt::token& token) override {
      transport_->OnDelivered(SeqOf(token), false);
    }

   private:
    PahoTransport* transport_;
  };

  // Paho callbacks (Paho's threads). Never throw.
  void OnMessage(const mqtt::const_message_ptr& message) noexcept;
  void OnConnectionLost(const std::string& cause) noexcept;
  void OnDelivered(std::uint64_t seq, bool ok) noexcept;

  void NotifyConnection(ConnectionEvent event, const Status& cause) noexcept;

  bool Aborted(std::uint64_t life) const { return disconnect_requests_.load() != life; }
  std::unique_ptr<mqtt::async_client> CreateClient();
  mqtt::connect_options MakeConnectOptions() const;
  WaitResult WaitToken(const mqtt::token_ptr& token, Clock::time_point deadline, std::uint64_t life,
                       int* rc, std::string* message) const;
  Status ConnectOnce(mqtt::async_client& client, std::uint64_t life, bool diagnose);
  // wss:// with SigV4: the URI Paho connects to this time (websocket_connect.h).
  Result<std::string> PresignedUri() const;
  std::string DescribeConnectFailure(int rc, const std::string& paho_message, bool diagnose) const;
  Status RenewSubscriptions(mqtt::async_client& client, std::uint64_t life);
  bool ResendFailed(mqtt::async_client& client);
  Status GoLive(mqtt::async_client& client, std::uint64_t lost_before, bool* complete);
  void DisconnectQuietly(mqtt::async_client& client, std::chrono::milliseconds grace) const;
  void TearDown(mqtt::async_client* client, bool graceful);
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
  // cv_ for client_users_, outgoing_ and flush_generation_ (Flush() and
  // TearDown() wait on it, counted in cv_waiters_).
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
  std::uint64_t epoch_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::uint64_t next_seq_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::map<std::uint64_t, Outgoing> outgoing_ SHADOWSYNC_GUARDED_BY(mu_);
  // Messages a handler published while (re)connecting, since the transport
  // last became connected; bounded by max_buffered_messages.
  int held_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  // Bumped when Disconnect() begins: every waiting Flush() then fails.
  std::uint64_t flush_generation_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::vector<Subscription> subscriptions_ SHADOWSYNC_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// Paho callbacks

void PahoTransport::OnMessage(const mqtt::const_message_ptr& message) noexcept {
  DepthScope paho(t_paho_callback_depth);
  try {
    const std::shared_ptr<const Handlers> handlers = std::atomic_load(&handlers_);
    if (!message || !handlers || !handlers->on_message) return;
    MqttMessage m;
    m.topic = message->get_topic();
    m.payload = message->get_payload_str();
    m.qos = message->get_qos();
    m.retained = message->is_retained();
    DepthScope handler(t_handler_depth);
    DeliveringScope delivering(this);
    handlers->on_message(m);
  } catch (...) {
    // An exception must not unwind into Paho's C code; the handler's
    // failure is its own to report.
  }
}

void PahoTransport::OnConnectionLost(const std::string& cause) noexcept {
  DepthScope paho(t_paho_callback_depth);
  try {
    MutexLock lock(mu_);
    ++lost_count_;
    if (state_ != State::kConnected) return;  // a reconnect in progress notices lost_count_
    state_ = State::kReconnecting;
    lost_cause_ = Unavailable("connection to " + options_.server_uri + " lost" +
                              (cause.empty() ? std::string() : ": " + cause));
    lost_pending_ = true;
    supervisor_cv_.notify_all();
  } catch (...) {
  }
}

void PahoTransport::OnDelivered(std::uint64_t seq, bool ok) noexcept {
  DepthScope paho(t_paho_callback_depth);
  try {
    MutexLock lock(mu_);
    const auto it = outgoing_.find(seq);
    if (it == outgoing_.end()) return;
    if (ok || it->second.message->get_qos() == 0 || state_ == State::kDisconnecting ||
        state_ == State::kIdle) {
      outgoing_.erase(it);
    } else {
      // QoS 1 and not acknowledged: the connection it went out on is gone
      // (clean session: Paho fails it with -11 on the loss; persistent
      // session: when the broker had lost the session). Send it again on
      // the next connection; if that connection is already up, now.
      it->second.in_flight = false;
      if (state_ == State::kConnected && it->second.epoch < epoch_) {
        resend_requested_ = true;
        supervisor_cv_.notify_one();
      }
    }
    if (cv_waiters_ > 0) cv_.notify_all();
  } catch (...) {
  }
}

void PahoTransport::NotifyConnection(ConnectionEvent event, const Status& cause) noexcept {
  try {
    const std::shared_ptr<const Handlers> handlers = std::atomic_load(&handlers_);
    if (!handlers || !handlers->on_connection) return;
    DepthScope handler(t_handler_depth);
    handlers->on_connection(event, cause);
  } catch (...) {
  }
}

// ---------------------------------------------------------------------------
// Paho plumbing

std::unique_ptr<mqtt::async_client> PahoTransport::CreateClient() {
  mqtt::create_options create(MQTTVERSION_3_1_1);
  create.set_max_buffered_messages(options_.max_buffered_messages);
  // Publish() refuses while offline; Paho must not queue behind our back.
  create.set_send_while_disconnected(false);
  // No persistence (nullptr): QoS 1 state lives in outgoing_.
  auto client = std::make_unique<mqtt::async_client>(uri_.paho_uri, options_.client_id, create);
  client->set_message_callback([this](mqtt::const_message_ptr m) { OnMessage(m); });
  client->set_connection_lost_handler(
      [this](const std::string& cause) { OnConnectionLost(cause); });
  return client;
}

mqtt::connect_options PahoTransport::MakeConnectOptions() const {
  mqtt::connect_options_builder builder;
  builder
      .mqtt_version(MQTTVERSION_3_1_1)  // pitfall 10: no silent fallback to 3.1
      .clean_session(options_.clean_session)
      .keep_alive_interval(options_.keep_alive)
      .connect_timeout(options_.connect_timeout)
      .automatic_reconnect(false);  // ours has jitter and renews subscriptions
  if (uri_.tls) {
    // No error_handler: in Paho C++ 1.2 its context dangles (see
    // connect_diagnosis.h); the diagnosis probe finds the cause instead.
    // ssl_version is ignored by Paho C 1.3.11 with OpenSSL >= 1.1 (it always
    // uses TLS_client_method()); OpenSSL 3's default security level already
    // refuses TLS 1.0 and 1.1. Set anyway for Paho versions that honour it.
    mqtt::ssl_options ssl = mqtt::ssl_options_builder()
                                .trust_store(options_.ca_file)
                                .enable_server_cert_auth(true)
                                .verify(true)  // host-name check
                                .ssl_version(MQTT_SSL_VERSION_TLS_1_2)
                                .finalize();
    if (!options_.cert_file.empty()) {
      ssl.set_key_store(options_.cert_file);
      ssl.set_private_key(options_.key_file);
    }
    if (!options_.alpn_protocols.empty()) ssl.set_alpn_protos(options_.alpn_protocols);
    builder.ssl(std::move(ssl));
  }
  // options_.proxy is already resolved (MakePahoTransport): "" is direct.
  // Paho C 1.3.11 wants "[user:password@]host:port": it strips only the
  // prefix "https://" from an https proxy, so the "http://" must go.
  if (uri_.websocket && !options_.proxy.empty()) {
    const std::string paho_proxy = mqtt_internal::PahoProxyString(options_.proxy);
    if (uri_.tls) {
      builder.https_proxy(paho_proxy);
    } else {
      builder.http_proxy(paho_proxy);
    }
  }
  return builder.finalize();
}

PahoTransport::WaitResult PahoTransport::WaitToken(const mqtt::token_ptr& token,
                                                   Clock::time_point deadline, std::uint64_t life,
                                                   int* rc, std::string* message) const {
  for (;;) {
    try {
      if (token->wait_for(kPollSlice)) return WaitResult::kDone;
    } catch (const mqtt::exception& e) {
      *rc = e.get_return_code();
      *message = e.get_message();
      return WaitResult::kFailed;
    }
    if (Aborted(life)) return WaitResult::kAborted;
    if (Clock::now() >= deadline) return WaitResult::kTimedOut;
  }
}

std::string PahoTransport::DescribeConnectFailure(int rc, const std::string& paho_message,
                                                  bool diagnose) const {
  const std::string head = "connect to " + options_.server_uri + " failed: ";
  if (rc >= 1 && rc <= 5) {
    return head + "the broker refused the connection: CONNACK return code " + std::to_string(rc) +
           " (" + ConnackText(rc) + ")";
  }
  const std::string paho =
      " [Paho: " + (paho_message.empty() ? std::string("error") : paho_message) + ", rc " +
      std::to_string(rc) + "]";
  if (!diagnose) return head + "see the Paho error" + paho;
  const auto budget = std::min<std::chrono::milliseconds>(options_.connect_timeout, kMaxDiagnosis);
  std::string cause = mqtt_internal::DiagnoseConnectFailure(uri_, tls_, budget);
  if (cause.empty()) {
    const bool timeout = paho_message.find("timeout") != std::string::npos;
    if (timeout) {
      cause = "no answer to the MQTT CONNECT within connect_timeout (" +
              std::to_string(options_.connect_timeout.count()) + " s); TCP" +
              (uri_.tls ? " and TLS work" : " works");
    } else if (uri_.websocket) {
      cause = std::string("TCP") + (uri_.tls ? " and TLS work" : " works") +
              ", but the WebSocket upgrade (HTTP 101 expected; a refused SigV4 signature is "
              "403) or the MQTT connect failed";
    } else {
      cause = uri_.tls ? "TCP and TLS work (a diagnostic TLS handshake succeeded), but the MQTT "
                         "connect failed"
                       : "TCP works, but the MQTT connect failed";
    }
  }
  return head + cause + paho;
}

Status PahoTransport::ConnectOnce(mqtt::async_client& client, std::uint64_t life, bool diagnose) {
  mqtt::connect_options connect_options = MakeConnectOptions();
  if (uri_.websocket && !options_.proxy.empty()) {
    // The probe would go around the proxy and judge the wrong path.
    diagnose = false;
  }
  if (uri_.websocket && options_.sigv4) {
    // A fresh presigned URL at every attempt (paho_transport.h, MqttSigV4).
    // Paho connects to serverURIs instead of the client's URI when given.
    Result<std::string> presigned = PresignedUri();
    if (!presigned.ok()) {
      return Unavailable("connect to " + options_.server_uri +
                         " failed: SigV4: " + presigned.status().message());
    }
    connect_options.set_servers(mqtt::string_collection::create({*presigned}));
  }
  mqtt::token_ptr token;
  // The sockets that exist before Paho opens its own (tcp_nodelay.h).
  const mqtt_internal::TcpSocketSnapshot sockets_before = TakeTcpSocketSnapshot();
  try {
    token = client.connect(connect_options);
  } catch (const mqtt::exception& e) {
    return Unavailable(DescribeConnectFailure(e.get_return_code(), e.get_message(), diagnose));
  }
  const Clock::time_point deadline = Clock::now() + options_.connect_timeout + kConnectBackstop;
  int rc = 0;
  std::string message;
  switch (WaitToken(token, deadline, life, &rc, &message)) {
    case WaitResult::kDone:
      // See tcp_nodelay.h: ~40 ms per exchange otherwise.
      SetNoDelayOnNewSocketsToPort(sockets_before, uri_.port);
      return Status::Ok();
    case WaitResult::kFailed:
      return Unavailable(DescribeConnectFailure(rc, message, diagnose));
    case WaitResult::kTimedOut:
      return Unavailable(
          DescribeConnectFailure(-1, "no result from Paho within connect_timeout", diagnose));
    case WaitResult::kAborted:
      break;
  }
  return Unavailable("connect to " + options_.server_uri + " abandoned: Disconnect() was called");
}

Result<std::string> PahoTransport::PresignedUri() const {
  const MqttSigV4& sigv4 = *options_.sigv4;
  Result<AwsCredentials> credentials = sigv4.credentials();
  if (!credentials.ok()) return credentials.status();
  const std::chrono::system_clock::time_point now =
      sigv4.now ? sigv4.now() : std::chrono::system_clock::now();
  return mqtt_internal::PresignedWebSocketUri(uri_, *credentials, sigv4.region, sigv4.service, now);
}

Status PahoTransport::RenewSubscriptions(mqtt::async_client& client, std::uint64_t life) {
  MutexLock sub_lock(sub_mu_);
  std::vector<Subscription> subscriptions;
  {
    MutexLock lock(mu_);
    subscriptions = subscriptions_;
  }
  for (std::size_t first = 0; first < subscriptions.size(); first += kFiltersPerSubscribe) {
    const std::size_t last = std::min(subscriptions.size(), first + kFiltersPerSubscribe);
    std::vector<std::string> filters;
    mqtt::iasync_client::qos_collection qos;
    for (std::size_t i = first; i < last; ++i) {
      filters.push_back(subscriptions[i].filter);
      qos.push_back(subscriptions[i].qos);
    }
    mqtt::token_ptr token;
    try {
      token = client.subscribe(mqtt::string_collection::create(filters), qos);
    } catch (const mqtt::exception& e) {
      return Unavailable("renewing subscriptions failed: " + std::string(e.what()));
    }
    int rc = 0;
    std::string message;
    switch (WaitToken(token, Clock::now() + kSubscribeTimeout, life, &rc, &message)) {
      case WaitResult::kDone:
        break;
      case WaitResult::kFailed:
        if (rc == 0x80) {
          return Status(StatusCode::kRejected, "the broker refused the renewed subscription to \"" +
                                                   filters.front() + "\" (SUBACK 0x80)");
        }
        return Unavailable("renewing subscriptions failed: " + message + " (rc " +
                           std::to_string(rc) + ")");
      case WaitResult::kTimedOut:
        return Unavailable("renewing subscriptions: no SUBACK within " +
                           std::to_string(kSubscribeTimeout.count()) + " s");
      case WaitResult::kAborted:
        return Unavailable("renewing subscriptions abandoned: Disconnect() was called");
    }
    if (filters.size() > 1) {
      std::vector<mqtt::ReasonCode> codes;
      try {
        codes = token->get_subscribe_response().get_reason_codes();
      } catch (const std::exception&) {
        // No per-filter codes: the SUBACK as a whole succeeded.
      }
      for (std::size_t i = 0; i < codes.size() && i < filters.size(); ++i) {
        if (static_cast<int>(codes[i]) >= 0x80) {
          return Status(StatusCode::kRejected, "the broker refused the renewed subscription to \"" +
                                                   filters[i] + "\" (SUBACK 0x80)");
        }
      }
    }
  }
  return Status::Ok();
}

// Hands the messages whose delivery failed to Paho again, oldest first.
// False when Paho's buffer filled up on the way (the rest is retried
// shortly); true when all went out or the connection is gone (the rest waits
// for the next connection).
bool PahoTransport::ResendFailed(mqtt::async_client& client) {
  std::vector<std::pair<std::uint64_t, mqtt::const_message_ptr>> todo;
  {
    MutexLock lock(mu_);
    if (state_ != State::kConnected) return true;
    for (auto& [seq, out] : outgoing_) {
      if (out.in_flight) continue;
      out.in_flight = true;
      out.epoch = epoch_;
      todo.emplace_back(seq, out.message);
    }
    held_ = 0;  // none is held now
  }
  for (std::size_t i = 0; i < todo.size(); ++i) {
    int rc = MQTTASYNC_FAILURE;
    try {
      client.publish(todo[i].second, SeqContext(todo[i].first), delivery_listener_);
      continue;
    } catch (const mqtt::exception& e) {
      rc = e.get_return_code();
    } catch (const std::exception&) {
    }
    MutexLock lock(mu_);
    for (std::size_t j = i; j < todo.size(); ++j) {
      const auto it = outgoing_.find(todo[j].first);
      if (it != outgoing_.end()) it->second.in_flight = false;
    }
    return !(rc == MQTTASYNC_MAX_BUFFERED_MESSAGES || rc == MQTTASYNC_MAX_MESSAGES_INFLIGHT) ||
           state_ != State::kConnected;
  }
  return true;
}

// The last step of a (re)connect, after the subscriptions are renewed: hands
// every held message (in_flight false: published by a message handler while
// connecting, or failed on an earlier connection) to Paho, oldest first, and
// sets state_ to kConnected under mu_ at the check that finds none left, so
// that no Publish() can overtake a held message. A handler may hold more
// meanwhile (Paho's receive thread keeps delivering); each pass takes them
// too. OK once connected; *complete is false when Paho's buffer filled up on
// the way (connected anyway; the supervisor sends the rest shortly, as after
// ResendFailed()). kUnavailable when the connection was lost again or
// Disconnect() began: what was not acknowledged waits for the next
// connection.
Status PahoTransport::GoLive(mqtt::async_client& client, std::uint64_t lost_before,
                             bool* complete) {
  *complete = true;
  const auto check = [&]() SHADOWSYNC_REQUIRES(mu_) -> Status {
    if (stop_) return Unavailable("connect abandoned: Disconnect() was called");
    if (lost_count_ != lost_before) {
      return Unavailable("connection lost again while renewing subscriptions");
    }
    return Status::Ok();
  };
  for (;;) {
    std::vector<std::pair<std::uint64_t, mqtt::const_message_ptr>> todo;
    {
      MutexLock lock(mu_);
      if (Status s = check(); !s.ok()) return s;
      for (auto& [seq, out] : outgoing_) {
        if (out.in_flight) continue;
        out.in_flight = true;
        out.epoch = epoch_;
        todo.emplace_back(seq, out.message);
      }
      if (todo.empty()) {
        state_ = State::kConnected;
        held_ = 0;
        return Status::Ok();
      }
    }
    for (std::size_t i = 0; i < todo.size(); ++i) {
      int rc = MQTTASYNC_FAILURE;
      std::string what = "unknown error";
      try {
        client.publish(todo[i].second, SeqContext(todo[i].first), delivery_listener_);
        continue;
      } catch (const mqtt::exception& e) {
        rc = e.get_return_code();
        what = e.what();
      } catch (const std::exception& e) {
        what = e.what();
      }
      MutexLock lock(mu_);
      for (std::size_t j = i; j < todo.size(); ++j) {
        const auto it = outgoing_.find(todo[j].first);
        if (it != outgoing_.end()) it->second.in_flight = false;
      }
      if (Status s = check(); !s.ok()) return s;
      if (rc == MQTTASYNC_MAX_BUFFERED_MESSAGES || rc == MQTTASYNC_MAX_MESSAGES_INFLIGHT) {
        state_ = State::kConnected;
        held_ = 0;
        *complete = false;
        return Status::Ok();
      }
      return Unavailable("sending the held messages failed: " + what);
    }
  }
}

void PahoTransport::DisconnectQuietly(mqtt::async_client& client,
                                      std::chrono::milliseconds grace) const {
  try {
    if (!client.is_connected()) return;
    mqtt::token_ptr token = client.disconnect(grace);
    token->wait_for(grace + kDisconnectWait);
  } catch (const std::exception&) {
    // Already gone: nothing to close.
  }
}

// Ends the Paho client of this connection. Called by the thread that owns
// lifecycle_mu_, with the supervisor already joined.
void PahoTransport::TearDown(mqtt::async_client* client, bool graceful) {
  if (client != nullptr && graceful) DisconnectQuietly(*client, kDisconnectGrace);
  std::unique_ptr<mqtt::async_client> doomed;
  {
    MutexLock lock(mu_);
    state_ = State::kDisconnecting;
    // Publish()/Subscribe() borrow the client only for a non-blocking Paho
    // call, so this wait is short.
    ++cv_waiters_;
    while (client_users_ != 0) lock.Wait(cv_);
    --cv_waiters_;
    doomed = std::move(client_);
  }
  doomed.reset();  // MQTTAsync_destroy: no callback of this client runs after it
  {
    MutexLock lock(mu_);
    outgoing_.clear();
    held_ = 0;
    ++flush_generation_;
    state_ = State::kIdle;
    stop_ = false;
    lost_pending_ = false;
    resend_requested_ = false;
  }
  cv_.notify_all();
}

// ---------------------------------------------------------------------------
// Reconnect supervisor

void PahoTransport::SupervisorLoop(mqtt::async_client* client, std::uint64_t life) {
  Backoff backoff(options_.reconnect_min, options_.reconnect_max, seed_);
  // Set when a re-send stopped at a full buffer: try again shortly.
  bool resend_pending = false;
  const auto woken = [this]() SHADOWSYNC_REQUIRES(mu_) {
    return stop_ || lost_pending_ || resend_requested_;
  };
  MutexLock lock(mu_);
  for (;;) {
    if (resend_pending) {
      const Clock::time_point until = Clock::now() + std::chrono::milliseconds(100);
      while (!woken() && lock.WaitUntil(supervisor_cv_, until)) {
      }
    } else {
      while (!woken()) lock.Wait(supervisor_cv_);
    }
    if (stop_) return;
    if (lost_pending_) {
      lost_pending_ = false;
      resend_requested_ = false;
      const Status cause = lost_cause_;
      lock.Unlock();
      NotifyConnection(ConnectionEvent::kConnectionLost, cause);
      backoff.Reset();
      bool resend_complete = true;
      const bool reconnected = Reconnect(*client, life, backoff, &resend_complete);
      lock.Lock();
      if (!reconnected) return;
      resend_pending = !resend_complete;
      continue;
    }
    resend_requested_ = false;
    lock.Unlock();
    resend_pending = !ResendFailed(*client);
    lock.Lock();
  }
}

bool PahoTransport::Reconnect(mqtt::async_client& client, std::uint64_t life, Backoff& backoff,
                              bool* resend_complete) {
  for (;;) {
    const std::chrono::milliseconds wait = backoff.Next();
    std::uint64_t lost_before = 0;
    {
      MutexLock lock(mu_);
      const Clock::time_point until = Clock::now() + wait;
      while (!stop_ && lock.WaitUntil(supervisor_cv_, until)) {
      }
      if (stop_) return false;
      lost_before = lost_count_;
    }
    // No diagnosis probe here: it could not be interrupted by Disconnect(),
    // and the loss itself was already reported.
    Status status = ConnectOnce(client, life, /*diagnose=*/false);
    const bool paho_connected = status.ok();
    if (status.ok()) status = RenewSubscriptions(client, life);
    if (status.ok()) {
      MutexLock lock(mu_);
      if (stop_) return false;
      ++epoch_;
    }
    // Before kReconnected, so that what was queued before the loss, and what
    // message handlers published meanwhile, goes out before what the
    // application sends in reaction to the event.
    if (status.ok()) status = GoLive(client, lost_before, resend_complete);
    if (status.ok()) {
      {
        MutexLock lock(mu_);
        last_reconnect_error_ = Status::Ok();
      }
      NotifyConnection(ConnectionEvent::kReconnected, Status::Ok());
      return true;
    }
    if (Aborted(life)) return false;
    {
      MutexLock lock(mu_);
      last_reconnect_error_ = status;
    }
    if (paho_connected) DisconnectQuietly(client, std::chrono::milliseconds(0));
  }
}

// ---------------------------------------------------------------------------
// Public operations

Status PahoTransport::Connect() {
  if (t_paho_callback_depth > 0 || t_handler_depth > 0) {
    return FailedPreconditionError("Connect() must not be called from a transport handler");
  }
  MutexLock lifecycle(lifecycle_mu_);
  const std::uint64_t life = disconnect_requests_.load();
  std::uint64_t lost_before = 0;
  {
    MutexLock lock(mu_);
    if (state_ == State::kConnected) return Status::Ok();
    if (state_ == State::kReconnecting) {
      return Unavailable("reconnecting after: " + lost_cause_.message() +
                         (last_reconnect_error_.ok()
                              ? std::string()
                              : "; last attempt: " + last_reconnect_error_.message()));
    }
    lost_before = lost_count_;
  }
  // The files may have changed since MakePahoTransport() checked them; a
  // key that no longer matches its certificate is a configuration error,
  // not an outage.
  if (uri_.tls) {
    if (Status s = mqtt_internal::CheckCaFile(options_.ca_file); !s.ok()) return s;
    if (!options_.cert_file.empty()) {
      Status s = mqtt_internal::CheckClientCertificate(options_.cert_file, options_.key_file);
      if (!s.ok()) return s;
    }
  }

  std::unique_ptr<mqtt::async_client> owned;
  try {
    owned = CreateClient();
  } catch (const mqtt::exception& e) {
    return InternalError("creating the Paho client for " + uri_.paho_uri +
                         " failed: " + std::string(e.what()));
  }
  mqtt::async_client* client = owned.get();
  {
    MutexLock lock(mu_);
    client_ = std::move(owned);
    state_ = State::kConnecting;
  }

  Status status = ConnectOnce(*client, life, /*diagnose=*/true);
  if (status.ok()) status = RenewSubscriptions(*client, life);
  if (!status.ok()) {
    // Drops what a message handler published meanwhile, as Disconnect()
    // drops what is not yet acknowledged.
    TearDown(client, /*graceful=*/true);
    return status;
  }
  {
    MutexLock lock(mu_);
    ++epoch_;
  }
  // With a persistent session the broker may already have delivered what it
  // queued for us; send what the handler published in reaction.
  bool complete = true;
  if (!GoLive(*client, lost_before, &complete).ok()) {
    // Lost between CONNACK and now (or Paho refused the held messages):
    // let the supervisor reconnect.
    DisconnectQuietly(*client, std::chrono::milliseconds(0));
    MutexLock lock(mu_);
    state_ = State::kReconnecting;
    lost_cause_ = Unavailable("connection to " + options_.server_uri + " lost");
    lost_pending_ = true;
  }
  // Before the supervisor starts, so that kConnected always comes first.
  NotifyConnection(ConnectionEvent::kConnected, Status::Ok());
  {
    MutexLock lock(mu_);
    stop_ = false;
    if (!complete) resend_requested_ = true;  // Paho's buffer was full: the rest shortly
    supervisor_ = std::thread(&PahoTransport::SupervisorLoop, this, client, life);
  }
  return Status::Ok();
}

Status PahoTransport::Disconnect() {
  if (t_paho_callback_depth > 0 || t_handler_depth > 0) {
    return FailedPreconditionError("Disconnect() must not be called from a transport handler");
  }
  disconnect_requests_.fetch_add(1);  // aborts waits in Connect(), Subscribe(), the supervisor
  MutexLock lifecycle(lifecycle_mu_);
  std::thread supervisor;
  mqtt::async_client* client = nullptr;
  {
    MutexLock lock(mu_);
    if (state_ == State::kIdle) return Status::Ok();
    stop_ = true;
    state_ = State::kDisconnecting;
    ++flush_generation_;
    supervisor = std::move(supervisor_);
    client = client_.get();
  }
  supervisor_cv_.notify_all();
  cv_.notify_all();
  if (supervisor.joinable()) supervisor.join();
  TearDown(client, /*graceful=*/true);
  return Status::Ok();
}

Status PahoTransport::Subscribe(std::string_view filter, int qos) {
  if (t_paho_callback_depth > 0) {
    return FailedPreconditionError(
        "Subscribe() called from a handler on Paho's thread; it would wait for a SUBACK that "
        "only this thread can receive");
  }
  if (Status s = CheckTopic(filter, /*filter=*/true); !s.ok()) return s;
  if (Status s = CheckQos(qos); !s.ok()) return s;
  MutexLock sub_lock(sub_mu_);
  const std::uint64_t life = disconnect_requests_.load();
  mqtt::async_client* client = nullptr;
  {
    MutexLock lock(mu_);
    if (state_ != State::kConnected) {
      return Unavailable("cannot subscribe to \"" + std::string(filter) + "\": not connected to " +
                         options_.server_uri);
    }
    ++client_users_;
    client = client_.get();
  }
  mqtt::token_ptr token;
  Status status;
  try {
    token = client->subscribe(std::string(filter), qos);
  } catch (const mqtt::exception& e) {
    status = e.get_return_code() == MQTTASYNC_BAD_UTF8_STRING
                 ? InvalidArgumentError("filter is not valid UTF-8")
                 : Unavailable("subscribe to \"" + std::string(filter) + "\" failed: " + e.what());
  }
  bool wake = false;
  {
    MutexLock lock(mu_);
    --client_users_;
    wake = cv_waiters_ > 0;
  }
  if (wake) cv_.notify_all();
  if (!status.ok()) return status;

  int rc = 0;
  std::string message;
  switch (WaitToken(token, Clock::now() + kSubscribeTimeout, life, &rc, &message)) {
    case WaitResult::kDone:
      break;
    case WaitResult::kFailed:
      if (rc == 0x80) {
        return Status(StatusCode::kRejected, "the broker refused the subscription to \"" +
                                                 std::string(filter) + "\" (SUBACK 0x80)");
      }
      return Unavailable("subscribe to \"" + std::string(filter) + "\" failed: " + message +
                         " (rc " + std::to_string(rc) + "); the connection was probably lost");
    case WaitResult::kTimedOut:
      return Status(StatusCode::kTimeout, "no SUBACK for \"" + std::string(filter) + "\" within " +
                                              std::to_string(kSubscribeTimeout.count()) + " s");
    case WaitResult::kAborted:
      return Unavailable("subscribe to \"" + std::string(filter) +
                         "\" abandoned: Disconnect() was called");
  }
  MutexLock lock(mu_);
  const auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                               [&](const Subscription& s) { return s.filter == filter; });
  if (it != subscriptions_.end()) {
    it->qos = qos;
  } else {
    subscriptions_.push_back(Subscription{std::string(filter), qos});
  }
  return Status::Ok();
}

Status PahoTransport::Publish(std::string_view topic, std::string_view payload, int qos) {
  if (Status s = CheckTopic(topic, /*filter=*/false); !s.ok()) return s;
  if (Status s = CheckQos(qos); !s.ok()) return s;
  mqtt::const_message_ptr message =
      mqtt::make_message(std::string(topic), payload.data(), payload.size(), qos, false);
  std::uint64_t seq = 0;
  mqtt::async_client* client = nullptr;
  {
    MutexLock lock(mu_);
    if (state_ != State::kConnected) {
      // This transport's message handler, while (re)connecting: the message
      // it handles came over the new connection (e.g. queued by the broker
      // for a persistent session), or over the old one just before it was
      // lost. Hold the answer and send it once connected (GoLive()).
      if (t_delivering == this &&
          (state_ == State::kConnecting || state_ == State::kReconnecting)) {
        if (held_ >= options_.max_buffered_messages) {
          return Unavailable(
              "outgoing buffer full: " + std::to_string(options_.max_buffered_messages) +
              " messages published by the message handler wait for the "
              "connection (max_buffered_messages)");
        }
        ++held_;
        seq = ++next_seq_;
        outgoing_.emplace(seq, Outgoing{message, epoch_, /*in_flight=*/false});
        return Status::Ok();
      }
      return Unavailable("cannot publish to \"" + std::string(topic.substr(0, 200)) +
                         "\": not connected to " + options_.server_uri);
    }
    seq = ++next_seq_;
    outgoing_.emplace(seq, Outgoing{message, epoch_, true});
    ++client_users_;
    client = client_.get();
  }
  Status status;
  // Paho already knows the connection is gone, we do not yet (Paho may
  // notice on its send thread while its receive thread runs our handler).
  bool hold = false;
  try {
    client->publish(message, SeqContext(seq), delivery_listener_);
  } catch (const mqtt::exception& e) {
    switch (e.get_return_code()) {
      case MQTTASYNC_MAX_BUFFERED_MESSAGES:
        status =
            Unavailable("outgoing buffer full: " + std::to_string(options_.max_buffered_messages) +
                        " messages are waiting to be sent (max_buffered_messages)");
        break;
      case MQTTASYNC_DISCONNECTED:
        status = Unavailable("cannot publish: not connected to " + options_.server_uri);
        hold = t_delivering == this;  // a message handler's answer: as while reconnecting
        break;
      case MQTTASYNC_BAD_UTF8_STRING:
        status = InvalidArgumentError("topic is not valid UTF-8");
        break;
      default:
        status = Unavailable("publish failed: " + std::string(e.what()));
        break;
    }
  } catch (const std::exception& e) {
    status = InternalError("publish failed: " + std::string(e.what()));
  }
  bool wake = false;
  {
    MutexLock lock(mu_);
    --client_users_;
    const auto it = outgoing_.find(seq);
    if (hold && it != outgoing_.end() && state_ != State::kDisconnecting &&
        state_ != State::kIdle && held_ < options_.max_buffered_messages) {
      // Held like a publish made while reconnecting: GoLive() sends it after
      // the reconnect; or, should a new connection already be up, the
      // supervisor does now.
      ++held_;
      it->second.in_flight = false;
      status = Status::Ok();
      if (state_ == State::kConnected) {
        resend_requested_ = true;
        supervisor_cv_.notify_one();
      }
    } else if (!status.ok() && it != outgoing_.end()) {
      outgoing_.erase(it);
    }
    wake = cv_waiters_ > 0;
  }
  if (wake) cv_.notify_all();
  return status;
}

Status PahoTransport::Flush(std::chrono::milliseconds timeout) {
  if (t_paho_callback_depth > 0) {
    return FailedPreconditionError(
        "Flush() called from a handler on Paho's thread; the acknowledgements it waits for "
        "arrive on this thread");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  MutexLock lock(mu_);
  const std::uint64_t last = next_seq_;
  const std::uint64_t generation = flush_generation_;
  const auto done = [&]() SHADOWSYNC_REQUIRES(mu_) {
    return generation != flush_generation_ || outgoing_.empty() || outgoing_.begin()->first > last;
  };
  ++cv_waiters_;
  while (!done() && lock.WaitUntil(cv_, deadline)) {
  }
  const bool flushed = done();
  --cv_waiters_;
  if (!flushed) {
    std::size_t pending = 0;
    for (const auto& entry : outgoing_) {
      if (entry.first > last) break;
      ++pending;
    }
    return Status(StatusCode::kTimeout,
                  std::to_string(pending) + " message(s) not yet acknowledged after " +
                      std::to_string(timeout.count()) + " ms" +
                      (state_ == State::kConnected ? "" : " (not connected)"));
  }
  if (generation != flush_generation_) {
    return Unavailable("Disconnect() was called before every message was acknowledged");
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------
// Factory and validation

Status ValidateMqttOptions(const MqttOptions& options) {
  Result<BrokerUri> uri = mqtt_internal::ParseBrokerUri(options.server_uri);
  if (!uri.ok()) return uri.status();
  if (options.client_id.empty()) return InvalidArgumentError("client_id: must not be empty");
  if (options.client_id.size() > 65535) {
    return InvalidArgumentError("client_id: longer than 65535 bytes");
  }
  if (options.keep_alive < std::chrono::seconds(0) ||
      options.keep_alive > std::chrono::seconds(65535)) {
    return InvalidArgumentError("keep_alive: must be 0 (off) to 65535 s");
  }
  if (options.connect_timeout <= std::chrono::seconds(0)) {
    return InvalidArgumentError("connect_timeout: must be positive");
  }
  if (options.reconnect_min <= std::chrono::milliseconds(0)) {
    return InvalidArgumentError("reconnect_min: must be positive");
  }
  if (options.reconnect_max < options.reconnect_min) {
    return InvalidArgumentError("reconnect_max: must not be less than reconnect_min");
  }
  if (options.max_buffered_messages < 1) {
    return InvalidArgumentError("max_buffered_messages: must be at least 1");
  }

  if (!uri->websocket) {
    if (options.sigv4) {
      return InvalidArgumentError("sigv4 is set but server_uri is not wss:// or ws://");
    }
    if (!options.proxy.empty()) {
      return InvalidArgumentError("proxy is set but server_uri is not wss:// or ws://");
    }
  } else {
    if (options.sigv4) {
      if (!options.sigv4->credentials) {
        return InvalidArgumentError("sigv4.credentials: required (a credentials source)");
      }
      if (options.sigv4->region.empty()) return InvalidArgumentError("sigv4.region: required");
      if (options.sigv4->service.empty()) {
        return InvalidArgumentError("sigv4.service: must not be empty (iotdevicegateway)");
      }
    }
    if (!options.proxy.empty()) {
      Result<std::string> proxy = mqtt_internal::NormalizeProxyUrl(options.proxy);
      if (!proxy.ok()) return InvalidArgumentError("proxy: " + proxy.status().message());
    }
  }

  if (!uri->tls) {
    const std::pair<const char*, const std::string*> files[] = {{"ca_file", &options.ca_file},
                                                                {"cert_file", &options.cert_file},
                                                                {"key_file", &options.key_file}};
    for (const auto& [field, value] : files) {
      if (!value->empty()) {
        return InvalidArgumentError(std::string(field) + " is set but server_uri is not ssl://");
      }
    }
    if (!options.alpn_protocols.empty()) {
      return InvalidArgumentError("alpn_protocols is set but server_uri is not ssl://");
    }
    return Status::Ok();
  }

  if (options.ca_file.empty()) {
    return InvalidArgumentError(
        "ca_file: required for ssl:// and wss:// (the server certificate is always verified)");
  }
  if (!options.cert_file.empty() && options.key_file.empty()) {
    return InvalidArgumentError("key_file: required when cert_file is set");
  }
  if (options.cert_file.empty() && !options.key_file.empty()) {
    return InvalidArgumentError("cert_file: required when key_file is set");
  }
  for (const std::string& protocol : options.alpn_protocols) {
    if (protocol.empty()) return InvalidArgumentError("alpn_protocols: empty protocol name");
    if (protocol.size() > 255) {
      return InvalidArgumentError("alpn_protocols: \"" + protocol.substr(0, 40) +
                                  "...\" is longer than 255 bytes");
    }
  }
  if (Status s = mqtt_internal::CheckCaFile(options.ca_file); !s.ok()) return s;
  if (!options.cert_file.empty()) {
    return mqtt_internal::CheckClientCertificate(options.cert_file, options.key_file);
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transport>> MakePahoTransport(const MqttOptions& options) {
  if (Status s = ValidateMqttOptions(options); !s.ok()) return s;
  Result<BrokerUri> uri = mqtt_internal::ParseBrokerUri(options.server_uri);
  if (!uri.ok()) return uri.status();
  // The proxy is decided once: the explicit one, else the environment's.
  MqttOptions resolved = options;
  Result<std::string> proxy = mqtt_internal::ResolveWebSocketProxy(
      *uri, options.proxy, options.proxy_from_environment,
      [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      });
  if (!proxy.ok()) return proxy.status();
  if (uri->websocket && proxy->empty()) {
    // Paho C 1.3.11 reads this variable itself when no proxy is given, and
    // knows no no_proxy: a direct connection cannot be had while it is set.
    const char* paho_variable = uri->tls ? "https_proxy" : "http_proxy";
    if (const char* value = std::getenv(paho_variable); value != nullptr) {
      return InvalidArgumentError(
          std::string("proxy: ") + paho_variable + " is set in the environment" +
          (*value == '\0' ? " but empty" : "") + " and " +
          (options.proxy_from_environment ? "no_proxy exempts " + uri->host
                                          : std::string("proxy_from_environment is false")) +
          ", but Paho C 1.3.11 would still tunnel through it (it reads " + paho_variable +
          " itself and ignores no_proxy): unset it for this program, or set the proxy "
          "explicitly");
    }
  }
  resolved.proxy = *proxy;
  resolved.proxy_from_environment = false;
  return std::unique_ptr<Transport>(new PahoTransport(std::move(resolved), std::move(uri).value()));
}

}  // namespace shadowsync
