// SPDX-License-Identifier: Apache-2.0
//
// PahoTransport after a CONNACK, and its reconnect supervisor (the class and
// its threads: paho_transport_impl.h).
//
// A connection becomes usable in three steps, the same for Connect() and for
// a reconnect: Paho connects (ConnectOnce), the subscriptions are renewed
// (RenewSubscriptions), and GoLive() hands Paho every unsent message (held
// by a message handler meanwhile, or failed on an earlier connection) and
// only then sets the state to kConnected. The supervisor thread waits for a
// lost connection (kConnectionLost, then Reconnect() with jittered backoff
// until the three steps succeed, then kReconnected) or for a re-send
// (ResendFailed(): a QoS 1 message failed while a newer connection was up,
// or Paho's buffer was full).

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/paho_transport_impl.h"

namespace shadowsync {
namespace mqtt_internal {
namespace {

constexpr std::chrono::seconds kSubscribeTimeout{10};
// How soon a re-send that stopped at Paho's full buffer is tried again.
constexpr std::chrono::milliseconds kResendRetry{100};

// Paho's outgoing buffer or in-flight window is full: try the rest later.
bool BufferFull(int rc) {
  return rc == MQTTASYNC_MAX_BUFFERED_MESSAGES || rc == MQTTASYNC_MAX_MESSAGES_INFLIGHT;
}

}  // namespace

Status PahoTransport::RenewSubscriptions(mqtt::async_client& client, std::uint64_t life) {
  MutexLock sub_lock(sub_mu_);
  std::vector<std::vector<Subscription>> batches;
  {
    MutexLock lock(mu_);
    batches = subscriptions_.Batches();
  }
  for (const std::vector<Subscription>& batch : batches) {
    std::vector<std::string> filters;
    mqtt::iasync_client::qos_collection qos;
    for (const Subscription& s : batch) {
      filters.push_back(s.filter);
      qos.push_back(s.qos);
    }
    mqtt::token_ptr token;
    try {
      token = client.subscribe(mqtt::string_collection::create(filters), qos);
    } catch (const mqtt::exception& e) {
      return Unavailable("renewing subscriptions failed: " + std::string(e.what()));
    }
    int rc = 0;
    std::string message;
    switch (WaitToken(token, Clock::now() + kSubscribeTimeout, life, &rc, &message)) {
      case WaitResult::kDone:
        break;
      case WaitResult::kFailed:
        if (rc == 0x80) return SubackRefused(filters.front(), /*renewal=*/true);
        return Unavailable("renewing subscriptions failed: " + message + " (rc " +
                           std::to_string(rc) + ")");
      case WaitResult::kTimedOut:
        return Unavailable("renewing subscriptions: no SUBACK within " +
                           std::to_string(kSubscribeTimeout.count()) + " s");
      case WaitResult::kAborted:
        return Unavailable("renewing subscriptions abandoned: Disconnect() was called");
    }
    if (filters.size() > 1) {
      std::vector<mqtt::ReasonCode> codes;
      try {
        codes = token->get_subscribe_response().get_reason_codes();
      } catch (const std::exception&) {
        // No per-filter codes: the SUBACK as a whole succeeded.
      }
      for (std::size_t i = 0; i < codes.size() && i < filters.size(); ++i) {
        if (static_cast<int>(codes[i]) >= 0x80) return SubackRefused(filters[i], true);
      }
    }
  }
  return Status::Ok();
}

PahoTransport::HandOff PahoTransport::HandToPaho(mqtt::async_client& client,
                                                 const std::vector<OutgoingLedger::Unsent>& todo) {
  for (std::size_t i = 0; i < todo.size(); ++i) {
    HandOff refused{i, MQTTASYNC_FAILURE, "unknown error"};
    try {
      client.publish(todo[i].message, SeqContext(todo[i].seq), delivery_listener_);
      continue;
    } catch (const mqtt::exception& e) {
      refused.rc = e.get_return_code();
      refused.what = e.what();
    } catch (const std::exception& e) {
      refused.what = e.what();
    }
    return refused;
  }
  return HandOff{todo.size(), 0, std::string()};
}

// Hands the messages whose delivery failed to Paho again, oldest first.
// False when Paho's buffer filled up on the way (the rest is retried
// shortly); true when all went out or the connection is gone (the rest waits
// for the next connection).
bool PahoTransport::ResendFailed(mqtt::async_client& client) {
  std::vector<OutgoingLedger::Unsent> todo;
  {
    MutexLock lock(mu_);
    if (state_ != State::kConnected) return true;
    todo = ledger_.TakeUnsent();
    ledger_.ResetHeld();  // none is held now
  }
  const HandOff handed = HandToPaho(client, todo);
  if (handed.refused_at == todo.size()) return true;
  MutexLock lock(mu_);
  ledger_.ReturnUnsent(todo, handed.refused_at);
  return !BufferFull(handed.rc) || state_ != State::kConnected;
}

// The last step of a (re)connect, after the subscriptions are renewed: hands
// every unsent message (published by a message handler while connecting, or
// failed on an earlier connection) to Paho, oldest first, and sets state_ to
// kConnected under mu_ at the check that finds none left, so that no
// Publish() can overtake a held message. A handler may hold more meanwhile
// (Paho's receive thread keeps delivering); each pass takes them too. OK once
// connected; *complete is false when Paho's buffer filled up on the way
// (connected anyway; the supervisor sends the rest shortly, as after
// ResendFailed()). kUnavailable when the connection was lost again or
// Disconnect() began: what was not acknowledged waits for the next
// connection.
Status PahoTransport::GoLive(mqtt::async_client& client, std::uint64_t lost_before,
                             bool* complete) {
  *complete = true;
  const auto check = [&]() SHADOWSYNC_REQUIRES(mu_) -> Status {
    if (stop_) return Unavailable("connect abandoned: Disconnect() was called");
    if (lost_count_ != lost_before) {
      return Unavailable("connection lost again while renewing subscriptions");
    }
    return Status::Ok();
  };
  const auto live = [&]() SHADOWSYNC_REQUIRES(mu_) {
    state_ = State::kConnected;
    ledger_.ResetHeld();
  };
  for (;;) {
    std::vector<OutgoingLedger::Unsent> todo;
    {
      MutexLock lock(mu_);
      if (Status s = check(); !s.ok()) return s;
      todo = ledger_.TakeUnsent();
      if (todo.empty()) {
        live();
        return Status::Ok();
      }
    }
    const HandOff handed = HandToPaho(client, todo);
    if (handed.refused_at == todo.size()) continue;
    MutexLock lock(mu_);
    ledger_.ReturnUnsent(todo, handed.refused_at);
    if (Status s = check(); !s.ok()) return s;
    if (BufferFull(handed.rc)) {
      live();
      *complete = false;
      return Status::Ok();
    }
    return Unavailable("sending the held messages failed: " + handed.what);
  }
}

void PahoTransport::SupervisorLoop(mqtt::async_client* client, std::uint64_t life) {
  Backoff backoff(options_.reconnect_min, options_.reconnect_max, seed_);
  // Set when a re-send stopped at a full buffer: try again shortly.
  bool resend_pending = false;
  const auto woken = [this]() SHADOWSYNC_REQUIRES(mu_) {
    return stop_ || lost_pending_ || resend_requested_;
  };
  MutexLock lock(mu_);
  for (;;) {
    if (resend_pending) {
      const Clock::time_point until = Clock::now() + kResendRetry;
      while (!woken() && lock.WaitUntil(supervisor_cv_, until)) {
      }
    } else {
      while (!woken()) lock.Wait(supervisor_cv_);
    }
    if (stop_) return;
    if (lost_pending_) {
      lost_pending_ = false;
      resend_requested_ = false;
      const Status cause = lost_cause_;
      lock.Unlock();
      NotifyConnection(ConnectionEvent::kConnectionLost, cause);
      backoff.Reset();
      bool resend_complete = true;
      const bool reconnected = Reconnect(*client, life, backoff, &resend_complete);
      lock.Lock();
      if (!reconnected) return;
      resend_pending = !resend_complete;
      continue;
    }
    resend_requested_ = false;
    lock.Unlock();
    resend_pending = !ResendFailed(*client);
    lock.Lock();
  }
}

bool PahoTransport::Reconnect(mqtt::async_client& client, std::uint64_t life, Backoff& backoff,
                              bool* resend_complete) {
  for (;;) {
    const std::chrono::milliseconds wait = backoff.Next();
    std::uint64_t lost_before = 0;
    {
      MutexLock lock(mu_);
      const Clock::time_point until = Clock::now() + wait;
      while (!stop_ && lock.WaitUntil(supervisor_cv_, until)) {
      }
      if (stop_) return false;
      lost_before = lost_count_;
    }
    // No diagnosis probe here: it could not be interrupted by Disconnect(),
    // and the loss itself was already reported.
    Status status = ConnectOnce(client, life, /*diagnose=*/false);
    const bool paho_connected = status.ok();
    if (status.ok()) status = RenewSubscriptions(client, life);
    if (status.ok()) {
      MutexLock lock(mu_);
      if (stop_) return false;
      ledger_.BeginEpoch();
    }
    // Before kReconnected, so that what was queued before the loss, and what
    // message handlers published meanwhile, goes out before what the
    // application sends in reaction to the event.
    if (status.ok()) status = GoLive(client, lost_before, resend_complete);
    if (status.ok()) {
      {
        MutexLock lock(mu_);
        last_reconnect_error_ = Status::Ok();
      }
      NotifyConnection(ConnectionEvent::kReconnected, Status::Ok());
      return true;
    }
    if (Aborted(life)) return false;
    {
      MutexLock lock(mu_);
      last_reconnect_error_ = status;
    }
    if (paho_connected) DisconnectQuietly(client, std::chrono::milliseconds(0));
  }
}

}  // namespace mqtt_internal
}  // namespace shadowsync
