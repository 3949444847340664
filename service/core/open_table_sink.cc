// SPDX-License-Identifier: Apache-2.0

#include "open_table_sink.h"

#include <utility>

#include "postgres_table_sink.h"
#include "sqlite_table_sink.h"

namespace shadowsync::host {

Result<std::unique_ptr<TableSink>> OpenTableSink(const std::string& store) {
  if (PostgresTableSink::IsConnectionUri(store)) {
    Result<std::unique_ptr<PostgresTableSink>> sink = PostgresTableSink::Open(store);
    if (!sink.ok()) return sink.status();
    return std::unique_ptr<TableSink>(std::move(sink).value());
  }
  Result<std::unique_ptr<SqliteTableSink>> sink = SqliteTableSink::Open(store);
  if (!sink.ok()) return sink.status();
  return std::unique_ptr<TableSink>(std::move(sink).value());
}

}  // namespace shadowsync::host
