// SPDX-License-Identifier: Apache-2.0
//
// LoopbackBroker: see loopback_broker.h. All state lives in BrokerCore,
// shared by the broker and its transports, behind one mutex. Routing (fault
// rules, subscription matching, the shadow service) happens under that
// mutex and only fills a delivery queue; handlers are called by Drain(),
// without the mutex, by whichever thread is not already inside a Drain().

#include "shadowsync/testing/loopback_broker.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "shadowsync/json.h"
#include "shadowsync/store.h"

namespace shadowsync {
namespace testkit {

// ---- ManualClock -----------------------------------------------------------

ManualClock::ManualClock(TimePoint start) : now_(start) {}

ManualClock::TimePoint ManualClock::Now() const {
  MutexLock lock(mu_);
  return now_;
}

Timestamp ManualClock::NowSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
}

void ManualClock::Advance(std::chrono::seconds by) {
  MutexLock lock(mu_);
  now_ += by;
}

void ManualClock::Set(TimePoint time) {
  MutexLock lock(mu_);
  now_ = time;
}

namespace {

// Which handlers this thread is running, for the PahoTransport rules
// (paho_transport.h): no Connect()/Disconnect() from any handler, no
// Subscribe()/Flush() from a message handler. Thread-local rather than
// per-broker, like Paho's, whose receive thread is shared by every client.
thread_local int t_message_handler_depth = 0;
thread_local int t_connection_handler_depth = 0;

class DepthGuard {
 public:
  explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  int& depth_;
};

Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}

// The same checks as PahoTransport, so that a test fails here where the
// real transport would refuse.
Status CheckQos(int qos) {
  if (qos == 0 || qos == 1) return Status::Ok();
  return InvalidArgumentError("qos " + std::to_string(qos) +
                              " is not supported; use 0 or 1 (AWS IoT has no QoS 2)");
}

Status CheckTopicName(std::string_view topic) {
  if (topic.empty()) return InvalidArgumentError("topic is empty");
  if (topic.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("topic contains a NUL character");
  }
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return InvalidArgumentError("topic \"" + std::string(topic) +
                                "\" contains a wildcard (+ or #)");
  }
  return Status::Ok();
}

Status CheckFilter(std::string_view filter) {
  if (filter.empty()) return InvalidArgumentError("filter is empty");
  if (filter.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("filter contains a NUL character");
  }
  std::size_t start = 0;
  while (true) {
    std::size_t end = filter.find('/', start);
    const bool last = end == std::string_view::npos;
    if (last) end = filter.size();
    const std::string_view level = filter.substr(start, end - start);
    if (level.find_first_of("+#") != std::string_view::npos && level.size() != 1) {
      return InvalidArgumentError("filter \"" + std::string(filter) +
                                  "\": a wildcard must be a whole level");
    }
    if (level == "#" && !last) {
      return InvalidArgumentError("filter \"" + std::string(filter) +
                                  "\": '#' must be the last level");
    }
    if (last) break;
    start = end + 1;
  }
  return Status::Ok();
}

// Maps a rejected response (E1 error document) to a Status.
Status RejectionStatus(const std::string& payload) {
  Result<JsonDocument> doc = ParseJson(payload);
  if (!doc.ok() || !doc->IsObject() || !doc->HasMember("code") || !(*doc)["code"].IsInt()) {
    return InternalError("unreadable rejection: " + payload);
  }
  const int code = (*doc)["code"].GetInt();
  std::string message;
  if (doc->HasMember("message") && (*doc)["message"].IsString()) {
    message = (*doc)["message"].GetString();
  }
  std::string text = std::to_string(code) + ": " + message;
  switch (code) {
    case 404:
      return NotFoundError(std::move(text));
    case 409:
      return Status(StatusCode::kConflict, std::move(text));
    default:
      return Status(StatusCode::kRejected, std::move(text));
  }
}

}  // namespace

namespace internal {

// ---- BrokerCore ------------------------------------------------------------

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
  explicit BrokerCore(LoopbackBrokerOptions options)
      : options_(std::move(options)),
        clock_(options_.start_time),
        service_(store_, options_.service) {}

  ManualClock& clock() { return clock_; }

  // ---- Transport side ----

