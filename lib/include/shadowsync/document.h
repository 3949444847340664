// SPDX-License-Identifier: Apache-2.0
//
// ShadowDocument: one stored shadow (spec 4.7): the `desired` and `reported`
// sections, their per-leaf metadata timestamps and the version. It applies an
// update's state with the merge rules (M1 to M13) and metadata rules (MD1 to
// MD3), and computes the delta with its metadata (D1 to D6).
//
// Versions are the caller's business (ShadowService applies V1 to V5).
//
// Thread safety: const methods may run concurrently; others need external
// synchronization.

#ifndef SHADOWSYNC_DOCUMENT_H_
#define SHADOWSYNC_DOCUMENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// Seconds since the Unix epoch, the unit of every shadow timestamp (4).
using Timestamp = std::int64_t;

class ShadowDocument {
 public:
  /// An empty document: no sections, version 0.
  ShadowDocument();
  ShadowDocument(const ShadowDocument& other);
  ShadowDocument& operator=(const ShadowDocument& other);
  ShadowDocument(ShadowDocument&&) noexcept = default;
  ShadowDocument& operator=(ShadowDocument&&) noexcept = default;
  ~ShadowDocument();

  /// Reads the stored form `{"state": {...}, "metadata": {...}, "version": V}`.
  /// kInvalidArgument names the JSON pointer of the first problem: a section
  /// that is not an object, an unknown key, a null outside an array or inside
  /// one (M12), a missing or malformed version, or metadata whose shape does
  /// not mirror its section (every leaf needs {"timestamp": integer}).
  /// Empty sections are dropped (M6).
  static Result<ShadowDocument> FromJson(const JsonValue& stored);
  static Result<ShadowDocument> FromJsonText(std::string_view text);

  /// The stored form, compact: `{"state":{...},"metadata":{...},"version":V}`.
  std::string ToJson() const;
  /// The same text, kept until the document next changes, so a document that
  /// is serialised on every update (ShadowService does, for `documents`) is
  /// written once per version rather than twice.
  const std::string& CachedJson();

  std::uint64_t version() const { return version_; }
  void set_version(std::uint64_t version) {
    version_ = version;
    cached_json_.clear();
  }

  /// The sections, or nullptr when absent (an empty section never exists, M6).
  const JsonValue* desired() const;
  const JsonValue* reported() const;
  const JsonValue* desired_metadata() const;
  const JsonValue* reported_metadata() const;
  /// `{"desired"?, "reported"?}` and its metadata mirror.
  const JsonValue& state() const { return state_; }
  const JsonValue& metadata() const { return metadata_; }

  /// Applies a validated update `state` (an object with optional `desired` /
  /// `reported`, each an object or null; or null for M8) with timestamp
  /// `now`: merge rules M2 to M13, metadata MD1 to MD3. Does not change the
  /// version. Validation is UpdateRequest's job; other keys are ignored.
  void ApplyState(const JsonValue& state, Timestamp now);

  /// L1 (12a.1): compact bytes of desired plus compact bytes of reported.
  std::size_t StateSize() const;

  /// D1 to D6: sets `delta` to the delta object and `delta_metadata` to its
  /// metadata (taken from the desired metadata, D4), allocated with
  /// `allocator`. Returns false, with both set to {}, when there is no delta.
  bool ComputeDelta(JsonValue* delta, JsonValue* delta_metadata, JsonAllocator& allocator) const;

  /// Bytes held by the document's memory pool (state, metadata and garbage
  /// left by replaced values, which is reclaimed once it dominates).
  std::size_t allocated_bytes() const;

  /// Structural equality of state, metadata and version (numbers by value).
  friend bool operator==(const ShadowDocument& a, const ShadowDocument& b);
  friend bool operator!=(const ShadowDocument& a, const ShadowDocument& b) { return !(a == b); }

 private:
  JsonAllocator& allocator() { return *allocator_; }
  void CompactIfBloated();

  // One pool per document; it owns the memory of state_ and metadata_.
  std::unique_ptr<JsonAllocator> allocator_;
  JsonValue state_;
  JsonValue metadata_;
  std::uint64_t version_ = 0;
  std::size_t pool_size_after_copy_ = 0;
  std::string cached_json_;      // empty: not cached
  std::size_t cached_state_size_ = 0;  // StateSize(), valid with cached_json_
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_DOCUMENT_H_
