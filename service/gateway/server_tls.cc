// SPDX-License-Identifier: Apache-2.0

#include "server_tls.h"

#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>

namespace shadowsync::gateway {

Status ConfigureServerTls(boost::asio::ssl::context& context, const std::string& cert_file,
                          const std::string& key_file, const std::string& where) {
  namespace ssl = boost::asio::ssl;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context.use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return Status(StatusCode::kInvalidArgument,
                  where + "certificate file " + cert_file + ": " + ec.message());
  }
  context.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return Status(StatusCode::kInvalidArgument,
                  where + "key file " + key_file + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return Status(StatusCode::kInvalidArgument,
                  where + "key file " + key_file + " does not match certificate file " + cert_file);
  }
  return Status::Ok();
}

}  // namespace shadowsync::gateway
