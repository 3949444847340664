// SPDX-License-Identifier: Apache-2.0
//
// The gateway's HTTPS server on Boost.Beast 1.74 / Asio with OpenSSL, after
// Beast's example/advanced/server-flex: one session object per connection,
// a timeout on the TLS handshake and on every read, a body limit, keep-alive.
// Each listener is either mutual TLS (a client certificate is required and
// verified against a CA file, like AWS IoT's 8443) or server TLS only (for
// SigV4, like AWS IoT's 443). TLS 1.2 or later only.
//
// The server parses requests and writes responses; what a request means is
// the RestHandler's business. It logs one line per request: method, path,
// status, principal, milliseconds.
//
// Thread safety: Start() and Stop() need external synchronization (call them
// from one thread); the handler runs on the server's I/O threads and its
// Responder may be called from any thread.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_HTTPS_SERVER_H_
#define SHADOWSYNC_SERVICE_GATEWAY_HTTPS_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rest_types.h"
#include "shadowsync/status.h"

namespace shadowsync::gateway {

/// One listening socket.
struct ListenerConfig {
  std::string name;  ///< for logs and errors: "mtls", "sigv4"
  std::string address = "127.0.0.1";
  int port = 0;  ///< 0 picks a free port (see HttpsServer::port())
  ListenerAuth auth = ListenerAuth::kMutualTls;
  std::string cert_file;       ///< the server's certificate chain (PEM)
  std::string key_file;        ///< its private key (PEM)
  std::string client_ca_file;  ///< kMutualTls: the CA that client certificates must chain to
};

struct ServerConfig {
  std::vector<ListenerConfig> listeners;
  std::size_t max_body_bytes = 128 * 1024;  ///< larger bodies get 413
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds read_timeout{30000};  ///< per request, headers and body
  int threads = 1;                                ///< I/O threads
};

/// Writes one log line.
using LogSink = std::function<void(const std::string& line)>;

/// The HTTPS listeners and their sessions.
///
/// Thread safety: Start() and Stop() need external synchronization; the
/// handler runs on the server's I/O threads.
class HttpsServer {
 public:
  /// `handler` answers every request; `log` gets the request lines and
  /// connection errors. Both must stay callable until Stop() returns.
  HttpsServer(ServerConfig config, RestHandler handler, LogSink log);
  ~HttpsServer();  ///< Stop()s
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  /// Loads the TLS files and binds every listener, without serving yet
  /// (connections wait in the backlog until Start()). kInvalidArgument
  /// naming the listener and the file for unusable TLS material;
  /// kUnavailable naming the address for a bind failure.
  Status Open();
  /// Open()s unless already open, then serves: accepts and starts the I/O
  /// threads.
  Status Start();
  /// Closes the listeners and every connection, and joins the threads.
  /// Responses still pending are dropped. Idempotent.
  void Stop();
  /// The bound port of listener `index` (after Start()).
  int port(std::size_t index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_HTTPS_SERVER_H_