  std::shared_ptr<ClientRecord> Register(std::string client_id) {
    auto record = std::make_shared<ClientRecord>(std::move(client_id));
    MutexLock lock(mu_);
    clients_.push_back(record);
    return record;
  }

  void Unregister(const std::shared_ptr<ClientRecord>& record) {
    MutexLock lock(mu_);
    record->alive = false;
    record->state = ClientRecord::State::kIdle;
    clients_.erase(std::remove(clients_.begin(), clients_.end(), record), clients_.end());
    // Its queued deliveries are skipped by Drain() (alive == false).
  }

  void SetHandlers(ClientRecord& record, MessageHandler on_message,
                   ConnectionHandler on_connection) {
    MutexLock lock(mu_);
    record.on_message = std::move(on_message);
    record.on_connection = std::move(on_connection);
  }

  Status Connect(const std::shared_ptr<ClientRecord>& record) {
    if (t_message_handler_depth > 0 || t_connection_handler_depth > 0) {
      return FailedPreconditionError("Connect() must not be called from a transport handler");
    }
    {
      MutexLock lock(mu_);
      if (shut_down_) return Unavailable("the LoopbackBroker no longer exists");
      if (record->state == ClientRecord::State::kConnected) return Status::Ok();
      if (record->network_down) {
        return Unavailable("connect of client \"" + record->id +
                           "\" failed: its network is down (LoopbackBroker::DisconnectClient)");
      }
      record->state = ClientRecord::State::kConnected;
      queue_.push_back(Delivery::Event(record, ConnectionEvent::kConnected, Status::Ok()));
      FlushSessionQueue(record);
    }
    Drain();
    return Status::Ok();
  }

  Status Disconnect(const std::shared_ptr<ClientRecord>& record) {
    if (t_message_handler_depth > 0 || t_connection_handler_depth > 0) {
      return FailedPreconditionError("Disconnect() must not be called from a transport handler");
    }
    MutexLock lock(mu_);
    if (record->state == ClientRecord::State::kIdle) return Status::Ok();
    record->state = ClientRecord::State::kIdle;
    ParkPendingDeliveries(record);
    return Status::Ok();
  }

  bool IsConnected(const ClientRecord& record) const {
    MutexLock lock(mu_);
    return !shut_down_ && record.state == ClientRecord::State::kConnected;
  }

  Status Subscribe(ClientRecord& record, std::string_view filter, int qos) {
    if (t_message_handler_depth > 0) {
      return FailedPreconditionError(
          "Subscribe() called from a message handler (PahoTransport would deadlock waiting for "
          "the SUBACK)");
    }
    if (Status s = CheckFilter(filter); !s.ok()) return s;
    if (Status s = CheckQos(qos); !s.ok()) return s;
    MutexLock lock(mu_);
    if (shut_down_ || record.state != ClientRecord::State::kConnected) {
      return Unavailable("cannot subscribe to \"" + std::string(filter) + "\": client \"" +
                         record.id + "\" is not connected");
    }
    auto it = record.subscriptions.find(filter);
    if (it != record.subscriptions.end()) {
      it->second = qos;
    } else {
      record.subscriptions.emplace(std::string(filter), qos);
    }
    return Status::Ok();
  }

  Status Publish(const ClientRecord& record, std::string_view topic, std::string_view payload,
                 int qos) {
    if (Status s = CheckTopicName(topic); !s.ok()) return s;
    if (Status s = CheckQos(qos); !s.ok()) return s;
    {
      MutexLock lock(mu_);
      if (shut_down_ || record.state != ClientRecord::State::kConnected) {
        return Unavailable("cannot publish to \"" + std::string(topic) + "\": client \"" +
                           record.id + "\" is not connected");
      }
      Ingest(Publication{record.id, std::string(topic), std::string(payload), qos},
             /*apply_faults=*/true, nullptr);
    }
    Drain();
    return Status::Ok();
  }

  Status Flush(std::chrono::milliseconds timeout) {
    if (t_message_handler_depth > 0) {
      return FailedPreconditionError(
          "Flush() called from a message handler (PahoTransport would deadlock waiting for "
          "acknowledgements)");
    }
    MutexLock lock(mu_);
    // A connection handler run by this very thread's Drain(): the rest of
    // the queue is delivered when it returns; waiting would never end.
    if (draining_ && drainer_ == std::this_thread::get_id()) return Status::Ok();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (draining_ || !queue_.empty()) {
      if (lock.WaitUntil(idle_cv_, deadline) || (!draining_ && queue_.empty())) continue;
      return Status(StatusCode::kTimeout, std::to_string(queue_.size()) +
                                              " deliveries still pending after " +
                                              std::to_string(timeout.count()) + " ms");
    }
    return Status::Ok();
  }

