// SPDX-License-Identifier: Apache-2.0
//
// Test helper: a private PostgreSQL server (issue 13: the rules' PostgreSQL
// table backend). Start() runs `initdb` into a temporary directory (trust
// authentication, user `postgres`), then the server on a free loopback port
// with its socket in that directory; Stop() is `pg_ctl stop -m fast`, and
// Start() again restarts the same cluster on the same port, so a test can
// take the database away and bring it back. The destructor stops it and
// removes the directory.
//
// PostgreSQL refuses to run as root: under root the programs run through
// `runuser -u postgres` (the user Debian's postgresql package creates) and
// the directory is given to that user; as any other user they run as that
// user. The binaries are found under /usr/lib/postgresql/<version>/bin.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_TESTS_SUPPORT_POSTGRES_FIXTURE_H_
#define SHADOWSYNC_TESTS_SUPPORT_POSTGRES_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {

class PostgresServer {
 public:
  PostgresServer() = default;
  ~PostgresServer();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// Creates the cluster on the first call, then starts the server and
  /// waits until it accepts connections (30 s at most).
  Status Start();
  /// `pg_ctl stop -m fast`: connections are cut at once. OK when not running.
  Status Stop();
  bool IsRunning();

  int port() const { return port_; }
  /// postgresql://postgres@127.0.0.1:<port>/postgres
  std::string Uri() const;
  /// The first column of every row of `sql` (NULL as "NULL"); an error
  /// names the statement and the server's message.
  Result<std::vector<std::string>> Query(const std::string& sql) const;
  /// The end of the server's log, for failure messages.
  std::string LogTail() const;

 private:
  Status Init();
  // argv run as the postgres user (through runuser when we are root).
  std::vector<std::string> AsPostgres(std::vector<std::string> argv) const;

  std::unique_ptr<TempDir> dir_;
  std::string bin_dir_;
  int port_ = 0;
  ChildProcess server_;
};

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_POSTGRES_FIXTURE_H_
