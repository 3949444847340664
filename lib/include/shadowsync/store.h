// SPDX-License-Identifier: Apache-2.0
//
// Store: where ShadowService keeps shadows and the tombstones of deleted
// ones (spec V5, 4.7). MemoryStore is the in-process implementation; the
// emulator adds a durable one.
//
// Thread safety: implementations must be safe for concurrent use.

#ifndef SHADOWSYNC_STORE_H_
#define SHADOWSYNC_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "shadowsync/document.h"
#include "shadowsync/mutex.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"

namespace shadowsync {

/// What remains of a deleted shadow: its last version and when it was
/// deleted, so a re-creation within 48 hours continues the numbering (V5).
struct Tombstone {
  std::uint64_t version = 0;
  Timestamp deleted_at = 0;

  friend bool operator==(const Tombstone& a, const Tombstone& b) {
    return a.version == b.version && a.deleted_at == b.deleted_at;
  }
};

/// One store entry: a live document, or a tombstone, or neither (never
/// existed or forgotten).
struct StoredShadow {
  std::optional<ShadowDocument> document;
  std::optional<Tombstone> tombstone;
};

class Store {
 public:
  virtual ~Store() = default;

  /// The entry for `id`; an empty StoredShadow when there is none.
  virtual Result<StoredShadow> Load(const ShadowId& id) = 0;
  /// Stores `document` as the live shadow `id`, replacing any tombstone.
  /// Must be durable when it returns OK (ShadowService publishes after).
  virtual Status Save(const ShadowId& id, ShadowDocument document) = 0;
  /// Replaces the live shadow `id` with `tombstone`.
  virtual Status Delete(const ShadowId& id, Tombstone tombstone) = 0;
  /// Every id with a document or a tombstone, in ShadowId order.
  virtual Result<std::vector<ShadowId>> List() = 0;
};

/// Keeps everything in memory. Thread safety: safe for concurrent use.
class MemoryStore : public Store {
 public:
  Result<StoredShadow> Load(const ShadowId& id) override;
  Status Save(const ShadowId& id, ShadowDocument document) override;
  Status Delete(const ShadowId& id, Tombstone tombstone) override;
  Result<std::vector<ShadowId>> List() override;

 private:
  Mutex mu_;
  std::map<ShadowId, StoredShadow> entries_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_STORE_H_
