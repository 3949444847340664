// SPDX-License-Identifier: Apache-2.0

#include "support/postgres_fixture.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <utility>

#include "support/eventually.h"
#include "support/mosquitto_fixture.h"

namespace shadowsync::testing_support {
namespace {

using namespace std::chrono_literals;

// The newest /usr/lib/postgresql/<version>/bin with initdb in it.
Result<std::string> FindBinDir() {
  std::error_code ec;
  std::string best;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = entry.path().string() + "/bin";
    if (access((bin + "/initdb").c_str(), X_OK) == 0 && bin > best) best = bin;
  }
  if (best.empty()) {
    return NotFoundError(
        "no /usr/lib/postgresql/<version>/bin/initdb: install postgresql "
        "(scripts/install-deps.sh does)");
  }
  return best;
}

std::string Tail(const std::string& text, std::size_t n = 3000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

PostgresServer::~PostgresServer() { (void)Stop(); }

std::vector<std::string> PostgresServer::AsPostgres(std::vector<std::string> argv) const {
  if (geteuid() != 0) return argv;
  std::vector<std::string> out = {"runuser", "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Status PostgresServer::Init() {
  Result<std::string> bin = FindBinDir();
  if (!bin.ok()) return bin.status();
  bin_dir_ = *bin;
  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-postgres");
  if (!dir.ok()) return dir.status();
  dir_ = std::move(dir).value();
  if (geteuid() == 0) {
    const passwd* user = getpwnam("postgres");
    if (user == nullptr) {
      return NotFoundError(
          "PostgreSQL refuses to run as root, and there is no user postgres "
          "(Debian's postgresql package creates it)");
    }
    if (chown(dir_->path().c_str(), user->pw_uid, user->pw_gid) != 0) {
      return InternalError("chown " + dir_->path() + " to postgres failed");
    }
  }
  Result<std::vector<int>> ports = PickFreeLoopbackPorts(1);
  if (!ports.ok()) return ports.status();
  port_ = ports->front();
  ChildProcessOptions init;
  init.argv = AsPostgres({bin_dir_ + "/initdb", "-D", dir_->File("data"), "-A", "trust", "-U",
                          "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"});
  init.working_dir = dir_->path();
  Result<ProcessOutput> ran = RunProcess(init, 60s);
  if (!ran.ok()) return ran.status();
  if (!ran->status.success()) {
    return InternalError("initdb " + ran->status.ToString() + ":\n" + Tail(ran->output));
  }
  return Status::Ok();
}

Status PostgresServer::Start() {
  if (!dir_) {
    Status init = Init();
    if (!init.ok()) return init;
  }
  if (server_.IsRunning()) return Status::Ok();
  ChildProcessOptions options;
  // fsync off: a test cluster, thrown away at the end.
  options.argv =
      AsPostgres({bin_dir_ + "/postgres", "-D", dir_->File("data"), "-p", std::to_string(port_),
                  "-k", dir_->path(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"});
  options.working_dir = dir_->path();
  options.log_path = dir_->File("server.log");
  options.append_log = true;
  Status started = server_.Start(options);
  if (!started.ok()) return started;
  const std::string probe =
      "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
  const bool ready = Eventually(
      [&] { return !server_.IsRunning() || PQping(probe.c_str()) == PQPING_OK; }, 30s, 20ms);
  if (!ready || !server_.IsRunning()) {
    (void)server_.Stop();
    return InternalError("PostgreSQL did not start on port " + std::to_string(port_) + ":\n" +
                         LogTail());
  }
  return Status::Ok();
}

Status PostgresServer::Stop() {
  if (!dir_ || !server_.IsRunning()) return Status::Ok();
  ChildProcessOptions stop;
  stop.argv =
      AsPostgres({bin_dir_ + "/pg_ctl", "-D", dir_->File("data"), "-m", "fast", "-w", "stop"});
  stop.working_dir = dir_->path();
  Result<ProcessOutput> ran = RunProcess(stop, 30s);
  Result<ExitStatus> ended = server_.WaitForExit(10s);
  if (!ended.ok()) return server_.Stop();  // SIGTERM, then SIGKILL to the group
  if (!ran.ok()) return ran.status();
  return Status::Ok();
}

bool PostgresServer::IsRunning() { return server_.IsRunning(); }

std::string PostgresServer::Uri() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

Result<std::vector<std::string>> PostgresServer::Query(const std::string& sql) const {
  PGconn* conn = PQconnectdb(Uri().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return Status(StatusCode::kUnavailable, "connecting to " + Uri() + ": " + message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    std::string message = PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    return InvalidArgumentError(sql + ": " + message);
  }
  std::vector<std::string> rows;
  for (int i = 0; i < PQntuples(result); ++i) {
    rows.emplace_back(PQgetisnull(result, i, 0) ? "NULL" : PQgetvalue(result, i, 0));
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

std::string PostgresServer::LogTail() const {
  return server_.log_path().empty() ? std::string() : Tail(server_.ReadLog());
}

}  // namespace shadowsync::testing_support
