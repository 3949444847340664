// SPDX-License-Identifier: Apache-2.0
//
// Test helper: read a SQLite database that another process (the broker
// plugin's table worker) writes: the first column of every row of a query.
//
// Thread safety: a free function; each call opens its own connection.

#ifndef SHADOWSYNC_TESTS_SUPPORT_SQLITE_QUERY_H_
#define SHADOWSYNC_TESTS_SUPPORT_SQLITE_QUERY_H_

#include <string>
#include <vector>

namespace shadowsync::testing_support {

/// The first column of each row of `sql` in the database at `path`, as text
/// ("NULL" for NULL), opened read-only with a 2 s busy timeout. Empty when
/// the file or the table does not exist yet, so callers can poll.
std::vector<std::string> QuerySqlite(const std::string& path, const std::string& sql);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_SQLITE_QUERY_H_
