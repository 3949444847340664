// SPDX-License-Identifier: Apache-2.0
//
// BrokerCore: see broker_core.h.

#include "broker_core.h"

#include <algorithm>
#include <utility>

#include "rejection_status.h"
#include "shadowsync/json.h"
#include "shadowsync/topic.h"

namespace shadowsync::testkit::internal {
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

// The same QoS check as PahoTransport (topics: topic.h's ValidateTopicName
// and ValidateTopicFilter, which both use), so that a test fails here where
// the real transport would refuse.
Status CheckQos(int qos) {
  if (qos == 0 || qos == 1) return Status::Ok();
  return InvalidArgumentError("qos " + std::to_string(qos) +
                              " is not supported; use 0 or 1 (AWS IoT has no QoS 2)");
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
  return shadowsync::internal::StatusForErrorCode(code, std::to_string(code) + ": " + message);
}

}  // namespace

BrokerCore::BrokerCore(LoopbackBrokerOptions options)
    : options_(std::move(options)),
      clock_(options_.start_time),
      service_(store_, options_.service) {}

BrokerCore::Delivery BrokerCore::Delivery::Message(std::shared_ptr<ClientRecord> client,
                                                   MqttMessage message) {
  Delivery d;
  d.client = std::move(client);
  d.message = std::move(message);
  return d;
}

BrokerCore::Delivery BrokerCore::Delivery::Event(std::shared_ptr<ClientRecord> client,
                                                 ConnectionEvent event, Status cause) {
  Delivery d;
  d.client = std::move(client);
  d.is_event = true;
  d.event = event;
  d.cause = std::move(cause);
  return d;
}

void BrokerCore::SetHandlers(ClientRecord& record, MessageHandler on_message,
                             ConnectionHandler on_connection) {
  MutexLock lock(mu_);
  record.on_message = std::move(on_message);
  record.on_connection = std::move(on_connection);
}

Status BrokerCore::Publish(const ClientRecord& record, std::string_view topic,
                           std::string_view payload, int qos) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  if (Status s = CheckQos(qos); !s.ok()) return s;
  {
    MutexLock lock(mu_);
    if (shut_down_ || record.state != ClientRecord::State::kConnected) {
      return Unavailable("cannot publish to \"" + std::string(topic) + "\": client \"" + record.id +
                         "\" is not connected");
    }
    Ingest(Publication{record.id, std::string(topic), std::string(payload), qos},
           /*apply_faults=*/true, nullptr);
  }
  Drain();
  return Status::Ok();
}

void BrokerCore::Ingest(Publication publication, bool apply_faults,
                        std::vector<ServiceMessage>* responses) {
  published_.push_back(PublishedMessage{publication.publisher, publication.topic,
                                        publication.payload, publication.qos});
  int copies = 1;
  if (apply_faults) {
    const FaultRules::Verdict verdict = faults_.Apply(publication.topic);
    if (verdict.drop) return;
    copies = verdict.copies;
    if (verdict.hold) {
      for (int i = 0; i < copies; ++i) held_.push_back(publication);
      return;
    }
  }
  for (int i = 0; i < copies; ++i) Route(publication, i == 0 ? responses : nullptr);
}

