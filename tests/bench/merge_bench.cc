// SPDX-License-Identifier: Apache-2.0
//
// (b) Coalescing two pending 8 KB patches: shadowsync::Merge against
// nlohmann::json merge_patch, the library a user would otherwise pick.
//
// Both sides start from trees parsed outside the timed loop and time the
// whole coalescing, including the copy of the first patch: Merge returns a
// new document, so nlohmann copies the first patch and then calls
// merge_patch(second) on the copy.
//
// The two are not equivalent, which is why Merge exists: RFC 7396
// merge_patch applies the second patch, so it drops the nulls of the second
// patch instead of keeping them as deletes for the service. The benchmark
// checks, untimed, that they agree once those nulls are set aside, so both
// do the same work on the same data.

#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "bench.h"
#include "documents.h"
#include "shadowsync/diff.h"
#include "shadowsync/json.h"

namespace shadowsync {
namespace bench {
namespace {

// Parses both patches of `pair` for shadowsync; false with the error set on
// `state` when one does not parse.
bool ParsePair(benchmark::State& state, const PatchPair& pair, JsonDocument* first,
               JsonDocument* second) {
  Result<JsonDocument> a = ParseJson(pair.first);
  Result<JsonDocument> b = ParseJson(pair.second);
  if (!a.ok() || !b.ok()) {
    state.SkipWithError("a merge patch does not parse");
    return false;
  }
  *first = std::move(a).value();
  *second = std::move(b).value();
  return true;
}

void BM_MergeShadowsync(benchmark::State& state, const PatchPair* pair) {
  JsonDocument first;
  JsonDocument second;
  if (!ParsePair(state, *pair, &first, &second)) return;
  {
    // Untimed: Merge must succeed, and agree with merge_patch up to the
    // nulls that merge_patch drops.
    Result<JsonDocument> merged = Merge(first, second);
    if (!merged.ok()) {
      state.SkipWithError(merged.status().ToString().c_str());
      return;
    }
    nlohmann::json ours_without_nulls = nlohmann::json::object();
    ours_without_nulls.merge_patch(nlohmann::json::parse(ToCompactJson(*merged)));
    nlohmann::json theirs = nlohmann::json::parse(pair->first);
    theirs.merge_patch(nlohmann::json::parse(pair->second));
    if (ours_without_nulls != theirs) {
      state.SkipWithError("Merge and merge_patch disagree beyond the nulls of the second patch");
      return;
    }
  }
  for (auto _ : state) {
    Result<JsonDocument> merged = Merge(first, second);
    benchmark::DoNotOptimize(merged.ok());
    benchmark::ClobberMemory();
  }
}

void BM_MergeNlohmann(benchmark::State& state, const PatchPair* pair) {
  const nlohmann::json first = nlohmann::json::parse(pair->first);
  const nlohmann::json second = nlohmann::json::parse(pair->second);
  for (auto _ : state) {
    nlohmann::json merged = first;
    merged.merge_patch(second);
    benchmark::DoNotOptimize(merged.size());
    benchmark::ClobberMemory();
  }
}

}  // namespace

void RegisterMergeBenchmarks() {
  // The headline figure is the full reports; Diff-derived patches (only the
  // changed leaves) are the other shape a device's pending patches take.
  for (const PatchPair* pair : {&FullReportPatches8KB(), &DiffPatches8KB()}) {
    const std::string ours = "merge/shadowsync/" + pair->label;
    const std::string theirs = "merge/nlohmann/" + pair->label;
    benchmark::RegisterBenchmark(ours.c_str(), BM_MergeShadowsync, pair)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(theirs.c_str(), BM_MergeNlohmann, pair)
        ->Unit(benchmark::kMicrosecond);
    AddRatio({"(b) nlohmann merge_patch / shadowsync Merge, 8KB " + pair->label, theirs, ours, 3.0,
              /*at_most=*/false});
  }
}

}  // namespace bench
}  // namespace shadowsync
