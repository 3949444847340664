// SPDX-License-Identifier: Apache-2.0
//
// SqliteStore: the emulator's durable Store (issue 3, "Persistence"). One
// SQLite database in WAL mode holds every shadow's stored form (spec 4.7) and
// the tombstones of deleted shadows (V5, L10). A Save or Delete that returns
// OK has been committed with `synchronous=FULL`, i.e. the WAL was fsync()ed,
// so it survives kill -9 and power loss; ShadowService publishes its
// responses only after that ("kill -9 and restart lose nothing that was
// answered").
//
// Database layout (schema version 1):
//   shadowsync_schema(version INTEGER)          one row: 1
//   shadows(thing TEXT, is_named INTEGER, shadow TEXT,
//           document TEXT, version INTEGER, deleted_at INTEGER)
//     PRIMARY KEY (thing, is_named, shadow); the classic shadow is
//     is_named = 0 with shadow = '' (SQL NULLs never compare equal, so they
//     cannot be part of the key). A live shadow has its compact stored form
//     in `document` and deleted_at NULL; a tombstone has document NULL, its
//     deleted version in `version` and deleted_at set.
//
// By default the database is opened in EXCLUSIVE locking mode: while one
// SqliteStore has it open, another process (a second emulator on the same
// --store) fails to open it instead of interleaving its updates, which would
// break the version sequence. Inspect a running emulator's state with an
// export instead of the sqlite3 shell.

#ifndef SHADOWSYNC_SERVICE_CORE_SQLITE_STORE_H_
#define SHADOWSYNC_SERVICE_CORE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/mutex.h"
#include "shadowsync/status.h"
#include "shadowsync/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace shadowsync::host {

struct SqliteStoreOptions {
  /// How long a statement waits for a lock held by another connection
  /// before it fails with kUnavailable.
  int busy_timeout_ms = 5000;
  /// EXCLUSIVE locking mode (see the file comment). false allows other
  /// connections, e.g. the sqlite3 shell, to read while the store is open.
  bool exclusive = true;
};

/// A Store kept in one SQLite database file.
///
/// Status codes: kFailedPrecondition when the file cannot be opened or
/// created, is not a SQLite database, is another application's database or
/// has an unsupported schema version; kUnavailable when another connection
/// holds the lock for longer than busy_timeout_ms; kInternal for a corrupt
/// row (the message names the thing and shadow) and any other SQLite failure.
/// Every message starts with the database path and, for SQLite failures,
/// carries sqlite3_errmsg() and the extended result code.
///
/// Thread safety: safe for concurrent use (one mutex serialises all calls;
/// SQLite itself runs in serialized mode as well).
class SqliteStore : public Store {
 public:
  /// Opens or creates the database at `path` (":memory:" gives a private
  /// in-memory database, which is not durable). Creates the schema on a new
  /// or empty database.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteStoreOptions options = {});

  /// Closes the database (a final checkpoint folds the WAL into the file).
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<StoredShadow> Load(const ShadowId& id) override;
  Status Save(const ShadowId& id, ShadowDocument document) override;
  Status Delete(const ShadowId& id, Tombstone tombstone) override;
  Result<std::vector<ShadowId>> List() override;

  /// Writes every entry in one transaction: all of them or, on error, none.
  /// An entry with a document is saved (as Save), one with only a tombstone
  /// becomes a tombstone (as Delete); an entry with neither is
  /// kInvalidArgument. Used to load a seed file atomically.
  Status WriteAll(const std::vector<std::pair<ShadowId, StoredShadow>>& entries);

  const std::string& path() const { return path_; }

 private:
  struct Statements;

  SqliteStore(std::string path, sqlite3* db);

  Status CheckOrCreateSchema() SHADOWSYNC_REQUIRES(mu_);
  Status Prepare() SHADOWSYNC_REQUIRES(mu_);
  /// Runs a statement that returns no rows; `what` names it in the error.
  Status Step(sqlite3_stmt* statement, const char* what) SHADOWSYNC_REQUIRES(mu_);
  Status SaveLocked(const ShadowId& id, const std::string& json, std::uint64_t version)
      SHADOWSYNC_REQUIRES(mu_);
  Status DeleteLocked(const ShadowId& id, const Tombstone& tombstone) SHADOWSYNC_REQUIRES(mu_);
  Status Exec(const char* sql, const std::string& what) SHADOWSYNC_REQUIRES(mu_);
  Status Error(const std::string& what, int rc) const SHADOWSYNC_REQUIRES(mu_);

  const std::string path_;
  Mutex mu_;
  sqlite3* db_ SHADOWSYNC_GUARDED_BY(mu_);  // owned
  std::unique_ptr<Statements> statements_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_SQLITE_STORE_H_