void BrokerCore::Route(const Publication& publication, std::vector<ServiceMessage>* responses) {
  for (const auto& client : clients_) {
    int granted = -1;
    for (const auto& [filter, qos] : client->subscriptions) {
      if (TopicMatchesFilter(filter, publication.topic)) granted = std::max(granted, qos);
    }
    if (granted < 0) continue;  // one copy per client, however many filters match
    MqttMessage message{publication.topic, publication.payload, std::min(granted, publication.qos),
                        false};
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

std::shared_ptr<ClientRecord> BrokerCore::Register(std::string client_id) {
  auto record = std::make_shared<ClientRecord>(std::move(client_id));
  MutexLock lock(mu_);
  clients_.push_back(record);
  return record;
}

void BrokerCore::Unregister(const std::shared_ptr<ClientRecord>& record) {
  MutexLock lock(mu_);
  record->alive = false;
  record->state = ClientRecord::State::kIdle;
  clients_.erase(std::remove(clients_.begin(), clients_.end(), record), clients_.end());
  // Its queued deliveries are skipped by Drain() (alive == false).
}

Status BrokerCore::Connect(const std::shared_ptr<ClientRecord>& record) {
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

Status BrokerCore::Disconnect(const std::shared_ptr<ClientRecord>& record) {
  if (t_message_handler_depth > 0 || t_connection_handler_depth > 0) {
    return FailedPreconditionError("Disconnect() must not be called from a transport handler");
  }
  MutexLock lock(mu_);
  if (record->state == ClientRecord::State::kIdle) return Status::Ok();
  record->state = ClientRecord::State::kIdle;
  ParkPendingDeliveries(record);
  return Status::Ok();
}

bool BrokerCore::IsConnected(const ClientRecord& record) const {
  MutexLock lock(mu_);
  return !shut_down_ && record.state == ClientRecord::State::kConnected;
}

Status BrokerCore::Subscribe(ClientRecord& record, std::string_view filter, int qos) {
  if (t_message_handler_depth > 0) {
    return FailedPreconditionError(
        "Subscribe() called from a message handler (PahoTransport would deadlock waiting for "
        "the SUBACK)");
  }
  if (Status s = ValidateTopicFilter(filter); !s.ok()) return s;
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

Status BrokerCore::Flush(std::chrono::milliseconds timeout) {
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

void BrokerCore::Shutdown() {
  MutexLock lock(mu_);
  shut_down_ = true;
  for (const auto& client : clients_) client->state = ClientRecord::State::kIdle;
  queue_.clear();
  held_.clear();
}

Status BrokerCore::DisconnectClient(std::string_view client_id) {
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
      queue_.push_back(Delivery::Event(client, ConnectionEvent::kConnectionLost,
                                       Unavailable("connection of client \"" + client->id +
                                                   "\" lost (LoopbackBroker::DisconnectClient)")));
    }
    if (!found)
      return NotFoundError("no transport with client id \"" + std::string(client_id) + "\"");
  }
  Drain();
  return Status::Ok();
}

Status BrokerCore::ReconnectClient(std::string_view client_id) {
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

void BrokerCore::AddDrop(std::string_view filter, int n) {
  MutexLock lock(mu_);
  faults_.AddDrop(filter, n);
}

void BrokerCore::AddDuplicate(std::string_view filter, int n) {
  MutexLock lock(mu_);
  faults_.AddDuplicate(filter, n);
}

void BrokerCore::AddHold(std::string_view filter) {
  MutexLock lock(mu_);
  faults_.AddHold(filter);
}

std::size_t BrokerCore::Release(bool reversed) {
  std::size_t count = 0;
  {
    MutexLock lock(mu_);
    std::vector<Publication> held = std::move(held_);
    held_.clear();
    faults_.ClearHolds();
    if (reversed) std::reverse(held.begin(), held.end());
    count = held.size();
    // Released publications have been through the fault rules once; their
    // responses are new publications and go through them.
    for (auto& publication : held) Route(publication, nullptr);
  }
  Drain();
  return count;
}

std::size_t BrokerCore::HeldCount() const {
  MutexLock lock(mu_);
  return held_.size();
}

void BrokerCore::ClearFaults() {
  MutexLock lock(mu_);
  faults_.Clear();
}

Status BrokerCore::CloudRequest(const ShadowId& id, Operation operation, std::string_view payload) {
  Result<std::string> topic = BuildTopic(id, operation);
  if (!topic.ok()) return topic.status();
  std::vector<ServiceMessage> responses;
  {
    MutexLock lock(mu_);
    if (shut_down_) return Unavailable("the LoopbackBroker no longer exists");
    Ingest(Publication{LoopbackBroker::kCloudPublisher, std::move(*topic), std::string(payload), 1},
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

Result<ShadowDocument> BrokerCore::GetDocument(const ShadowId& id) {
  Result<StoredShadow> entry = store_.Load(id);
  if (!entry.ok()) return entry.status();
  if (!entry->document) {
    return NotFoundError("No shadow exists with name: '" + id.display_name() + "'");
  }
  return std::move(*entry->document);
}

std::vector<DeliveredMessage> BrokerCore::Delivered() const {
  MutexLock lock(mu_);
  return delivered_;
}

std::vector<PublishedMessage> BrokerCore::Published() const {
  MutexLock lock(mu_);
  return published_;
}

void BrokerCore::ClearLog() {
  MutexLock lock(mu_);
  delivered_.clear();
  published_.clear();
}

std::vector<std::string> BrokerCore::SubscriptionsOf(std::string_view client_id) const {
  MutexLock lock(mu_);
  std::vector<std::string> filters;
  for (const auto& client : clients_) {
    if (client->id != client_id) continue;
    for (const auto& entry : client->subscriptions) filters.push_back(entry.first);
  }
  return filters;
}

bool BrokerCore::IsClientConnected(std::string_view client_id) const {
  MutexLock lock(mu_);
  if (shut_down_) return false;
  return std::any_of(clients_.begin(), clients_.end(), [&](const auto& client) {
    return client->id == client_id && client->state == ClientRecord::State::kConnected;
  });
}

void BrokerCore::Park(ClientRecord& client, MqttMessage message) {
  if (options_.persistent_session && message.qos >= 1) {
    client.session_queue.push_back(std::move(message));
  }
}

void BrokerCore::ParkPendingDeliveries(const std::shared_ptr<ClientRecord>& client) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->client == client && !it->is_event) {
      Park(*client, std::move(it->message));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

void BrokerCore::FlushSessionQueue(const std::shared_ptr<ClientRecord>& client) {
  for (MqttMessage& message : client->session_queue) {
    queue_.push_back(Delivery::Message(client, std::move(message)));
  }
  client->session_queue.clear();
}

void BrokerCore::Drain() {
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

}  // namespace shadowsync::testkit::internal
