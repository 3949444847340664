// SPDX-License-Identifier: Apache-2.0

#include "mqtt/broker_uri.h"

#include <arpa/inet.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace shadowsync {
namespace mqtt_internal {
namespace {

constexpr std::size_t kMaxEcho = 120;

// The URI as it appears in a message: quoted, cut when absurdly long.
std::string Echo(std::string_view uri) {
  std::string out = "\"";
  for (char c : uri.substr(0, kMaxEcho)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (uri.size() > kMaxEcho) out += "...";
  out += '"';
  return out;
}

Status UriError(std::string_view uri, const std::string& what) {
  return InvalidArgumentError("server_uri: " + Echo(uri) + ": " + what);
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// RFC 3986 pchar (unreserved, sub-delims, ':', '@', '%') and '/'.
bool IsPathChar(char c) {
  return IsHostNameChar(c) || c == '~' || c == '/' || c == ':' || c == '@' || c == '%' ||
         c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
         c == '+' || c == ',' || c == ';' || c == '=';
}

constexpr std::size_t kMaxPath = 256;

bool IsIpv4(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

}  // namespace

std::string BrokerUri::Endpoint() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<BrokerUri> ParseBrokerUri(std::string_view uri) {
  if (uri.empty()) {
    return UriError(uri, "empty; expected tcp://host:port, ssl://host:port or wss://host/mqtt");
  }
  const std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return UriError(uri, "no scheme; expected tcp://host:port or ssl://host:port");
  }
  std::string scheme(uri.substr(0, sep));
  for (char& c : scheme) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  BrokerUri out;
  if (scheme == "tcp" || scheme == "mqtt") {
    out.tls = false;
  } else if (scheme == "ssl" || scheme == "mqtts") {
    out.tls = true;
  } else if (scheme == "wss" || scheme == "ws") {
    out.tls = scheme == "wss";
    out.websocket = true;
  } else {
    return UriError(uri, "unsupported scheme \"" + scheme +
                             "://\"; use tcp:// (or mqtt://), ssl:// (or mqtts://), or wss:// "
                             "(or ws://) for MQTT over WebSocket");
  }

  std::string_view rest = uri.substr(sep + 3);
  if (out.websocket) {
    // The path goes to the WebSocket request; the rest is host[:port].
    const std::size_t slash = rest.find('/');
    const std::string_view path =
        slash == std::string_view::npos ? std::string_view("/mqtt") : rest.substr(slash);
    if (slash != std::string_view::npos) rest = rest.substr(0, slash);
    if (path.size() > kMaxPath) return UriError(uri, "path longer than 256 characters");
    for (char c : path) {
      if (c == '?' || c == '#') {
        return UriError(uri,
                        "a query or fragment is not allowed (the SigV4 query is added at "
                        "every connect)");
      }
      if (!IsPathChar(c)) return UriError(uri, "invalid character in the path");
    }
    out.path = std::string(path);
  }

  std::string_view port_text;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return UriError(uri, "missing ']' after the IPv6 address");
    out.host = std::string(rest.substr(1, close - 1));
    if (!IsIpv6(out.host)) return UriError(uri, "\"" + out.host + "\" is not an IPv6 address");
    out.host_is_ip = true;
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return UriError(uri, "unexpected \"" + std::string(rest) + "\" after the host");
      }
      has_port = true;
      port_text = rest.substr(1);
    }
  } else {
    const std::size_t end = rest.find_first_of(":/?#@");
    out.host = std::string(rest.substr(0, end));
    if (end != std::string_view::npos) {
      if (rest[end] != ':') {
        return UriError(uri, "unexpected \"" + std::string(rest.substr(end)) +
                                 "\"; expected host:port and nothing after it");
      }
      has_port = true;
      port_text = rest.substr(end + 1);
    }
    if (out.host.empty()) return UriError(uri, "no host");
    for (char c : out.host) {
      if (!IsHostNameChar(c)) return UriError(uri, "invalid character in host name");
    }
    out.host_is_ip = IsIpv4(out.host);
  }
  if (out.host.empty()) return UriError(uri, "no host");

  if (!has_port) {
    out.port = out.websocket ? (out.tls ? 443 : 80) : (out.tls ? 8883 : 1883);
  } else {
    if (port_text.empty()) return UriError(uri, "empty port; expected 1-65535");
    long port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') {
        return UriError(uri, "port \"" + std::string(port_text.substr(0, 16)) +
                                 "\" is not a number 1-65535 (nothing may follow the port)");
      }
      port = port * 10 + (c - '0');
      if (port > 65535) break;
    }
    if (port < 1 || port > 65535) return UriError(uri, "port out of range; expected 1-65535");
    out.port = static_cast<int>(port);
  }
  if (out.websocket) {
    out.paho_uri = std::string(out.tls ? "wss://" : "ws://") + out.Endpoint() + out.path;
  } else {
    out.paho_uri = std::string(out.tls ? "ssl://" : "tcp://") + out.Endpoint();
  }
  return out;
}

}  // namespace mqtt_internal
}  // namespace shadowsync
