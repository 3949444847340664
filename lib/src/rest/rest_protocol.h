// SPDX-License-Identifier: Apache-2.0
//
// The pure parts of ShadowRestClient (rest_client.h), apart from libcurl so
// that they are unit-tested without a server: the endpoint, the paths and
// queries of the five operations, the Status of an error answer, which
// answers are retried, and the backoff.
//
// Thread safety: plain functions and values.

#ifndef SHADOWSYNC_REST_REST_PROTOCOL_H_
#define SHADOWSYNC_REST_REST_PROTOCOL_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/sigv4.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"

namespace shadowsync {
namespace rest_internal {

/// "https://host[:port]" taken apart.
struct RestEndpoint {
  std::string host;  ///< without IPv6 brackets
  int port = 443;
  /// The Host header the client sends (and signs): "host" on 443,
  /// "host:port" otherwise, as libcurl and botocore write it.
  std::string host_header;
  /// "https://host:port" (brackets for IPv6), no trailing slash.
  std::string base_url;
};

/// Parses `endpoint`; kInvalidArgument "endpoint: ..." for anything but
/// https://host[:port][/].
Result<RestEndpoint> ParseRestEndpoint(std::string_view endpoint);

/// One HTTP request of an operation, before authentication.
struct RestCall {
  std::string method;
  std::string path;              ///< percent-encoded, as on the wire
  std::vector<HttpField> query;  ///< decoded, in wire order
  std::string body;
  std::string content_type;  ///< empty: no body
};

/// The shadow operations; kInvalidArgument for a bad thing or shadow name.
Result<RestCall> ShadowCall(std::string_view method, const ShadowId& shadow);
Result<RestCall> ListNamedShadowsCall(std::string_view thing,
                                      const std::optional<std::string>& next_token,
                                      std::optional<int> page_size);
/// kInvalidArgument for an empty topic, a wildcard, or qos other than 0/1.
Result<RestCall> PublishCall(std::string_view topic, std::string_view payload, int qos);

/// The Status of an HTTP answer that is not 2xx, from its error body
/// ({"code":..,"message":..} or AWS's {"message":..}/{"Message":..}) and the
/// x-amzn-ErrorType header (may be empty; AWS appends ":<url>" sometimes,
/// dropped here): "<code>: <message> (<type>)". 409 kConflict, 404
/// kNotFound, 408/504 kTimeout, others kRejected.
Status HttpErrorStatus(long http_status, std::string_view body, std::string_view error_type);

/// 429 and 5xx are retried (ThrottlingException, InternalFailure,
/// ServiceUnavailable, gateway timeouts).
bool IsRetryableHttpStatus(long http_status);

/// The longest wait before retry `retry` (1, 2, ...):
/// min(max, initial * 2^(retry-1)). The client waits a random time up to it.
std::chrono::milliseconds BackoffCeiling(int retry, std::chrono::milliseconds initial,
                                         std::chrono::milliseconds max);

}  // namespace rest_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_REST_REST_PROTOCOL_H_
