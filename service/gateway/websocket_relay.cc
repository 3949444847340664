// SPDX-License-Identifier: Apache-2.0

#include "websocket_relay.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <exception>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gateway_identity.h"
#include "mqtt_connect_rewrite.h"
#include "rest_errors.h"
#include "server_tls.h"
#include "tcp_acceptor.h"

namespace shadowsync::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kBrokerReadBytes = 16 * 1024;
constexpr char kPath[] = "/mqtt";

struct Shared {
  WebSocketRelayConfig config;
  LogSink log;
  tcp::endpoint broker;
  std::atomic<int> connections{0};

  void Log(const std::string& line) const {
    try {
      log(line);
    } catch (...) {
    }
  }
};

const char* ErrorTypeFor(SigV4Rejection rejection) {
  switch (rejection) {
    case SigV4Rejection::kMissingAuthentication:
      return "MissingAuthenticationTokenException";
    case SigV4Rejection::kUnknownAccessKey:
      return "UnrecognizedClientException";
    default:
      return "InvalidSignatureException";
  }
}

// Whether the comma-separated Sec-WebSocket-Protocol list offers "mqtt".
bool OffersMqtt(std::string_view list) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "mqtt") return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// One client: TLS, the upgrade request, SigV4, the WebSocket handshake,
// then the relay. Every handler runs on the connection's strand.
class RelaySession : public std::enable_shared_from_this<RelaySession> {
 public:
  RelaySession(tcp::socket&& socket, ssl::context& context, std::shared_ptr<Shared> shared)
      : ws_(std::move(socket), context),
        broker_(ws_.get_executor()),
        shared_(std::move(shared)),
        started_(std::chrono::steady_clock::now()) {
    ++shared_->connections;
    beast::error_code ec;
    const tcp::endpoint remote = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  ~RelaySession() { --shared_->connections; }

  void Run() {
    net::dispatch(ws_.get_executor(),
                  beast::bind_front_handler(&RelaySession::OnRun, shared_from_this()));
  }

 private:
  void OnRun() {
    // One deadline for the TLS handshake and the whole upgrade request.
    beast::get_lowest_layer(ws_).expires_after(shared_->config.handshake_timeout);
    ws_.next_layer().async_handshake(
        ssl::stream_base::server,
        beast::bind_front_handler(&RelaySession::OnTls, shared_from_this()));
  }

  void OnTls(beast::error_code ec) {
    if (ec) return End("TLS handshake failed: " + ec.message());
    parser_.header_limit(kMaxHeaderBytes);
    parser_.body_limit(0);
    http::async_read(ws_.next_layer(), buffer_, parser_,
                     beast::bind_front_handler(&RelaySession::OnRequest, shared_from_this()));
  }

  void OnRequest(beast::error_code ec, std::size_t) {
    if (ec == beast::error::timeout) return End("no upgrade request within the handshake time");
    if (ec == http::error::end_of_stream) return End("closed before a request");
    if (ec == http::error::header_limit) return Refuse(400, "request headers over 16 KiB", "");
    if (ec == http::error::body_limit) {
      return Refuse(400, "a WebSocket upgrade request has no body", "");
    }
    if (ec) return Refuse(400, "not an HTTP request: " + ec.message(), "");
    const http::request<http::empty_body>& request = parser_.get();
    const std::string_view target(request.target().data(), request.target().size());
    const std::size_t question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    method_ = std::string(request.method_string());
    if (path != kPath) return Refuse(404, "no such path: the WebSocket path is /mqtt", "");
    if (request.method() != http::verb::get) {
      return Refuse(405, "method not allowed: a WebSocket upgrade is a GET", "");
    }
    if (!websocket::is_upgrade(request)) {
      return Refuse(400, "bad WebSocket handshake: expected Upgrade: websocket", "");
    }
    const auto protocols = request.find(http::field::sec_websocket_protocol);
    if (protocols == request.end() ||
        !OffersMqtt(std::string_view(protocols->value().data(), protocols->value().size()))) {
      return Refuse(400, "bad WebSocket handshake: the subprotocol must be mqtt", "");
    }

    SigV4IncomingRequest incoming;
    incoming.method = method_;
    incoming.path = std::string(path);
    incoming.query = std::string(query);
    for (const auto& field : request) {
      incoming.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    const std::shared_ptr<const AccessKeys> keys = shared_->config.access_keys;
    const SigV4Verdict verdict = VerifySigV4(
        incoming,
        [keys](std::string_view id) -> std::optional<AwsCredentials> {
          if (!keys) return std::nullopt;
          return keys->Find(id);
        },
        shared_->config.sigv4, shared_->config.now());
    access_key_id_ = verdict.access_key_id;
    if (!verdict.ok()) {
      return Refuse(403, verdict.reason.empty() ? "Forbidden" : verdict.reason,
                    ErrorTypeFor(verdict.rejection),
                    std::string(" (SigV4 ") + SigV4RejectionName(verdict.rejection) + ")");
    }

    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::sec_websocket_protocol, "mqtt");
    }));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = shared_->config.handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // MQTT keep-alive does this
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(shared_->config.max_message_bytes);
    ws_.binary(true);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(parser_.release(),
                     beast::bind_front_handler(&RelaySession::OnAccepted, shared_from_this()));
  }

  // An HTTP error answer, then the connection closes.
  void Refuse(int status, const std::string& message, const std::string& error_type,
              const std::string& note = "") {
    const RestResponse error = ErrorResponse(status, message, error_type);
    auto response =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    for (const auto& [name, value] : error.headers) response->set(name, value);
    response->set(http::field::content_type, "application/json");
    response->set(http::field::connection, "close");
    response->body() = error.body;
    response->prepare_payload();
    Log(std::to_string(status) + note + (note.empty() ? " (" + message.substr(0, 120) + ")" : ""));
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
    http::async_write(ws_.next_layer(), *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (ec) return beast::get_lowest_layer(self->ws_).close();
                        // Half-close, then discard what the client still sends (at
                        // most until the deadline): closing with unread bytes would
                        // reset the connection and could destroy the answer.
                        beast::error_code ignored;
                        beast::get_lowest_layer(self->ws_).socket().shutdown(
                            tcp::socket::shutdown_send, ignored);
                        self->Drain();
                      });
  }

  void Drain() {
    beast::get_lowest_layer(ws_).async_read_some(
        net::buffer(from_broker_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return beast::get_lowest_layer(self->ws_).close();
          self->Drain();
        });
  }

  void OnAccepted(beast::error_code ec) {
    if (ec) return End("WebSocket handshake failed: " + ec.message());
    broker_.expires_after(shared_->config.broker_connect_timeout);
    broker_.async_connect(shared_->broker,
                          beast::bind_front_handler(&RelaySession::OnBroker, shared_from_this()));
  }

  void OnBroker(beast::error_code ec) {
    if (ec) {
      Log("101, broker " + shared_->broker.address().to_string() + ":" +
          std::to_string(shared_->broker.port()) + " unreachable: " + ec.message());
      return CloseClient(websocket::close_code::try_again_later);
    }
    broker_.expires_never();
    broker_.socket().set_option(tcp::no_delay(true), ec);
    Log("101, relaying");
    ReadClient();
    ReadBroker();
  }

  void ReadClient() {
    ws_.async_read(client_buffer_,
                   beast::bind_front_handler(&RelaySession::OnClientRead, shared_from_this()));
  }

  void OnClientRead(beast::error_code ec, std::size_t) {
    if (ec)
      return Shutdown(ec == websocket::error::closed ? "client closed" : "client: " + ec.message());
    std::string data = beast::buffers_to_string(client_buffer_.data());
    client_buffer_.consume(client_buffer_.size());
    if (!connect_seen_) {
      pending_ += data;
      Result<std::optional<RewrittenConnect>> rewritten =
          RewriteMqttConnect(pending_, host::IamUsername(access_key_id_), shared_->config.secret,
                             shared_->config.max_message_bytes);
      if (!rewritten.ok()) {
        Log("closed: " + rewritten.status().message());
        broker_.close();
        return CloseClient(websocket::close_code::policy_error);
      }
      if (!rewritten->has_value()) return ReadClient();
      connect_seen_ = true;
      client_id_ = (*rewritten)->client_id;
      data = (*rewritten)->packet + pending_.substr((*rewritten)->consumed);
      pending_.clear();
      pending_.shrink_to_fit();
    }
    to_broker_ = std::move(data);
    net::async_write(broker_, net::buffer(to_broker_),
                     beast::bind_front_handler(&RelaySession::OnBrokerWritten, shared_from_this()));
  }

  void OnBrokerWritten(beast::error_code ec, std::size_t) {
    if (ec) return Shutdown("broker: " + ec.message());
    ReadClient();
  }

  void ReadBroker() {
    broker_.async_read_some(
        net::buffer(from_broker_),
        beast::bind_front_handler(&RelaySession::OnBrokerRead, shared_from_this()));
  }

  void OnBrokerRead(beast::error_code ec, std::size_t bytes) {
    if (ec) return Shutdown(ec == net::error::eof ? "broker closed" : "broker: " + ec.message());
    from_broker_pending_.append(from_broker_.data(), bytes);
    WriteNextPacket();
  }

  // One WebSocket frame per MQTT packet (MqttPacketLength says why); what
  // is not a whole packet yet waits for the next read. A malformed length
  // is passed on as it is: the client's MQTT layer will say what is wrong.
  void WriteNextPacket() {
    std::size_t length = MqttPacketLength(from_broker_pending_);
    if (length == 0) return ReadBroker();
    if (length == std::string_view::npos) length = from_broker_pending_.size();
    to_client_.assign(from_broker_pending_, 0, length);
    from_broker_pending_.erase(0, length);
    writing_ = true;
    ws_.async_write(net::buffer(to_client_),
                    beast::bind_front_handler(&RelaySession::OnClientWritten, shared_from_this()));
  }

  void OnClientWritten(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) return Shutdown("client: " + ec.message());
    if (closing_) return CloseClient(websocket::close_code::normal);
    WriteNextPacket();
  }

  // Either side ended: end the other one too (once).
  void Shutdown(const std::string& why) {
    if (closing_) return;
    closing_ = true;
    beast::error_code ignored;
    broker_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    broker_.close();
    End(why);
    if (!writing_) CloseClient(websocket::close_code::normal);
  }

  void CloseClient(websocket::close_code code) {
    closing_ = true;
    if (close_sent_ || !ws_.is_open()) return;
    close_sent_ = true;
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
    ws_.async_close(code, [self = shared_from_this()](beast::error_code) {});
  }

  void End(const std::string& why) {
    if (ended_) return;
    ended_ = true;
    Log("ended: " + why);
  }

  void Log(const std::string& what) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started_)
                        .count();
    std::string line =
        "wss: " + (method_.empty() ? std::string("-") : method_) + " /mqtt from " + remote_;
    if (!access_key_id_.empty()) line += " key " + access_key_id_;
    if (!client_id_.empty()) line += " client " + client_id_;
    shared_->Log(line + " " + what + " " + std::to_string(ms) + "ms");
  }

  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  beast::tcp_stream broker_;
  std::shared_ptr<Shared> shared_;
  std::chrono::steady_clock::time_point started_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  beast::flat_buffer client_buffer_;
  std::string pending_;    // the CONNECT while it arrives
  std::string to_broker_;  // the message being written to the broker
  std::array<char, kBrokerReadBytes> from_broker_{};
  std::string from_broker_pending_;  // read from the broker, not yet sent
  std::string to_client_;            // the packet being written to the client
  std::string remote_;
  std::string method_;
  std::string access_key_id_;
  std::string client_id_;
  bool connect_seen_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool ended_ = false;
};

}  // namespace

