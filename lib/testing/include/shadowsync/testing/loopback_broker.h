// SPDX-License-Identifier: Apache-2.0
//
// LoopbackBroker: an in-memory MQTT broker that hosts the AWS IoT shadow
// service (ShadowService over a MemoryStore), for deterministic tests of
// shadow clients without a network, a broker process or AWS (architecture
// layer 8, shadowsync::testkit).
//
//   LoopbackBroker broker;
//   std::unique_ptr<Transport> device = broker.NewTransport("lamp");
//   // ... hand `device` to the code under test, which connects and subscribes ...
//   ASSERT_TRUE(broker.SetDesired({"lamp", std::nullopt}, R"({"on":true})").ok());
//   // The device's delta handler has run by now (delivery is synchronous).
//
// Names: the namespace is shadowsync::testkit (the CMake component and the
// header directory keep the name "testing"). Until release 0.3 the old
// namespace shadowsync::testing names these classes too, deprecated, unless
// SHADOWSYNC_NO_DEPRECATED_TESTING_NAMESPACE is defined: it hid
// GoogleTest's ::testing inside namespace shadowsync.

#ifndef SHADOWSYNC_TESTING_LOOPBACK_BROKER_H_
#define SHADOWSYNC_TESTING_LOOPBACK_BROKER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/document.h"
#include "shadowsync/mutex.h"
#include "shadowsync/service.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"
#include "shadowsync/transport.h"

namespace shadowsync {
namespace testkit {

/// A clock that moves only when told to. The broker stamps every request it
/// hands to ShadowService with Now(), so metadata timestamps, `timestamp`
/// fields and the rate limit (L8) and tombstone lifetime (V5, L10) are
/// deterministic.
///
/// Thread safety: safe for concurrent use.
class ManualClock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  /// 2023-11-14T22:13:20Z (1700000000 s since the epoch): the default start.
  static constexpr std::int64_t kDefaultStartSeconds = 1700000000;

  /// Starts at `start`.
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::seconds(kDefaultStartSeconds)));

  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  /// The current time.
  TimePoint Now() const;
  /// Now() in whole seconds since the epoch, the unit of shadow timestamps.
  Timestamp NowSeconds() const;
  /// Moves the clock forward by `by` (a negative value moves it back).
  void Advance(std::chrono::seconds by);
  /// Sets the clock to `time`.
  void Set(TimePoint time);

 private:
  mutable Mutex mu_;
  TimePoint now_ SHADOWSYNC_GUARDED_BY(mu_);
};

/// Configuration of a LoopbackBroker.
struct LoopbackBrokerOptions {
  /// The hosted shadow service: response order (P8), limits (L1, L2),
  /// rate limit (L8), tombstone lifetime (V5).
  ServiceOptions service;
  /// When true, every client has a persistent session (MQTT clean session
  /// off): while a client is not connected, messages that would reach it at
  /// QoS 1 (the minimum of the publish QoS and the subscription QoS) are
  /// queued and delivered, in order, right after it connects again.
  /// QoS 0 messages are lost. When false (the default, what PahoTransport
  /// does) everything sent to an unconnected client is lost.
  bool persistent_session = false;
  /// The initial time of the broker's ManualClock.
  ManualClock::TimePoint start_time =
      ManualClock::TimePoint(std::chrono::seconds(ManualClock::kDefaultStartSeconds));
};

/// One message the broker handed to a transport's message handler.
struct DeliveredMessage {
  std::string client_id;
  std::string topic;
  std::string payload;
  /// The QoS of the delivery: min(publish QoS, subscription QoS).
  int qos = 0;

  friend bool operator==(const DeliveredMessage& a, const DeliveredMessage& b) {
    return a.client_id == b.client_id && a.topic == b.topic && a.payload == b.payload &&
           a.qos == b.qos;
  }
};

/// One message that entered the broker (before fault rules are applied).
struct PublishedMessage {
  /// The publishing transport's client id; LoopbackBroker::kCloudPublisher
  /// for the cloud-side helpers; LoopbackBroker::kServicePublisher for the
  /// responses of the shadow service.
  std::string publisher;
  std::string topic;
  std::string payload;
  int qos = 0;

  friend bool operator==(const PublishedMessage& a, const PublishedMessage& b) {
    return a.publisher == b.publisher && a.topic == b.topic && a.payload == b.payload &&
           a.qos == b.qos;
  }
};

namespace internal {
class BrokerCore;
}  // namespace internal

