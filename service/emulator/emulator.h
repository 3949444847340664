// SPDX-License-Identifier: Apache-2.0
//
// Emulator: ShadowService on an MQTT broker (issue 3, "shadowsync-emulator").
// It subscribes to the six request filters of classic and named shadows
// (and their private twins for shadowsync-gateway, gateway_requests.h,
// plus the gateway's named-shadow list request, named_shadow_list.h),
// hands every request to ShadowService and publishes the responses at QoS 1,
// never retained (P10), after the store has made the change durable.
//
// Threads. The transport delivers messages on its own thread, in arrival
// order. With `workers == 0` each request is handled right there (inline).
// With `workers == N > 0` (the default, 2) the transport thread only parses
// the topic, applies the in-flight limit and appends the request to the FIFO
// queue of worker `fnv1a(thing, shadow) % N`: a shadow's requests always go
// to the same worker and leave its queue in arrival order, so requests to
// one shadow are applied one at a time, in arrival order, while different
// shadows proceed in parallel (ShadowService itself serialises Handle(); the
// overlap is publishing, logging and queueing).
//
// What "never drops a request it has acknowledged" means here. Paho C
// 1.3.11 sends the PUBACK of an incoming QoS 1 PUBLISH only after our
// message handler returns (MQTTProtocol_handlePublishes calls the handler
// through Protocol_processPublication, then sends the PUBACK; pinned by
// PahoTransportHandlerTest.PubackIsSentOnlyAfterTheHandlerReturns).
//   - workers == 0: the handler applies the request (the update is durable
//     in the Store) and publishes its answers before returning, so the
//     broker sees the PUBACK only for handled requests. With a persistent
//     session (--persistent-session and a fixed --client-id) the broker
//     redelivers a request whose PUBACK never went out (kill -9 mid-request)
//     and keeps requests that arrive while the emulator is down: nothing
//     acknowledged is lost, nothing unacknowledged is dropped.
//   - workers > 0 (the default, for throughput): the handler only queues
//     the request, so the PUBACK goes out before the Store commit. Every
//     queued request is handled and answered before Stop() returns (Stop
//     drains the queues); a kill -9 between the PUBACK and the commit loses
//     the queued ones, and their senders get no answer (as when AWS loses a
//     request: clients time out and retry with their clientToken).
//   - In both modes an accepted update is durable before any of its
//     responses is published, so a kill -9 after a client saw `accepted`
//     loses nothing; requests delivered after Stop() began are logged at
//     warn as `result=dropped`.
//
// 429 (spec L7). AWS counts requests in flight per client connection; the
// broker hides which connection sent a request, so the emulator counts per
// thing: a request of thing T that arrives while `max_inflight` requests of
// T (any shadow, any operation) are queued or being handled, and not yet
// answered, gets 429 on its operation's `rejected` topic at once, with its
// clientToken, and is not applied. This equals AWS's rule for the usual case
// of one connection per thing. Inline mode (workers == 0) handles one
// request at a time, so nothing is ever in flight beyond it and the limit
// never triggers there. L8 (requests per second per thing) is
// ShadowService's and applies in both modes.
//
// Thread safety: safe for concurrent use, except that Stop() and the
// destructor must not be called from the transport's callback thread.

#ifndef SHADOWSYNC_SERVICE_EMULATOR_EMULATOR_H_
#define SHADOWSYNC_SERVICE_EMULATOR_EMULATOR_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cli/log.h"
#include "response_order.h"
#include "shadow_host.h"
#include "shadowsync/mutex.h"
#include "shadowsync/service.h"
#include "shadowsync/status.h"
#include "shadowsync/store.h"
#include "shadowsync/topic.h"
#include "shadowsync/transport.h"

namespace shadowsync::emulator {

// The host core's publish-order vocabulary, under the names the emulator always used.
using host::ParsePublishOrder;
using host::PublishOrder;
using host::PublishOrderName;

/// The emulator's defaults for ShadowService (host::DefaultHostServiceOptions).
ServiceOptions DefaultEmulatorServiceOptions();

struct EmulatorOptions {
  /// What every service host takes (service/core/shadow_host.h): limits (L1,
  /// L2, L3), L8, the tombstone lifetime, the publish order and its seed,
  /// L7 (`max_inflight`: requests of one thing in flight before 429, see the
  /// file comment; 0 turns it off, and inline mode never needs it) and the
  /// shadow timestamps' clock.
  host::HostOptions host;

