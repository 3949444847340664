// SPDX-License-Identifier: Apache-2.0
//
// What the benchmark files share with bench_main.cc: their registration
// functions and the ratios printed at the end of a run.
//
// Thread safety: registration happens in main before any benchmark runs;
// not thread-safe, confine to the main thread.

#ifndef SHADOWSYNC_TESTS_BENCH_BENCH_H_
#define SHADOWSYNC_TESTS_BENCH_BENCH_H_

#include <string>

namespace shadowsync {
namespace bench {

/// A ratio of two benchmarks' per-iteration times, printed after the run.
struct RatioSpec {
  std::string label;        ///< e.g. "(a) update+responses / floor, 1KB, small_report"
  std::string numerator;    ///< benchmark name
  std::string denominator;  ///< benchmark name
  double target = 0;        ///< the issue's target for the ratio
  bool at_most = true;      ///< true: target is an upper bound; false: a lower one
};

/// Adds a ratio to print; ratios print in the order they were added.
void AddRatio(RatioSpec ratio);

/// (a) ShadowService::Handle of an update against the RapidJSON floor.
void RegisterServiceBenchmarks();
/// (b) Merge of two 8 KB patches against nlohmann::json merge_patch.
void RegisterMergeBenchmarks();
/// (c) AWS IoT SQL evaluation against its parse+stringify floor (rules_bench.cc).
void RegisterRulesBenchmarks();

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_BENCH_H_
