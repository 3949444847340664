// SPDX-License-Identifier: Apache-2.0
#include "src/startup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"

namespace shadowsync::agent {
namespace {

namespace fs = std::filesystem;

// errno as a std::error_code message, the wording std::filesystem uses, so
// that a check and a start say the same.
std::string Reason(int error_number) {
  return std::make_error_code(static_cast<std::errc>(error_number)).message();
}

// The output file itself: appendable when it exists (it is opened with
// fopen "a" at the first tick).
Status CheckOutputFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return Status::Ok();  // created at the first tick
  if (S_ISDIR(info.st_mode)) {
    return FailedPreconditionError("output.path " + path + ": is a directory");
  }
  if (::access(path.c_str(), W_OK) != 0) {
    return FailedPreconditionError("output.path " + path + ": " + Reason(errno));
  }
  return Status::Ok();
}

}  // namespace

Status PrepareDirectoryFor(const std::string& what, const std::string& file, StartMode mode,
                           bool private_mode) {
  const fs::path dir = fs::path(file).parent_path();
  if (dir.empty()) return Status::Ok();
  const std::string prefix = what + " " + file + ": ";
  std::error_code error;
  if (!fs::exists(dir, error)) {
    if (mode == StartMode::kRun) {
      fs::create_directories(dir, error);
      if (error) {
        return FailedPreconditionError(prefix + "cannot create " + dir.string() + ": " +
                                       error.message());
      }
      if (private_mode) fs::permissions(dir, fs::perms::owner_all, error);
    } else {
      // What create_directories() would meet: the nearest existing parent
      // must be a directory this process may write to.
      fs::path parent = dir;
      while (!parent.empty() && !fs::exists(parent, error)) {
        if (parent == parent.parent_path()) break;
        parent = parent.parent_path();
      }
      if (parent.empty()) parent = ".";
      int failed = 0;
      if (!fs::is_directory(parent, error)) {
        failed = ENOTDIR;
      } else if (::access(parent.c_str(), W_OK | X_OK) != 0) {
        failed = errno;
      }
      if (failed != 0) {
        return FailedPreconditionError(prefix + "cannot create " + dir.string() + ": " +
                                       Reason(failed));
      }
      return Status::Ok();
    }
  }
  if (!fs::is_directory(dir, error)) {
    return FailedPreconditionError(prefix + dir.string() + ": " + Reason(ENOTDIR));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return FailedPreconditionError(prefix + dir.string() + ": " + Reason(errno));
  }
  return Status::Ok();
}

PreparedStart PrepareStart(const AgentConfig& config, StartMode mode, cli::Logger& log,
                           AgentEnvironment environment) {
  PreparedStart prepared;
  const auto fail = [&prepared](int exit_code, std::string message) -> PreparedStart {
    prepared.agent.reset();
    prepared.exit_code = exit_code;
    prepared.error = std::move(message);
    return std::move(prepared);
  };

  // 1. The TLS material and the client, without connecting.
  prepared.pem_files = std::make_unique<InlinePemFiles>();
  std::unique_ptr<ShadowClient> client;
  if (config.connection.enabled) {
    // Checks the options and every TLS file with OpenSSL (the key against
    // the certificate); makes no Paho client yet.
    Result<std::unique_ptr<Transport>> transport = TransportFor(config, *prepared.pem_files);
    if (!transport.ok()) return fail(kExitConnection, transport.status().message());
    Result<std::unique_ptr<ShadowClient>> made =
        ShadowClient::Create(ClientOptionsFor(config), std::move(transport).value());
    if (!made.ok()) return fail(kExitUsage, made.status().message());
    client = std::move(made).value();
  } else if (mode == StartMode::kRun) {
    log.Info("the connection is disabled (\"Enabled\": false): sampling and local output only");
  }

  // 2. The agent and its sensors, through the sensor factory.
  environment.sensors.check_only = mode == StartMode::kCheck;
  Result<std::unique_ptr<Agent>> agent =
      Agent::Create(config, std::move(client), log, std::move(environment));
  if (!agent.ok()) return fail(kExitUsage, agent.status().message());

  // 3. The journal's directory (e.g. /var/lib/shadowsync-agent, which
  // systemd's StateDirectory= creates) may not exist outside systemd: a
  // start creates it, private. Directories come last, so that a file that
  // fails an earlier step leaves nothing behind.
  if (!config.journal_path.empty()) {
    if (Status s = PrepareDirectoryFor("journal_path", config.journal_path, mode,
                                       /*private_mode=*/true);
        !s.ok()) {
      return fail(kExitUsage, s.message());
    }
  }
  // 4. The local output's directory and file.
  if (config.output.enabled) {
    if (Status s = PrepareDirectoryFor("output.path", config.output.path, mode,
                                       /*private_mode=*/false);
        !s.ok()) {
      return fail(kExitUsage, s.message());
    }
    if (Status s = CheckOutputFile(config.output.path); !s.ok()) {
      return fail(kExitUsage, s.message());
    }
  }

  prepared.agent = std::move(agent).value();
  return prepared;
}

}  // namespace shadowsync::agent
