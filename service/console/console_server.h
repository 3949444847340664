// SPDX-License-Identifier: Apache-2.0
//
// The console's HTTP and WebSocket server: plain HTTP on Boost.Beast 1.74,
// one I/O thread, meant for loopback (console_access.h decides who may use
// it before any handler runs). One request at a time per connection
// (keep-alive), a body limit, a read timeout. A request whose target is
// `/ws` and that asks for an upgrade becomes a WebSocket: text messages in
// both directions; outgoing messages are queued per peer, and a peer that
// falls more than kMaxQueued messages behind is closed (a slow tab cannot
// grow the gateway's memory).
//
// Thread safety: Start() and Stop() need external synchronization; the
// handlers run on the I/O thread; a Responder and WebSocketPeer::Send() may
// be called from any thread.
#ifndef SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_SERVER_H_
#define SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "console_access.h"
#include "shadowsync/status.h"

namespace shadowsync::console {

struct HttpRequest {
  std::string method;  ///< "GET", ...
  std::string path;    ///< as on the wire (still percent-encoded), without the query
  std::string query;   ///< raw, without '?'
  std::map<std::string, std::string> headers;  ///< lowercase names
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Delivers the response; call exactly once, from any thread.
using HttpResponder = std::function<void(HttpResponse)>;

/// One open WebSocket.
///
/// Thread safety: Send() may be called from any thread.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  /// Queues a text message; dropped when the peer is closed.
  virtual void Send(std::string text) = 0;
  /// A number unique among this server's peers.
  virtual std::uint64_t id() const = 0;
};

struct ConsoleServerHandlers {
  std::function<void(HttpRequest, HttpResponder)> http;
  std::function<void(std::shared_ptr<WebSocketPeer>)> ws_open;
  std::function<void(const std::shared_ptr<WebSocketPeer>&, const std::string&)> ws_message;
  std::function<void(const std::shared_ptr<WebSocketPeer>&)> ws_close;
};

struct ConsoleServerOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  ///< 0 picks a free port
  AccessPolicy access;
  std::size_t max_body_bytes = 256 * 1024;
};

/// The console's listener.
///
/// Thread safety: see the file comment.
class ConsoleServer {
 public:
  static constexpr std::size_t kMaxQueued = 4096;
  ConsoleServer(ConsoleServerOptions options, ConsoleServerHandlers handlers,
                std::function<void(const std::string&)> log);
  ~ConsoleServer();  ///< Stop()s
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  /// Binds and starts the I/O thread; kUnavailable naming the address.
  Status Start();
  /// Closes everything and joins the thread. Idempotent.
  void Stop();
  /// The bound port (after Start()).
  int port() const;

  struct Impl;  ///< the sessions' view of the server (console_server.cc)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace shadowsync::console

#endif  // SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_SERVER_H_
