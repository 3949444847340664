// SPDX-License-Identifier: Apache-2.0

#include "sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

namespace shadowsync::host {
namespace {

constexpr int kSchemaVersion = 1;

// STRICT makes SQLite refuse a value of the wrong type instead of converting
// it; WITHOUT ROWID stores the rows in key order, which is also List's order.
constexpr const char kCreateSchema[] = R"sql(
CREATE TABLE shadowsync_schema (version INTEGER NOT NULL) STRICT;
CREATE TABLE shadows (
  thing TEXT NOT NULL,
  is_named INTEGER NOT NULL CHECK (is_named IN (0, 1)),
  shadow TEXT NOT NULL CHECK (is_named = 1 OR shadow = ''),
  document TEXT,
  version INTEGER NOT NULL,
  deleted_at INTEGER,
  CHECK ((document IS NULL) <> (deleted_at IS NULL)),
  PRIMARY KEY (thing, is_named, shadow)
) STRICT, WITHOUT ROWID;
)sql";

constexpr const char kLoadSql[] =
    "SELECT document, version, deleted_at FROM shadows "
    "WHERE thing = ?1 AND is_named = ?2 AND shadow = ?3";
constexpr const char kSaveSql[] =
    "INSERT INTO shadows (thing, is_named, shadow, document, version, deleted_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, NULL) ON CONFLICT (thing, is_named, shadow) DO UPDATE SET "
    "document = excluded.document, version = excluded.version, deleted_at = NULL";
constexpr const char kDeleteSql[] =
    "INSERT INTO shadows (thing, is_named, shadow, document, version, deleted_at) "
    "VALUES (?1, ?2, ?3, NULL, ?4, ?5) ON CONFLICT (thing, is_named, shadow) DO UPDATE SET "
    "document = NULL, version = excluded.version, deleted_at = excluded.deleted_at";
constexpr const char kListSql[] = "SELECT thing, is_named, shadow FROM shadows";

// Names a shadow in messages: `thing "T", classic shadow` or
// `thing "T", shadow "S"`.
std::string Describe(const ShadowId& id) {
  std::string out = "thing \"" + id.thing + "\", ";
  out += id.shadow ? "shadow \"" + *id.shadow + "\"" : std::string("classic shadow");
  return out;
}

StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StatusCode::kUnavailable;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return StatusCode::kFailedPrecondition;
    default:
      return StatusCode::kInternal;
  }
}

// sqlite3_errmsg(), the extended result code and, when SQLite saw one, the
// errno of the failing system call ("unable to open database file" alone
// does not say why).
std::string SqliteDetail(sqlite3* db, int rc) {
  std::string out = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  out += " (SQLite error " + std::to_string(db ? sqlite3_extended_errcode(db) : rc) + ")";
  const int system_errno = db ? sqlite3_system_errno(db) : 0;
  if (system_errno != 0) out += " [" + std::string(std::strerror(system_errno)) + "]";
  return out;
}

// Resets a statement and drops its bindings when a call is done with it, on
// every path, so the next call starts clean and no read transaction stays
// open.
class StatementScope {
 public:
  explicit StatementScope(sqlite3_stmt* statement) : statement_(statement) {}
  ~StatementScope() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  sqlite3_stmt* statement_;
};

