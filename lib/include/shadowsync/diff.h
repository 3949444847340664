// SPDX-License-Identifier: Apache-2.0
//
// Device-side patches: the smallest update that turns one state into another,
// the merge rules the service applies to it, and coalescing of pending
// patches while offline.
//
// A "section" here is the content of `desired` or `reported`: a JSON object.
// A "patch" is what goes into `state.reported` (or `state.desired`) of an
// update: an object in which `null` deletes a key (M2), objects merge
// recursively (M3), everything else replaces whole (M4, arrays are atomic).
//
// Thread safety: free functions over caller-owned values; safe for concurrent
// use on distinct values.

#ifndef SHADOWSYNC_DIFF_H_
#define SHADOWSYNC_DIFF_H_

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// Applies `patch` to the section `target` with the service's merge rules
/// (M2 to M5, M10, M11, 12a.3): null deletes, objects merge, nulls inside new
/// subtrees are dropped, an object made only of nulls is not created, an
/// object emptied by deletes stays as {}. `target` must be an object;
/// `allocator` must be the one that owns `target`.
void ApplyPatch(JsonValue& target, const JsonValue& patch, JsonAllocator& allocator);

/// The smallest patch that turns section `from` into section `to`: only
/// changed leaves, `null` for every key that disappeared, arrays whole, no
/// empty objects for unchanged subtrees. For documents the service can store
/// (no null members outside arrays), ApplyPatch(from, Diff(from, to)) equals
/// `to`. Both arguments must be objects.
JsonDocument Diff(const JsonValue& from, const JsonValue& to);

/// Coalesces two pending patches into one, so that applying the result to
/// any section gives what applying `first` and then `second` gives.
/// Some sequences have no single-patch equivalent without knowing the
/// section (an object written where `first` deleted or replaced the key with
/// a non-object, since a lone object would merge into what is there). For
/// those it returns kFailedPrecondition naming the JSON pointer; use
/// MergeOnto with the base section instead.
Result<JsonDocument> Merge(const JsonValue& first, const JsonValue& second);

/// Coalesces two patches relative to a known base section: the result is
/// Diff(base, apply(apply(base, first), second)). Never fails.
JsonDocument MergeOnto(const JsonValue& base, const JsonValue& first, const JsonValue& second);

}  // namespace shadowsync

#endif  // SHADOWSYNC_DIFF_H_
