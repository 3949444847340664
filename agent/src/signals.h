// SPDX-License-Identifier: Apache-2.0
//
// SignalWatcher: SIGINT, SIGTERM and SIGHUP as events for the agent's loop.
// Block() must run before any thread starts (Paho starts threads), so that
// every thread inherits the mask and only the watcher's sigtimedwait() sees
// the signals. The loop polls stop_requested() and TakeReload().
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSYNC_AGENT_SRC_SIGNALS_H_
#define SHADOWSYNC_AGENT_SRC_SIGNALS_H_

#include <atomic>
#include <thread>

namespace shadowsync::agent {

class SignalWatcher {
 public:
  /// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in
  /// every thread started after it).
  static void Block();

  /// Starts the watcher thread; Block() must have run.
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  /// Set by SIGINT or SIGTERM; read it often (the loop does every 100 ms).
  const std::atomic<bool>& stop_requested() const { return stop_; }
  /// The signal that asked to stop (SIGINT or SIGTERM), or 0.
  int stop_signal() const { return stop_signal_.load(); }
  /// True once per SIGHUP received since the last call.
  bool TakeReload() { return reload_.exchange(false); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> stop_signal_{0};
  std::atomic<bool> reload_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_SIGNALS_H_
