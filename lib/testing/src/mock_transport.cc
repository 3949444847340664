// SPDX-License-Identifier: Apache-2.0
//
// MockTransport: see mock_transport.h. The constructor and destructor live
// here, not in the header, because gmock's generated code is large and
// every test that includes the header would otherwise compile it again.

#include "shadowsync/testing/mock_transport.h"

#include <gtest/gtest.h>

#include <utility>

#include "shadowsync/json.h"

namespace shadowsync {
namespace testkit {

MockTransport::MockTransport() {
  using ::testing::_;
  using ::testing::Return;
  ON_CALL(*this, SetHandlers(_, _))
      .WillByDefault([this](MessageHandler on_message, ConnectionHandler on_connection) {
        CaptureHandlers(std::move(on_message), std::move(on_connection));
      });
  ON_CALL(*this, Connect()).WillByDefault(Return(Status::Ok()));
  ON_CALL(*this, Disconnect()).WillByDefault(Return(Status::Ok()));
  ON_CALL(*this, IsConnected()).WillByDefault(Return(true));
  ON_CALL(*this, Subscribe(_, _)).WillByDefault(Return(Status::Ok()));
  ON_CALL(*this, Publish(_, _, _))
      .WillByDefault([this](std::string_view topic, std::string_view payload, int qos) {
        return RecordPublish(topic, payload, qos);
      });
  ON_CALL(*this, Flush(_)).WillByDefault(Return(Status::Ok()));
}

MockTransport::~MockTransport() = default;

void MockTransport::CaptureHandlers(MessageHandler on_message, ConnectionHandler on_connection) {
  MutexLock lock(mu_);
  on_message_ = std::move(on_message);
  on_connection_ = std::move(on_connection);
}

Status MockTransport::RecordPublish(std::string_view topic, std::string_view payload, int qos) {
  MutexLock lock(mu_);
  published_.push_back(MqttMessage{std::string(topic), std::string(payload), qos, false});
  return Status::Ok();
}

void MockTransport::Deliver(std::string topic, std::string payload, int qos, const char* file,
                            int line) {
  Deliver(MqttMessage{std::move(topic), std::move(payload), qos, false}, file, line);
}

void MockTransport::Deliver(const MqttMessage& message, const char* file, int line) {
  if (message.topic.rfind("$aws/things/", 0) == 0) {
    Result<JsonDocument> parsed = ParseJson(message.payload);
    if (!parsed.ok()) {
      ADD_FAILURE_AT(file, line)
          << "MockTransport::Deliver(\"" << message.topic << "\"): the payload is not JSON ("
          << parsed.status().message() << "): " << message.payload
          << "\n  The shadow service never sends that, and a ShadowClient drops such a message"
             " (so a handler would simply never be called). Deliver valid JSON, or use"
             " DeliverRaw() to test how your code handles a malformed message.";
      return;
    }
  }
  Run(message, file, line);
}

void MockTransport::DeliverRaw(const MqttMessage& message, const char* file, int line) {
  Run(message, file, line);
}

void MockTransport::Run(const MqttMessage& message, const char* file, int line) {
  MessageHandler handler;
  {
    MutexLock lock(mu_);
    handler = on_message_;
  }
  if (!handler) {
    ADD_FAILURE_AT(file, line)
        << "MockTransport::Deliver(\"" << message.topic
        << "\") but no message handler was captured (SetHandlers() not called, called with an"
           " empty message handler, or its default action replaced)";
    return;
  }
  handler(message);  // no lock held: the handler may call back into the mock
}

void MockTransport::Emit(ConnectionEvent event, Status cause, const char* file, int line) {
  ConnectionHandler handler;
  {
    MutexLock lock(mu_);
    handler = on_connection_;
  }
  if (!handler) {
    ADD_FAILURE_AT(file, line)
        << "MockTransport::Emit() but no connection handler was captured (SetHandlers() not"
           " called, or called with an empty connection handler: pass one to Emit() events)";
    return;
  }
  handler(event, cause);
}

bool MockTransport::has_handlers() const {
  MutexLock lock(mu_);
  return static_cast<bool>(on_message_);
}

std::vector<MqttMessage> MockTransport::Published() const {
  MutexLock lock(mu_);
  return published_;
}

void MockTransport::ClearPublished() {
  MutexLock lock(mu_);
  published_.clear();
}

}  // namespace testkit
}  // namespace shadowsync
