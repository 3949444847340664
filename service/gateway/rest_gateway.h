// SPDX-License-Identifier: Apache-2.0
//
// The REST handlers: a request is authenticated and routed
// (rest_auth.h, rest_routes.h), authorized, and then carried out on the
// same service path as every MQTT client's request: the shadow operations
// are published as MQTT requests with a clientToken of the gateway and
// answered from the service's /accepted or /rejected message
// (shadow_requester.h); Publish is an MQTT publish.
//
//   accepted           -> 200, the answer's document
//   rejected {code,..} -> that code as the HTTP status, the answer's body,
//                         x-amzn-ErrorType for the code
//   no answer in time  -> 504 GatewayTimeoutException
//   broker unreachable -> 503 ServiceUnavailableException
//
// The caller's clientToken is kept: the gateway replaces it with its own for
// the MQTT round trip and puts the caller's back into the answer (or leaves
// the token out when the caller sent none), after the checks the service
// makes before it reads the token (UTF-8, JSON object, a valid token; spec
// E3), so those errors are the service's own.
//
// Thread safety: safe for concurrent use; Handle() does not block.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_REST_GATEWAY_H_
#define SHADOWSYNC_SERVICE_GATEWAY_REST_GATEWAY_H_

#include "rest_auth.h"
#include "rest_routes.h"
#include "rest_types.h"
#include "shadow_requester.h"
#include "shadowsync/transport.h"

namespace shadowsync::gateway {

/// The RestHandler of the gateway.
///
/// Thread safety: safe for concurrent use.
class RestGateway {
 public:
  /// Borrows all three; they must outlive every call of Handle() and every
  /// Responder it hands on.
  RestGateway(const RestAuth& auth, ShadowRequester& requester, Transport& transport);

  /// Answers `request` through `respond`, at once or when the service has
  /// answered.
  void Handle(RestRequest request, Responder respond);

 private:
  void HandleShadow(const RestRoute& route, const RestRequest& request,
                    const std::string& principal, Responder respond);
  void HandleList(const RestRoute& route, const RestRequest& request, const std::string& principal,
                  Responder respond);
  void HandlePublish(const RestRoute& route, const RestRequest& request,
                     const std::string& principal, Responder respond);

  const RestAuth& auth_;
  ShadowRequester& requester_;
  Transport& transport_;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_REST_GATEWAY_H_
