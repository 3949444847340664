// SPDX-License-Identifier: Apache-2.0
//
// OpenTableSink: the table backend a deployment chose with
// plugin_opt_rules_table_store. A `postgresql://` or `postgres://` URI is a
// PostgreSQL database (postgres_table_sink.h); anything else is the path of
// a SQLite file (sqlite_table_sink.h).
//
// Thread safety: a free function; the sink it returns is not thread-safe.

#ifndef SHADOWSYNC_SERVICE_CORE_OPEN_TABLE_SINK_H_
#define SHADOWSYNC_SERVICE_CORE_OPEN_TABLE_SINK_H_

#include <memory>
#include <string>

#include "shadowsync/status.h"
#include "table_sink.h"

namespace shadowsync::host {

/// Opens the backend named by `store` (a rules_table_store value).
Result<std::unique_ptr<TableSink>> OpenTableSink(const std::string& store);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_OPEN_TABLE_SINK_H_
