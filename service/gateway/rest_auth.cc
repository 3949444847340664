// SPDX-License-Identifier: Apache-2.0
#include "rest_auth.h"

#include <utility>

#include "rest_errors.h"

namespace shadowsync::gateway {
namespace {

// AWS's error type and message for each SigV4 refusal (as its endpoints
// answer); `reason` says what exactly did not match.
RestResponse SigV4Error(const SigV4Verdict& verdict) {
  const char* type = "InvalidSignatureException";
  std::string message;
  switch (verdict.rejection) {
    case SigV4Rejection::kMissingAuthentication:
      type = "MissingAuthenticationTokenException";
      message = "Missing Authentication Token";
      break;
    case SigV4Rejection::kUnknownAccessKey:
      type = "UnrecognizedClientException";
      message = "The security token included in the request is invalid.";
      break;
    case SigV4Rejection::kSignatureMismatch:
      message =
          "The request signature we calculated does not match the signature you provided. "
          "Check your AWS Secret Access Key and signing method.";
      break;
    case SigV4Rejection::kClockSkew:
    case SigV4Rejection::kExpired:
      message = "Signature expired";
      break;
    default:
      message = std::string("Invalid signature (") + SigV4RejectionName(verdict.rejection) + ")";
      break;
  }
  if (!verdict.reason.empty()) message += " " + verdict.reason;
  RestResponse response = ErrorResponse(403, message, type);
  response.log_note = std::string("SigV4 ") + SigV4RejectionName(verdict.rejection);
  if (!verdict.access_key_id.empty()) response.principal = "key " + verdict.access_key_id;
  return response;
}

}  // namespace

RestAuth::RestAuth(Options options) : options_(std::move(options)) {}

std::optional<RestCaller> RestAuth::Authenticate(const RestRequest& request,
                                                 RestResponse* error) const {
  RestCaller caller;
  caller.auth = request.auth;
  if (request.auth == ListenerAuth::kMutualTls) {
    caller.principal.certificate_common_name = request.peer.common_name;
    caller.principal.certificate_sha256 = request.peer.sha256;
    caller.label = "cert CN=" +
                   (request.peer.common_name.empty() ? std::string("?") : request.peer.common_name);
    return caller;
  }

  SigV4IncomingRequest incoming;
  incoming.method = request.method;
  incoming.path = request.path;
  incoming.query = request.query;
  incoming.headers = request.headers;
  if (!request.body.empty()) incoming.payload_sha256 = Sha256Hex(request.body);
  const AccessKeys* keys = options_.access_keys.get();
  const SigV4CredentialLookup lookup =
      [keys](std::string_view access_key_id) -> std::optional<AwsCredentials> {
    if (keys == nullptr) return std::nullopt;
    return keys->Find(access_key_id);
  };
  const SigV4Verdict verdict = VerifySigV4(incoming, lookup, options_.sigv4, options_.now());
  if (!verdict.ok()) {
    *error = SigV4Error(verdict);
    return std::nullopt;
  }
  caller.access_key_id = verdict.access_key_id;
  caller.label = "key " + verdict.access_key_id;
  return caller;
}

std::optional<RestResponse> RestAuth::Authorize(const RestCaller& caller, std::string_view action,
                                                std::string_view resource) const {
  if (!options_.registry) return std::nullopt;
  // SigV4: the registry's IAM users decide when it lists any; without them
  // a verified key may do everything.
  Principal principal = caller.principal;
  if (caller.auth == ListenerAuth::kSigV4) {
    if (!options_.registry->has_iam_users()) return std::nullopt;
    principal.access_key_id = caller.access_key_id;
  }
  const AuthorizationDecision decision =
      options_.registry->Authorize(principal, action, resource);
  if (decision.allowed) return std::nullopt;
  RestResponse response = ErrorResponse(403, "Forbidden", "ForbiddenException");
  response.log_note = std::string(action) + " on " + std::string(resource) + ": " + decision.reason;
  return response;
}

}  // namespace shadowsync::gateway