  // ---- Broker side ----

  void Shutdown() {
    MutexLock lock(mu_);
    shut_down_ = true;
    for (const auto& client : clients_) client->state = ClientRecord::State::kIdle;
    queue_.clear();
    held_.clear();
  }

  Status DisconnectClient(std::string_view client_id) {
    {
      MutexLock lock(mu_);
      bool found = false;
      for (const auto& client : clients_) {
        if (client->id != client_id) continue;
        found = true;
        client->network_down = true;
        if (client->state != ClientRecord::State::kConnected) continue;
        client->state = ClientRecord::State::kLost;
        ParkPendingDeliveries(client);
        queue_.push_back(
            Delivery::Event(client, ConnectionEvent::kConnectionLost,
                            Unavailable("connection of client \"" + client->id +
                                        "\" lost (LoopbackBroker::DisconnectClient)")));
      }
      if (!found)
        return NotFoundError("no transport with client id \"" + std::string(client_id) + "\"");
    }
    Drain();
    return Status::Ok();
  }

  Status ReconnectClient(std::string_view client_id) {
    {
      MutexLock lock(mu_);
      bool found = false;
      for (const auto& client : clients_) {
        if (client->id != client_id) continue;
        found = true;
        client->network_down = false;
        if (shut_down_ || client->state != ClientRecord::State::kLost) continue;
        client->state = ClientRecord::State::kConnected;
        queue_.push_back(Delivery::Event(client, ConnectionEvent::kReconnected, Status::Ok()));
        FlushSessionQueue(client);
      }
      if (!found)
        return NotFoundError("no transport with client id \"" + std::string(client_id) + "\"");
    }
    Drain();
    return Status::Ok();
  }

  void AddDrop(std::string_view filter, int n) {
    if (n <= 0) return;
    MutexLock lock(mu_);
    drop_rules_.push_back(CountRule{std::string(filter), n});
  }

  void AddDuplicate(std::string_view filter, int n) {
    if (n <= 0) return;
    MutexLock lock(mu_);
    duplicate_rules_.push_back(CountRule{std::string(filter), n});
  }

  void AddHold(std::string_view filter) {
    MutexLock lock(mu_);
    hold_filters_.emplace_back(filter);
  }

  std::size_t Release(bool reversed) {
    std::size_t count = 0;
    {
      MutexLock lock(mu_);
      std::vector<Publication> held = std::move(held_);
      held_.clear();
      hold_filters_.clear();
      if (reversed) std::reverse(held.begin(), held.end());
      count = held.size();
      // Released publications have been through the fault rules once; their
      // responses are new publications and go through them.
      for (auto& publication : held) Route(publication, nullptr);
    }
    Drain();
    return count;
  }

  std::size_t HeldCount() const {
    MutexLock lock(mu_);
    return held_.size();
  }

  void ClearFaults() {
    MutexLock lock(mu_);
    drop_rules_.clear();
    duplicate_rules_.clear();
    hold_filters_.clear();
  }

  // Publishes a request as the cloud, exempt from the fault rules, and
  // returns the service's answer to it.
  Status CloudRequest(const ShadowId& id, Operation operation, std::string_view payload) {
    Result<std::string> topic = BuildTopic(id, operation);
    if (!topic.ok()) return topic.status();
    std::vector<ServiceMessage> responses;
    {
      MutexLock lock(mu_);
      if (shut_down_) return Unavailable("the LoopbackBroker no longer exists");
      Ingest(
          Publication{LoopbackBroker::kCloudPublisher, std::move(*topic), std::string(payload), 1},
          /*apply_faults=*/false, &responses);
    }
    Drain();
    for (const ServiceMessage& response : responses) {
      Result<ShadowTopic> parsed = ParseTopic(response.topic);
      if (!parsed.ok() || parsed->operation != operation) continue;
      if (parsed->suffix == Suffix::kAccepted) return Status::Ok();
      if (parsed->suffix == Suffix::kRejected) return RejectionStatus(response.payload);
    }
    return InternalError("the shadow service did not answer the " +
                         std::string(OperationName(operation)) + " request");
  }

