// SPDX-License-Identifier: Apache-2.0
//
// The gateway's HTTP request and response as values, free of Boost types:
// the server (https_server.h) fills a RestRequest from the wire and writes
// the RestResponse that the handler (rest_gateway.h) hands to its
// Responder.
//
// Thread safety: plain values.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_REST_TYPES_H_
#define SHADOWSYNC_SERVICE_GATEWAY_REST_TYPES_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/sigv4.h"

namespace shadowsync::gateway {

/// How a listener authenticates its clients.
enum class ListenerAuth {
  kMutualTls,  ///< a client certificate, verified by TLS against the CA (AWS's 8443)
  kSigV4,      ///< server TLS only; an Authorization header signed with SigV4 (AWS's 443)
};

/// The verified client certificate of a mutual-TLS connection.
struct PeerCertificate {
  std::string common_name;  ///< subject CN; empty when it has none
  std::string sha256;       ///< lowercase hex, no colons
};

/// One HTTP request as received.
struct RestRequest {
  ListenerAuth auth = ListenerAuth::kMutualTls;
  std::string method;              ///< "GET", ...
  std::string path;                ///< as on the wire, without the query (still encoded)
  std::string query;               ///< raw, without '?'; "" when none
  std::vector<HttpField> headers;  ///< all of them, Host included, in wire order
  std::string body;
  PeerCertificate peer;  ///< set on kMutualTls listeners
};

/// One HTTP response.
struct RestResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<HttpField> headers;  ///< extra headers, e.g. x-amzn-ErrorType
  /// Who asked, for the request log line only ("cert CN lamp", "key AKID...",
  /// "-" when unauthenticated). Never a secret.
  std::string principal = "-";
  /// Why a request was refused, for the log line only (e.g. a policy
  /// decision); not sent.
  std::string log_note;
};

/// Delivers the response of one request; call it exactly once, from any
/// thread.
using Responder = std::function<void(RestResponse response)>;

/// Handles one request; must not block (answer later through the
/// Responder).
using RestHandler = std::function<void(RestRequest request, Responder respond)>;

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_REST_TYPES_H_
