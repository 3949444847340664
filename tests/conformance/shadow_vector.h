// SPDX-License-Identifier: Apache-2.0
//
// Runs one request/response vector of spec section 13 (the format of
// `shadow_vectors.json`) through ShadowService and checks every message it
// publishes and the stored document afterwards.
//
// Thread safety: free functions; safe for concurrent use on distinct vectors.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_SHADOW_VECTOR_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_SHADOW_VECTOR_H_

#include <cstddef>
#include <string>

#include "conformance/vector_result.h"
#include "shadowsync/document.h"
#include "shadowsync/json.h"

namespace shadowsync::conformance {

/// The time every vector's request is handled at (2023-11-14T22:13:20Z).
inline constexpr Timestamp kVectorTime = 1700000000;

/// The vector's `name`, or "#<index>" when it has none.
std::string ShadowVectorName(const JsonValue& vector, std::size_t index);

/// Seeds a fresh MemoryStore with `initial` (or with a tombstone at
/// `initial_deleted_version`, deleted at `now`), sends `request` to a fresh
/// ShadowService at time `now`, then checks:
/// - every key of `expect` (accepted, rejected, delta, documents) was
///   published exactly once, on the request topic plus that suffix, with a
///   payload matching the expected one (JsonComparator, with the vector's
///   `match` rules; `rejected` is an error document);
/// - nothing in `expect_not_published` and nothing else was published;
/// - the store holds `state_after` (null: no live shadow, a tombstone is
///   fine).
/// One JsonComparator serves the whole vector, so all "<ts>" are one value.
/// A malformed vector is a failure whose message starts with "bad vector:".
VectorResult RunShadowVector(const JsonValue& vector, Timestamp now = kVectorTime);

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_SHADOW_VECTOR_H_
