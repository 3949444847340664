// SPDX-License-Identifier: Apache-2.0
//
// Running steps of a loopback bench at the same time, each on a thread of its
// own. The benches connect their Paho clients this way (toolchain pitfall 1:
// a Paho client that connects while another one of the process is connected
// waits about 2 s), and subscribe them.
//
// Thread safety: the tasks run concurrently with each other; they must not
// share unsynchronized state.

#ifndef SHADOWSYNC_TESTS_BENCH_BENCH_CONCURRENT_H_
#define SHADOWSYNC_TESTS_BENCH_BENCH_CONCURRENT_H_

#include <functional>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync {
namespace bench {

/// Starts every task on a thread of its own and returns, once all of them
/// returned, their statuses in the order of `tasks`.
std::vector<Status> RunConcurrently(const std::vector<std::function<Status()>>& tasks);

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_BENCH_CONCURRENT_H_