// Binds ?1 thing, ?2 is_named, ?3 shadow. The strings outlive the statement's
// use (the caller holds `id`), so SQLite need not copy them.
int BindId(sqlite3_stmt* statement, const ShadowId& id) {
  int rc = sqlite3_bind_text64(statement, 1, id.thing.data(), id.thing.size(), SQLITE_STATIC,
                               SQLITE_UTF8);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(statement, 2, id.shadow ? 1 : 0);
  if (rc == SQLITE_OK) {
    // Not std::string_view(): its nullptr data() would bind SQL NULL.
    const std::string_view shadow = id.shadow ? std::string_view(*id.shadow) : std::string_view("");
    rc =
        sqlite3_bind_text64(statement, 3, shadow.data(), shadow.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  return rc;
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

// Versions are uint64 in the engine and int64 in SQLite; the bits are kept
// as they are, so every uint64 survives the round trip.
sqlite3_int64 ToSqlite(std::uint64_t version) { return static_cast<sqlite3_int64>(version); }
std::uint64_t FromSqlite(sqlite3_int64 version) { return static_cast<std::uint64_t>(version); }

}  // namespace

struct SqliteStore::Statements {
  sqlite3_stmt* load = nullptr;
  sqlite3_stmt* save = nullptr;
  sqlite3_stmt* remove = nullptr;
  sqlite3_stmt* list = nullptr;
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;

  ~Statements() {
    for (sqlite3_stmt* s : {load, save, remove, list, begin, commit, rollback}) {
      sqlite3_finalize(s);  // a no-op for nullptr
    }
  }
};

SqliteStore::SqliteStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

SqliteStore::~SqliteStore() {
  MutexLock lock(mu_);
  statements_.reset();  // finalize before closing, or close would fail
  sqlite3_close_v2(db_);
}

Status SqliteStore::Error(const std::string& what, int rc) const {
  return Status(CodeFor(rc), path_ + ": " + what + ": " + SqliteDetail(db_, rc));
}

Status SqliteStore::Exec(const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(what, rc);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteStoreOptions options) {
  if (sqlite3_threadsafe() == 0) {
    return FailedPreconditionError(path + ": the SQLite library was built without thread support");
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status error(CodeFor(rc), path + ": cannot open the store: " + SqliteDetail(db, rc));
    sqlite3_close_v2(db);  // a handle is returned even on failure (nullptr only for OOM)
    return error;
  }
  // From here the store owns `db`; its destructor closes it on every error.
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, db));
  MutexLock lock(store->mu_);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);

  // The locking mode must be set before WAL is first used: in EXCLUSIVE mode
  // SQLite then needs no shared-memory index and holds the file lock until
  // the store closes.
  if (options.exclusive) {
    if (Status s = store->Exec("PRAGMA locking_mode = EXCLUSIVE", "cannot set the locking mode");
        !s.ok()) {
      return s;
    }
  }
  {
    // The first statement that reads the file: a file that is not a database
    // fails here with SQLITE_NOTADB.
    sqlite3_stmt* statement = nullptr;
    int step = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &statement, nullptr);
    std::string mode;
    if (step == SQLITE_OK) {
      step = sqlite3_step(statement);
      if (step == SQLITE_ROW) mode = ColumnText(statement, 0);
    }
    sqlite3_finalize(statement);
    if (step != SQLITE_ROW) return store->Error("cannot enable WAL mode", step);
    if (mode != "wal" && !(path == ":memory:" && mode == "memory")) {
      return FailedPreconditionError(path + ": cannot enable WAL mode: journal mode is \"" + mode +
                                     "\"");
    }
  }
  // FULL: each commit fsync()s the WAL before it returns. NORMAL, the usual
  // WAL companion, would be durable against a crash of the process but not
  // against a power loss.
  if (Status s = store->Exec("PRAGMA synchronous = FULL", "cannot set synchronous mode"); !s.ok()) {
    return s;
  }

  // Create or check the schema under a write lock, so that two processes
  // opening a new store at once cannot both create it.
  if (Status s = store->Exec("BEGIN IMMEDIATE", "cannot lock the store"); !s.ok()) return s;
  Status schema = store->CheckOrCreateSchema();
  if (!schema.ok()) {
    (void)store->Exec("ROLLBACK", "rollback");
    return schema;
  }
  if (Status s = store->Exec("COMMIT", "cannot create the schema"); !s.ok()) return s;

  if (Status s = store->Prepare(); !s.ok()) return s;
  return store;
}

