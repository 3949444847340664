// SPDX-License-Identifier: Apache-2.0
//
// MQTT over WebSocket (private to the Paho adapter): the URI Paho gets at
// each connect, presigned with SigV4 when credentials are configured, and the
// HTTP proxy it tunnels through.
//
// Presigning (platform notes §3): GET <path>, the signed header `host` with
// the value Paho sends, which is always `host:port` (so `host:443` for AWS
// IoT), the service normally `iotdevicegateway`, and for that service a
// session token appended after X-Amz-Signature, outside the signature. A
// fresh URL is made at every (re)connect: a presigned URL is good for
// X-Amz-Expires only and temporary credentials rotate.
//
// Proxy: MqttOptions::proxy when set; else, when proxy_from_environment,
// `https_proxy` (wss://) or `http_proxy` (ws://), lower case first then
// upper case, unless `no_proxy` / `NO_PROXY` names the host. The proxy is
// spoken to in plain HTTP (CONNECT host:port), as Paho C 1.3 does. Paho C
// 1.3.11 itself reads `http_proxy` / `https_proxy` (lower case only, any
// scheme, no no_proxy) when it is given no proxy, so MakePahoTransport
// refuses a direct ws/wss connection while that variable is set.
//
// Thread safety: plain functions on values.

#ifndef SHADOWSYNC_MQTT_WEBSOCKET_CONNECT_H_
#define SHADOWSYNC_MQTT_WEBSOCKET_CONNECT_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mqtt/broker_uri.h"
#include "shadowsync/aws_credentials.h"
#include "shadowsync/status.h"

namespace shadowsync {
namespace mqtt_internal {

/// The Paho URI for `uri` (ws:// or wss://) presigned with `credentials` for
/// `region` and `service` at `now`: "wss://host:port/mqtt?X-Amz-...".
/// kInvalidArgument as PresignSigV4 (empty region, credentials...).
Result<std::string> PresignedWebSocketUri(const BrokerUri& uri, const AwsCredentials& credentials,
                                          const std::string& region, const std::string& service,
                                          std::chrono::system_clock::time_point now);

/// Checks a proxy URL: "http://[user:password@]host:port" (the scheme may
/// be left out; the port defaults to 80). Returns it normalised with the
/// scheme; kInvalidArgument says what is wrong (never echoing a password).
Result<std::string> NormalizeProxyUrl(std::string_view proxy);

/// A normalised proxy URL as Paho C 1.3.11 takes it: without the scheme,
/// "[user:password@]host:port".
std::string PahoProxyString(const std::string& normalized_proxy);

/// Whether `no_proxy` (comma-separated; "*", a host, ".domain" or "domain"
/// for the domain and its subdomains, an IP literal; each optionally with
/// ":port") exempts `uri`'s host and port.
bool NoProxyMatches(std::string_view no_proxy, const BrokerUri& uri);

/// The proxy to use for `uri`, normalised, or "" for a direct connection.
/// `explicit_proxy` wins when not empty; else the environment as above when
/// `from_environment`. `get_env` returns std::nullopt for an unset
/// variable. kInvalidArgument for a malformed proxy URL, naming where it
/// came from ("proxy: ..." or "https_proxy: ...").
Result<std::string> ResolveWebSocketProxy(
    const BrokerUri& uri, const std::string& explicit_proxy, bool from_environment,
    const std::function<std::optional<std::string>(const std::string&)>& get_env);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_WEBSOCKET_CONNECT_H_
