// SPDX-License-Identifier: Apache-2.0
//
// PahoTransport's public operations, Paho's callbacks and the Paho client's
// life (the class, its threads and locks: paho_transport_impl.h), and
// MakePahoTransport(). When Paho acknowledges an incoming QoS 1 message,
// which paho_transport.h refers to here, is told in paho_transport_impl.h
// ("Threads and locks").

#include "shadowsync/paho_transport.h"

#include <mqtt/async_client.h>

#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "mqtt/broker_uri.h"
#include "mqtt/connect_failure.h"
#include "mqtt/handler_context.h"
#include "mqtt/paho_options.h"
#include "mqtt/paho_transport_impl.h"
#include "mqtt/tcp_nodelay.h"
#include "mqtt/tls_files.h"
#include "mqtt/websocket_connect.h"
#include "shadowsync/topic.h"

namespace shadowsync {
namespace mqtt_internal {
namespace {

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

Status CheckQos(int qos) {
  if (qos == 0 || qos == 1) return Status::Ok();
  return InvalidArgumentError("qos " + std::to_string(qos) +
                              " is not supported; use 0 or 1 (AWS IoT has no QoS 2)");
}

}  // namespace

PahoTransport::PahoTransport(MqttOptions options, BrokerUri uri)
    : options_(std::move(options)),
      uri_(std::move(uri)),
      tls_{options_.ca_file, options_.cert_file, options_.key_file, options_.alpn_protocols},
      delivery_listener_(this),
      seed_(std::random_device{}() ^
            static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(this))),
      ledger_(options_.max_buffered_messages) {}

PahoTransport::~PahoTransport() {
  // A handler must not destroy its transport (paho_transport.h).
  assert(!InPahoCallback() && !InTransportHandler());
  (void)Disconnect();
}

void PahoTransport::SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) {
  std::atomic_store(&handlers_, std::make_shared<const Handlers>(
                                    Handlers{std::move(on_message), std::move(on_connection)}));
}

bool PahoTransport::IsConnected() const {
  MutexLock lock(mu_);
  return state_ == State::kConnected;
}

// ---------------------------------------------------------------------------
// Paho callbacks

void PahoTransport::DeliveryListener::on_success(const mqtt::token& token) {
  transport_->OnDelivered(SeqOf(token), true);
}

void PahoTransport::DeliveryListener::on_failure(const mqtt::token& token) {
  transport_->OnDelivered(SeqOf(token), false);
}

void PahoTransport::OnMessage(const mqtt::const_message_ptr& message) noexcept {
  PahoCallbackScope paho;
  try {
    const std::shared_ptr<const Handlers> handlers = std::atomic_load(&handlers_);
    if (!message || !handlers || !handlers->on_message) return;
    MqttMessage m;
    m.topic = message->get_topic();
    m.payload = message->get_payload_str();
    m.qos = message->get_qos();
    m.retained = message->is_retained();
    HandlerScope handler;
    DeliveringScope delivering(this);
    handlers->on_message(m);
  } catch (...) {
    // An exception must not unwind into Paho's C code; the handler's
    // failure is its own to report.
  }
}

void PahoTransport::OnConnectionLost(const std::string& cause) noexcept {
  PahoCallbackScope paho;
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
  PahoCallbackScope paho;
  try {
    MutexLock lock(mu_);
    const bool closing = state_ == State::kDisconnecting || state_ == State::kIdle;
    const bool connected = state_ == State::kConnected;
    if (ledger_.OnDelivered(seq, ok, closing, connected) == OutgoingLedger::Delivery::kResendNow) {
      resend_requested_ = true;
      supervisor_cv_.notify_one();
    }
    if (cv_waiters_ > 0) cv_.notify_all();
  } catch (...) {
  }
}

void PahoTransport::NotifyConnection(ConnectionEvent event, const Status& cause) noexcept {
  try {
    const std::shared_ptr<const Handlers> handlers = std::atomic_load(&handlers_);
    if (!handlers || !handlers->on_connection) return;
    HandlerScope handler;
    handlers->on_connection(event, cause);
  } catch (...) {
  }
}

// ---------------------------------------------------------------------------
// The Paho client's life

