// SPDX-License-Identifier: Apache-2.0

#include "postgres_table_sink.h"

#include <libpq-fe.h>

#include <algorithm>
#include <utility>

namespace shadowsync::host {
namespace {

// Names are checked (ValidTableName, ValidKeyColumn, kMaxIdentifier) before
// they get here; quoting keeps them identifiers (case kept) all the same.
std::string CreateSql(const TableWrite& write) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(write.table) + " (";
  for (const TableKey& key : write.keys) {
    sql += QuoteIdentifier(key.column) + (key.number ? " numeric" : " text") + " NOT NULL, ";
  }
  sql += "item jsonb NOT NULL, inserted_ms bigint NOT NULL";
  if (!write.keys.empty()) sql += ", PRIMARY KEY (" + KeyColumnList(write) + ")";
  return sql + ")";
}

std::string PutSql(const TableWrite& write) {
  std::string sql = "INSERT INTO " + QuoteIdentifier(write.table) + " (";
  std::string values;
  int n = 0;
  for (const TableKey& key : write.keys) {
    sql += QuoteIdentifier(key.column) + ", ";
    values += "$" + std::to_string(++n) + ", ";
  }
  sql += "item, inserted_ms) VALUES (" + values + "$" + std::to_string(n + 1) + "::jsonb, $" +
         std::to_string(n + 2) + "::bigint)";
  if (!write.keys.empty()) {
    sql += " ON CONFLICT (" + KeyColumnList(write) +
           ") DO UPDATE SET item = EXCLUDED.item, inserted_ms = EXCLUDED.inserted_ms";
  }
  return sql;
}

// libpq's messages end in a newline (sometimes two lines); one line here.
std::string OneLine(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// CREATE TABLE IF NOT EXISTS raises a NOTICE when the table exists; libpq
// would print it on the broker's stderr.
void IgnoreNotice(void*, const char*) {}

}  // namespace

bool PostgresTableSink::IsConnectionUri(const std::string& store) {
  return store.rfind("postgresql://", 0) == 0 || store.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<PostgresTableSink>> PostgresTableSink::Open(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? OneLine(error) : "out of memory";
    PQfreemem(error);
    return InvalidArgumentError("PostgreSQL connection URI: " + message);
  }
  // The description names the server, never the password.
  std::string host, port, dbname, user;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string keyword = o->keyword;
    if (keyword == "host" || keyword == "hostaddr") host = o->val;
    if (keyword == "port") port = o->val;
    if (keyword == "dbname") dbname = o->val;
    if (keyword == "user") user = o->val;
  }
  PQconninfoFree(options);
  std::string described = "postgresql " + (user.empty() ? "" : user + "@") +
                          (host.empty() ? "localhost" : host) + (port.empty() ? "" : ":" + port) +
                          "/" + dbname;
  std::unique_ptr<PostgresTableSink> sink(new PostgresTableSink(conninfo, std::move(described)));
  (void)sink->Connect();  // a server not up yet is retried when rows come
  return sink;
}

PostgresTableSink::~PostgresTableSink() { Disconnect(); }

std::string PostgresTableSink::Describe() const { return described_; }

Status PostgresTableSink::Connect() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
    return Status(StatusCode::kUnavailable, "database unavailable: " + last_connect_error_ +
                                                " (next connection attempt in " +
                                                std::to_string(wait.count()) + " ms)");
  }
  // The URI's own values win over these defaults (expand_dbname).
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "shadowsync-rules", conninfo_.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, 1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    last_connect_error_ = conn != nullptr ? OneLine(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    next_attempt_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    return Status(StatusCode::kUnavailable, "database unavailable: " + last_connect_error_);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  conn_ = conn;
  backoff_ = kMinBackoff;
  prepared_.clear();
  created_.clear();
  return Status::Ok();
}

void PostgresTableSink::Disconnect() {
  if (conn_ == nullptr) return;
  PQfinish(conn_);
  conn_ = nullptr;
}

