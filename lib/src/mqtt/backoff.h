// SPDX-License-Identifier: Apache-2.0
//
// Reconnect backoff with jitter ("equal jitter"): the bound starts at `min`
// and doubles after every wait up to `max`; each wait is drawn uniformly
// between half the current bound and the whole bound. Half of the bound is
// a guaranteed pause (no hammering a broker that just came back); the other
// half spreads a fleet of devices that all lost the same broker, so they do
// not reconnect in lockstep.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_MQTT_BACKOFF_H_
#define SHADOWSYNC_MQTT_BACKOFF_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace shadowsync {
namespace mqtt_internal {

class Backoff {
 public:
  /// `min` is raised to at least 1 ms and `max` to at least `min`.
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
      : min_(std::max(min, std::chrono::milliseconds(1))),
        max_(std::max(max, min_)),
        bound_(min_),
        rng_(seed) {}

  /// The next wait, then doubles the bound (capped at max).
  std::chrono::milliseconds Next() {
    const std::int64_t hi = bound_.count();
    std::uniform_int_distribution<std::int64_t> pick(hi / 2, hi);
    const std::chrono::milliseconds wait(pick(rng_));
    bound_ = std::min(max_, bound_ * 2);
    return wait;
  }

  /// Back to `min` (after a successful reconnect).
  void Reset() { bound_ = min_; }

  std::chrono::milliseconds bound() const { return bound_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds bound_;
  std::mt19937_64 rng_;
};

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_BACKOFF_H_
