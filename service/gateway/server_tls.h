// SPDX-License-Identifier: Apache-2.0
//
// The gateway's TLS server set-up, one rule for every listener (REST with a
// certificate or SigV4, MQTT over WebSocket): TLS 1.2 or later, the
// server's certificate chain and its key, and the key must match the
// certificate.
//
// Thread safety: a free function; call it before the context is shared.

#ifndef SHADOWSYNC_GATEWAY_SERVER_TLS_H_
#define SHADOWSYNC_GATEWAY_SERVER_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <string>

#include "shadowsync/status.h"

namespace shadowsync::gateway {

/// Configures `context` (a tls_server context) with `cert_file` and
/// `key_file`. kInvalidArgument starting with `where` (e.g. "listener
/// mtls: ") and naming the file, e.g. "listener mtls: key file k.pem does
/// not match certificate file c.pem".
Status ConfigureServerTls(boost::asio::ssl::context& context, const std::string& cert_file,
                          const std::string& key_file, const std::string& where);

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_GATEWAY_SERVER_TLS_H_