  Result<ShadowDocument> GetDocument(const ShadowId& id) {
    Result<StoredShadow> entry = store_.Load(id);
    if (!entry.ok()) return entry.status();
    if (!entry->document) {
      return NotFoundError("No shadow exists with name: '" + id.display_name() + "'");
    }
    return std::move(*entry->document);
  }

  std::vector<DeliveredMessage> Delivered() const {
    MutexLock lock(mu_);
    return delivered_;
  }

  std::vector<PublishedMessage> Published() const {
    MutexLock lock(mu_);
    return published_;
  }

  void ClearLog() {
    MutexLock lock(mu_);
    delivered_.clear();
    published_.clear();
  }

  std::vector<std::string> SubscriptionsOf(std::string_view client_id) const {
    MutexLock lock(mu_);
    std::vector<std::string> filters;
    for (const auto& client : clients_) {
      if (client->id != client_id) continue;
      for (const auto& entry : client->subscriptions) filters.push_back(entry.first);
    }
    return filters;
  }

  bool IsClientConnected(std::string_view client_id) const {
    MutexLock lock(mu_);
    if (shut_down_) return false;
    return std::any_of(clients_.begin(), clients_.end(), [&](const auto& client) {
      return client->id == client_id && client->state == ClientRecord::State::kConnected;
    });
  }

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

