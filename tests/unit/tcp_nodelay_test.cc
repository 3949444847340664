// SPDX-License-Identifier: Apache-2.0
//
// lib/src/mqtt/tcp_nodelay.cc: TCP_NODELAY goes only on the socket a
// connect opened (new since the snapshot, to the broker's port), never on
// the embedding application's other sockets, also to the same port.

#include "mqtt/tcp_nodelay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace shadowsync::mqtt_internal {
namespace {

// A loopback listener on a free port, and connected client sockets to it.
class Loopback {
 public:
  Loopback() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listener_, 8), 0);
    socklen_t length = sizeof(address);
    EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~Loopback() {
    for (int fd : fds_) close(fd);
    close(listener_);
  }
  int port() const { return port_; }

  // A client socket connected to the listener (and its accepted peer).
  int Connect() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    fds_.push_back(fd);
    fds_.push_back(accept(listener_, nullptr, nullptr));
    return fd;
  }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fds_;
};

bool NoDelay(int fd) {
  int on = 0;
  socklen_t length = sizeof(on);
  EXPECT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &length), 0);
  return on != 0;
}

TEST(TcpNoDelayTest, OnlyTheSocketOpenedSinceTheSnapshot) {
  Loopback broker;
  const int application = broker.Connect();  // the embedder's, to the same port
  const TcpSocketSnapshot before = TakeTcpSocketSnapshot();
  const int ours = broker.Connect();
  EXPECT_EQ(SetNoDelayOnNewSocketsToPort(before, broker.port()), 1);
  EXPECT_TRUE(NoDelay(ours));
  EXPECT_FALSE(NoDelay(application));
}

TEST(TcpNoDelayTest, NotOnNewSocketsToOtherPorts) {
  Loopback broker;
  Loopback elsewhere;
  const TcpSocketSnapshot before = TakeTcpSocketSnapshot();
  const int https = elsewhere.Connect();
  EXPECT_EQ(SetNoDelayOnNewSocketsToPort(before, broker.port()), 0);
  EXPECT_FALSE(NoDelay(https));
}

TEST(TcpNoDelayTest, SnapshotSeesTheProcesssTcpSockets) {
  Loopback broker;
  const TcpSocketSnapshot before = TakeTcpSocketSnapshot();
  broker.Connect();
  const TcpSocketSnapshot after = TakeTcpSocketSnapshot();
  // The client socket and the accepted one.
  EXPECT_EQ(after.size(), before.size() + 2);
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
