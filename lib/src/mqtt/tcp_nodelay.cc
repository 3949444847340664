// SPDX-License-Identifier: Apache-2.0

#include "mqtt/tcp_nodelay.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <functional>

namespace shadowsync {
namespace mqtt_internal {
namespace {

int PeerPort(int fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return -1;
  if (peer.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
  }
  if (peer.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
  }
  return -1;
}

// Calls `visit(fd, inode)` for each TCP stream socket of the process.
void ForEachTcpSocket(const std::function<void(int fd, ino_t inode)>& visit) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || number == dirfd(dir)) continue;
    const int fd = static_cast<int>(number);
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    int type = 0;
    socklen_t type_length = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0 || type != SOCK_STREAM) {
      continue;
    }
    int domain = 0;
    socklen_t domain_length = sizeof(domain);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &domain_length) != 0 ||
        (domain != AF_INET && domain != AF_INET6)) {
      continue;
    }
    visit(fd, st.st_ino);
  }
  closedir(dir);
}

}  // namespace

TcpSocketSnapshot TakeTcpSocketSnapshot() {
  TcpSocketSnapshot snapshot;
  ForEachTcpSocket([&snapshot](int, ino_t inode) { snapshot.insert(inode); });
  return snapshot;
}

int SetNoDelayOnNewSocketsToPort(const TcpSocketSnapshot& before, int peer_port) {
  int count = 0;
  ForEachTcpSocket([&](int fd, ino_t inode) {
    if (before.count(inode) != 0 || PeerPort(fd) != peer_port) return;
    const int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0) ++count;
  });
  return count;
}

}  // namespace mqtt_internal
}  // namespace shadowsync
