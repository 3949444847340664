// SPDX-License-Identifier: Apache-2.0
#include "console_access.h"

#include <cctype>

namespace shadowsync::console {
namespace {

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::string Header(const AccessRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

std::string CookieValue(const std::string& cookies, const std::string& name) {
  std::size_t pos = 0;
  while (pos < cookies.size()) {
    std::size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string pair = cookies.substr(pos, end - pos);
    const auto first = pair.find_first_not_of(' ');
    if (first != std::string::npos) pair = pair.substr(first);
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    pos = end + 1;
  }
  return "";
}

// The host part of a Host header value: "[::1]:8080" -> "::1", "a:1" -> "a".
std::string HostName(const std::string& host) {
  if (!host.empty() && host[0] == '[') {
    const auto close = host.find(']');
    return close == std::string::npos ? host : host.substr(1, close - 1);
  }
  return host.substr(0, host.find(':'));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool IsLoopbackAddress(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

std::string QueryParameter(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(pos, end - pos);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      const std::string raw = eq == std::string::npos ? "" : pair.substr(eq + 1);
      std::string out;
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '+') {
          out += ' ';
        } else if (raw[i] == '%' && i + 2 < raw.size() && HexValue(raw[i + 1]) >= 0 &&
                   HexValue(raw[i + 2]) >= 0) {
          out += static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
          i += 2;
        } else {
          out += raw[i];
        }
      }
      return out;
    }
    pos = end + 1;
  }
  return "";
}

bool QueryHasToken(const AccessPolicy& policy, const std::string& query) {
  return !policy.token.empty() && ConstantTimeEquals(QueryParameter(query, "token"), policy.token);
}

std::optional<AccessRefusal> CheckAccess(const AccessPolicy& policy, const AccessRequest& request) {
  const std::string host = Header(request, "host");
  if (!policy.token.empty()) {
    const std::string authorization = Header(request, "authorization");
    const bool bearer = authorization.rfind("Bearer ", 0) == 0 &&
                        ConstantTimeEquals(authorization.substr(7), policy.token);
    const bool cookie =
        ConstantTimeEquals(CookieValue(Header(request, "cookie"), kTokenCookie), policy.token);
    const bool query = request.method == "GET" && QueryHasToken(policy, request.query);
    if (!bearer && !cookie && !query) {
      return AccessRefusal{401,
                           "the console requires its token (--console-token): open "
                           "/?token=<token> or send Authorization: Bearer <token>"};
    }
  } else if (!IsLoopbackAddress(HostName(host))) {
    return AccessRefusal{403, "Host \"" + host +
                                  "\" is not loopback; a console without --console-token "
                                  "answers only http://127.0.0.1 or http://localhost"};
  }
  const std::string origin = Header(request, "origin");
  const bool same_origin = origin.empty() || origin == "http://" + host;
  if (request.websocket) {
    if (!same_origin) {
      return AccessRefusal{403, "WebSocket from another origin (" + origin + ") refused"};
    }
    return std::nullopt;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    if (Header(request, kCsrfHeader) != "1") {
      return AccessRefusal{403, std::string("a change needs the header ") + kCsrfHeader +
                                    ": 1 (cross-site requests are refused)"};
    }
    if (!same_origin) {
      return AccessRefusal{403, "a change from another origin (" + origin + ") refused"};
    }
  }
  return std::nullopt;
}

}  // namespace shadowsync::console
