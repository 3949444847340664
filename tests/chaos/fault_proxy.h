// SPDX-License-Identifier: Apache-2.0
//
// FaultProxy: a TCP proxy on a free loopback port that forwards every
// connection to 127.0.0.1:<upstream port> and injects the network faults of
// the chaos run (tests/chaos, docs/reliability.md):
//   - CutAll(): closes every connection at once, both sides (a broken link);
//   - BlackHole(d): for d no byte passes in either direction and nothing is
//     read, so both ends see silence; bytes are held, not dropped (dropping
//     part of a TCP stream breaks MQTT framing, which is a cut);
//   - AddLatency(l, d): for d every chunk read is delivered l later.
// One thread runs a poll() loop over all sockets; upstream is connected when
// a client connects (a refused upstream closes the client: the broker is
// down).
//
// Thread safety: safe for concurrent use; the faults may be injected from
// any thread while the proxy's own thread forwards.

#ifndef SHADOWSYNC_TESTS_CHAOS_FAULT_PROXY_H_
#define SHADOWSYNC_TESTS_CHAOS_FAULT_PROXY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <thread>

#include "shadowsync/mutex.h"
#include "shadowsync/status.h"

namespace shadowsync::chaos {

class FaultProxy {
 public:
  using Clock = std::chrono::steady_clock;

  /// Listens on 127.0.0.1 (a free port) and starts forwarding to
  /// 127.0.0.1:`upstream_port`. kInternal when a socket call fails.
  static Result<std::unique_ptr<FaultProxy>> Start(int upstream_port);
  /// Stops the thread and closes every socket.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }

  /// Closes every open connection; returns once they are closed, with how
  /// many there were.
  int CutAll();
  /// No byte passes until `duration` from now.
  void BlackHole(std::chrono::milliseconds duration);
  /// Chunks read within `duration` from now are delivered `latency` late.
  void AddLatency(std::chrono::milliseconds latency, std::chrono::milliseconds duration);
  /// Connections accepted so far (each reconnect of a client counts).
  std::uint64_t accepted() const;

 private:
  struct Connection;
  FaultProxy(int listen_fd, int port, int upstream_port, int wake_read, int wake_write);
  void Run();
  void Wake();

  const int listen_fd_;
  const int port_;
  const int upstream_port_;
  const int wake_read_;
  const int wake_write_;

  mutable Mutex mu_;
  std::condition_variable_any cv_;
  bool stop_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::uint64_t cut_requested_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::uint64_t cut_done_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  int last_cut_count_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  Clock::time_point black_hole_until_ SHADOWSYNC_GUARDED_BY(mu_){};
  Clock::time_point latency_until_ SHADOWSYNC_GUARDED_BY(mu_){};
  std::chrono::milliseconds latency_ SHADOWSYNC_GUARDED_BY(mu_){0};
  std::uint64_t accepted_ SHADOWSYNC_GUARDED_BY(mu_) = 0;

  std::thread thread_;  // last: started once everything else is set
};

}  // namespace shadowsync::chaos

#endif  // SHADOWSYNC_TESTS_CHAOS_FAULT_PROXY_H_
