// SPDX-License-Identifier: Apache-2.0
//
// shadowsync-emulator: the AWS IoT Device Shadow service on an MQTT broker.
// Thin on purpose: parse the flags, open the store, load the seed file,
// connect, run the Emulator, and turn signals into events. See --help and
// docs/emulator.md; exit codes are in options.h.
//
// Signals are blocked before any thread starts (Paho starts threads), so
// only the signal thread receives them, with sigwait(), and hands them to
// the main thread as events.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/connection_flags.h"
#include "emulator.h"
#include "options.h"
#include "shadowsync/mutex.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/store.h"
#include "sqlite_store.h"
#include "store_file.h"

namespace shadowsync::emulator {
namespace {

// Signals, from the signal thread to the main thread.
class SignalEvents {
 public:
  void Push(int signal) {
    MutexLock lock(mu_);
    signals_.push_back(signal);
    cv_.notify_one();
  }
  // The next signal, or 0 when `wait` passes first.
  int Next(std::chrono::milliseconds wait) {
    MutexLock lock(mu_);
    const auto until = std::chrono::steady_clock::now() + wait;
    while (signals_.empty() && lock.WaitUntil(cv_, until)) {
    }
    if (signals_.empty()) return 0;
    const int signal = signals_.front();
    signals_.pop_front();
    return signal;
  }

 private:
  Mutex mu_;
  std::condition_variable_any cv_;
  std::deque<int> signals_ SHADOWSYNC_GUARDED_BY(mu_);
};

class Daemon {
 public:
  Daemon(const CommandLine& line, const cli::Logger& logger) : line_(line), logger_(logger) {}

  int Run(const sigset_t& signals);

 private:
  // Handles the signals that arrive within `wait`; true when asked to stop.
  bool HandleSignals(std::chrono::milliseconds wait);
  void Export();

  const CommandLine& line_;
  const cli::Logger& logger_;
  SignalEvents events_;
  Emulator* emulator_ = nullptr;
  int stop_signal_ = 0;
  bool export_failed_ = false;
};

bool Daemon::HandleSignals(std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    const int signal = events_.Next(left.count() > 0 ? left : std::chrono::milliseconds(0));
    switch (signal) {
      case 0:
        return false;
      case SIGTERM:
      case SIGINT:
        stop_signal_ = signal;
        return true;
      case SIGUSR1:
        logger_.Info("SIGUSR1: export requested");
        Export();
        break;
      case SIGHUP:
        logger_.Info("SIGHUP: nothing to reload (flags are read at start; logs go to stderr)");
        break;
      default:
        break;
    }
  }
}

void Daemon::Export() {
  if (line_.export_file.empty()) {
    logger_.Warning("no --export FILE given; nothing exported");
    return;
  }
  if (emulator_ == nullptr) return;
  export_failed_ = !emulator_->ExportNow(line_.export_file).ok();
}

int Daemon::Run(const sigset_t& signals) {
  // The signal thread: the only one that ever sees the blocked signals.
  std::atomic<bool> done{false};
  std::thread signal_thread([&] {
    while (true) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (done) return;
      events_.Push(signal);
    }
  });
  struct JoinSignalThread {
    std::thread& thread;
    std::atomic<bool>& done;
    ~JoinSignalThread() {
      done = true;
      pthread_kill(thread.native_handle(), SIGTERM);
      thread.join();
    }
  } join_signal_thread{signal_thread, done};

  const MqttOptions& mqtt = line_.mqtt;
  logger_.Info(std::string("shadowsync-emulator ") + EmulatorVersion() +
               " starting: broker=" + mqtt.server_uri + " client_id=" + mqtt.client_id +
               " store=" + (line_.store_path.empty() ? "memory" : line_.store_path));

  // The store.
  std::unique_ptr<Store> store;
  if (line_.store_path.empty()) {
    store = std::make_unique<MemoryStore>();
    logger_.Info("store: in memory; shadows are lost at exit (use --store PATH to keep them)");
  } else {
    Result<std::unique_ptr<host::SqliteStore>> opened = host::SqliteStore::Open(line_.store_path);
    if (!opened.ok()) {
      logger_.Error("cannot open the store: " + opened.status().ToString());
      return kExitFailure;
    }
    store = std::move(opened).value();
    logger_.Info("store: " + line_.store_path + " (SQLite, WAL)");
  }

  // The seed file: all or nothing.
  if (!line_.seed_file.empty()) {
    const Timestamp now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    Status loaded = host::LoadStoreFile(line_.seed_file, *store, now);
    if (!loaded.ok()) {
      logger_.Error("cannot load the seed file: " + loaded.ToString());
      return kExitUsage;
    }
    logger_.Info("loaded the seed file " + line_.seed_file);
  }

