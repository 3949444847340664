// SPDX-License-Identifier: Apache-2.0
//
// The "socket" sensor: other programs push JSON lines to the agent over a
// Unix domain socket.

#ifndef SHADOWSYNC_AGENT_SENSORS_SOCKET_SENSOR_H_
#define SHADOWSYNC_AGENT_SENSORS_SOCKET_SENSOR_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sensors/json_lines.h"
#include "sensors/sensor.h"

namespace shadowsync::agent {

struct SocketSensorOptions {
  std::string name;
  /// Filesystem path of the listening socket (at most 107 bytes). A stale
  /// socket left there by a previous run is replaced; any other file there
  /// is an error.
  std::string path;
  /// Connections beyond this many are accepted and closed at once.
  int max_clients = 16;
};

/// Listens (SOCK_STREAM) on `path` from Create() until destruction, when it
/// closes every connection and removes the socket file. Any number of
/// clients (up to max_clients at a time) write lines, each one JSON object;
/// the latest value of each key wins across all clients, `null` removes a
/// key, and the values persist after a client disconnects.
///
/// No thread: Sample() accepts pending connections and drains what they
/// sent, without blocking (at most 1 MiB per sample; the rest waits in the
/// kernel for the next one). Between samples the kernel buffers what clients
/// write; a client that writes faster than the agent samples eventually
/// blocks (or gets EAGAIN), so clients should send the current state, not a
/// history.
///
/// Sample() reports every key's latest value ({} before the first line). If
/// a drain met malformed lines, it returns kInvalidArgument naming the first
/// one ("malformed line 3 of client 2 on /run/x.sock: ...") and how many
/// more; the good lines of the same drain are kept and appear in the next
/// sample.
///
/// Thread safety: not thread-safe; confine to one thread.
class SocketSensor : public Sensor {
 public:
  /// kInvalidArgument for a path too long for sockaddr_un,
  /// kFailedPrecondition if a non-socket file is in the way, kUnavailable if
  /// socket(), bind() or listen() fails; the message names the path.
  static Result<std::unique_ptr<SocketSensor>> Create(SocketSensorOptions options);
  /// What Create() checks before it binds, with the same errors, without
  /// touching the path: its length, a non-socket file in the way, and a
  /// directory to bind in (kUnavailable "cannot listen on <path>: ...", as
  /// bind() would say).
  static Status CheckPath(const SocketSensorOptions& options);
  ~SocketSensor() override;
  SocketSensor(const SocketSensor&) = delete;
  SocketSensor& operator=(const SocketSensor&) = delete;

  const std::string& name() const override { return options_.name; }
  Status Sample(JsonValue& out, JsonAllocator& allocator) override;

  /// Connections open now (for tests and the agent's status).
  std::size_t client_count() const { return clients_.size(); }

 private:
  struct Client {
    int fd;
    std::uint64_t id;
    LineSplitter lines;
  };
  SocketSensor(SocketSensorOptions options, int listen_fd, ino_t inode)
      : options_(std::move(options)), listen_fd_(listen_fd), inode_(inode) {}

  void AcceptPending();
  // Reads what `client` sent, up to `*budget` bytes; false when the client is
  // gone (EOF or error) and must be closed.
  bool Drain(Client& client, std::size_t* budget, LineErrors* errors);

  SocketSensorOptions options_;
  int listen_fd_;
  ino_t inode_;  // of the socket file we bound, so we only ever unlink ours
  std::vector<std::unique_ptr<Client>> clients_;
  std::uint64_t next_client_id_ = 1;
  LatestValues values_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_SOCKET_SENSOR_H_
