// SPDX-License-Identifier: Apache-2.0
//
// Eventually(): waits for a condition that something else makes true (a
// broker, a child process, another thread) and that offers no event to wait
// on: it polls, with a deadline. Prefer a real event (a latch, a condition
// variable, a message) where there is one; never use a fixed sleep instead.
//
// Thread safety: a free function; `condition` runs on the calling thread.

#ifndef SHADOWSYNC_TESTS_SUPPORT_EVENTUALLY_H_
#define SHADOWSYNC_TESTS_SUPPORT_EVENTUALLY_H_

#include <chrono>
#include <thread>

namespace shadowsync::testing_support {

/// Calls `condition` until it returns true or `timeout` has passed, pausing
/// `poll` between calls. Returns its last result, so a condition that
/// became true just at the deadline still counts.
template <typename Condition>
bool Eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                std::chrono::milliseconds poll = std::chrono::milliseconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_EVENTUALLY_H_
