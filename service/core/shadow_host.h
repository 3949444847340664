// SPDX-License-Identifier: Apache-2.0
//
// ShadowHost: what every service host (shadowsync-emulator, the mosquitto
// plugin) does with one shadow request, so that they differ only in I/O:
//   - which PUBLISHes are requests (T6, T9, 12a.10, 12a.12): others are
//     ignored and counted;
//   - the in-flight limit (L7): a counter per key (the emulator counts per
//     thing, the plugin per client connection, as AWS does);
//   - ShadowService with the request-rate limit (L8) and the document limits
//     (L1, L2), and the publish order (P8, 12a.11, or a seeded shuffle);
//   - the one log line per answered request, and the counters of the stop
//     summary, where the two kinds of 429 are counted apart:
//     `throttled_inflight` (L7) and `throttled_rate` (L8).
// The store (memory, SQLite, group commit) is the host's to choose; it is
// borrowed here.
//
// Thread safety: safe for concurrent use (ShadowService serialises Handle).

#ifndef SHADOWSYNC_SERVICE_CORE_SHADOW_HOST_H_
#define SHADOWSYNC_SERVICE_CORE_SHADOW_HOST_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cli/log.h"
#include "response_order.h"
#include "shadowsync/mutex.h"
#include "shadowsync/service.h"
#include "shadowsync/store.h"
#include "shadowsync/topic.h"

namespace shadowsync::host {

/// The hosts' defaults for ShadowService: the spec's limits with L8 on
/// (20 requests per second per thing).
ServiceOptions DefaultHostServiceOptions();

struct HostOptions {
  /// Limits (L1, L2, L3), L8 and the tombstone lifetime. `service.order` is
  /// ignored: `order` decides.
  ServiceOptions service = DefaultHostServiceOptions();
  PublishOrder order = PublishOrder::kAcceptedFirst;
  /// kRandom: the seed; nullopt picks a random one and logs it.
  std::optional<std::uint64_t> order_seed;
  /// L7: requests in flight per key before 429; 0 turns the limit off.
  int max_inflight = 10;
  /// The shadow timestamps' clock (injectable for tests); empty: system.
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// Counters of a host, for tests and the stop summary.
struct HostStats {
  std::uint64_t handled = 0;             ///< requests handled by ShadowService
  std::uint64_t throttled_inflight = 0;  ///< 429 for the in-flight limit (L7)
  std::uint64_t throttled_rate = 0;      ///< 429 for the request rate (L8)
  std::uint64_t dropped = 0;             ///< arrived while stopping
  std::uint64_t ignored = 0;             ///< not requests: other topics, retained
  std::uint64_t publish_failures = 0;    ///< responses that were lost
};

/// "handled=N throttled_inflight=N throttled_rate=N dropped=N ignored=N
/// publish_failures=N" (docs/emulator.md, "Stopping").
std::string StatsSummary(const HostStats& stats);

/// "thing=T shadow=S|- op=get|update|delete".
std::string DescribeRequest(const ShadowTopic& topic);

class ShadowHost {
 public:
  /// `store` and `logger` are borrowed and must outlive the host. Logs the
  /// random order's seed (kRandom) so that a run can be repeated.
  ShadowHost(Store& store, const cli::Logger& logger, HostOptions options);

  ShadowHost(const ShadowHost&) = delete;
  ShadowHost& operator=(const ShadowHost&) = delete;

  /// The request a PUBLISH makes, or nullopt (counted as ignored, logged at
  /// debug) for a retained replay (T9) or a topic that is not a shadow
  /// request topic with valid names (T6, 12a.10): those get no answer.
  std::optional<ShadowTopic> ParseRequest(std::string_view topic, bool retained,
                                          std::string_view payload);

  /// L7: takes one of `key`'s `max_inflight` slots; false when all are
  /// taken, and the request must be answered with Throttle() instead.
  bool BeginInflight(const std::string& key);
  /// Gives back a slot BeginInflight() took.
  void EndInflight(const std::string& key);

  /// The 429 answer to a request over the in-flight limit (counted).
  ServiceMessage Throttle(const ShadowTopic& request, std::string_view payload);

  /// Handles one request through ShadowService (its Store commits first)
  /// and returns its messages in the publish order. Counts it, and counts a
  /// 429 of L8 as throttled_rate.
  std::vector<ServiceMessage> Handle(const ShadowTopic& request, std::string_view topic,
                                     std::string_view payload);

  /// The request's log line: `thing=T shadow=S op=O result=accepted|
  /// rejected code=N version=V|- us=N`, at warn for 429, error for 5xx,
  /// info otherwise; debug `result=none` when nothing answers.
  void LogRequest(const ShadowTopic& request, const std::vector<ServiceMessage>& responses,
                  std::chrono::steady_clock::time_point arrived) const;

  void CountDropped() { ++dropped_; }
  void CountPublishFailure() { ++publish_failures_; }

  HostStats stats() const;
  std::uint64_t order_seed() const { return order_seed_; }
  const HostOptions& options() const { return options_; }

 private:
  const cli::Logger& logger_;
  const HostOptions options_;
  ShadowService service_;
  std::uint64_t order_seed_ = 0;

  Mutex inflight_mu_;
  std::unordered_map<std::string, int> inflight_ SHADOWSYNC_GUARDED_BY(inflight_mu_);

  std::atomic<std::uint64_t> handled_{0};
  std::atomic<std::uint64_t> throttled_inflight_{0};
  std::atomic<std::uint64_t> throttled_rate_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> ignored_{0};
  std::atomic<std::uint64_t> publish_failures_{0};
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_SHADOW_HOST_H_
