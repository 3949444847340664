// SPDX-License-Identifier: Apache-2.0
//
// PostgresTableSink: the rules engine's PostgreSQL table backend, over libpq
// (plugin_opt_rules_table_store postgresql://...). One SQL table per
// tableName, created on first use in the connection's default schema:
//
//   dynamoDBv2:  "<table>" (item jsonb NOT NULL, inserted_ms bigint NOT NULL)
//   dynamoDB v1: "<table>" ("<hashKeyField>" text|numeric NOT NULL
//                           [, "<rangeKeyField>" text|numeric NOT NULL],
//                           item jsonb NOT NULL, inserted_ms bigint NOT NULL,
//                           PRIMARY KEY (hash[, range]))
//
// The same layout as SqliteTableSink, with the item as jsonb (queryable with
// `item->>'temperature'`) and NUMBER keys as numeric. A v1 put upserts on
// the key (INSERT ... ON CONFLICT DO UPDATE), a v1 DELETE deletes it.
//
// A batch is one transaction. A row the database refuses (e.g. a string
// with \u0000, which jsonb cannot hold) rolls it back; the batch is then
// written row by row, so that only the bad rows fail. When the server is
// down, every row of the batch fails at once ("database unavailable") and
// the sink reconnects with an exponential backoff (kMinBackoff doubling to
// kMaxBackoff); until the next attempt is due, batches fail without a
// network call, so the worker never stalls on a dead server. Rows resume
// as soon as a reconnect succeeds.
//
// Thread safety: not thread-safe (TableSink): one thread at a time, which
// may differ from the thread that opened it.

#ifndef SHADOWSYNC_SERVICE_CORE_POSTGRES_TABLE_SINK_H_
#define SHADOWSYNC_SERVICE_CORE_POSTGRES_TABLE_SINK_H_

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "table_sink.h"

struct pg_conn;

namespace shadowsync::host {

class PostgresTableSink : public TableSink {
 public:
  static constexpr std::chrono::milliseconds kMinBackoff{200};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};
  /// PostgreSQL truncates longer identifiers; the sink refuses them instead.
  static constexpr std::size_t kMaxIdentifier = 63;

  /// True for a rules_table_store value that names a PostgreSQL database:
  /// a `postgresql://` or `postgres://` URI.
  static bool IsConnectionUri(const std::string& store);

  /// Checks `conninfo` (libpq's URI syntax) and tries to connect once. A
  /// syntax error is kInvalidArgument; a server that does not answer is
  /// not an error (the sink reconnects when rows come), so that the broker
  /// starts while its database is still coming up.
  static Result<std::unique_ptr<PostgresTableSink>> Open(const std::string& conninfo);
  ~PostgresTableSink() override;

  PostgresTableSink(const PostgresTableSink&) = delete;
  PostgresTableSink& operator=(const PostgresTableSink&) = delete;

  void WriteBatch(std::vector<TableWrite>& batch, std::vector<TableFailure>& failures) override;
  /// "postgresql <uri without the password>".
  std::string Describe() const override;
  /// True while a connection is up (tests).
  bool connected() const { return conn_ != nullptr; }

 private:
  explicit PostgresTableSink(std::string conninfo, std::string described)
      : conninfo_(std::move(conninfo)), described_(std::move(described)) {}
  Status Connect();
  void Disconnect();
  bool ConnectionLost() const;
  Status Exec(const std::string& sql);
  Status Write(const TableWrite& write);
  Status Prepare(const std::string& sql, std::string& name);

  const std::string conninfo_;
  const std::string described_;
  pg_conn* conn_ = nullptr;
  std::string last_connect_error_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_ = kMinBackoff;
  std::map<std::string, std::string> prepared_;  // SQL text -> statement name
  std::set<std::string> created_;                // CREATE statements run on this connection
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_POSTGRES_TABLE_SINK_H_