  /// Worker threads; 0 handles requests inline on the transport thread.
  int workers = 2;

  /// When Publish() fails (offline, buffer full), a worker retries for this
  /// long before it logs the response as lost. Inline mode never retries
  /// (it would block the transport's own thread).
  std::chrono::milliseconds publish_retry_window{30000};
  /// Stop(): the bound on draining queued requests plus flushing publishes.
  std::chrono::milliseconds stop_timeout{1500};

  /// Writes the export file; empty means ExportStoreFile (store_file.h).
  std::function<Status(Store& store, const std::string& path)> exporter;
};

/// The request topic filters the emulator subscribes to (T1, T2): exact
/// request topics with `+` for names, never `#` (T8).
const std::vector<std::string>& RequestFilters();

/// Serves shadow requests from a Transport through ShadowService (see the
/// file comment for threads, ordering, 429 and acknowledgement semantics).
/// The transport's handlers run on the transport's thread and only parse and
/// enqueue (or, with no workers, handle inline); workers publish.
/// Thread safety: safe for concurrent use; Stop() and the destructor must
/// not run on the transport's callback thread.
class Emulator {
 public:
  /// `transport`, `store` and `logger` are borrowed and must outlive the
  /// Emulator. Installs the transport's handlers, so construct it before
  /// Transport::Connect(). Requests delivered before Start() are handled
  /// too (queued until the workers start).
  Emulator(Transport& transport, Store& store, const cli::Logger& logger, EmulatorOptions options);
  /// Calls Stop(). After it the transport's handlers do nothing, so the
  /// transport may outlive the Emulator.
  ~Emulator();

  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  /// Starts the workers (once) and subscribes to RequestFilters() at QoS 1.
  /// Needs a connected transport. Returns the first subscription failure
  /// (kUnavailable when offline, kRejected when the broker refuses); call it
  /// again to retry (subscribing twice is harmless).
  Status Start();

  /// Stops accepting requests, handles everything already accepted, and
  /// waits for the transport to deliver the responses, all within about
  /// `stop_timeout`. Does not disconnect. Idempotent.
  void Stop();

  /// Writes the store to `path` in the seed/export format (atomically, as
  /// the exporter does). Each shadow is read at one of its versions; the
  /// service keeps running meanwhile. Logs the outcome.
  Status ExportNow(const std::string& path);

  /// Counters for tests and the shutdown summary.
  using Stats = host::HostStats;
  Stats stats() const { return host_.stats(); }

  /// False once Stop() has begun.
  bool accepting() const { return accepting_; }

 private:
  struct Job {
    std::string topic;
    std::string payload;
    ShadowTopic parsed;
    std::chrono::steady_clock::time_point arrived;
    bool from_gateway = false;  // answered with REST semantics (gateway_requests.h)
  };
  struct Worker {
    Mutex mu;
    std::condition_variable_any cv;
    std::deque<Job> queue SHADOWSYNC_GUARDED_BY(mu);
    bool stop SHADOWSYNC_GUARDED_BY(mu) = false;
    std::thread thread;
  };
  // The handlers hold this, not the Emulator, so that a transport that
  // outlives the Emulator calls nothing that is gone.
  struct Gate {
    Mutex mu;
    Emulator* target SHADOWSYNC_GUARDED_BY(mu) = nullptr;
  };

  void OnMessage(const MqttMessage& message);
  void OnConnection(ConnectionEvent event, const Status& cause);
  void RunWorker(Worker& worker);
  void Process(Job& job, bool may_retry);
  void Throttle(const Job& job);
  void Publish(const ServiceMessage& message, bool may_retry);
  void ReleaseInflight(const std::string& thing);
  std::size_t WorkerIndex(const ShadowId& id) const;

  Transport& transport_;
  Store& store_;
  const cli::Logger& logger_;
  const EmulatorOptions options_;
  host::ShadowHost host_;
  std::shared_ptr<Gate> gate_;

  std::vector<std::unique_ptr<Worker>> workers_;
  Mutex lifecycle_mu_;
  bool started_ SHADOWSYNC_GUARDED_BY(lifecycle_mu_) = false;
  bool stopped_ SHADOWSYNC_GUARDED_BY(lifecycle_mu_) = false;
  std::atomic<bool> accepting_{true};
  // Set when Stop()'s drain deadline passes: publish retries give up.
  std::atomic<bool> abandon_retries_{false};
};

}  // namespace shadowsync::emulator

#endif  // SHADOWSYNC_SERVICE_EMULATOR_EMULATOR_H_
