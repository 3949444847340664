// SPDX-License-Identifier: Apache-2.0

#include "sqlite_table_sink.h"

#include <sqlite3.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace shadowsync::host {
namespace {

// Names are checked (ValidTableName, ValidKeyColumn) before they get here;
// quoting keeps them identifiers all the same.
std::string CreateSql(const TableWrite& write) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(write.table) + " (";
  for (const TableKey& key : write.keys) sql += QuoteIdentifier(key.column) + " NOT NULL, ";
  sql += "item TEXT NOT NULL, inserted_ms INTEGER NOT NULL";
  if (!write.keys.empty()) sql += ", PRIMARY KEY (" + KeyColumnList(write) + ")";
  return sql + ")";
}

std::string PutSql(const TableWrite& write) {
  std::string sql = write.keys.empty() ? "INSERT INTO " : "INSERT OR REPLACE INTO ";
  sql += QuoteIdentifier(write.table) + " (";
  std::string values;
  int n = 0;
  for (const TableKey& key : write.keys) {
    sql += QuoteIdentifier(key.column) + ", ";
    values += "?" + std::to_string(++n) + ", ";
  }
  sql += "item, inserted_ms) VALUES (" + values + "?" + std::to_string(n + 1) + ", ?" +
         std::to_string(n + 2) + ")";
  return sql;
}

// Binds a key: text, or a number for a NUMBER key (an integer when it is
// one, so that 1700000000000 stays exact).
Status BindKey(sqlite3_stmt* statement, int index, const TableKey& key) {
  if (!key.number) {
    sqlite3_bind_text(statement, index, key.value.data(), static_cast<int>(key.value.size()),
                      SQLITE_TRANSIENT);
    return Status::Ok();
  }
  const char* begin = key.value.c_str();
  char* end = nullptr;
  errno = 0;
  const long long integer = std::strtoll(begin, &end, 10);
  if (!key.value.empty() && *end == '\0' && errno == 0) {
    sqlite3_bind_int64(statement, index, integer);
    return Status::Ok();
  }
  errno = 0;
  const double real = std::strtod(begin, &end);
  if (key.value.empty() || *end != '\0' || errno != 0 || !std::isfinite(real)) {
    return InvalidArgumentError("key " + key.column + ": value '" + key.value +
                                "' is not a NUMBER");
  }
  sqlite3_bind_double(statement, index, real);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SqliteTableSink>> SqliteTableSink::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return FailedPreconditionError("cannot open the rules table store " + path + ": " + message);
  }
  std::unique_ptr<SqliteTableSink> sink(new SqliteTableSink(db, path));
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers (sqlite3, tests) and the writer do not block each other.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"}) {
    Status s = sink->Exec(pragma);
    if (!s.ok()) {
      return FailedPreconditionError("rules table store " + path + ": " + s.message());
    }
  }
  return sink;
}

SqliteTableSink::~SqliteTableSink() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

Status SqliteTableSink::Error(const std::string& what) const {
  return Status(StatusCode::kUnavailable, what + ": " + sqlite3_errmsg(db_));
}

Status SqliteTableSink::Exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Status(StatusCode::kUnavailable, text);
}

Result<sqlite3_stmt*> SqliteTableSink::Statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    sqlite3_reset(it->second);
    sqlite3_clear_bindings(it->second);
    return it->second;
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    sqlite3_finalize(statement);
    return Error("preparing " + sql);
  }
  statements_.emplace(sql, statement);
  return statement;
}

Status SqliteTableSink::Write(const TableWrite& write) {
  if (!ValidTableName(write.table)) {
    return InvalidArgumentError("invalid table name '" + write.table + "'");
  }
  for (const TableKey& key : write.keys) {
    if (!ValidKeyColumn(key.column)) {
      return InvalidArgumentError("invalid key column name '" + key.column + "'");
    }
  }
  // CREATE TABLE IF NOT EXISTS costs a schema lookup; prepared once per
  // table layout, it is cheap after the first write.
  Result<sqlite3_stmt*> create = Statement(CreateSql(write));
  if (!create.ok()) return create.status();
  if (sqlite3_step(*create) != SQLITE_DONE) return Error("creating table " + write.table);
  sqlite3_reset(*create);

  const bool put = write.operation == TableWrite::Operation::kPut;
  Result<sqlite3_stmt*> statement = Statement(put ? PutSql(write) : DeleteSql(write, '?'));
  if (!statement.ok()) return statement.status();
  int index = 0;
  for (const TableKey& key : write.keys) {
    Status bound = BindKey(*statement, ++index, key);
    if (!bound.ok()) return bound;
  }
  if (put) {
    sqlite3_bind_text(*statement, ++index, write.item_json.data(),
                      static_cast<int>(write.item_json.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(*statement, ++index, write.inserted_ms);
  }
  const int rc = sqlite3_step(*statement);
  sqlite3_reset(*statement);
  if (rc != SQLITE_DONE) return Error("writing to table " + write.table);
  return Status::Ok();
}

void SqliteTableSink::WriteBatch(std::vector<TableWrite>& batch,
                                 std::vector<TableFailure>& failures) {
  auto fail_all = [&](std::vector<TableWrite>::iterator from, const std::string& error) {
    for (auto it = from; it != batch.end(); ++it) failures.push_back({std::move(*it), error});
  };
  if (batch.empty()) return;
  Status begun = Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    fail_all(batch.begin(), "table store " + path_ + ": " + begun.message());
    return;
  }
  std::vector<bool> written(batch.size(), false);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status s = Write(batch[i]);
    if (s.ok()) {
      written[i] = true;
      continue;
    }
    if (sqlite3_get_autocommit(db_) != 0) {
      // SQLite rolled the transaction back (disk full, I/O error): nothing
      // of the batch is stored.
      const std::string error = "table store " + path_ + ": " + s.message();
      for (std::size_t j = 0; j < batch.size(); ++j) {
        if (j >= i || written[j]) failures.push_back({std::move(batch[j]), error});
      }
      return;
    }
    failures.push_back({std::move(batch[i]), s.message()});
  }
  Status committed = Exec("COMMIT");
  if (committed.ok()) return;
  (void)Exec("ROLLBACK");
  const std::string error = "table store " + path_ + ": commit failed: " + committed.message();
  for (std::size_t j = 0; j < batch.size(); ++j) {
    if (written[j]) failures.push_back({std::move(batch[j]), error});
  }
}

}  // namespace shadowsync::host