// Creates the schema in a new file, or checks an existing one (inside the
// caller's transaction).
Status SqliteStore::CheckOrCreateSchema() {
  sqlite3_stmt* statement = nullptr;
  int step =
      sqlite3_prepare_v2(db_, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
                         -1, &statement, nullptr);
  std::vector<std::string> tables;
  while (step == SQLITE_OK || step == SQLITE_ROW) {
    step = sqlite3_step(statement);
    if (step == SQLITE_ROW) tables.push_back(ColumnText(statement, 0));
  }
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE) return Error("cannot read the schema", step);

  const bool has_schema_table =
      std::find(tables.begin(), tables.end(), "shadowsync_schema") != tables.end();
  if (!has_schema_table) {
    if (!tables.empty()) {
      return FailedPreconditionError(path_ + ": not a shadowsync store: it has the table \"" +
                                     tables.front() + "\" but no shadowsync_schema table");
    }
    if (Status s = Exec(kCreateSchema, "cannot create the schema"); !s.ok()) return s;
    const std::string insert =
        "INSERT INTO shadowsync_schema (version) VALUES (" + std::to_string(kSchemaVersion) + ")";
    return Exec(insert.c_str(), "cannot create the schema");
  }
  step = sqlite3_prepare_v2(db_, "SELECT version FROM shadowsync_schema", -1, &statement, nullptr);
  std::vector<sqlite3_int64> versions;
  while (step == SQLITE_OK || step == SQLITE_ROW) {
    step = sqlite3_step(statement);
    if (step == SQLITE_ROW) versions.push_back(sqlite3_column_int64(statement, 0));
  }
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE) return Error("cannot read the schema version", step);
  if (versions.size() != 1) {
    return FailedPreconditionError(path_ + ": corrupt store: shadowsync_schema has " +
                                   std::to_string(versions.size()) + " rows, expected 1");
  }
  if (versions[0] != kSchemaVersion) {
    return FailedPreconditionError(path_ + ": store schema version " + std::to_string(versions[0]) +
                                   " is not supported (this build reads version " +
                                   std::to_string(kSchemaVersion) + ")");
  }
  if (std::find(tables.begin(), tables.end(), "shadows") == tables.end()) {
    return FailedPreconditionError(path_ + ": corrupt store: the shadows table is missing");
  }
  return Status::Ok();
}

Status SqliteStore::Step(sqlite3_stmt* statement, const char* what) {
  StatementScope scope(statement);
  const int rc = sqlite3_step(statement);
  return rc == SQLITE_DONE ? Status::Ok() : Error(what, rc);
}

Status SqliteStore::Prepare() {
  auto statements = std::make_unique<Statements>();
  const std::pair<const char*, sqlite3_stmt**> all[] = {
      {kLoadSql, &statements->load},           {kSaveSql, &statements->save},
      {kDeleteSql, &statements->remove},       {kListSql, &statements->list},
      {"BEGIN IMMEDIATE", &statements->begin}, {"COMMIT", &statements->commit},
      {"ROLLBACK", &statements->rollback}};
  for (const auto& [sql, statement] : all) {
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, statement, nullptr);
    if (rc != SQLITE_OK) return Error(std::string("cannot prepare \"") + sql + "\"", rc);
  }
  statements_ = std::move(statements);
  return Status::Ok();
}

Result<StoredShadow> SqliteStore::Load(const ShadowId& id) {
  MutexLock lock(mu_);
  sqlite3_stmt* statement = statements_->load;
  StatementScope scope(statement);
  int rc = BindId(statement, id);
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  if (rc == SQLITE_DONE) return StoredShadow{};
  if (rc != SQLITE_ROW) return Error("cannot load " + Describe(id), rc);

  const auto corrupt = [&](const std::string& why) {
    return InternalError(path_ + ": corrupt row for " + Describe(id) + ": " + why);
  };
  const int document_type = sqlite3_column_type(statement, 0);
  const int version_type = sqlite3_column_type(statement, 1);
  const int deleted_at_type = sqlite3_column_type(statement, 2);
  if (version_type != SQLITE_INTEGER) return corrupt("version is not an integer");
  const std::uint64_t version = FromSqlite(sqlite3_column_int64(statement, 1));

  StoredShadow entry;
  if (document_type == SQLITE_NULL) {
    if (deleted_at_type != SQLITE_INTEGER) {
      return corrupt("neither a document nor a tombstone (deleted_at is not an integer)");
    }
    entry.tombstone = Tombstone{version, sqlite3_column_int64(statement, 2)};
    return entry;
  }
  if (document_type != SQLITE_TEXT) return corrupt("document is not text");
  if (deleted_at_type != SQLITE_NULL) return corrupt("both a document and a tombstone");
  Result<ShadowDocument> document = ShadowDocument::FromJsonText(ColumnText(statement, 0));
  if (!document.ok()) return corrupt("document: " + document.status().message());
  if (document->version() != version) {
    return corrupt("document version " + std::to_string(document->version()) +
                   " differs from the version column " + std::to_string(version));
  }
  entry.document = std::move(document).value();
  return entry;
}

