// SPDX-License-Identifier: Apache-2.0
//
// Who may use the console, decided per request before any handler runs:
//
// - A token (`--console-token`), when set, is required on every request:
//   `Authorization: Bearer <token>`, or the cookie `shadowsync_console`
//   (SameSite=Strict, HttpOnly), which the server sets when a page is opened
//   as `/?token=<token>`. Compared in constant time. A bind to anything but
//   loopback requires a token (Console::Start refuses otherwise).
// - Without a token the console is loopback only, and the Host header must
//   name loopback (localhost, 127.0.0.1, [::1]): a page of another site that
//   resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
// - Cross-site requests: a request that changes something (any method but
//   GET and HEAD) must carry `X-Shadowsync-Console: 1`, which a cross-site
//   form cannot send and a cross-site script can only send after a CORS
//   preflight that the console never grants; and its Origin, when present,
//   must be this console. A WebSocket upgrade must come from this console's
//   Origin too (browsers do not apply CORS to WebSockets).
//
// Thread safety: pure functions.
#ifndef SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_ACCESS_H_
#define SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_ACCESS_H_

#include <map>
#include <optional>
#include <string>

namespace shadowsync::console {

/// The header that marks a same-origin request of the console's page.
inline constexpr char kCsrfHeader[] = "x-shadowsync-console";
/// The cookie that carries the token.
inline constexpr char kTokenCookie[] = "shadowsync_console";

struct AccessPolicy {
  std::string token;  ///< "" : none required (loopback only)
};

/// What the access check sees of a request; header names lowercase.
struct AccessRequest {
  std::string method;
  std::string query;  ///< raw, without '?'
  std::map<std::string, std::string> headers;
  bool websocket = false;
};

/// A refusal: the HTTP status (401, 403) and why, for the body and the log.
struct AccessRefusal {
  int status = 403;
  std::string message;
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& address);

/// nullopt when the request may proceed.
std::optional<AccessRefusal> CheckAccess(const AccessPolicy& policy, const AccessRequest& request);

/// The value of `name` in a raw query string ("" when absent), percent-decoded.
std::string QueryParameter(const std::string& query, const std::string& name);

/// True when the query's `token` equals the policy's token (the page's
/// entry URL); then the server answers with the cookie.
bool QueryHasToken(const AccessPolicy& policy, const std::string& query);

}  // namespace shadowsync::console

#endif  // SHADOWSYNC_SERVICE_CONSOLE_CONSOLE_ACCESS_H_
