// SPDX-License-Identifier: Apache-2.0

#include "mqtt/handler_context.h"

namespace shadowsync {
namespace mqtt_internal {
namespace {

// > 0 while this thread runs inside one of our Paho callbacks.
thread_local int t_paho_callback_depth = 0;
// > 0 while this thread runs a user handler that a transport called.
thread_local int t_handler_depth = 0;
// The transport whose message handler this thread is running (innermost),
// or null.
thread_local const void* t_delivering = nullptr;

}  // namespace

bool InPahoCallback() { return t_paho_callback_depth > 0; }
bool InTransportHandler() { return t_handler_depth > 0; }
bool IsDeliveringFor(const void* transport) {
  return transport != nullptr && t_delivering == transport;
}

PahoCallbackScope::PahoCallbackScope() { ++t_paho_callback_depth; }
PahoCallbackScope::~PahoCallbackScope() { --t_paho_callback_depth; }

HandlerScope::HandlerScope() { ++t_handler_depth; }
HandlerScope::~HandlerScope() { --t_handler_depth; }

DeliveringScope::DeliveringScope(const void* transport) : saved_(t_delivering) {
  t_delivering = transport;
}
DeliveringScope::~DeliveringScope() { t_delivering = saved_; }

}  // namespace mqtt_internal
}  // namespace shadowsync
