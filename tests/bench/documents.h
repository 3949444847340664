// SPDX-License-Identifier: Apache-2.0
//
// Deterministic, realistic shadow documents for the benchmarks: a device's
// telemetry (sensors, power, network, firmware) in `reported` and its
// configuration (sampling, LED, update policy, schedule) in `desired`,
// mirrored in `reported` the way a device reports the configuration it
// applied. Both sections are six levels deep (the L2 maximum, the section
// being level 1) and hold arrays of numbers, of strings and of objects, and
// ints, doubles, booleans and strings.
//
// Every generated number has a fixed width (doubles are tenths in a range of
// fixed digit count), so all variants of a document have exactly the same
// compact size: the 8 KB document stays just under the L1 limit whatever
// update is applied to it. Nothing is random; the same build gives the same
// bytes.
//
// Thread safety: the accessors build their documents once, on first use;
// call them from one thread (the benchmark main does).

#ifndef SHADOWSYNC_TESTS_BENCH_DOCUMENTS_H_
#define SHADOWSYNC_TESTS_BENCH_DOCUMENTS_H_

#include <array>
#include <cstddef>
#include <string>

#include "shadowsync/document.h"

namespace shadowsync {
namespace bench {

/// The time the stored documents were written (their metadata timestamps).
inline constexpr Timestamp kStoredAt = 1700000000;
/// The version of the stored documents.
inline constexpr std::uint64_t kStoredVersion = 1000;

/// The update requests the service benchmark sends.
enum class UpdateKind {
  kSmallReport,    ///< a report touching a few telemetry leaves (~160 bytes)
  kFullReport,     ///< the whole `reported` section with new telemetry
  kDesiredChange,  ///< a configuration change in `desired`, producing a delta
};
inline constexpr UpdateKind kUpdateKinds[] = {UpdateKind::kSmallReport, UpdateKind::kFullReport,
                                              UpdateKind::kDesiredChange};

/// "small_report", "full_report", "desired_change".
const char* UpdateKindName(UpdateKind kind);

/// A stored shadow and the update requests sent to it.
struct BenchShadow {
  std::string label;               ///< "1KB" or "8KB"
  ShadowDocument stored;           ///< state, metadata (all at kStoredAt), version
  std::string stored_json;         ///< stored.ToJson(): the input of the floor
  std::size_t state_bytes = 0;     ///< L1 size: compact desired + reported
  std::size_t desired_bytes = 0;   ///< compact `desired`
  std::size_t reported_bytes = 0;  ///< compact `reported`
  int desired_depth = 0;           ///< L2 depth of `desired`
  int reported_depth = 0;          ///< L2 depth of `reported`
  /// Two variants of each update kind, with different values of the same
  /// width. Sending them alternately makes every request change the
  /// document while its size stays the same.
  std::array<std::array<std::string, 2>, 3> updates;

  const std::array<std::string, 2>& Updates(UpdateKind kind) const {
    return updates[static_cast<int>(kind)];
  }
};

/// The ~1 KB shadow: 1024 bytes of state (desired + reported, compact).
const BenchShadow& Shadow1KB();
/// The ~8 KB shadow: 8160 bytes of state, 32 bytes under the 8192 L1 limit.
const BenchShadow& Shadow8KB();

/// Two pending patches (contents of `state.reported`), as JSON text.
struct PatchPair {
  std::string label;
  std::string first;
  std::string second;
};

/// Two full-state reports of a device whose `reported` section alone is
/// 8160 bytes (just under L1), taken at different times: every telemetry
/// value differs, and the second clears two fields with null (a firmware
/// update finished, an MQTT error went away). Merge coalesces them without
/// error: the only null meets a string and no object meets a non-object.
const PatchPair& FullReportPatches8KB();

/// Diff-derived patches over the same 8 KB section: Diff(r0, r1) and
/// Diff(r1, r2) for three successive full reports r0, r1, r2 (only the
/// changed leaves: the telemetry, not the identity and configuration).
const PatchPair& DiffPatches8KB();

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_DOCUMENTS_H_
