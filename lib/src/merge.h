// SPDX-License-Identifier: Apache-2.0
//
// The one implementation of the service's merge rules (spec section 5) and
// metadata rules (section 6). ShadowDocument uses it with metadata, the
// public ApplyPatch (diff.h) without.

#ifndef SHADOWSYNC_SRC_MERGE_H_
#define SHADOWSYNC_SRC_MERGE_H_

#include "shadowsync/document.h"
#include "shadowsync/json.h"

namespace shadowsync {
namespace internal {

/// Makes metadata for one request: every leaf is {"timestamp": now}. Leaves
/// are copied from one prototype, because RapidJSON 1.1 gives an object
/// built with AddMember room for 16 members, while a copy is sized exactly;
/// metadata is mostly leaves.
class MetadataFactory {
 public:
  MetadataFactory(Timestamp now, JsonAllocator& allocator);

  JsonAllocator& allocator() { return allocator_; }
  /// {"timestamp": now}
  JsonValue Leaf();
  /// MD1: the metadata mirror of `value`: a leaf for every scalar or null,
  /// an array of per-element metadata for an array, per-member metadata for
  /// an object ({} for an empty object, MD5).
  JsonValue MirrorOf(const JsonValue& value);

 private:
  Timestamp now_;
  JsonAllocator& allocator_;
  // Built on the first Leaf(): a merge without metadata (ApplyPatch) must
  // not allocate it, since a pool never gives memory back.
  JsonValue prototype_;
};

/// M10: copies the object `source` with null members dropped, recursively.
/// Returns false (and leaves `out` untouched) when the object consisted only
/// of nulls (directly or through objects that did), so it must not be
/// created. A genuinely empty object {} is copied as {} (M5). Arrays are
/// copied as sent (12a.4).
bool CopyWithoutNulls(const JsonValue& source, JsonValue* out, JsonAllocator& allocator);

/// Merges the object `patch` into the object `target` (M2 to M5, M10, M11,
/// 12a.3). When `metadata` is not null it is the mirror of `target` and is
/// kept in step (MD2, MD3): written leaves get the factory's timestamp,
/// removed keys lose their metadata, replaced subtrees get new metadata.
void MergeObject(JsonValue& target, JsonValue* metadata, const JsonValue& patch,
                 MetadataFactory& factory);

}  // namespace internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_SRC_MERGE_H_