std::unique_ptr<mqtt::async_client> PahoTransport::CreateClient() {
  // No persistence (nullptr): QoS 1 state lives in ledger_.
  auto client = std::make_unique<mqtt::async_client>(uri_.paho_uri, options_.client_id,
                                                     MakePahoCreateOptions(options_));
  client->set_message_callback([this](mqtt::const_message_ptr m) { OnMessage(m); });
  client->set_connection_lost_handler(
      [this](const std::string& cause) { OnConnectionLost(cause); });
  return client;
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

Status PahoTransport::ConnectOnce(mqtt::async_client& client, std::uint64_t life, bool diagnose) {
  mqtt::connect_options connect_options = MakePahoConnectOptions(options_, uri_);
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
  const auto failure = [&](int rc, const std::string& paho_message) {
    return Unavailable(DescribeConnectFailure(options_, uri_, tls_, rc, paho_message, diagnose));
  };
  mqtt::token_ptr token;
  // The sockets that exist before Paho opens its own (tcp_nodelay.h).
  const TcpSocketSnapshot sockets_before = TakeTcpSocketSnapshot();
  try {
    token = client.connect(connect_options);
  } catch (const mqtt::exception& e) {
    return failure(e.get_return_code(), e.get_message());
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
      return failure(rc, message);
    case WaitResult::kTimedOut:
      return failure(-1, "no result from Paho within connect_timeout");
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
  return PresignedWebSocketUri(uri_, *credentials, sigv4.region, sigv4.service, now);
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
    ledger_.Clear();
    state_ = State::kIdle;
    stop_ = false;
    lost_pending_ = false;
    resend_requested_ = false;
  }
  cv_.notify_all();
}

// ---------------------------------------------------------------------------
// Public operations

Status PahoTransport::Connect() {
  if (InPahoCallback() || InTransportHandler()) {
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
    if (Status s = CheckCaFile(options_.ca_file); !s.ok()) return s;
    if (!options_.cert_file.empty()) {
      Status s = CheckClientCertificate(options_.cert_file, options_.key_file);
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
    ledger_.BeginEpoch();
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
  if (InPahoCallback() || InTransportHandler()) {
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
    ledger_.CancelFlushes();
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
  if (InPahoCallback()) {
    return FailedPreconditionError(
        "Subscribe() called from a handler on Paho's thread; it would wait for a SUBACK that "
        "only this thread can receive");
  }
  if (Status s = ValidateTopicFilter(filter); !s.ok()) return s;
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
      if (rc == 0x80) return SubackRefused(filter, /*renewal=*/false);
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
  subscriptions_.Remember(filter, qos);
  return Status::Ok();
}

Status PahoTransport::Publish(std::string_view topic, std::string_view payload, int qos) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  if (Status s = CheckQos(qos); !s.ok()) return s;
  mqtt::const_message_ptr message =
      mqtt::make_message(std::string(topic), payload.data(), payload.size(), qos, false);
  const bool from_our_handler = IsDeliveringFor(this);
  std::uint64_t seq = 0;
  mqtt::async_client* client = nullptr;
  {
    MutexLock lock(mu_);
    if (state_ != State::kConnected) {
      // This transport's message handler, while (re)connecting: the message
      // it handles came over the new connection (e.g. queued by the broker
      // for a persistent session), or over the old one just before it was
      // lost. Hold the answer and send it once connected (GoLive()).
      if (from_our_handler && (state_ == State::kConnecting || state_ == State::kReconnecting)) {
        if (!ledger_.Hold(message)) {
          return Unavailable(
              "outgoing buffer full: " + std::to_string(options_.max_buffered_messages) +
              " messages published by the message handler wait for the "
              "connection (max_buffered_messages)");
        }
        return Status::Ok();
      }
      return Unavailable("cannot publish to \"" + std::string(topic.substr(0, 200)) +
                         "\": not connected to " + options_.server_uri);
    }
    seq = ledger_.Add(message);
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
        hold = from_our_handler;  // a message handler's answer: as while reconnecting
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
    if (hold && state_ != State::kDisconnecting && state_ != State::kIdle &&
        ledger_.HoldRefused(seq)) {
      // Held like a publish made while reconnecting: GoLive() sends it after
      // the reconnect; or, should a new connection already be up, the
      // supervisor does now.
      status = Status::Ok();
      if (state_ == State::kConnected) {
        resend_requested_ = true;
        supervisor_cv_.notify_one();
      }
    } else if (!status.ok()) {
      ledger_.Forget(seq);
    }
    wake = cv_waiters_ > 0;
  }
  if (wake) cv_.notify_all();
  return status;
}

Status PahoTransport::Flush(std::chrono::milliseconds timeout) {
  if (InPahoCallback()) {
    return FailedPreconditionError(
        "Flush() called from a handler on Paho's thread; the acknowledgements it waits for "
        "arrive on this thread");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  MutexLock lock(mu_);
  const OutgoingLedger::FlushMark mark = ledger_.MarkFlush();
  const auto done = [&]() SHADOWSYNC_REQUIRES(mu_) { return ledger_.IsFlushed(mark); };
  ++cv_waiters_;
  while (!done() && lock.WaitUntil(cv_, deadline)) {
  }
  const bool flushed = done();
  --cv_waiters_;
  if (!flushed) {
    return Status(StatusCode::kTimeout,
                  std::to_string(ledger_.PendingUpTo(mark)) +
                      " message(s) not yet acknowledged after " + std::to_string(timeout.count()) +
                      " ms" + (state_ == State::kConnected ? "" : " (not connected)"));
  }
  if (ledger_.IsCancelled(mark)) {
    return Unavailable("Disconnect() was called before every message was acknowledged");
  }
  return Status::Ok();
}

}  // namespace mqtt_internal

// ---------------------------------------------------------------------------
// Factory

using mqtt_internal::BrokerUri;

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
  return std::unique_ptr<Transport>(
      new mqtt_internal::PahoTransport(std::move(resolved), std::move(uri).value()));
}

}  // namespace shadowsync
