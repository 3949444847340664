// SPDX-License-Identifier: Apache-2.0

#include "mqtt/websocket_connect.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/sigv4.h"

namespace shadowsync {
namespace mqtt_internal {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Whether host (lower case, no brackets) matches one no_proxy entry's host.
bool HostMatches(std::string_view entry, const std::string& host) {
  if (entry.empty()) return false;
  if (entry == "*") return true;
  if (entry.front() == '.') entry.remove_prefix(1);  // ".example.com": the domain too
  if (entry.front() == '*' && entry.size() > 1 && entry[1] == '.') entry.remove_prefix(2);
  if (host == entry) return true;
  return host.size() > entry.size() &&
         host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
         host[host.size() - entry.size() - 1] == '.';
}

}  // namespace

Result<std::string> PresignedWebSocketUri(const BrokerUri& uri, const AwsCredentials& credentials,
                                          const std::string& region, const std::string& service,
                                          std::chrono::system_clock::time_point now) {
  SigV4Request request;
  request.method = "GET";
  // Paho C 1.3.11 sends "Host: host:port", always with the port.
  request.host = uri.Endpoint();
  request.path = uri.path;
  SigV4Scope scope;
  scope.region = region;
  scope.service = service;
  scope.time = now;
  Result<SigV4Presigned> presigned = PresignSigV4(request, credentials, scope);
  if (!presigned.ok()) return presigned.status();
  return uri.paho_uri + "?" + presigned->query;
}

Result<std::string> NormalizeProxyUrl(std::string_view proxy) {
  std::string_view rest = Trim(proxy);
  if (rest.empty()) return InvalidArgumentError("empty proxy URL");
  if (const std::size_t sep = rest.find("://"); sep != std::string_view::npos) {
    const std::string scheme = Lower(rest.substr(0, sep));
    if (scheme != "http") {
      return InvalidArgumentError(
          "unsupported proxy scheme \"" + scheme +
          "://\"; an HTTP proxy (http://host:port) that tunnels with CONNECT is supported");
    }
    rest.remove_prefix(sep + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string userinfo;
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    userinfo = std::string(rest.substr(0, at + 1));
    rest.remove_prefix(at + 1);
  }
  if (rest.find('/') != std::string_view::npos || rest.find('?') != std::string_view::npos) {
    return InvalidArgumentError("a proxy URL has no path: expected http://host:port");
  }
  std::string_view host = rest;
  std::string port = "80";
  const std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    host = rest.substr(0, colon);
    port = std::string(rest.substr(colon + 1));
    long value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) {
        value = -1;
        break;
      }
      value = value * 10 + (c - '0');
    }
    if (port.empty() || value < 1 || value > 65535) {
      return InvalidArgumentError("proxy port \"" + port.substr(0, 16) +
                                  "\" is not a number 1-65535");
    }
  }
  if (host.empty()) return InvalidArgumentError("no host in the proxy URL");
  return "http://" + userinfo + std::string(host) + ":" + port;
}

std::string PahoProxyString(const std::string& normalized_proxy) {
  const std::size_t sep = normalized_proxy.find("://");
  return sep == std::string::npos ? normalized_proxy : normalized_proxy.substr(sep + 3);
}

bool NoProxyMatches(std::string_view no_proxy, const BrokerUri& uri) {
  const std::string host = Lower(uri.host);
  while (!no_proxy.empty()) {
    const std::size_t comma = no_proxy.find(',');
    std::string entry = Lower(Trim(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    std::string port;
    if (!entry.empty() && entry.front() == '[') {  // [::1]:443
      const std::size_t close = entry.find(']');
      if (close == std::string::npos) continue;
      if (close + 1 < entry.size() && entry[close + 1] == ':') port = entry.substr(close + 2);
      entry = entry.substr(1, close - 1);
    } else if (const std::size_t colon = entry.rfind(':');
               colon != std::string::npos && entry.find(':') == colon) {
      port = entry.substr(colon + 1);
      entry.resize(colon);
    }
    if (!port.empty() && port != std::to_string(uri.port)) continue;
    if (HostMatches(entry, host)) return true;
  }
  return false;
}

Result<std::string> ResolveWebSocketProxy(
    const BrokerUri& uri, const std::string& explicit_proxy, bool from_environment,
    const std::function<std::optional<std::string>(const std::string&)>& get_env) {
  if (!explicit_proxy.empty()) {
    Result<std::string> normalized = NormalizeProxyUrl(explicit_proxy);
    if (!normalized.ok()) return InvalidArgumentError("proxy: " + normalized.status().message());
    return normalized;
  }
  if (!from_environment || !uri.websocket) return std::string();
  const std::vector<std::string> names =
      uri.tls ? std::vector<std::string>{"https_proxy", "HTTPS_PROXY"}
              : std::vector<std::string>{"http_proxy", "HTTP_PROXY"};
  for (const std::string& name : names) {
    const std::optional<std::string> value = get_env(name);
    if (!value || Trim(*value).empty()) continue;
    for (const char* no_proxy_name : {"no_proxy", "NO_PROXY"}) {
      const std::optional<std::string> no_proxy = get_env(no_proxy_name);
      if (no_proxy && !no_proxy->empty()) {
        if (NoProxyMatches(*no_proxy, uri)) return std::string();
        break;
      }
    }
    Result<std::string> normalized = NormalizeProxyUrl(*value);
    if (!normalized.ok()) return InvalidArgumentError(name + ": " + normalized.status().message());
    return normalized;
  }
  return std::string();
}

}  // namespace mqtt_internal
}  // namespace shadowsync
