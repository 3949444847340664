// SPDX-License-Identifier: Apache-2.0

#include "group_commit_store.h"

#include <algorithm>
#include <utility>

namespace shadowsync::host {

GroupCommitStore::GroupCommitStore(SqliteStore& durable)
    : durable_(durable), cache_(std::make_unique<MemoryStore>()) {}

Result<StoredShadow> GroupCommitStore::Load(const ShadowId& id) {
  MutexLock lock(mu_);
  if (loaded_.count(id) != 0) return cache_->Load(id);
  Result<StoredShadow> stored = durable_.Load(id);
  if (!stored.ok()) return stored;
  if (stored->document) {
    Status s = cache_->Save(id, *stored->document);
    if (!s.ok()) return s;
  } else if (stored->tombstone) {
    Status s = cache_->Delete(id, *stored->tombstone);
    if (!s.ok()) return s;
  }
  // A shadow that never existed is remembered as absent: the cache has no
  // entry for it, and loaded_ says that is the truth.
  loaded_.insert(id);
  return stored;
}

Status GroupCommitStore::Save(const ShadowId& id, ShadowDocument document) {
  MutexLock lock(mu_);
  Status s = cache_->Save(id, std::move(document));
  if (!s.ok()) return s;
  loaded_.insert(id);
  pending_.insert(id);
  return Status::Ok();
}

Status GroupCommitStore::Delete(const ShadowId& id, Tombstone tombstone) {
  MutexLock lock(mu_);
  Status s = cache_->Delete(id, tombstone);
  if (!s.ok()) return s;
  loaded_.insert(id);
  pending_.insert(id);
  return Status::Ok();
}

Result<std::vector<ShadowId>> GroupCommitStore::List() {
  MutexLock lock(mu_);
  Result<std::vector<ShadowId>> ids = durable_.List();
  if (!ids.ok()) return ids;
  std::vector<ShadowId> all = std::move(ids).value();
  all.insert(all.end(), pending_.begin(), pending_.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::size_t GroupCommitStore::pending() const {
  MutexLock lock(mu_);
  return pending_.size();
}

Status GroupCommitStore::Commit() {
  MutexLock lock(mu_);
  if (pending_.empty()) return Status::Ok();
  std::vector<std::pair<ShadowId, StoredShadow>> entries;
  entries.reserve(pending_.size());
  Status status = Status::Ok();
  for (const ShadowId& id : pending_) {
    Result<StoredShadow> entry = cache_->Load(id);
    if (!entry.ok()) {
      status = entry.status();
      break;
    }
    entries.emplace_back(id, std::move(entry).value());
  }
  if (status.ok()) status = durable_.WriteAll(entries);
  if (!status.ok()) {
    // Forget what did not reach the disk: the next Load reads the database.
    loaded_.clear();
    cache_ = std::make_unique<MemoryStore>();
  }
  pending_.clear();
  return status;
}

}  // namespace shadowsync::host
