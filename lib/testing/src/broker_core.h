// SPDX-License-Identifier: Apache-2.0
//
// BrokerCore: LoopbackBroker's state and routing (loopback_broker.h says
// what a user sees). It is shared by the broker and its transports, so that
// a transport that outlives the broker finds a shut-down core instead of a
// dangling pointer. Everything lives behind one mutex. Routing (fault rules,
// subscription matching, the shadow service) happens under that mutex and
// only fills a delivery queue; handlers are called by Drain(), without the
// mutex, by whichever thread is not already inside a Drain().
//
// Thread safety: safe for concurrent use; never holds its mutex while a
// handler runs.

#ifndef SHADOWSYNC_TESTING_BROKER_CORE_H_
#define SHADOWSYNC_TESTING_BROKER_CORE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fault_rules.h"
#include "shadowsync/mutex.h"
#include "shadowsync/service.h"
#include "shadowsync/store.h"
#include "shadowsync/testing/loopback_broker.h"
#include "shadowsync/transport.h"

namespace shadowsync::testkit::internal {

/// One transport's client, as the broker knows it.
struct ClientRecord {
  enum class State { kIdle, kConnected, kLost };

  explicit ClientRecord(std::string client_id) : id(std::move(client_id)) {}

  const std::string id;
  // Everything below is GUARDED_BY(BrokerCore::mu_).
  MessageHandler on_message;
  ConnectionHandler on_connection;
  State state = State::kIdle;
  bool network_down = false;  // DisconnectClient() until ReconnectClient()
  bool alive = true;          // false once the transport is destroyed
  std::map<std::string, int, std::less<>> subscriptions;  // filter -> QoS
  std::deque<MqttMessage> session_queue;                  // persistent session
};

class BrokerCore {
 public:
  explicit BrokerCore(LoopbackBrokerOptions options);

  ManualClock& clock() { return clock_; }

  // ---- Transport side (LoopbackTransport forwards here) ----

  std::shared_ptr<ClientRecord> Register(std::string client_id);
  void Unregister(const std::shared_ptr<ClientRecord>& record);
  void SetHandlers(ClientRecord& record, MessageHandler on_message,
                   ConnectionHandler on_connection);
  Status Connect(const std::shared_ptr<ClientRecord>& record);
  Status Disconnect(const std::shared_ptr<ClientRecord>& record);
  bool IsConnected(const ClientRecord& record) const;
  Status Subscribe(ClientRecord& record, std::string_view filter, int qos);
  Status Publish(const ClientRecord& record, std::string_view topic, std::string_view payload,
                 int qos);
  Status Flush(std::chrono::milliseconds timeout);

  // ---- Broker side (LoopbackBroker forwards here) ----

  void Shutdown();
  Status DisconnectClient(std::string_view client_id);
  Status ReconnectClient(std::string_view client_id);
  void AddDrop(std::string_view filter, int n);
  void AddDuplicate(std::string_view filter, int n);
  void AddHold(std::string_view filter);
  std::size_t Release(bool reversed);
  std::size_t HeldCount() const;
  void ClearFaults();

  // Publishes a request as the cloud, exempt from the fault rules, and
  // returns the service's answer to it.
  Status CloudRequest(const ShadowId& id, Operation operation, std::string_view payload);

  Result<ShadowDocument> GetDocument(const ShadowId& id);
  std::vector<DeliveredMessage> Delivered() const;
  std::vector<PublishedMessage> Published() const;
  void ClearLog();
  std::vector<std::string> SubscriptionsOf(std::string_view client_id) const;
  bool IsClientConnected(std::string_view client_id) const;

 private:
  struct Publication {
    std::string publisher;
    std::string topic;
    std::string payload;
    int qos = 0;
  };

  // One handler call to make: a message or a connection event.
  struct Delivery {
    std::shared_ptr<ClientRecord> client;
    bool is_event = false;
    MqttMessage message;
    ConnectionEvent event = ConnectionEvent::kConnected;
    Status cause;

    static Delivery Message(std::shared_ptr<ClientRecord> client, MqttMessage message);
    static Delivery Event(std::shared_ptr<ClientRecord> client, ConnectionEvent event,
                          Status cause);
  };

  // Entry point of every publication: log, fault rules, routing.
  // `responses`, when not null, receives the service's
  // answer to the first routing of the publication.
  void Ingest(Publication publication, bool apply_faults, std::vector<ServiceMessage>* responses)
      SHADOWSYNC_REQUIRES(mu_);

  // Fans a publication out to subscribers, then lets the service handle it
  // when it is a request.
  void Route(const Publication& publication, std::vector<ServiceMessage>* responses)
      SHADOWSYNC_REQUIRES(mu_);

  // A message for a client that is not connected: kept by a persistent
  // session at QoS 1, else lost.
  void Park(ClientRecord& client, MqttMessage message) SHADOWSYNC_REQUIRES(mu_);

  // The connection of `client` just ended: messages routed to it but not
  // yet delivered are in flight, and lost or kept like later ones.
  void ParkPendingDeliveries(const std::shared_ptr<ClientRecord>& client) SHADOWSYNC_REQUIRES(mu_);

  // `client` is connected again: what its persistent session kept is
  // delivered first.
  void FlushSessionQueue(const std::shared_ptr<ClientRecord>& client) SHADOWSYNC_REQUIRES(mu_);

  // Calls the handlers of queued deliveries, in FIFO order, without mu_.
  // Only the outermost caller drains; a re-entrant or concurrent caller
  // returns at once and its deliveries are made by the one draining.
  void Drain();

  const LoopbackBrokerOptions options_;
  ManualClock clock_;
  MemoryStore store_;
  ShadowService service_;

  mutable Mutex mu_;
  std::condition_variable_any idle_cv_;
  bool shut_down_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<ClientRecord>> clients_ SHADOWSYNC_GUARDED_BY(mu_);
  std::deque<Delivery> queue_ SHADOWSYNC_GUARDED_BY(mu_);
  bool draining_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::thread::id drainer_ SHADOWSYNC_GUARDED_BY(mu_);
  FaultRules faults_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<Publication> held_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<DeliveredMessage> delivered_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<PublishedMessage> published_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace shadowsync::testkit::internal

#endif  // SHADOWSYNC_TESTING_BROKER_CORE_H_
