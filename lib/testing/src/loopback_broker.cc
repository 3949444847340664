// SPDX-License-Identifier: Apache-2.0
//
// LoopbackBroker: see loopback_broker.h. The facade and its transports;
// the state and the routing are BrokerCore's (broker_core.h), the message
// faults FaultRules' (fault_rules.h), the clock is manual_clock.cc.

#include "shadowsync/testing/loopback_broker.h"

#include <utility>

#include "broker_core.h"

namespace shadowsync {
namespace testkit {

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
