// SPDX-License-Identifier: Apache-2.0
//
// The Device Shadow REST API's routes (platform notes §2): method and path
// to an operation, with its thing, shadow or topic decoded and checked, and
// the IoT policy action and resource that authorize it. Pure; no I/O.
//
//   GET    /things/{thing}/shadow[?name=S]          GetThingShadow
//   POST   /things/{thing}/shadow[?name=S]          UpdateThingShadow
//   DELETE /things/{thing}/shadow[?name=S]          DeleteThingShadow
//   GET    /api/things/shadow/ListNamedShadowsForThing/{thing}
//                                                   ListNamedShadowsForThing
//   POST   /topics/{topic}[?qos=0|1]                Publish
//
// Thread safety: free functions on values; safe for concurrent use.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_REST_ROUTES_H_
#define SHADOWSYNC_SERVICE_GATEWAY_REST_ROUTES_H_

#include <optional>
#include <string>
#include <string_view>

#include "rest_types.h"
#include "shadowsync/topic.h"

namespace shadowsync::gateway {

enum class RestOperation {
  kGetThingShadow,
  kUpdateThingShadow,
  kDeleteThingShadow,
  kListNamedShadowsForThing,
  kPublish,
};

/// "GetThingShadow", ...
const char* RestOperationName(RestOperation operation);

/// A request that matched a route.
struct RestRoute {
  RestOperation operation = RestOperation::kGetThingShadow;
  ShadowId shadow;                        ///< the shadow operations and List (thing only)
  std::string topic;                      ///< Publish: decoded
  int qos = 0;                            ///< Publish
  std::optional<int> page_size;           ///< List: pageSize (1 to 100)
  std::optional<std::string> next_token;  ///< List: nextToken
  std::string action;                     ///< "iot:GetThingShadow", ...
  std::string resource;                   ///< "thing/lamp", "thing/lamp/config", "topic/a/b"
};

/// The route, or the error response: 404 for an unknown path, 405 for a
/// known path with another method, 400 for a bad name, qos or encoding.
struct RouteResult {
  std::optional<RestRoute> route;
  RestResponse error;
};

RouteResult MatchRoute(std::string_view method, std::string_view path, std::string_view query);

/// Percent-decodes `text`; std::nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_REST_ROUTES_H_
