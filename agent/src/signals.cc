// SPDX-License-Identifier: Apache-2.0
#include "src/signals.h"

#include <signal.h>

#include <ctime>

namespace shadowsync::agent {
namespace {

sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void SignalWatcher::Block() {
  const sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher() {
  thread_ = std::thread([this] {
    const sigset_t set = WatchedSignals();
    // A bounded wait, so the destructor can end the thread without a signal.
    const timespec slice{0, 100 * 1000 * 1000};
    while (!done_.load()) {
      const int sig = sigtimedwait(&set, nullptr, &slice);
      if (sig == SIGHUP) {
        reload_.store(true);
      } else if (sig == SIGINT || sig == SIGTERM) {
        stop_signal_.store(sig);
        stop_.store(true);
      }
    }
  });
}

SignalWatcher::~SignalWatcher() {
  done_.store(true);
  thread_.join();
}

}  // namespace shadowsync::agent
