// SPDX-License-Identifier: Apache-2.0
#include "console_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <set>
#include <thread>

#include "tcp_acceptor.h"

namespace shadowsync::console {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr auto kReadTimeout = std::chrono::seconds(30);

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

struct ConsoleServer::Impl {
  ConsoleServerOptions options;
  ConsoleServerHandlers handlers;
  std::function<void(const std::string&)> log;
  net::io_context ioc{1};
  std::shared_ptr<gateway::TcpAcceptor> acceptor;
  std::thread thread;
  std::atomic<std::uint64_t> next_peer{1};
  bool started = false;
};

namespace {

class WsSession : public WebSocketPeer, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, ConsoleServer::Impl* server, std::uint64_t id)
      : ws_(std::move(socket)), server_(server), id_(id) {}

  template <class Request>
  void Run(Request request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      if (self->server_->handlers.ws_open) self->server_->handlers.ws_open(self);
      self->Read();
    });
  }

  void Send(std::string text) override {
    auto message = std::make_shared<std::string>(std::move(text));
    net::post(ws_.get_executor(), [self = shared_from_this(), message] {
      if (self->closed_) return;
      if (self->queue_.size() >= ConsoleServer::kMaxQueued) {
        self->Close();
        return;
      }
      self->queue_.push_back(message);
      if (self->queue_.size() == 1) self->Write();
    });
  }

  std::uint64_t id() const override { return id_; }

 private:
  void Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->Closed();
        return;
      }
      const std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->server_->handlers.ws_message) self->server_->handlers.ws_message(self, text);
      self->Read();
    });
  }

  void Write() {
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) {
                        self->Closed();
                        return;
                      }
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->Write();
                    });
  }

  void Close() {
    if (closed_) return;
    ws_.async_close(websocket::close_code::policy_error,
                    [self = shared_from_this()](beast::error_code) { self->Closed(); });
  }

  void Closed() {
    if (closed_) return;
    closed_ = true;
    queue_.clear();
    if (server_->handlers.ws_close) server_->handlers.ws_close(shared_from_this());
  }

  websocket::stream<beast::tcp_stream> ws_;
  ConsoleServer::Impl* server_;
  const std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<std::string>> queue_;
  bool closed_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, ConsoleServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    if (ec) {
      HttpResponse bad;
      bad.status = ec == http::error::body_limit ? 413 : 400;
      bad.body = "{\"message\":\"" +
                 std::string(bad.status == 413 ? "body too large" : "bad request") + "\"}";
      keep_alive_ = false;
      Write(std::move(bad));
      return;
    }
    auto& request = parser_->get();
    AccessRequest access;
    access.method = std::string(request.method_string());
    const std::string target(request.target());
    const auto question = target.find('?');
    access.query = question == std::string::npos ? "" : target.substr(question + 1);
    for (const auto& field : request) {
      access.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
    }
    const std::string path = target.substr(0, question);
    access.websocket = websocket::is_upgrade(request);
    keep_alive_ = request.keep_alive();
    if (std::optional<AccessRefusal> refused = CheckAccess(server_->options.access, access)) {
      server_->log("console: " + access.method + " " + path + " refused " +
                   std::to_string(refused->status) + ": " + refused->message);
      HttpResponse response;
      response.status = refused->status;
      rapidjson_free_message(response, refused->message);
      Write(std::move(response));
      return;
    }
    if (access.websocket) {
      if (path != "/ws") {
        HttpResponse response;
        response.status = 404;
        response.body = "{\"message\":\"no WebSocket here; use /ws\"}";
        Write(std::move(response));
        return;
      }
      stream_.expires_never();
      auto peer =
          std::make_shared<WsSession>(stream_.release_socket(), server_, server_->next_peer++);
      peer->Run(parser_->release());
      return;
    }
    HttpRequest out;
    out.method = std::move(access.method);
    out.path = path;
    out.query = std::move(access.query);
    out.headers = std::move(access.headers);
    out.body = std::move(request.body());
    const bool set_cookie = QueryHasToken(server_->options.access, out.query);
    auto self = shared_from_this();
    server_->handlers.http(std::move(out), [self, set_cookie](HttpResponse response) {
      if (set_cookie) {
        response.headers.emplace_back("Set-Cookie", std::string(kTokenCookie) + "=" +
                                                        self->server_->options.access.token +
                                                        "; Path=/; HttpOnly; SameSite=Strict");
      }
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  static void rapidjson_free_message(HttpResponse& response, const std::string& message) {
    std::string escaped;
    for (char c : message) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    response.body = "{\"message\":\"" + escaped + "\"}";
  }

  void Write(HttpResponse response) {
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    message->set(http::field::server, "shadowsync-console");
    message->set(http::field::content_type, response.content_type);
    message->set(http::field::cache_control, "no-store");
    message->set("X-Content-Type-Options", "nosniff");
    message->set("X-Frame-Options", "DENY");
    message->set("Referrer-Policy", "no-referrer");
    for (const auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  ConsoleServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
};

}  // namespace

ConsoleServer::ConsoleServer(ConsoleServerOptions options, ConsoleServerHandlers handlers,
                             std::function<void(const std::string&)> log)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handlers = std::move(handlers);
  impl_->log = std::move(log);
}

ConsoleServer::~ConsoleServer() { Stop(); }

Status ConsoleServer::Start() {
  if (impl_->started) return Status(StatusCode::kFailedPrecondition, "already started");
  impl_->acceptor = std::make_shared<gateway::TcpAcceptor>(
      impl_->ioc, "console",
      [impl = impl_.get()](tcp::socket socket) {
        std::make_shared<HttpSession>(std::move(socket), impl)->Read();
      },
      impl_->log);
  if (Status opened = impl_->acceptor->Open(impl_->options.address, impl_->options.port, "console");
      !opened.ok()) {
    return opened;
  }
  impl_->acceptor->Accept();
  impl_->started = true;
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
  return Status();
}

void ConsoleServer::Stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->acceptor->Close();
}

int ConsoleServer::port() const { return impl_->acceptor ? impl_->acceptor->port() : 0; }

}  // namespace shadowsync::console
