// SPDX-License-Identifier: Apache-2.0

#include "chaos/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace shadowsync::chaos {
namespace {

Status Errno(const std::string& what) {
  return Status(StatusCode::kInternal, what + ": " + std::strerror(errno));
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

}  // namespace

// One proxied connection: bytes from `from` wait in their queue until due.
struct FaultProxy::Connection {
  struct Chunk {
    Clock::time_point due;
    std::string bytes;
  };
  int client = -1;
  int server = -1;
  std::deque<Chunk> to_server;
  std::deque<Chunk> to_client;
  bool dead = false;

  ~Connection() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
};

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(int upstream_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("fault proxy: socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address = Loopback(0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 64) != 0) {
    Status failed = Errno("fault proxy: bind/listen on 127.0.0.1");
    ::close(fd);
    return failed;
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    Status failed = Errno("fault proxy: pipe");
    ::close(fd);
    return failed;
  }
  SetNonBlocking(fd);
  return std::unique_ptr<FaultProxy>(
      new FaultProxy(fd, ntohs(address.sin_port), upstream_port, pipe_fds[0], pipe_fds[1]));
}

FaultProxy::FaultProxy(int listen_fd, int port, int upstream_port, int wake_read, int wake_write)
    : listen_fd_(listen_fd),
      port_(port),
      upstream_port_(upstream_port),
      wake_read_(wake_read),
      wake_write_(wake_write),
      thread_([this] { Run(); }) {}

FaultProxy::~FaultProxy() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  Wake();
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
}

void FaultProxy::Wake() { (void)!::write(wake_write_, "x", 1); }

int FaultProxy::CutAll() {
  MutexLock lock(mu_);
  const std::uint64_t ticket = ++cut_requested_;
  Wake();
  while (cut_done_ < ticket && !stop_) lock.Wait(cv_);
  return last_cut_count_;
}

void FaultProxy::BlackHole(std::chrono::milliseconds duration) {
  MutexLock lock(mu_);
  black_hole_until_ = Clock::now() + duration;
  Wake();
}

void FaultProxy::AddLatency(std::chrono::milliseconds latency, std::chrono::milliseconds duration) {
  MutexLock lock(mu_);
  latency_ = latency;
  latency_until_ = Clock::now() + duration;
  Wake();
}

std::uint64_t FaultProxy::accepted() const {
  MutexLock lock(mu_);
  return accepted_;
}

void FaultProxy::Run() {
  std::vector<std::unique_ptr<Connection>> connections;
  char buffer[65536];
  for (;;) {
    const Clock::time_point now = Clock::now();
    bool holding;
    std::chrono::milliseconds latency{0};
    std::uint64_t cut_to = 0;
    Clock::time_point hole_end;
    {
      MutexLock lock(mu_);
      if (stop_) break;
      holding = now < black_hole_until_;
      hole_end = black_hole_until_;
      if (now < latency_until_) latency = latency_;
      if (cut_requested_ > cut_done_) cut_to = cut_requested_;
    }
    if (cut_to > 0) {
      const int count = static_cast<int>(connections.size());
      connections.clear();
      MutexLock lock(mu_);
      cut_done_ = cut_to;
      last_cut_count_ = count;
      cv_.notify_all();
    }
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [](const auto& c) { return c->dead; }),
                      connections.end());

    // What to wait for: new clients, commands, and (unless black-holed)
    // readable sockets and due chunks.
    std::vector<pollfd> fds;
    fds.push_back({wake_read_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    Clock::time_point wake_at = now + std::chrono::milliseconds(200);
    if (holding) wake_at = std::min(wake_at, hole_end);
    for (const auto& c : connections) {
      short client_events = 0;
      short server_events = 0;
      if (!holding) {
        client_events |= POLLIN;
        server_events |= POLLIN;
        if (!c->to_server.empty()) {
          if (c->to_server.front().due <= now) {
            server_events |= POLLOUT;
          } else {
            wake_at = std::min(wake_at, c->to_server.front().due);
          }
        }
        if (!c->to_client.empty()) {
          if (c->to_client.front().due <= now) {
            client_events |= POLLOUT;
          } else {
            wake_at = std::min(wake_at, c->to_client.front().due);
          }
        }
      }
      fds.push_back({c->client, client_events, 0});
      fds.push_back({c->server, server_events, 0});
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake_at - now).count();
    if (::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, wait))) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      while (::read(wake_read_, buffer, sizeof buffer) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) {
      for (;;) {
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (client < 0) break;
        auto connection = std::make_unique<Connection>();
        connection->client = client;
        connection->server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in upstream = Loopback(upstream_port_);
        // Loopback: a blocking connect is immediate (refused when the
        // broker is down, and the client sees its connection closed).
        if (connection->server < 0 ||
            ::connect(connection->server, reinterpret_cast<sockaddr*>(&upstream),
                      sizeof upstream) != 0) {
          continue;  // the destructor closes both
        }
        const int one = 1;
        ::setsockopt(connection->server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::setsockopt(connection->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        SetNonBlocking(connection->server);
        connections.push_back(std::move(connection));
        MutexLock lock(mu_);
        ++accepted_;
      }
    }
    const Clock::time_point after = Clock::now();
    // Only the connections that were polled (new ones come next round).
    for (std::size_t i = 0; i + 2 < fds.size() && i / 2 < connections.size(); i += 2) {
      Connection& c = *connections[i / 2];
      const pollfd& client = fds[2 + i];
      const pollfd& server = fds[3 + i];
      const auto pump_in = [&](int fd, short revents, std::deque<Connection::Chunk>& queue) {
        if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          c.dead = true;
        } else if (n > 0) {
          queue.push_back({after + latency, std::string(buffer, static_cast<std::size_t>(n))});
        }
      };
      const auto pump_out = [&](int fd, short revents, std::deque<Connection::Chunk>& queue) {
        if (!(revents & POLLOUT)) return;
        while (!queue.empty() && queue.front().due <= after) {
          std::string& bytes = queue.front().bytes;
          const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
          if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) c.dead = true;
            return;
          }
          bytes.erase(0, static_cast<std::size_t>(n));
          if (!bytes.empty()) return;
          queue.pop_front();
        }
      };
      pump_in(client.fd, client.revents, c.to_server);
      pump_in(server.fd, server.revents, c.to_client);
      pump_out(server.fd, server.revents, c.to_server);
      pump_out(client.fd, client.revents, c.to_client);
    }
  }
  connections.clear();
  MutexLock lock(mu_);
  cut_done_ = cut_requested_;
  cv_.notify_all();
}

}  // namespace shadowsync::chaos
