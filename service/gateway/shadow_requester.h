// SPDX-License-Identifier: Apache-2.0
//
// Request/answer correlation over MQTT for the gateway: publish a request
// (the private twin of $aws/things/T/shadow[/name/S]/get|update|delete,
// service/core/gateway_requests.h, or the list request) with a fresh
// clientToken and hand the `/accepted` or `/rejected` answer that carries
// that token to the caller, or kTimeout when none comes in time.
//
// Design: no subscription per request. The gateway subscribes once, at
// start, to the answer filters of AnswerFilters() (classic and named,
// accepted and rejected; the transport renews them after a reconnect), so a
// request costs one PUBLISH and no SUBSCRIBE/SUBACK round trip, and there is
// no window in which an answer can arrive before its subscription. Answers
// to other clients' requests arrive too; a token prefix unique to this
// process lets OnMessage() drop them before parsing. (`$aws/things/+/shadow/#`
// would also bring every delta and documents message, hence the narrower
// filters.)
//
// Thread safety: safe for concurrent use. Callbacks run on the transport's
// message thread (answers), on the requester's timer thread (timeouts), or
// on the caller's thread (Stop()); each is called exactly once, never with a
// lock held, and must not block.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_SHADOW_REQUESTER_H_
#define SHADOWSYNC_SERVICE_GATEWAY_SHADOW_REQUESTER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/mutex.h"
#include "shadowsync/status.h"
#include "shadowsync/transport.h"

namespace shadowsync::gateway {

/// The service's answer to one request.
struct ShadowAnswer {
  bool accepted = false;
  std::string payload;  ///< as published, clientToken included
};

/// Gets the answer, or kTimeout, or kUnavailable when the requester stops.
using AnswerCallback = std::function<void(Result<ShadowAnswer> answer)>;

/// Publishes shadow requests and matches their answers by clientToken.
///
/// Thread safety: safe for concurrent use (see the file comment for the
/// threads that run callbacks).
class ShadowRequester {
 public:
  /// `transport` must outlive the requester; feed it the transport's
  /// messages through OnMessage().
  ShadowRequester(Transport& transport, std::chrono::milliseconds timeout);
  ~ShadowRequester();  ///< Stop()s
  ShadowRequester(const ShadowRequester&) = delete;
  ShadowRequester& operator=(const ShadowRequester&) = delete;

  /// The filters to subscribe to once (QoS 1).
  static std::vector<std::string> AnswerFilters();

  /// Starts the timer thread.
  void Start();
  /// Answers every pending request with kUnavailable and joins the timer
  /// thread. Idempotent.
  void Stop();

  /// A clientToken no other gateway process uses: "<prefix>-<counter>",
  /// at most 40 bytes.
  std::string NewToken();

  /// Registers `token` for `request_topic`'s answers and publishes
  /// `payload` (which must carry `token` as its clientToken) with QoS 1.
  /// The transport's error (kUnavailable when offline) when the publish
  /// fails; then `callback` is not called.
  Status Request(const std::string& request_topic, const std::string& token,
                 const std::string& payload, AnswerCallback callback);

  /// For the transport's message handler: completes the request whose
  /// token the answer carries; ignores everything else.
  void OnMessage(const MqttMessage& message);

  /// Pending requests (for tests).
  std::size_t pending() const;

 private:
  struct Pending {
    std::string request_topic;
    std::chrono::steady_clock::time_point deadline;
    AnswerCallback callback;
  };
  void TimerLoop();

  Transport& transport_;
  const std::chrono::milliseconds timeout_;
  const std::string prefix_;
  mutable Mutex mu_;
  std::condition_variable_any cv_;
  std::map<std::string, Pending> pending_ SHADOWSYNC_GUARDED_BY(mu_);  // by token
  std::uint64_t next_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  bool stopping_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  bool started_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::thread timer_;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_SHADOW_REQUESTER_H_