/// An in-memory MQTT 3.1.1 broker with the AWS IoT Device Shadow service
/// (ShadowService over a MemoryStore) inside, and the fault controls a test
/// needs: lost connections, persistent sessions, dropped, duplicated, held
/// and reordered messages, and a manual clock.
///
/// Routing. Every message that enters the broker (a transport's Publish(), a
/// cloud-side helper's request, a response of the service) is a publication.
/// A publication is delivered once to every connected transport with at
/// least one matching subscription filter (TopicMatchesFilter: `+`, `#`, and
/// T10: a filter starting with a wildcard never matches `$aws/...`), at the
/// highest QoS among those filters, capped by the publish QoS. A publication
/// to a shadow request topic (`.../update`, `.../get`, `.../delete`) is
/// also handled by ShadowService at ManualClock::Now(), and each response is
/// a new publication at QoS 1 (P10, P11: responses go to every subscriber,
/// not to the requester). Nothing is ever retained.
///
/// Delivery is synchronous: the subscriber's MessageHandler (and a
/// ConnectionHandler for connection events) runs on the thread that caused
/// it, inside Publish(), Connect(), ReconnectClient(), UpdateShadow(), ...
/// before that call returns, so a test can assert right after the call. No
/// broker lock is held while a handler runs, so a handler may call
/// Publish() (and every broker method) re-entrantly: the messages it causes
/// are queued and delivered after the current handler returns, by the
/// outermost call, in global FIFO order. If another thread is already
/// delivering, that thread delivers the new messages too (the broker never
/// runs two handlers at once) and the call may return before they are
/// delivered; Transport::Flush() waits for them.
///
/// Fault rules act on publications, in this order: DropNext, DuplicateNext,
/// Hold. Requests sent by the cloud-side helpers are exempt (they act
/// directly, like the HTTPS API, so that the helpers' results are
/// deterministic), but their responses are not.
///
/// Like PahoTransport (paho_transport.h), a transport refuses Connect() and
/// Disconnect() from any of its handlers, and Subscribe() and Flush() from a
/// message handler, with kFailedPrecondition, so that code that would
/// deadlock on Paho fails here too. Qos must be 0 or 1.
///
/// Thread safety: safe for concurrent use (one internal mutex, never held
/// while a handler runs). Handlers run on the thread that delivers, as
/// described above, never two at a time.
class LoopbackBroker {
 public:
  /// The PublishedMessage::publisher of the cloud-side helpers' requests.
  static constexpr const char* kCloudPublisher = "$cloud";
  /// The PublishedMessage::publisher of the shadow service's responses.
  static constexpr const char* kServicePublisher = "$aws/shadow";

  explicit LoopbackBroker(LoopbackBrokerOptions options = {});
  ~LoopbackBroker();

  LoopbackBroker(const LoopbackBroker&) = delete;
  LoopbackBroker& operator=(const LoopbackBroker&) = delete;

  /// A new, unconnected transport for client `client_id`. The broker must
  /// outlive every transport it made (destroy the transports, or the
  /// clients that own them, first); a transport that outlives it anyway
  /// only returns kUnavailable. Client ids should be unique: the fault
  /// controls act on every transport with the given id.
  std::unique_ptr<Transport> NewTransport(std::string client_id);

  // ---- Connection faults -------------------------------------------------

  /// Simulates a network failure of `client_id`: a connected transport
  /// loses its connection (its handler gets kConnectionLost with a
  /// kUnavailable cause, IsConnected() turns false, Publish() and
  /// Subscribe() return kUnavailable) and messages for it are lost, or
  /// queued with `persistent_session`. Until ReconnectClient(), Connect()
  /// fails with kUnavailable. Subscriptions are kept. kNotFound when no
  /// transport has that id.
  Status DisconnectClient(std::string_view client_id);

  /// Ends the network failure of `client_id`: a transport that lost its
  /// connection reconnects (its handler gets kReconnected, subscriptions
  /// kept, as PahoTransport renews them), then receives the messages its
  /// persistent session queued. kNotFound when no transport has that id.
  Status ReconnectClient(std::string_view client_id);

  // ---- Message faults ----------------------------------------------------

  /// Drops the next `n` publications whose topic matches `filter`: they
  /// reach no subscriber and, for requests, not the service.
  void DropNext(std::string_view filter, int n = 1);

  /// Routes each of the next `n` publications whose topic matches `filter`
  /// twice (every subscriber gets it twice; a request is handled twice).
  void DuplicateNext(std::string_view filter, int n = 1);

  /// Holds every publication whose topic matches `filter` (until released)
  /// instead of routing it. Use with ReleaseHeld() to delay and with
  /// ReleaseHeldReversed() to reorder.
  void Hold(std::string_view filter);

