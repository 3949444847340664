// SPDX-License-Identifier: Apache-2.0
//
// What the current thread is doing for PahoTransport, as thread-local
// scopes: running one of its Paho callbacks (Paho's receive or send
// thread), running a user handler it called, or delivering a message to a
// given transport's message handler. PahoTransport refuses the calls that
// would deadlock there (Subscribe() and Flush() wait for packets that only
// Paho's receive thread can process; Connect() and Disconnect() from a
// handler), and holds what a message handler publishes while (re)connecting.
// Scopes nest and restore what was there before.
//
// Thread safety: each scope touches only its own thread's state; confine a
// scope object to the thread that made it.

#ifndef SHADOWSYNC_MQTT_HANDLER_CONTEXT_H_
#define SHADOWSYNC_MQTT_HANDLER_CONTEXT_H_

namespace shadowsync {
namespace mqtt_internal {

/// True while this thread runs inside one of PahoTransport's Paho callbacks.
bool InPahoCallback();
/// True while this thread runs a user handler a PahoTransport called.
bool InTransportHandler();
/// True while this thread runs `transport`'s message handler (innermost).
bool IsDeliveringFor(const void* transport);

/// Marks a Paho callback of ours.
class PahoCallbackScope {
 public:
  PahoCallbackScope();
  ~PahoCallbackScope();
  PahoCallbackScope(const PahoCallbackScope&) = delete;
  PahoCallbackScope& operator=(const PahoCallbackScope&) = delete;
};

/// Marks a user handler (message or connection).
class HandlerScope {
 public:
  HandlerScope();
  ~HandlerScope();
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;
};

/// Marks `transport`'s message handler, delivering a message.
class DeliveringScope {
 public:
  explicit DeliveringScope(const void* transport);
  ~DeliveringScope();
  DeliveringScope(const DeliveringScope&) = delete;
  DeliveringScope& operator=(const DeliveringScope&) = delete;

 private:
  const void* saved_;
};

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_HANDLER_CONTEXT_H_
