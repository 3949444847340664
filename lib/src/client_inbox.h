// SPDX-License-Identifier: Apache-2.0
//
// ClientInbox: the hand-off from the transport's thread to the owner's. The
// transport's handlers only Push(); the owner Drain()s inside Poll(), so no
// client state is touched on the transport's thread and no user code runs
// there (STYLE.md, Threads).
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSYNC_CLIENT_INBOX_H_
#define SHADOWSYNC_CLIENT_INBOX_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <utility>

#include "shadowsync/mutex.h"
#include "shadowsync/status.h"
#include "shadowsync/transport.h"

namespace shadowsync::internal {

/// One thing that happened on the transport's side.
struct InboxEvent {
  enum class Kind {
    kMessage,     ///< `message` arrived
    kConnection,  ///< `connection` happened, with `cause`
    kStarted,     ///< Start() connected and subscribed (queued by the owner)
  };
  Kind kind = Kind::kMessage;
  MqttMessage message;
  ConnectionEvent connection = ConnectionEvent::kConnected;
  Status cause;
};

class ClientInbox {
 public:
  void Push(InboxEvent event) {
    {
      MutexLock lock(mu_);
      events_.push_back(std::move(event));
    }
    ready_.notify_one();
  }

  /// Moves every queued event into `out` (appended, in arrival order).
  void Drain(std::deque<InboxEvent>& out) {
    MutexLock lock(mu_);
    for (InboxEvent& event : events_) out.push_back(std::move(event));
    events_.clear();
  }

  /// Blocks until an event is queued or `deadline` passes.
  void WaitUntil(std::chrono::steady_clock::time_point deadline) {
    MutexLock lock(mu_);
    while (events_.empty()) {
      if (!lock.WaitUntil(ready_, deadline)) return;
    }
  }

 private:
  Mutex mu_;
  std::condition_variable_any ready_;
  std::deque<InboxEvent> events_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_CLIENT_INBOX_H_
