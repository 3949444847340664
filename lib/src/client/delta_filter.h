// SPDX-License-Identifier: Apache-2.0
//
// DeltaFilter: which desired values ShadowClient has already handed to the
// device, so that a delta repeats none. The service sends a delta after
// every update while desired and reported differ (D5), so one desired value
// arrives again with each report until the device reports it; a desired
// leaf is new when its value or its desired timestamp (the delta's
// metadata, D4) differs from what was delivered. A value written again by
// the cloud has a new timestamp and is delivered again; a stale one is not
// repeated. Deltas whose version is not newer than the last one delivered
// (redelivery, or already covered by a GET) are stale as a whole.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_CLIENT_DELTA_FILTER_H_
#define SHADOWSYNC_CLIENT_DELTA_FILTER_H_

#include <cstdint>
#include <map>
#include <string>

#include "shadowsync/json.h"

namespace shadowsync::internal {

/// The newest "timestamp" in a metadata subtree (a leaf's {"timestamp": t},
/// or an array's per-element metadata), or -1 when there is none.
std::int64_t NewestTimestamp(const JsonValue* metadata);

class DeltaFilter {
 public:
  /// The version of the last delta handed over (0: none yet).
  std::uint64_t version() const { return version_; }

  /// True when a delta of `version` says nothing new: only deltas are
  /// compared with deltas, so an accepted message with the same version
  /// says nothing about this one (peers 3.6).
  bool IsStale(std::uint64_t version) const { return version <= version_; }

  /// Records `version` as delivered, removes from `delta` (a desired state)
  /// the leaves already delivered with the same value and timestamp, and
  /// records the others. `metadata` mirrors `delta`'s shape (the delta's
  /// metadata) or is null. Returns true when anything is left to deliver.
  bool TakeNew(std::uint64_t version, JsonValue& delta, const JsonValue* metadata);

  /// Someone deleted the shadow: versions may restart (V5, L10) and every
  /// desired value is new again.
  void Forget();

  /// How many leaves have been delivered (for tests and memory accounting).
  std::size_t delivered_leaves() const { return leaves_.size(); }

 private:
  struct Leaf {
    std::string value;       // compact JSON
    std::int64_t timestamp;  // its desired timestamp (-1: unknown)
    bool operator!=(const Leaf& o) const { return value != o.value || timestamp != o.timestamp; }
  };

  bool TakeNewLeaves(JsonValue& delta, const JsonValue* metadata, const std::string& pointer);

  std::uint64_t version_ = 0;
  std::map<std::string, Leaf> leaves_;  // by JSON pointer
};

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_CLIENT_DELTA_FILTER_H_