    static Delivery Message(std::shared_ptr<ClientRecord> client, MqttMessage message) {
      Delivery d;
      d.client = std::move(client);
      d.message = std::move(message);
      return d;
    }
    static Delivery Event(std::shared_ptr<ClientRecord> client, ConnectionEvent event,
                          Status cause) {
      Delivery d;
      d.client = std::move(client);
      d.is_event = true;
      d.event = event;
      d.cause = std::move(cause);
      return d;
    }
  };

  struct CountRule {
    std::string filter;
    int remaining = 0;
  };

  // Consumes one use of the first rule in `rules` matching `topic`.
  static bool TakeRule(std::vector<CountRule>& rules, const std::string& topic) {
    for (auto it = rules.begin(); it != rules.end(); ++it) {
      if (!TopicMatchesFilter(it->filter, topic)) continue;
      if (--it->remaining <= 0) rules.erase(it);
      return true;
    }
    return false;
  }

  // Entry point of every publication: log, fault rules, routing.
  // `responses`, when not null, receives the service's
  // answer to the first routing of the publication.
  void Ingest(Publication publication, bool apply_faults, std::vector<ServiceMessage>* responses)
      SHADOWSYNC_REQUIRES(mu_) {
    published_.push_back(PublishedMessage{publication.publisher, publication.topic,
                                          publication.payload, publication.qos});
    int copies = 1;
    if (apply_faults) {
      if (TakeRule(drop_rules_, publication.topic)) return;
      if (TakeRule(duplicate_rules_, publication.topic)) copies = 2;
      const bool hold = std::any_of(
          hold_filters_.begin(), hold_filters_.end(),
          [&](const std::string& filter) { return TopicMatchesFilter(filter, publication.topic); });
      if (hold) {
        for (int i = 0; i < copies; ++i) held_.push_back(publication);
        return;
      }
    }
    for (int i = 0; i < copies; ++i) Route(publication, i == 0 ? responses : nullptr);
  }

  // Fans a publication out to subscribers, then lets the service handle it
  // when it is a request.
  void Route(const Publication& publication, std::vector<ServiceMessage>* responses)
      SHADOWSYNC_REQUIRES(mu_) {
    for (const auto& client : clients_) {
      int granted = -1;
      for (const auto& [filter, qos] : client->subscriptions) {
        if (TopicMatchesFilter(filter, publication.topic)) granted = std::max(granted, qos);
      }
      if (granted < 0) continue;  // one copy per client, however many filters match
      MqttMessage message{publication.topic, publication.payload,
                          std::min(granted, publication.qos), false};
      if (client->state == ClientRecord::State::kConnected) {
        queue_.push_back(Delivery::Message(client, std::move(message)));
      } else {
        Park(*client, std::move(message));
      }
    }
    std::vector<ServiceMessage> answers =
        service_.Handle(ServiceRequest{publication.topic, publication.payload, clock_.Now()});
    for (const ServiceMessage& answer : answers) {
      // P10: the service publishes at QoS 1.
      Ingest(Publication{LoopbackBroker::kServicePublisher, answer.topic, answer.payload, 1},
             /*apply_faults=*/true, nullptr);
    }
    if (responses != nullptr) *responses = std::move(answers);
  }

  // A message for a client that is not connected: kept by a persistent
  // session at QoS 1, else lost.
  void Park(ClientRecord& client, MqttMessage message) SHADOWSYNC_REQUIRES(mu_) {
    if (options_.persistent_session && message.qos >= 1) {
      client.session_queue.push_back(std::move(message));
    }
  }

  // The connection of `client` just ended: messages routed to it but not
  // yet delivered are in flight, and lost or kept like later ones.
  //
  void ParkPendingDeliveries(const std::shared_ptr<ClientRecord>& client) SHADOWSYNC_REQUIRES(mu_) {
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->client == client && !it->is_event) {
        Park(*client, std::move(it->message));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }

  //
  void FlushSessionQueue(const std::shared_ptr<ClientRecord>& client) SHADOWSYNC_REQUIRES(mu_) {
    for (MqttMessage& message : client->session_queue) {
      queue_.push_back(Delivery::Message(client, std::move(message)));
    }
    client->session_queue.clear();
  }

  // Calls the handlers of queued deliveries, in FIFO order, without mu_.
  // Only the outermost caller drains; a re-entrant or concurrent caller
  // returns at once and its deliveries are made by the one draining.
  void Drain() {
    MutexLock lock(mu_);
    if (draining_) return;
    draining_ = true;
    drainer_ = std::this_thread::get_id();
    while (!queue_.empty()) {
      Delivery delivery = std::move(queue_.front());
      queue_.pop_front();
      ClientRecord& client = *delivery.client;
      if (!client.alive) continue;
      if (delivery.is_event) {
        ConnectionHandler handler = client.on_connection;
        if (!handler) continue;
        lock.Unlock();
        {
          DepthGuard guard(t_connection_handler_depth);
          // Like PahoTransport, an exception from a handler is dropped.
          try {
            handler(delivery.event, delivery.cause);
          } catch (...) {
          }
        }
        lock.Lock();
        continue;
      }
      if (client.state != ClientRecord::State::kConnected) {
        Park(client, std::move(delivery.message));
        continue;
      }
      delivered_.push_back(DeliveredMessage{client.id, delivery.message.topic,
                                            delivery.message.payload, delivery.message.qos});
      MessageHandler handler = client.on_message;
      if (!handler) continue;
      lock.Unlock();
      {
        DepthGuard guard(t_message_handler_depth);
        try {
          handler(delivery.message);
        } catch (...) {
        }
      }
      lock.Lock();
    }
    draining_ = false;
    drainer_ = std::thread::id();
    lock.Unlock();
    idle_cv_.notify_all();
  }

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
  std::vector<CountRule> drop_rules_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<CountRule> duplicate_rules_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<std::string> hold_filters_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<Publication> held_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<DeliveredMessage> delivered_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<PublishedMessage> published_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace internal

namespace {

// The Transport handed out by NewTransport(): a client id and a record in
// the shared core.
class LoopbackTransport final : public Transport {
 public:
  LoopbackTransport(std::shared_ptr<internal::BrokerCore> core,
                    std::shared_ptr<internal::ClientRecord> record)
      : core_(std::move(core)), record_(std::move(record)) {}

  ~LoopbackTransport() override { core_->Unregister(record_); }

  LoopbackTransport(const LoopbackTransport&) = delete;
  LoopbackTransport& operator=(const LoopbackTransport&) = delete;

  void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) override {
    core_->SetHandlers(*record_, std::move(on_message), std::move(on_connection));
  }
  Status Connect() override { return core_->Connect(record_); }
  Status Disconnect() override { return core_->Disconnect(record_); }
  bool IsConnected() const override { return core_->IsConnected(*record_); }
  Status Subscribe(std::string_view filter, int qos) override {
    return core_->Subscribe(*record_, filter, qos);
  }
  Status Publish(std::string_view topic, std::string_view payload, int qos) override {
    return core_->Publish(*record_, topic, payload, qos);
  }
  Status Flush(std::chrono::milliseconds timeout) override { return core_->Flush(timeout); }

