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
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/json_compare.h"
#include "conformance/vector_result.h"
#include "shadowsync/document.h"
#include "shadowsync/json.h"
#include "shadowsync/service.h"
#include "shadowsync/topic.h"

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

// --- The pieces RunShadowVector is made of, shared with the wire mode -------

/// Everything a vector says, checked for shape. Pointers point into the
/// vector's JSON, which must outlive this.
struct ShadowVector {
  ShadowId id;
  const JsonValue* initial = nullptr;  ///< a null JSON value: no shadow
  std::optional<std::uint64_t> initial_deleted_version;
  std::string topic;    ///< request.topic
  std::string payload;  ///< the request's bytes (BuildRequestPayload)
  const JsonValue* expect = nullptr;
  std::set<std::string, std::less<>> expect_not_published;
  const JsonValue* state_after = nullptr;  ///< a null JSON value: no live shadow
  MatchRules match;
};

/// Reads and checks a vector's fields (including a non-empty `name`); every
/// problem becomes a "bad vector: ..." failure in `result`, and then the
/// result is nullopt.
std::optional<ShadowVector> ParseShadowVector(const JsonValue& vector, VectorResult* result);

/// Checks the messages the request caused against `expect` and
/// `expect_not_published`: each expected kind exactly once on the request
/// topic plus its suffix, with a matching payload; nothing else. Adds a
/// "published <topic> <payload>" note per message.
void CheckPublished(const ShadowVector& v, const std::vector<ServiceMessage>& published,
                    JsonComparator& comparator, VectorResult* result);

/// Compares the live shadow after the request, in the stored form of spec
/// 4.7, with the vector's (non-null) `state_after`. `actual_text` is shown on
/// a mismatch as "state_after: actual <what>: <actual_text>".
void CheckStateAfterDocument(const ShadowVector& v, const JsonValue& actual,
                             const std::string& actual_text, const std::string& what,
                             JsonComparator& comparator, VectorResult* result);

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_SHADOW_VECTOR_H_
