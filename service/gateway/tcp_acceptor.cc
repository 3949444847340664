// SPDX-License-Identifier: Apache-2.0
#include "tcp_acceptor.h"

#include <boost/asio/error.hpp>
#include <boost/asio/strand.hpp>
#include <utility>

namespace shadowsync::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

TcpAcceptor::TcpAcceptor(net::io_context& io, std::string name, OnConnection on_connection, Log log)
    : io_(io),
      acceptor_(net::make_strand(io)),
      name_(std::move(name)),
      on_connection_(std::move(on_connection)),
      log_(std::move(log)) {}

Status TcpAcceptor::Open(const std::string& address, int port, const std::string& what) {
  boost::system::error_code ec;
  const net::ip::address ip =
      net::ip::make_address(address == "localhost" ? "127.0.0.1" : address, ec);
  if (ec) {
    return Status(StatusCode::kInvalidArgument,
                  what + ": address " + address + ": " + ec.message());
  }
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Status(StatusCode::kUnavailable,
                  what + ": " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return Status();
}

void TcpAcceptor::Accept() {
  acceptor_.async_accept(
      net::make_strand(io_),
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void TcpAcceptor::Close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void TcpAcceptor::OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;
  if (ec) {
    if (log_) {
      try {
        log_(name_ + ": accept failed: " + ec.message());
      } catch (...) {
      }
    }
  } else {
    on_connection_(std::move(socket));
  }
  if (acceptor_.is_open()) Accept();
}

}  // namespace shadowsync::gateway
