// SPDX-License-Identifier: Apache-2.0
#include "https_server.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include "rest_errors.h"
#include "server_tls.h"
#include "tcp_acceptor.h"

namespace shadowsync::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// What a session reads and discards after a 413 before it closes.
constexpr std::size_t kMaxDrainBytes = 8 * 1024 * 1024;

// What every session of the server shares; immutable once running.
struct Shared {
  ServerConfig config;
  RestHandler handler;
  LogSink log;
};

std::string HexOf(const unsigned char* bytes, unsigned length) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

// The request target for the log: a query with SigV4 parameters (a
// presigned request carries X-Amz-Security-Token, a secret) is left out.
std::string LogTarget(const std::string& target) {
  const std::size_t question = target.find('?');
  if (question == std::string::npos) return target;
  std::string lower = target.substr(question);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("x-amz-") == std::string::npos) return target;
  return target.substr(0, question) + "?<SigV4 query not logged>";
}

// The verified peer certificate's CN and SHA-256 fingerprint.
PeerCertificate ReadPeerCertificate(SSL* ssl_handle) {
  PeerCertificate peer;
  X509* cert = SSL_get1_peer_certificate(ssl_handle);
  if (cert == nullptr) return peer;
  char cn[256];
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                          static_cast<int>(sizeof cn));
  if (n > 0) peer.common_name.assign(cn, static_cast<std::size_t>(n));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned md_length = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_length) == 1) peer.sha256 = HexOf(md, md_length);
  X509_free(cert);
  return peer;
}

// One connection: TLS handshake, then requests one at a time (keep-alive).
// Thread safety: not thread-safe; every handler runs on the session's
// strand, and a Responder from another thread posts to it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& context, const ListenerConfig& listener,
          std::shared_ptr<const Shared> shared)
      : stream_(std::move(socket), context),
        listener_name_(listener.name),
        auth_(listener.auth),
        shared_(std::move(shared)) {
    beast::error_code ec;
    const tcp::endpoint remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::OnRun, shared_from_this()));
  }

 private:
  void OnRun() {
    beast::get_lowest_layer(stream_).expires_after(shared_->config.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      Log("TLS handshake from " + remote_ + " failed: " + ec.message());
      return;
    }
    if (auth_ == ListenerAuth::kMutualTls) peer_ = ReadPeerCertificate(stream_.native_handle());
    DoRead();
  }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(shared_->config.max_body_bytes);
    parser_->header_limit(kMaxHeaderBytes);
    beast::get_lowest_layer(stream_).expires_after(shared_->config.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t /*bytes*/) {
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::end_of_stream) return DoClose();
    if (ec == http::error::body_limit) {
      method_ = std::string(parser_->get().method_string());
      target_ = LogTarget(std::string(parser_->get().target()));
      close_after_ = true;
      drain_after_ = true;
      return Write(ErrorResponse(413, "The payload exceeds the maximum size allowed"));
    }
    if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == ssl::error::stream_truncated || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      return;  // slow or gone client: drop the connection
    }
    if (ec) {
      method_ = "-";
      target_ = "-";
      close_after_ = true;
      return Write(ErrorResponse(400, "Bad request: " + ec.message()));
    }

    http::request<http::string_body> message = parser_->release();
    RestRequest request;
    request.auth = auth_;
    request.method = std::string(message.method_string());
    const std::string target(message.target());
    const std::size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    for (const auto& field : message) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(message.body());
    request.peer = peer_;
    method_ = request.method;
    target_ = LogTarget(target);
    version_ = message.version();
    close_after_ = !message.keep_alive();

    auto self = shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self, answered](RestResponse response) {
      if (answered->exchange(true)) return;
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    };
    try {
      shared_->handler(std::move(request), respond);
    } catch (const std::exception& e) {
      Log(std::string("handler failed: ") + e.what());
      respond(ErrorResponse(500, "Internal service failure"));
    }
  }

  void Write(RestResponse response) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started_)
                        .count();
    Log(method_ + " " + target_ + " " + std::to_string(response.status) + " " + response.principal +
        " " + std::to_string(ms) + "ms" +
        (response.log_note.empty() ? "" : " (" + response.log_note + ")"));

    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    out->set(http::field::server, "shadowsync-gateway");
    out->set(http::field::content_type, response.content_type);
    for (const HttpField& header : response.headers) out->set(header.name, header.value);
    out->keep_alive(!close_after_);
    out->body() = std::move(response.body);
    out->prepare_payload();
    response_ = out;
    beast::get_lowest_layer(stream_).expires_after(shared_->config.read_timeout);
    http::async_write(
        stream_, *out,
        beast::bind_front_handler(&Session::OnWrite, shared_from_this(), out->need_eof()));
  }

  void OnWrite(bool close, beast::error_code ec, std::size_t /*bytes*/) {
    response_.reset();
    if (ec) return;
    if (close && drain_after_) return DoDrain();
    if (close) return DoClose();
    DoRead();
  }

  // After a 413 the client may still be sending its body; closing with
  // unread data makes the kernel send a reset that can destroy the response
  // before the client reads it. So read and discard (one fixed buffer, a
  // bounded amount, with a timeout) until the client closes.
  void DoDrain() {
    beast::get_lowest_layer(stream_).expires_after(shared_->config.handshake_timeout);
    stream_.async_read_some(net::buffer(drain_buffer_),
                            beast::bind_front_handler(&Session::OnDrain, shared_from_this()));
  }

  void OnDrain(beast::error_code ec, std::size_t bytes) {
    drained_ += bytes;
    if (ec) return;
    if (drained_ > kMaxDrainBytes) return DoClose();
    DoDrain();
  }

  void DoClose() {
    beast::get_lowest_layer(stream_).expires_after(shared_->config.handshake_timeout);
    stream_.async_shutdown(beast::bind_front_handler(&Session::OnShutdown, shared_from_this()));
  }

  void OnShutdown(beast::error_code /*ec*/) {}

  void Log(const std::string& line) const {
    try {
      shared_->log(listener_name_ + ": " + line);
    } catch (...) {
    }
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  std::string listener_name_;
  ListenerAuth auth_;
  std::shared_ptr<const Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  PeerCertificate peer_;
  std::string remote_ = "?";
  std::string method_;
  std::string target_;
  unsigned version_ = 11;
  bool close_after_ = false;
  bool drain_after_ = false;
  std::array<char, 16 * 1024> drain_buffer_;
  std::size_t drained_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

Status CheckReadable(const ListenerConfig& listener, const char* what, const std::string& path) {
  if (path.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "listener " + listener.name + ": no " + what + " given");
  }
  std::ifstream in(path);
  if (!in) {
    return Status(StatusCode::kInvalidArgument,
                  "listener " + listener.name + ": " + what + " " + path + ": cannot be read");
  }
  return Status();
}

