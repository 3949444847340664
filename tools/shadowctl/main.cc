// SPDX-License-Identifier: Apache-2.0
//
// shadowctl: get, update, delete or watch an AWS IoT device shadow from a
// shell, against AWS IoT Core or shadowsync-emulator. Usage and exit codes:
// `shadowctl --help` and docs/shadowctl.md. The logic is in
// shadowctl_command.cc; this file adds the Paho transport and signals.

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "rules_command.h"
#include "shadowctl_command.h"
#include "shadowsync/paho_transport.h"

int main(int argc, char** argv) {
  using shadowsync::shadowctl::StopSignal;
  const std::vector<std::string> args(argv + 1, argv + argc);

  // Block SIGINT and SIGTERM before Paho starts its threads, so that they
  // all inherit the mask and only the thread below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (int rc = pthread_sigmask(SIG_BLOCK, &signals, nullptr); rc != 0) {
    std::fprintf(stderr, "error: pthread_sigmask: %s\n", std::strerror(rc));
    return shadowsync::shadowctl::kExitInternal;
  }

  StopSignal stop;
  std::atomic<bool> done{false};
  std::thread signal_thread([&signals, &stop, &done] {
    const timespec poll = {0, 100 * 1000 * 1000};
    while (!done.load()) {
      const int signal = sigtimedwait(&signals, nullptr, &poll);
      if (signal <= 0) continue;
      // A second signal means "now": a blocking connect may take up to
      // --timeout before the command sees the first one.
      if (stop.raised() != 0) std::_Exit(128 + signal);
      stop.Raise(signal);
    }
  });

  const int rc = shadowsync::shadowctl::IsRulesCommand(args)
                     ? shadowsync::shadowctl::RunRules(args, shadowsync::MakePahoTransport,
                                                       std::cout, std::cerr, stop)
                     : shadowsync::shadowctl::RunMain(args, shadowsync::MakePahoTransport,
                                                      std::cout, std::cerr, stop);
  done.store(true);
  signal_thread.join();
  std::cout.flush();
  return rc;
}