  Result<std::unique_ptr<Transport>> made = MakePahoTransport(mqtt);
  if (!made.ok()) {
    logger_.Error("invalid MQTT options: " + made.status().ToString());
    return kExitUsage;
  }
  std::unique_ptr<Transport> transport = std::move(made).value();

  // Destroyed before the transport; installs the handlers before Connect().
  Emulator emulator(*transport, *store, logger_, line_.emulator);
  emulator_ = &emulator;

  // Connect, with backoff, until connected or stopped. Each wait is drawn
  // between half and all of the bound, which doubles up to the maximum.
  std::mt19937 jitter(std::random_device{}());
  std::chrono::milliseconds bound = mqtt.reconnect_min;
  bool stop = false;
  while (!stop) {
    Status connected = transport->Connect();
    if (connected.ok()) break;
    if (IsConfigurationError(connected.message())) {
      // Retrying cannot fix it; a service manager shows the exit code.
      logger_.Error("not connected: " + connected.message() +
                    "; a configuration error, so not retrying (exit 2)");
      emulator.Stop();
      return kExitUsage;
    }
    std::uniform_int_distribution<long long> draw(bound.count() / 2, bound.count());
    const std::chrono::milliseconds wait(draw(jitter));
    logger_.Warning("not connected: " + connected.message() + "; retrying in " +
                    std::to_string(wait.count()) + " ms");
    stop = HandleSignals(wait);
    bound = std::min(bound * 2, mqtt.reconnect_max);
  }
  if (stop) {
    logger_.Info("stopped before connecting");
    emulator.Stop();
    if (!line_.export_file.empty()) Export();
    return export_failed_ ? kExitFailure : kExitOk;
  }

  // Subscribe. The transport reconnects by itself from here on; a refusal
  // is fatal, anything else (the connection dropped meanwhile) is retried.
  bound = mqtt.reconnect_min;
  while (!stop) {
    Status started = emulator.Start();
    if (started.ok()) break;
    if (started.code() != StatusCode::kUnavailable && started.code() != StatusCode::kTimeout) {
      logger_.Error("the broker refused the request subscriptions: " + started.ToString());
      emulator.Stop();
      Status disconnected = transport->Disconnect();
      if (!disconnected.ok()) logger_.Warning("disconnect: " + disconnected.ToString());
      return kExitFailure;
    }
    stop = HandleSignals(bound);
    bound = std::min(bound * 2, mqtt.reconnect_max);
  }

  if (!stop) {
    cli::WriteToStderr("shadowsync-emulator: ready on " + mqtt.server_uri + "\n");
    while (!HandleSignals(std::chrono::hours(1))) {
    }
  }

  logger_.Info(std::string("stopping (") +
               (stop_signal_ == SIGINT    ? "SIGINT"
                : stop_signal_ == SIGTERM ? "SIGTERM"
                                          : "stop") +
               ")");
  emulator.Stop();  // no new requests; answer and flush what was accepted
  if (!line_.export_file.empty()) Export();
  Status disconnected = transport->Disconnect();
  if (!disconnected.ok()) logger_.Warning("disconnect: " + disconnected.ToString());
  emulator_ = nullptr;
  return export_failed_ ? kExitFailure : kExitOk;
}

}  // namespace
}  // namespace shadowsync::emulator

int main(int argc, char** argv) {
  using namespace shadowsync::emulator;  // NOLINT(build/namespaces)

  // Before any thread starts: block the signals we handle as events, so that
  // every thread (Paho's included) inherits the mask; ignore SIGPIPE, which a
  // broken TLS or TCP connection could otherwise raise.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const std::vector<std::string> args(argv + 1, argv + argc);
  shadowsync::Result<CommandLine> line = ParseCommandLine(args, static_cast<long>(getpid()));
  if (!line.ok()) {
    // The shared wording of a bad command line (cli/command_line.h).
    shadowsync::cli::WriteToStderr("error: " + line.status().message() +
                                   "\nsee 'shadowsync-emulator --help'\n");
    return kExitUsage;
  }
  if (line->action == CommandLine::Action::kHelp) {
    std::fputs(HelpText().c_str(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }
  if (line->action == CommandLine::Action::kVersion) {
    std::fputs(VersionText().c_str(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }

  const shadowsync::cli::Logger logger(line->log_level, {}, "shadowsync-emulator");
  // TLS files exist and are readable, the URI is one Paho accepts.
  shadowsync::Status valid = shadowsync::ValidateMqttOptions(line->mqtt);
  if (!valid.ok()) {
    const shadowsync::MqttOptions& mqtt = line->mqtt;
    logger.Error(shadowsync::cli::InFlagTerms(
        valid.message(),
        {mqtt.server_uri, mqtt.client_id, mqtt.ca_file, mqtt.cert_file, mqtt.key_file}));
    return kExitUsage;
  }
  Daemon daemon(*line, logger);
  return daemon.Run(signals);
}
