// SPDX-License-Identifier: Apache-2.0
//
// SqliteTableSink: the rules engine's embedded table backend. One database
// file (plugin_opt_rules_table_store), one SQL table per tableName, created
// on first use:
//
//   dynamoDBv2:  "<table>" (item TEXT NOT NULL, inserted_ms INTEGER NOT NULL)
//   dynamoDB v1: "<table>" ("<hashKeyField>" NOT NULL[, "<rangeKeyField>" NOT NULL],
//                           item TEXT NOT NULL, inserted_ms INTEGER NOT NULL,
//                           PRIMARY KEY (hash[, range]))
//
// `item` is the DynamoDB item as JSON text, queryable with json_extract():
// `SELECT json_extract(item, '$.temperature') FROM greenhouse`. A v1 put
// is INSERT OR REPLACE on the key (AWS's INSERT and UPDATE both upsert), a
// v1 DELETE deletes the key's row; a NUMBER key is stored as a number. The
// database runs in WAL mode, so readers (sqlite3, tests) never block the
// writer.
//
// Thread safety: not thread-safe (TableSink): one thread at a time, which
// may differ from the thread that opened it.

#ifndef SHADOWSYNC_SERVICE_CORE_SQLITE_TABLE_SINK_H_
#define SHADOWSYNC_SERVICE_CORE_SQLITE_TABLE_SINK_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "table_sink.h"

struct sqlite3;
struct sqlite3_stmt;

namespace shadowsync::host {

class SqliteTableSink : public TableSink {
 public:
  /// Opens (creating it if needed) the database at `path`.
  /// kFailedPrecondition naming the path when it cannot be opened.
  static Result<std::unique_ptr<SqliteTableSink>> Open(const std::string& path);
  ~SqliteTableSink() override;

  SqliteTableSink(const SqliteTableSink&) = delete;
  SqliteTableSink& operator=(const SqliteTableSink&) = delete;

  void WriteBatch(std::vector<TableWrite>& batch, std::vector<TableFailure>& failures) override;
  std::string Describe() const override { return "sqlite " + path_; }

 private:
  SqliteTableSink(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Write(const TableWrite& write);
  Status Exec(const std::string& sql);
  Result<sqlite3_stmt*> Statement(const std::string& sql);
  Status Error(const std::string& what) const;

  sqlite3* db_;
  const std::string path_;
  std::map<std::string, sqlite3_stmt*> statements_;  // by SQL text
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_SQLITE_TABLE_SINK_H_
