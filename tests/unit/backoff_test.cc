// SPDX-License-Identifier: Apache-2.0
//
// Backoff (lib/src/mqtt/backoff.h): PahoTransport's reconnect waits double
// from reconnect_min to reconnect_max, each drawn with jitter between half
// and all of the bound, so a fleet does not reconnect in lockstep.

#include "mqtt/backoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace shadowsync {
namespace {

using namespace std::chrono_literals;

TEST(ReconnectBackoffTest, DoublesFromMinToMaxWithJitterInUpperHalf) {
  mqtt_internal::Backoff backoff(100ms, 1000ms, /*seed=*/42);
  const std::chrono::milliseconds bounds[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms, 1000ms};
  for (std::chrono::milliseconds bound : bounds) {
    const std::chrono::milliseconds wait = backoff.Next();
    EXPECT_GE(wait, bound / 2);
    EXPECT_LE(wait, bound);
  }
  backoff.Reset();
  const std::chrono::milliseconds first = backoff.Next();
  EXPECT_GE(first, 50ms);
  EXPECT_LE(first, 100ms);
}

TEST(ReconnectBackoffTest, WaitsAreSpreadNotConstant) {
  mqtt_internal::Backoff backoff(1000ms, 1000ms, /*seed=*/7);
  std::vector<long> waits;
  for (int i = 0; i < 50; ++i) waits.push_back(static_cast<long>(backoff.Next().count()));
  const auto [lo, hi] = std::minmax_element(waits.begin(), waits.end());
  EXPECT_GE(*lo, 500);
  EXPECT_LE(*hi, 1000);
  EXPECT_GT(*hi - *lo, 100) << "jitter should spread 50 draws over [500, 1000] ms";
}

}  // namespace
}  // namespace shadowsync
