// SPDX-License-Identifier: Apache-2.0
//
// Who sent a REST request, and may they do it.
//
// Authentication: on a mutual-TLS listener, TLS has verified the client
// certificate already; its CN and SHA-256 fingerprint are the principal. On
// a SigV4 listener, the Authorization header is verified (VerifySigV4, the
// Host header as received) against the access keys file; a failure is 403
// with AWS's error type and a reason.
//
// Authorization: with a registry, a certificate is authorized by the same
// evaluator the broker plugin uses (Registry::Authorize on the route's
// action and resource); denied is 403 "Forbidden", with the policy's reason
// in the log only. A SigV4 request is authorized by the policies of the
// registry's IAM user that holds its access key (Registry::Authorize with
// Principal::access_key_id) when the registry lists IAM users, else allowed once
// the signature verifies. Without a registry, every verified client is
// allowed.
//
// Thread safety: immutable after construction; const methods may run
// concurrently.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_REST_AUTH_H_
#define SHADOWSYNC_SERVICE_GATEWAY_REST_AUTH_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "access_keys.h"
#include "rest_types.h"
#include "shadowsync/policy.h"
#include "shadowsync/registry.h"
#include "shadowsync/sigv4_verifier.h"

namespace shadowsync::gateway {

/// The authenticated sender of a request.
struct RestCaller {
  ListenerAuth auth = ListenerAuth::kMutualTls;
  Principal principal;        ///< kMutualTls: the certificate
  std::string access_key_id;  ///< kSigV4
  /// For the log: "cert CN=lamp" or "key AKID...". Never a secret.
  std::string label;
};

/// Authenticates and authorizes REST requests.
///
/// Thread safety: immutable after construction; const methods may run
/// concurrently.
class RestAuth {
 public:
  struct Options {
    std::shared_ptr<const Registry> registry;       ///< null: allow every verified client
    std::shared_ptr<const AccessKeys> access_keys;  ///< null: SigV4 requests all fail
    SigV4VerifierOptions sigv4;
    std::function<std::chrono::system_clock::time_point()> now = [] {
      return std::chrono::system_clock::now();
    };
  };

  explicit RestAuth(Options options);

  /// The caller, or the 403 error response.
  std::optional<RestCaller> Authenticate(const RestRequest& request, RestResponse* error) const;
  /// std::nullopt when `caller` may do `action` on `resource`, else the 403
  /// error response (with the reason as its log note).
  std::optional<RestResponse> Authorize(const RestCaller& caller, std::string_view action,
                                        std::string_view resource) const;

 private:
  Options options_;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_REST_AUTH_H_
