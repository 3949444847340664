// SPDX-License-Identifier: Apache-2.0

#include "bench_latency.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace shadowsync {
namespace bench {

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

LatencySummary SummarizeLatencies(std::vector<std::int64_t> ns) {
  LatencySummary s;
  s.samples = ns.size();
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  auto rank = [&ns](double q) {
    std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ns.size())));
    return ns[std::min(ns.size(), std::max<std::size_t>(i, 1)) - 1];
  };
  s.p50_ns = rank(0.50);
  s.p99_ns = rank(0.99);
  s.max_ns = ns.back();
  return s;
}

}  // namespace bench
}  // namespace shadowsync