// One listening socket and its TLS context.
// Thread safety: not thread-safe; Open() and Close() while no I/O thread
// runs; the accept loop runs on the acceptor's strand.
class Listener {
 public:
  Listener(net::io_context& io, ListenerConfig config, std::shared_ptr<const Shared> shared)
      : context_(ssl::context::tls_server),
        config_(std::move(config)),
        shared_(std::move(shared)),
        acceptor_(std::make_shared<TcpAcceptor>(
            io, config_.name,
            [this](tcp::socket socket) {
              std::make_shared<Session>(std::move(socket), context_, config_, shared_)->Run();
            },
            shared_->log)) {}
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  Status Open() {
    for (const auto& [what, path] :
         {std::pair<const char*, const std::string&>{"certificate file", config_.cert_file},
          {"key file", config_.key_file}}) {
      Status readable = CheckReadable(config_, what, path);
      if (!readable.ok()) return readable;
    }
    if (config_.auth == ListenerAuth::kMutualTls) {
      Status readable = CheckReadable(config_, "client CA file", config_.client_ca_file);
      if (!readable.ok()) return readable;
    }
    if (Status tls = ConfigureServerTls(context_, config_.cert_file, config_.key_file,
                                        "listener " + config_.name + ": ");
        !tls.ok()) {
      return tls;
    }
    beast::error_code ec;
    if (config_.auth == ListenerAuth::kMutualTls) {
      context_.load_verify_file(config_.client_ca_file, ec);
      if (ec) return TlsError("client CA file " + config_.client_ca_file, ec);
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config_.client_ca_file.c_str())) {
        SSL_CTX_set_client_CA_list(context_.native_handle(), names);
      }
      context_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    return acceptor_->Open(config_.address, config_.port, "listener " + config_.name);
  }

  void Accept() { acceptor_->Accept(); }
  void Close() { acceptor_->Close(); }
  int port() const { return acceptor_->port(); }

 private:
  Status TlsError(const std::string& what, const beast::error_code& ec) const {
    return Status(StatusCode::kInvalidArgument,
                  "listener " + config_.name + ": " + what + ": " + ec.message());
  }

  ssl::context context_;
  ListenerConfig config_;
  std::shared_ptr<const Shared> shared_;
  std::shared_ptr<TcpAcceptor> acceptor_;
};

}  // namespace

struct HttpsServer::Impl {
  std::shared_ptr<Shared> shared;
  // Destroyed last (declared first): sessions still referenced by pending
  // responders die with it.
  std::unique_ptr<net::io_context> io;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::thread> threads;
  bool started = false;
};

HttpsServer::HttpsServer(ServerConfig config, RestHandler handler, LogSink log)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared = std::make_shared<Shared>();
  impl_->shared->config = std::move(config);
  impl_->shared->handler = std::move(handler);
  impl_->shared->log = std::move(log);
}

HttpsServer::~HttpsServer() {
  Stop();
  // The listeners and sessions hold sockets of io: release them first.
  impl_->listeners.clear();
  impl_->io.reset();
}

Status HttpsServer::Open() {
  if (impl_->started || !impl_->listeners.empty()) {
    return Status(StatusCode::kFailedPrecondition, "already open");
  }
  impl_->io = std::make_unique<net::io_context>(impl_->shared->config.threads);
  for (const ListenerConfig& config : impl_->shared->config.listeners) {
    auto listener = std::make_shared<Listener>(*impl_->io, config, impl_->shared);
    Status opened = listener->Open();
    if (!opened.ok()) {
      impl_->listeners.clear();
      return opened;
    }
    impl_->listeners.push_back(std::move(listener));
  }
  return Status();
}

Status HttpsServer::Start() {
  if (impl_->started) return Status(StatusCode::kFailedPrecondition, "already started");
  if (impl_->listeners.empty()) {
    Status opened = Open();
    if (!opened.ok()) return opened;
  }
  for (auto& listener : impl_->listeners) listener->Accept();
  impl_->started = true;
  const int threads = std::max(1, impl_->shared->config.threads);
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([io = impl_->io.get(), shared = impl_->shared] {
      // No exception may leave a thread: log it and keep serving.
      while (true) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          try {
            shared->log(std::string("I/O thread: unexpected exception: ") + e.what());
          } catch (...) {
          }
        }
      }
    });
  }
  return Status();
}

void HttpsServer::Stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->io->stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  for (auto& listener : impl_->listeners) listener->Close();
}

int HttpsServer::port(std::size_t index) const {
  return index < impl_->listeners.size() ? impl_->listeners[index]->port() : 0;
}

}  // namespace shadowsync::gateway