  /// Routes every held publication in the order it was held, to the
  /// subscribers connected now (a held request is handled by the service
  /// now, at the current time), and removes every Hold() rule. Returns how
  /// many publications were released.
  std::size_t ReleaseHeld();

  /// Like ReleaseHeld(), newest first.
  std::size_t ReleaseHeldReversed();

  /// How many publications are held.
  std::size_t HeldCount() const;

  /// Removes every DropNext, DuplicateNext and Hold rule (held publications
  /// stay held until released).
  void ClearFaults();

  // ---- Time --------------------------------------------------------------

  /// The clock that stamps service requests.
  ManualClock& clock() { return *clock_; }
  const ManualClock& clock() const { return *clock_; }

  // ---- Cloud side --------------------------------------------------------

  /// Publishes `update_payload` to the update topic of `id` as another
  /// application would (publisher kCloudPublisher); the request and its
  /// responses fan out to subscribers. OK when the service accepted it;
  /// otherwise the rejection: kConflict for 409, kRejected for other
  /// codes, with "<code>: <message>"; kInvalidArgument for an invalid id.
  Status UpdateShadow(const ShadowId& id, std::string_view update_payload);

  /// UpdateShadow(id, {"state":{"desired": desired_json}}). `desired_json`
  /// is a JSON object (or null), inserted verbatim.
  Status SetDesired(const ShadowId& id, std::string_view desired_json);

  /// UpdateShadow(id, {"state":{"reported": reported_json}}).
  Status SetReported(const ShadowId& id, std::string_view reported_json);

  /// Publishes a delete request for `id` (responses fan out). OK when
  /// accepted; kNotFound when there is no such shadow (404); kRejected
  /// otherwise.
  Status DeleteShadow(const ShadowId& id);

  /// The stored document of `id`, read directly from the store (no
  /// publication). kNotFound when it does not exist (never created, or
  /// deleted).
  Result<ShadowDocument> GetDocument(const ShadowId& id) const;

  /// GetDocument(id)->ToJson(): `{"state":{...},"metadata":{...},"version":V}`.
  Result<std::string> GetDocumentJson(const ShadowId& id) const;

  // ---- Logs --------------------------------------------------------------

  /// Every message handed to a message handler since the last ClearLog(),
  /// in delivery order.
  std::vector<DeliveredMessage> Delivered() const;

  /// The messages delivered to `client_id`, only those on topics matching
  /// `filter` when it is not empty. (An empty filter means all: `#` would
  /// not match `$aws/...` topics, T10.)
  std::vector<DeliveredMessage> DeliveredTo(std::string_view client_id,
                                            std::string_view filter = {}) const;

  /// Every publication that entered the broker since the last ClearLog(),
  /// in order, including dropped and held ones.
  std::vector<PublishedMessage> Published() const;

  /// Clears Delivered() and Published().
  void ClearLog();

  /// The subscription filters of `client_id` (empty when unknown).
  std::vector<std::string> SubscriptionsOf(std::string_view client_id) const;

  /// Whether a transport with id `client_id` is connected.
  bool IsClientConnected(std::string_view client_id) const;

 private:
  // Shared with the transports, so that one that outlives the broker finds
  // a disconnected core instead of a dangling pointer.
  std::shared_ptr<internal::BrokerCore> core_;
  ManualClock* clock_;  // owned by core_
};

}  // namespace testkit
}  // namespace shadowsync

#ifndef SHADOWSYNC_NO_DEPRECATED_TESTING_NAMESPACE
// Deprecated: the old name of shadowsync::testkit (see the file comment).
namespace shadowsync::testing {
#define SHADOWSYNC_TESTKIT_RENAMED \
  [[deprecated("shadowsync::testing is now shadowsync::testkit (it hid GoogleTest's ::testing)")]]
using ManualClock SHADOWSYNC_TESTKIT_RENAMED = testkit::ManualClock;
using LoopbackBrokerOptions SHADOWSYNC_TESTKIT_RENAMED = testkit::LoopbackBrokerOptions;
using DeliveredMessage SHADOWSYNC_TESTKIT_RENAMED = testkit::DeliveredMessage;
using PublishedMessage SHADOWSYNC_TESTKIT_RENAMED = testkit::PublishedMessage;
using LoopbackBroker SHADOWSYNC_TESTKIT_RENAMED = testkit::LoopbackBroker;
#undef SHADOWSYNC_TESTKIT_RENAMED
}  // namespace shadowsync::testing
#endif

#endif  // SHADOWSYNC_TESTING_LOOPBACK_BROKER_H_