 private:
  const std::shared_ptr<internal::BrokerCore> core_;
  const std::shared_ptr<internal::ClientRecord> record_;
};

std::string Section(std::string_view key, std::string_view json) {
  std::string payload = R"({"state":{")";
  payload.append(key);
  payload.append(R"(":)");
  payload.append(json);
  payload.append("}}");
  return payload;
}

}  // namespace

// ---- LoopbackBroker --------------------------------------------------------

LoopbackBroker::LoopbackBroker(LoopbackBrokerOptions options)
    : core_(std::make_shared<internal::BrokerCore>(std::move(options))), clock_(&core_->clock()) {}

LoopbackBroker::~LoopbackBroker() { core_->Shutdown(); }

std::unique_ptr<Transport> LoopbackBroker::NewTransport(std::string client_id) {
  std::shared_ptr<internal::ClientRecord> record = core_->Register(std::move(client_id));
  return std::make_unique<LoopbackTransport>(core_, std::move(record));
}

Status LoopbackBroker::DisconnectClient(std::string_view client_id) {
  return core_->DisconnectClient(client_id);
}

Status LoopbackBroker::ReconnectClient(std::string_view client_id) {
  return core_->ReconnectClient(client_id);
}

void LoopbackBroker::DropNext(std::string_view filter, int n) { core_->AddDrop(filter, n); }

void LoopbackBroker::DuplicateNext(std::string_view filter, int n) {
  core_->AddDuplicate(filter, n);
}

void LoopbackBroker::Hold(std::string_view filter) { core_->AddHold(filter); }

std::size_t LoopbackBroker::ReleaseHeld() { return core_->Release(/*reversed=*/false); }

std::size_t LoopbackBroker::ReleaseHeldReversed() { return core_->Release(/*reversed=*/true); }

std::size_t LoopbackBroker::HeldCount() const { return core_->HeldCount(); }

void LoopbackBroker::ClearFaults() { core_->ClearFaults(); }

Status LoopbackBroker::UpdateShadow(const ShadowId& id, std::string_view update_payload) {
  return core_->CloudRequest(id, Operation::kUpdate, update_payload);
}

Status LoopbackBroker::SetDesired(const ShadowId& id, std::string_view desired_json) {
  return UpdateShadow(id, Section("desired", desired_json));
}

Status LoopbackBroker::SetReported(const ShadowId& id, std::string_view reported_json) {
  return UpdateShadow(id, Section("reported", reported_json));
}

Status LoopbackBroker::DeleteShadow(const ShadowId& id) {
  return core_->CloudRequest(id, Operation::kDelete, "");
}

Result<ShadowDocument> LoopbackBroker::GetDocument(const ShadowId& id) const {
  return core_->GetDocument(id);
}

Result<std::string> LoopbackBroker::GetDocumentJson(const ShadowId& id) const {
  Result<ShadowDocument> document = GetDocument(id);
  if (!document.ok()) return document.status();
  return document->ToJson();
}

std::vector<DeliveredMessage> LoopbackBroker::Delivered() const { return core_->Delivered(); }

std::vector<DeliveredMessage> LoopbackBroker::DeliveredTo(std::string_view client_id,
                                                          std::string_view filter) const {
  std::vector<DeliveredMessage> all = core_->Delivered();
  std::vector<DeliveredMessage> selected;
  for (DeliveredMessage& message : all) {
    if (message.client_id != client_id) continue;
    if (!filter.empty() && !TopicMatchesFilter(filter, message.topic)) continue;
    selected.push_back(std::move(message));
  }
  return selected;
}

std::vector<PublishedMessage> LoopbackBroker::Published() const { return core_->Published(); }

void LoopbackBroker::ClearLog() { core_->ClearLog(); }

std::vector<std::string> LoopbackBroker::SubscriptionsOf(std::string_view client_id) const {
  return core_->SubscriptionsOf(client_id);
}

bool LoopbackBroker::IsClientConnected(std::string_view client_id) const {
  return core_->IsClientConnected(client_id);
}

}  // namespace testkit
}  // namespace shadowsync
