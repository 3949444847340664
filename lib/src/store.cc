// SPDX-License-Identifier: Apache-2.0

#include "shadowsync/store.h"

namespace shadowsync {

Result<StoredShadow> MemoryStore::Load(const ShadowId& id) {
  MutexLock lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return StoredShadow{};
  return it->second;  // a copy: the caller may change it freely
}

Status MemoryStore::Save(const ShadowId& id, ShadowDocument document) {
  MutexLock lock(mu_);
  StoredShadow& entry = entries_[id];
  entry.document = std::move(document);
  entry.tombstone.reset();
  return Status::Ok();
}

Status MemoryStore::Delete(const ShadowId& id, Tombstone tombstone) {
  MutexLock lock(mu_);
  StoredShadow& entry = entries_[id];
  entry.document.reset();
  entry.tombstone = tombstone;
  return Status::Ok();
}

Result<std::vector<ShadowId>> MemoryStore::List() {
  MutexLock lock(mu_);
  std::vector<ShadowId> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  return ids;
}

}  // namespace shadowsync