bool PostgresTableSink::ConnectionLost() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD;
}

Status PostgresTableSink::Exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  PQclear(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::Ok();
  return Status(StatusCode::kUnavailable, OneLine(PQerrorMessage(conn_)));
}

Status PostgresTableSink::Prepare(const std::string& sql, std::string& name) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) {
    name = it->second;
    return Status::Ok();
  }
  name = "shadowsync_" + std::to_string(prepared_.size());
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok) return Status(StatusCode::kUnavailable, OneLine(PQerrorMessage(conn_)));
  prepared_.emplace(sql, name);
  return Status::Ok();
}

Status PostgresTableSink::Write(const TableWrite& write) {
  if (!ValidTableName(write.table) || write.table.size() > kMaxIdentifier) {
    return InvalidArgumentError("invalid table name '" + write.table +
                                "' (PostgreSQL: at most 63 bytes)");
  }
  for (const TableKey& key : write.keys) {
    if (!ValidKeyColumn(key.column) || key.column.size() > kMaxIdentifier) {
      return InvalidArgumentError("invalid key column name '" + key.column +
                                  "' (PostgreSQL: at most 63 bytes)");
    }
    Status number = CheckKeyValue(key);
    if (!number.ok()) return number;
  }
  const std::string create = CreateSql(write);
  if (created_.count(create) == 0) {
    Status made = Exec(create);
    if (!made.ok())
      return Status(made.code(), "creating table " + write.table + ": " + made.message());
    created_.insert(create);
  }
  const bool put = write.operation == TableWrite::Operation::kPut;
  std::string name;
  Status prepared = Prepare(put ? PutSql(write) : DeleteSql(write, '$'), name);
  if (!prepared.ok())
    return Status(prepared.code(), "table " + write.table + ": " + prepared.message());
  std::vector<const char*> values;
  for (const TableKey& key : write.keys) values.push_back(key.value.c_str());
  const std::string inserted = std::to_string(write.inserted_ms);
  if (put) {
    values.push_back(write.item_json.c_str());
    values.push_back(inserted.c_str());
  }
  PGresult* result = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, 0);
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok) {
    return Status(StatusCode::kUnavailable,
                  "writing to table " + write.table + ": " + OneLine(PQerrorMessage(conn_)));
  }
  return Status::Ok();
}

void PostgresTableSink::WriteBatch(std::vector<TableWrite>& batch,
                                   std::vector<TableFailure>& failures) {
  auto fail_from = [&](std::size_t from, const std::string& error) {
    for (std::size_t i = from; i < batch.size(); ++i)
      failures.push_back({std::move(batch[i]), error});
  };
  auto lost = [&](const Status& s) {
    Disconnect();
    return "table store " + described_ + ": database unavailable: " + s.message();
  };
  if (batch.empty()) return;
  if (conn_ == nullptr) {
    Status connected = Connect();
    if (!connected.ok()) {
      fail_from(0, "table store " + described_ + ": " + connected.message());
      return;
    }
  }
  // One transaction for the batch: one commit for up to max_batch rows.
  Status s = Exec("BEGIN");
  if (s.ok()) {
    for (const TableWrite& write : batch) {
      s = Write(write);
      if (!s.ok()) break;
    }
    if (s.ok()) s = Exec("COMMIT");
    if (s.ok()) return;
  }
  if (ConnectionLost()) {
    fail_from(0, lost(s));
    return;
  }
  // A row was refused: the transaction is void. Write the rows one by one
  // (autocommit), so that only the refused rows fail.
  (void)Exec("ROLLBACK");
  created_.clear();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status row = Write(batch[i]);
    if (row.ok()) continue;
    if (ConnectionLost()) {
      fail_from(i, lost(row));
      return;
    }
    failures.push_back({std::move(batch[i]), "table store " + described_ + ": " + row.message()});
  }
}

}  // namespace shadowsync::host