struct WebSocketRelay::Impl {
  std::shared_ptr<Shared> shared;
  std::unique_ptr<net::io_context> io;
  std::unique_ptr<ssl::context> context;
  std::shared_ptr<TcpAcceptor> acceptor;
  std::thread thread;
  bool started = false;

  // A new connection, unless max_connections are open already.
  void OnConnection(tcp::socket socket) {
    if (shared->connections.load() >= shared->config.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      shared->Log("wss: connection refused: " + std::to_string(shared->config.max_connections) +
                  " connections already");
      return;
    }
    std::make_shared<RelaySession>(std::move(socket), *context, shared)->Run();
  }
};

WebSocketRelay::WebSocketRelay(WebSocketRelayConfig config, LogSink log)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared = std::make_shared<Shared>();
  impl_->shared->config = std::move(config);
  impl_->shared->log = std::move(log);
}

WebSocketRelay::~WebSocketRelay() {
  Stop();
  impl_->acceptor.reset();
  impl_->io.reset();
}

Status WebSocketRelay::Start() {
  if (impl_->started) return Status(StatusCode::kFailedPrecondition, "already started");
  const WebSocketRelayConfig& config = impl_->shared->config;
  const std::string where = "listener wss: ";
  beast::error_code ec;
  const net::ip::address broker_address = net::ip::make_address(config.broker_host, ec);
  if (ec) {
    return Status(StatusCode::kInvalidArgument,
                  "relay broker: " + config.broker_host + " is not an IP address");
  }
  impl_->shared->broker =
      tcp::endpoint(broker_address, static_cast<unsigned short>(config.broker_port));

  impl_->context = std::make_unique<ssl::context>(ssl::context::tls_server);
  ssl::context& context = *impl_->context;
  if (Status tls = ConfigureServerTls(context, config.cert_file, config.key_file, where);
      !tls.ok()) {
    return tls;
  }

  impl_->io = std::make_unique<net::io_context>(1);
  impl_->acceptor = std::make_shared<TcpAcceptor>(
      *impl_->io, "wss",
      [impl = impl_.get()](tcp::socket socket) { impl->OnConnection(std::move(socket)); },
      [shared = impl_->shared](const std::string& line) { shared->Log(line); });
  if (Status opened = impl_->acceptor->Open(config.address, config.port, "listener wss");
      !opened.ok()) {
    return opened;
  }
  impl_->acceptor->Accept();
  impl_->started = true;
  impl_->thread = std::thread([io = impl_->io.get(), shared = impl_->shared] {
    while (true) {
      try {
        io->run();
        return;
      } catch (const std::exception& e) {
        shared->Log(std::string("wss: I/O thread: unexpected exception: ") + e.what());
      }
    }
  });
  return Status();
}

void WebSocketRelay::Stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->io->stop();
  impl_->thread.join();
  impl_->acceptor->Close();
}

int WebSocketRelay::port() const { return impl_->acceptor ? impl_->acceptor->port() : 0; }

}  // namespace shadowsync::gateway