Status SqliteStore::SaveLocked(const ShadowId& id, const std::string& json, std::uint64_t version) {
  sqlite3_stmt* statement = statements_->save;
  StatementScope scope(statement);
  int rc = BindId(statement, id);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text64(statement, 4, json.data(), json.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(statement, 5, ToSqlite(version));
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  return rc == SQLITE_DONE ? Status::Ok() : Error("cannot save " + Describe(id), rc);
}

Status SqliteStore::DeleteLocked(const ShadowId& id, const Tombstone& tombstone) {
  sqlite3_stmt* statement = statements_->remove;
  StatementScope scope(statement);
  int rc = BindId(statement, id);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(statement, 4, ToSqlite(tombstone.version));
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(statement, 5, tombstone.deleted_at);
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  return rc == SQLITE_DONE ? Status::Ok() : Error("cannot delete " + Describe(id), rc);
}

Status SqliteStore::Save(const ShadowId& id, ShadowDocument document) {
  // ShadowService has usually serialised this version already (for the
  // documents message); CachedJson reuses that text.
  const std::string& json = document.CachedJson();
  MutexLock lock(mu_);
  return SaveLocked(id, json, document.version());
}

Status SqliteStore::Delete(const ShadowId& id, Tombstone tombstone) {
  MutexLock lock(mu_);
  return DeleteLocked(id, tombstone);
}

Status SqliteStore::WriteAll(const std::vector<std::pair<ShadowId, StoredShadow>>& entries) {
  // Serialise outside the lock; the texts must live until COMMIT anyway.
  std::vector<std::optional<std::string>> texts;
  texts.reserve(entries.size());
  for (const auto& [id, entry] : entries) {
    if (entry.document) {
      texts.emplace_back(entry.document->ToJson());
    } else if (entry.tombstone) {
      texts.emplace_back();
    } else {
      return InvalidArgumentError(path_ + ": WriteAll: " + Describe(id) +
                                  " has neither a document nor a tombstone");
    }
  }

  MutexLock lock(mu_);
  if (Status s = Step(statements_->begin, "cannot begin a transaction"); !s.ok()) return s;
  Status status;
  for (std::size_t i = 0; i < entries.size() && status.ok(); ++i) {
    const auto& [id, entry] = entries[i];
    status = texts[i] ? SaveLocked(id, *texts[i], entry.document->version())
                      : DeleteLocked(id, *entry.tombstone);
  }
  if (status.ok()) status = Step(statements_->commit, "cannot commit");
  // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY).
  if (!status.ok() && sqlite3_get_autocommit(db_) == 0) {
    (void)Step(statements_->rollback, "cannot roll back");
  }
  return status;
}

Result<std::vector<ShadowId>> SqliteStore::List() {
  std::vector<ShadowId> ids;
  {
    MutexLock lock(mu_);
    sqlite3_stmt* statement = statements_->list;
    StatementScope scope(statement);
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      ShadowId id;
      id.thing = ColumnText(statement, 0);
      if (sqlite3_column_int(statement, 1) != 0) id.shadow = ColumnText(statement, 2);
      ids.push_back(std::move(id));
    }
    if (rc != SQLITE_DONE) return Error("cannot list the shadows", rc);
  }
  // The table's key order (BINARY collation, is_named 0 first) already is
  // ShadowId order; sorting again keeps List's contract independent of it.
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace shadowsync::host
