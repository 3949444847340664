// SPDX-License-Identifier: Apache-2.0
//
// Timing of the loopback benches (shadowsync-relay-bench and
// shadowsync-client-bench): a monotonic clock in nanoseconds and the
// nearest-rank percentiles of the latencies taken with it.
//
// Thread safety: plain functions; NowNs() may run on any thread.

#ifndef SHADOWSYNC_TESTS_BENCH_BENCH_LATENCY_H_
#define SHADOWSYNC_TESTS_BENCH_BENCH_LATENCY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shadowsync {
namespace bench {

/// steady_clock, in nanoseconds since its epoch.
std::int64_t NowNs();

/// Latencies in nanoseconds, summarized.
struct LatencySummary {
  std::size_t samples = 0;
  std::int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
};

/// Nearest-rank p50 and p99 and the maximum of `ns` (in any order); all 0
/// when there is none.
LatencySummary SummarizeLatencies(std::vector<std::int64_t> ns);

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_BENCH_LATENCY_H_
