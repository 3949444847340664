// SPDX-License-Identifier: Apache-2.0
//
// Verifies an incoming SigV4-signed request, as AWS IoT's endpoints do: an
// `Authorization` header (HTTPS REST) or a presigned query (MQTT over
// WebSocket). For the local gateway. The canonical form is the signer's
// (shadowsync/sigv4.h), and the host is the Host header as received, so a
// client that signed `host:443` (Paho) verifies.
//
// A presigned request for service iotdevicegateway carries its
// X-Amz-Security-Token outside the signature (platform notes §3); for any
// other service the token is signed.
//
// Thread safety: free functions on values; safe for concurrent use if the
// lookup is.

#ifndef SHADOWSYNC_SIGV4_VERIFIER_H_
#define SHADOWSYNC_SIGV4_VERIFIER_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/sigv4.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// A request as received.
struct SigV4IncomingRequest {
  std::string method;
  std::string path;                ///< as on the wire, without the query
  std::string query;               ///< raw, without '?'; "" when none
  std::vector<HttpField> headers;  ///< all of them, Host included
  std::string payload_sha256;      ///< lowercase hex; empty means the empty body
};

/// The fields of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20150830/
/// us-east-1/iotdata/aws4_request, SignedHeaders=host;x-amz-date,
/// Signature=<hex>`.
struct SigV4Authorization {
  std::string access_key_id;
  std::string date;  ///< yyyymmdd of the scope
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  ///< lowercase, as listed
  std::string signature;                    ///< lowercase hex
};

/// Parses an Authorization header value. kInvalidArgument names what is
/// missing or malformed (never a whole header value).
Result<SigV4Authorization> ParseSigV4Authorization(std::string_view header_value);

/// Why a request was refused; the gateway maps each to AWS's error.
enum class SigV4Rejection {
  kNone,                   ///< accepted
  kMissingAuthentication,  ///< neither an Authorization header nor X-Amz-Signature
  kMalformed,              ///< an incomplete or unparsable signature, date or scope
  kUnknownAccessKey,       ///< the access key id is not known
  kWrongScope,             ///< wrong region, service, date or terminator
  kClockSkew,              ///< X-Amz-Date too far from now
  kExpired,                ///< a presigned URL past X-Amz-Expires
  kBadSessionToken,        ///< the credentials need a token that is absent or different
  kSignatureMismatch,      ///< the signature does not match
};

/// "SignatureMismatch" and so on.
const char* SigV4RejectionName(SigV4Rejection rejection);

/// The outcome: who signed, or why not.
struct SigV4Verdict {
  SigV4Rejection rejection = SigV4Rejection::kNone;
  /// Empty when accepted. For a mismatch, includes the canonical request and
  /// string to sign the server computed (no secrets), as AWS does.
  std::string reason;
  std::string access_key_id;  ///< when it could be read
  std::string service;
  bool presigned = false;

  bool ok() const { return rejection == SigV4Rejection::kNone; }
};

/// Finds the credentials of an access key id; std::nullopt when unknown.
/// A non-empty session_token in the result must match the request's.
using SigV4CredentialLookup =
    std::function<std::optional<AwsCredentials>(std::string_view access_key_id)>;

struct SigV4VerifierOptions {
  std::string region;  ///< the scope's region must equal it
  std::vector<std::string> services = {"iotdata", "iotdevicegateway"};
  std::chrono::seconds max_clock_skew{300};
};

/// Verifies `request` at time `now`.
SigV4Verdict VerifySigV4(const SigV4IncomingRequest& request, const SigV4CredentialLookup& lookup,
                         const SigV4VerifierOptions& options,
                         std::chrono::system_clock::time_point now);

}  // namespace shadowsync

#endif  // SHADOWSYNC_SIGV4_VERIFIER_H_
