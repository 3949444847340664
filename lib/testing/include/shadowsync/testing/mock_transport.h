// SPDX-License-Identifier: Apache-2.0
//
// MockTransport: a gmock Transport for unit tests of code that talks MQTT
// through the Transport seam (transport.h), such as ShadowClient: capture
// the handlers, inject a message or a connection event, and expect the
// Publish() and Subscribe() calls.
//
//   ::testing::NiceMock<MockTransport> transport;
//   EXPECT_CALL(transport, Publish("$aws/things/lamp/shadow/update", _, 1));
//   // ... code under test calls SetHandlers(), Connect(), ...
//   transport.Deliver("$aws/things/lamp/shadow/update/delta", R"({"state":{...}})");
//
// Publish() and Subscribe() take std::string_view: matchers see the values
// during the call, but an action that keeps them (SaveArg) keeps a view of
// the caller's buffer; copy into a std::string instead (Published() does).
//
// Names: the namespace is shadowsync::testkit (the CMake component and the
// header directory keep the name "testing"). Until release 0.3 the old
// namespace shadowsync::testing names these classes too, deprecated, unless
// SHADOWSYNC_NO_DEPRECATED_TESTING_NAMESPACE is defined: it hid
// GoogleTest's ::testing inside namespace shadowsync.

#ifndef SHADOWSYNC_TESTING_MOCK_TRANSPORT_H_
#define SHADOWSYNC_TESTING_MOCK_TRANSPORT_H_

#include <gmock/gmock.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/mutex.h"
#include "shadowsync/status.h"
#include "shadowsync/transport.h"

namespace shadowsync {
namespace testkit {

/// A Transport whose every method is a gmock mock. The constructor installs
/// these defaults (ON_CALL; replace them with your own ON_CALL or
/// EXPECT_CALL actions): SetHandlers() captures the handlers for Deliver()
/// and Emit(); Connect(), Disconnect(), Subscribe() and Flush() return OK;
/// Publish() records the message (see Published()) and returns OK;
/// IsConnected() returns true. Use `::testing::NiceMock<MockTransport>` to
/// silence warnings about calls you did not expect explicitly.
///
/// Thread safety: safe for concurrent use once the expectations are set
/// (a gmock rule: set them before other threads call the mock). Deliver()
/// and Emit() run the handlers on the calling thread, without any lock of
/// the mock held.
class MockTransport : public Transport {
 public:
  MockTransport();
  ~MockTransport() override;

  MockTransport(const MockTransport&) = delete;
  MockTransport& operator=(const MockTransport&) = delete;

  MOCK_METHOD(void, SetHandlers, (MessageHandler on_message, ConnectionHandler on_connection),
              (override));
  MOCK_METHOD(Status, Connect, (), (override));
  MOCK_METHOD(Status, Disconnect, (), (override));
  MOCK_METHOD(bool, IsConnected, (), (const, override));
  MOCK_METHOD(Status, Subscribe, (std::string_view filter, int qos), (override));
  MOCK_METHOD(Status, Publish, (std::string_view topic, std::string_view payload, int qos),
              (override));
  MOCK_METHOD(Status, Flush, (std::chrono::milliseconds timeout), (override));

  /// Calls the captured message handler with {topic, payload, qos,
  /// retained = false}, on the calling thread. Adds a googletest failure,
  /// reported at the caller's line, when no handler was captured
  /// (SetHandlers() not called, called with an empty message handler, or its
  /// default action replaced), and when a payload on a `$aws/things/...`
  /// topic is not JSON: the shadow service never sends one, and a
  /// ShadowClient drops it, so the test would otherwise only see a handler
  /// that is never called. DeliverRaw() skips that check.
  /// (`file` and `line` default to the caller's; leave them out.)
  void Deliver(std::string topic, std::string payload, int qos = 1,
               const char* file = __builtin_FILE(), int line = __builtin_LINE());
  /// Calls the captured message handler with `message`, with Deliver()'s checks.
  void Deliver(const MqttMessage& message, const char* file = __builtin_FILE(),
               int line = __builtin_LINE());
  /// Like Deliver(message), but any payload goes: for a test of how your
  /// code handles a malformed message.
  void DeliverRaw(const MqttMessage& message, const char* file = __builtin_FILE(),
                  int line = __builtin_LINE());

  /// Calls the captured connection handler with `event` and `cause`, on the
  /// calling thread. Adds a googletest failure, reported at the caller's
  /// line, when none was captured (an empty connection handler included).
  void Emit(ConnectionEvent event, Status cause = {}, const char* file = __builtin_FILE(),
            int line = __builtin_LINE());

  /// Whether SetHandlers()'s default action captured a message handler.
  bool has_handlers() const;

  /// The messages passed to Publish() while its default action was in
  /// effect (that is, unless replaced by your own action), in call order.
  std::vector<MqttMessage> Published() const;
  /// Clears Published().
  void ClearPublished();

 private:
  void CaptureHandlers(MessageHandler on_message, ConnectionHandler on_connection);
  void Run(const MqttMessage& message, const char* file, int line);
  Status RecordPublish(std::string_view topic, std::string_view payload, int qos);

  mutable Mutex mu_;
  MessageHandler on_message_ SHADOWSYNC_GUARDED_BY(mu_);
  ConnectionHandler on_connection_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<MqttMessage> published_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace testkit
}  // namespace shadowsync

#ifndef SHADOWSYNC_NO_DEPRECATED_TESTING_NAMESPACE
// Deprecated: the old name of shadowsync::testkit (see the file comment).
namespace shadowsync::testing {
using MockTransport [[deprecated(
    "shadowsync::testing is now shadowsync::testkit (it hid GoogleTest's ::testing)")]] =
    testkit::MockTransport;
}  // namespace shadowsync::testing
#endif

#endif  // SHADOWSYNC_TESTING_MOCK_TRANSPORT_H_
