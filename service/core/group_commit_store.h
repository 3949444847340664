// SPDX-License-Identifier: Apache-2.0
//
// GroupCommitStore: durability for a host that answers every request on one
// thread and must not fsync once per request (the mosquitto plugin, issue 9
// "Durability without stalling the broker").
//
// It is a write-back cache in front of a SqliteStore. Save() and Delete()
// change the cache and return OK at once; they are NOT durable yet. Commit()
// writes every change made since the last Commit() in one SQLite
// transaction (one WAL fsync, SqliteStore::WriteAll). The host therefore
// holds every response back until the Commit() after its request returns
// OK, then publishes them in arrival order: no answer leaves before the
// change it reports is on disk, and a broker loop pass costs one fsync
// however many requests it carried. GET answers are held too, because they
// may show a change that is not committed yet.
//
// When Commit() fails, the uncommitted changes are dropped from the cache
// (the next Load reads the database again), and the host answers the held
// requests with 500 instead of what it computed.
//
// Loads are served from the cache, which keeps every shadow read or written
// so far (the database is opened EXCLUSIVE, so nobody else writes it).
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_GROUP_COMMIT_STORE_H_
#define SHADOWSYNC_SERVICE_CORE_GROUP_COMMIT_STORE_H_

#include <cstddef>
#include <memory>
#include <set>
#include <vector>

#include "shadowsync/mutex.h"
#include "shadowsync/status.h"
#include "shadowsync/store.h"
#include "sqlite_store.h"

namespace shadowsync::host {

class GroupCommitStore : public Store {
 public:
  /// `durable` is borrowed and must outlive this store.
  explicit GroupCommitStore(SqliteStore& durable);

  Result<StoredShadow> Load(const ShadowId& id) override;
  /// Not durable until Commit() (see the file comment).
  Status Save(const ShadowId& id, ShadowDocument document) override;
  /// Not durable until Commit().
  Status Delete(const ShadowId& id, Tombstone tombstone) override;
  Result<std::vector<ShadowId>> List() override;

  /// Number of shadows changed since the last Commit().
  std::size_t pending() const;
  /// Writes every pending change in one transaction. OK with nothing to
  /// write. On failure the pending changes are forgotten (see above) and
  /// the SqliteStore's error is returned.
  Status Commit();

 private:
  SqliteStore& durable_;
  mutable Mutex mu_;
  std::unique_ptr<MemoryStore> cache_ SHADOWSYNC_GUARDED_BY(mu_);
  std::set<ShadowId> loaded_ SHADOWSYNC_GUARDED_BY(mu_);  // ids whose cache entry is valid
  std::set<ShadowId> pending_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_GROUP_COMMIT_STORE_H_
