// SPDX-License-Identifier: Apache-2.0
//
// One listening TCP socket and its accept loop, for the Beast servers of the
// gateway and its console (https_server.h, websocket_relay.h,
// console_server.h): bind, then accept on a strand of the server's
// io_context and hand each connection, on a strand of its own, to the
// server. A failed accept is logged ("<name>: accept failed: ...") and the
// loop goes on; it ends when the acceptor is closed or the io_context stops.
// What a connection is (TLS, HTTP, WebSocket) and how many may be open at
// once is the server's business, in its OnConnection.
//
// Thread safety: Open() and Close() need external synchronization and must
// not run while a thread runs the io_context (before the server's I/O
// threads start, after they are joined); the loop runs on the acceptor's
// strand.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_TCP_ACCEPTOR_H_
#define SHADOWSYNC_SERVICE_GATEWAY_TCP_ACCEPTOR_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "shadowsync/status.h"

namespace shadowsync::gateway {

/// A bound TCP listener and its accept loop.
///
/// Thread safety: see the file comment.
class TcpAcceptor : public std::enable_shared_from_this<TcpAcceptor> {
 public:
  /// Gets each accepted connection, on its own strand of the io_context.
  using OnConnection = std::function<void(boost::asio::ip::tcp::socket)>;
  /// Gets the accept failures; may be empty.
  using Log = std::function<void(const std::string& line)>;

  /// `name` starts the log lines ("mtls", "wss", "console").
  TcpAcceptor(boost::asio::io_context& io, std::string name, OnConnection on_connection, Log log);

  /// Binds `address` ("localhost" is 127.0.0.1) and `port` (0 picks a free
  /// one) and listens; connections wait in the backlog until Accept().
  /// Errors start with `what` ("listener mtls"): kInvalidArgument
  /// "<what>: address <address>: ..." for an address that is not an IP
  /// literal; kUnavailable "<what>: <address>:<port>: ..." when it cannot
  /// bind.
  Status Open(const std::string& address, int port, const std::string& what);
  /// Starts the accept loop (once, after Open()).
  void Accept();
  /// Closes the listening socket; the loop ends. Idempotent.
  void Close();
  /// The bound port (after Open()).
  int port() const { return port_; }

 private:
  void OnAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const std::string name_;
  const OnConnection on_connection_;
  const Log log_;
  int port_ = 0;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_TCP_ACCEPTOR_H_
