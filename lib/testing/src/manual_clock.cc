// SPDX-License-Identifier: Apache-2.0
//
// ManualClock: see loopback_broker.h.

#include "shadowsync/testing/loopback_broker.h"

namespace shadowsync {
namespace testkit {

ManualClock::ManualClock(TimePoint start) : now_(start) {}

ManualClock::TimePoint ManualClock::Now() const {
  MutexLock lock(mu_);
  return now_;
}

Timestamp ManualClock::NowSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
}

void ManualClock::Advance(std::chrono::seconds by) {
  MutexLock lock(mu_);
  now_ += by;
}

void ManualClock::Set(TimePoint time) {
  MutexLock lock(mu_);
  now_ = time;
}

}  // namespace testkit
}  // namespace shadowsync
