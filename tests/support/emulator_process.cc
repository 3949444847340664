// SPDX-License-Identifier: Apache-2.0

#include "support/emulator_process.h"

#include <sys/stat.h>

#include <cstdlib>
#include <thread>
#include <utility>

#include "support/eventually.h"
#include "support/eventually.h"
#include "support/process_output.h"

namespace shadowsync::testing_support {
namespace {

using Clock = std::chrono::steady_clock;

size_t FileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<size_t>(st.st_size);
}

}  // namespace

Status EmulatorProcess::Launch(const MosquittoBroker& broker, EmulatorProcessOptions options) {
  if (process_.IsRunning()) return FailedPreconditionError("the emulator is already running");
  std::string binary = options.binary;
  if (binary.empty()) {
    const char* env = std::getenv("SHADOWSYNC_EMULATOR");
    if (env != nullptr) binary = env;
  }
  if (binary.empty()) {
    return InvalidArgumentError("no emulator binary: set options.binary or $SHADOWSYNC_EMULATOR");
  }

  std::vector<std::string> argv = {binary};
  CertKeyPair client;
  const TestCertificates& certs = broker.certificates();
  switch (options.listener) {
    case EmulatorListener::kPlain:
      if (broker.plain_uri().empty()) {
        return InvalidArgumentError("the broker has no plain listener (ACL mode)");
      }
      broker_uri_ = broker.plain_uri();
      argv.insert(argv.end(), {"--broker", broker_uri_});
      break;
    case EmulatorListener::kTlsEc:
    case EmulatorListener::kTlsRsa: {
      if (!IsValidClientName(options.identity)) {
        return InvalidArgumentError("invalid emulator identity '" + options.identity + "'");
      }
      ClientCertificates pair;
      auto found = certs.clients.find(options.identity);
      if (found != certs.clients.end()) {
        pair = found->second;
      } else {
        Result<ClientCertificates> issued = IssueClientCertificates(certs, options.identity);
        if (!issued.ok()) return issued.status();
        pair = issued.value();
      }
      const bool ec = options.listener == EmulatorListener::kTlsEc;
      client = ec ? pair.ec : pair.rsa;
      broker_uri_ = ec ? broker.tls_ec_uri() : broker.tls_rsa_uri();
      argv.insert(argv.end(), {"--broker", broker_uri_, "--ca", certs.ca_cert, "--cert",
                               client.cert, "--key", client.key});
      break;
    }
  }
  if (!options.store_path.empty()) argv.insert(argv.end(), {"--store", options.store_path});
  if (!options.seed_file.empty()) argv.insert(argv.end(), {"--seed-file", options.seed_file});
  if (!options.export_path.empty()) argv.insert(argv.end(), {"--export", options.export_path});
  if (!options.order.empty()) argv.insert(argv.end(), {"--order", options.order});
  if (options.order_seed) {
    argv.insert(argv.end(), {"--order-seed", std::to_string(*options.order_seed)});
  }
  if (options.workers) argv.insert(argv.end(), {"--workers", std::to_string(*options.workers)});
  if (options.max_inflight) {
    argv.insert(argv.end(), {"--max-inflight", std::to_string(*options.max_inflight)});
  }
  if (options.max_requests_per_second) {
    argv.insert(argv.end(),
                {"--max-requests-per-second", std::to_string(*options.max_requests_per_second)});
  }
  if (!options.log_level.empty()) argv.insert(argv.end(), {"--log-level", options.log_level});
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());

  if (options.log_path.empty()) {
    if (!dir_) {
      Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-emulator");
      if (!dir.ok()) return dir.status();
      dir_ = std::move(dir).value();
    }
    log_path_ = dir_->File("emulator.log");
  } else {
    log_path_ = options.log_path;
  }
  argv_ = std::move(argv);
  env_ = std::move(options.env);
  client_certificate_ = client;
  ready_timeout_ = options.ready_timeout;
  launched_ = true;
  return LaunchCurrent(/*append=*/false);
}

Status EmulatorProcess::LaunchCurrent(bool append) {
  ChildProcessOptions run;
  run.argv = argv_;
  run.env = env_;
  run.log_path = log_path_;
  run.append_log = append;
  log_offset_ = append ? FileSize(log_path_) : 0;
  return process_.Start(std::move(run));
}

Status EmulatorProcess::WaitUntilReady(std::chrono::milliseconds timeout) {
  if (!launched_) return FailedPreconditionError("the emulator was never launched");
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (CurrentLog().find(kReadyLine) != std::string::npos) return Status::Ok();
    if (!process_.IsRunning()) {
      // It may have printed the line just before it ended.
      if (CurrentLog().find(kReadyLine) != std::string::npos) return Status::Ok();
      const std::string how = process_.exit_status() ? process_.exit_status()->ToString() : "ended";
      return Status(StatusCode::kUnavailable,
                    "the emulator " + how + " before it was ready\n" + LogTail());
    }
    if (Clock::now() >= deadline) {
      return Status(StatusCode::kTimeout, "the emulator was not ready within " +
                                              std::to_string(timeout.count()) + " ms\n" +
                                              LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Status EmulatorProcess::Start(const MosquittoBroker& broker, EmulatorProcessOptions options) {
  const std::chrono::milliseconds timeout = options.ready_timeout;
  Status launched = Launch(broker, std::move(options));
  if (!launched.ok()) return launched;
  return WaitUntilReady(timeout);
}

Status EmulatorProcess::Stop(std::chrono::milliseconds timeout) {
  if (!launched_) return Status::Ok();
  const auto start = Clock::now();
  const bool was_running = process_.IsRunning();
  Status stopped = process_.Stop(timeout);
  if (was_running) {
    last_stop_duration_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }
  if (!stopped.ok()) return stopped;
  const std::optional<ExitStatus>& status = process_.exit_status();
  if (status && !status->success()) {
    return InternalError("the emulator " + status->ToString() + " (expected exit code 0)\n" +
                         LogTail());
  }
  return Status::Ok();
}

Status EmulatorProcess::Kill() { return process_.Kill(); }

Status EmulatorProcess::Restart() {
  if (!launched_) return FailedPreconditionError("the emulator was never launched");
  if (process_.IsRunning()) {
    Status stopped = Stop();
    if (!stopped.ok()) return stopped;
  }
  Status launched = LaunchCurrent(/*append=*/true);
  if (!launched.ok()) return launched;
  return WaitUntilReady(ready_timeout_);
}

std::string EmulatorProcess::CurrentLog() const {
  std::string log = ReadLog();
  return log_offset_ <= log.size() ? log.substr(log_offset_) : log;
}

std::string EmulatorProcess::LogTail(size_t max_lines) const {
  return testing_support::LogTail(ReadLog(), log_path_, max_lines);
}

size_t EmulatorProcess::CountInLog(const std::string& needle) const {
  return CountOccurrences(CurrentLog(), needle);
}

bool EmulatorProcess::WaitForLog(const std::string& needle, std::chrono::milliseconds timeout,
                                 size_t count) const {
  return Eventually([&] { return CountInLog(needle) >= count; }, timeout,
                    std::chrono::milliseconds(10));
}

}  // namespace shadowsync::testing_support
