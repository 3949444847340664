// SPDX-License-Identifier: Apache-2.0
//
// TableSink: where the rules engine's table actions (dynamoDBv2, dynamoDB
// v1) land, as an interface, so that the queue and worker (table_writer.h)
// know nothing of the database. SQLite is the embedded backend
// (sqlite_table_sink.h), PostgreSQL the server one (postgres_table_sink.h);
// OpenTableSink (open_table_sink.h) picks one from the plugin option.
//
// A TableWrite is complete when it is queued: the broker thread renders the
// templates and builds the item; the sink only stores it.

#ifndef SHADOWSYNC_SERVICE_CORE_TABLE_SINK_H_
#define SHADOWSYNC_SERVICE_CORE_TABLE_SINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::host {

/// One key column of a v1 (dynamoDB) table: its name and rendered value.
///
/// Thread safety: a value.
struct TableKey {
  std::string column;
  std::string value;
  bool number = false;  ///< hashKeyType/rangeKeyType NUMBER: `value` parses as a number
};

/// One row to write, with what an error message about it needs.
///
/// Thread safety: a value; moved from the broker thread to the worker.
struct TableWrite {
  enum class Operation { kPut, kDelete };

  std::string table;           ///< the rendered tableName (checked by ValidTableName)
  std::vector<TableKey> keys;  ///< v1: hash key, then the range key if any; v2: none
  /// The item as compact JSON (v2: the SELECT result; v1: the keys and the
  /// payloadField attribute); unused for kDelete.
  std::string item_json;
  Operation operation = Operation::kPut;
  std::int64_t inserted_ms = 0;  ///< the rules engine's clock at the message

  // For the error action (rule_error_message.h): which rule and action, and
  // the message that caused the write.
  std::string rule;
  std::string action_type;  ///< "DynamoActionV2" or "DynamoAction", as AWS names them
  std::string topic;
  std::string client_id;
  std::string payload;
  int depth = 0;  ///< the message's republish depth (rule_republish.h)
};

/// A write that did not make it, and why.
///
/// Thread safety: a value.
struct TableFailure {
  TableWrite write;
  std::string error;
};

/// True for the names AWS allows for DynamoDB tables (3 to 255 of
/// `[A-Za-z0-9_.-]`); the only names a sink is given.
bool ValidTableName(const std::string& name);
/// True for a key column name the sinks accept: 1 to 255 bytes of
/// `[A-Za-z0-9_.-]`, and not `item` or `inserted_ms` (the sinks' own
/// columns).
bool ValidKeyColumn(const std::string& name);
/// `name` as a quoted SQL identifier ("a""b" for a"b); both backends quote
/// every table and column name they are given.
std::string QuoteIdentifier(const std::string& name);
/// The quoted key columns of `write`, comma-separated (empty for v2).
std::string KeyColumnList(const TableWrite& write);
/// `DELETE FROM "<table>" WHERE "<key 1>" = <p>1 AND ...`, the keys bound
/// in order as parameters written `placeholder` and their number: '?' for
/// SQLite (?1), '$' for PostgreSQL ($1).
std::string DeleteSql(const TableWrite& write, char placeholder);
/// kInvalidArgument naming the key when a NUMBER key's value is not a
/// finite number; Ok for every STRING key.
Status CheckKeyValue(const TableKey& key);

/// A table backend.
///
/// Thread safety: not thread-safe; TableWriter calls it from its worker
/// thread only.
class TableSink {
 public:
  virtual ~TableSink() = default;
  /// Writes `batch` in one transaction, creating tables on first use.
  /// Appends one TableFailure per write that was not stored (all of them
  /// when the transaction fails), and nothing for the writes that were.
  virtual void WriteBatch(std::vector<TableWrite>& batch, std::vector<TableFailure>& failures) = 0;
  /// A short description for log lines, e.g. "sqlite /var/lib/x.db".
  virtual std::string Describe() const = 0;
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_TABLE_SINK_H_
