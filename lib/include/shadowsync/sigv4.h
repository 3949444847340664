// SPDX-License-Identifier: Apache-2.0
//
// AWS Signature Version 4: sign a request with an `Authorization` header,
// or presign a URL (the query-string form, as for MQTT over WebSocket).
// The same canonical form as botocore for non-S3 services (iotdata,
// iotdevicegateway), which tests/aws/ checks byte for byte on random
// requests:
//   - the canonical URI is the path as sent on the wire, with dot segments
//     and empty segments removed, percent-encoded once more (so an encoded
//     `%20` is signed as `%2520`: AWS's "encode twice" for non-S3 services);
//   - query parameters are encoded with RFC 3986's unreserved set only and
//     sorted by encoded name, then encoded value;
//   - header names are lowercased, values trimmed with inner runs of
//     whitespace folded to one space, repeated headers joined with ",";
//     `user-agent`, `expect` and `x-amzn-trace-id` are never signed.
//
// Everything here is pure: the time is an argument. HMAC-SHA256 and SHA-256
// come from OpenSSL, which stays out of this header.
//
// Thread safety: free functions on values; safe for concurrent use.

#ifndef SHADOWSYNC_SIGV4_H_
#define SHADOWSYNC_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// One HTTP header or query parameter: name and value.
struct HttpField {
  std::string name;
  std::string value;
};

/// A request before signing.
struct SigV4Request {
  std::string method = "GET";
  /// The Host header exactly as the client sends it, port included when it
  /// sends one (Paho always sends `host:port`, see platform notes §3).
  std::string host;
  /// The path as on the wire, already percent-encoded by the caller, e.g.
  /// "/things/lamp/shadow" or "/topics/a%2Fb". Empty means "/".
  std::string path = "/";
  /// Query parameters, NOT encoded, in the order they go on the wire.
  std::vector<HttpField> query;
  /// Further headers to sign (Content-Type, ...). Not Host, X-Amz-Date,
  /// X-Amz-Security-Token or Authorization: the signer sets those.
  std::vector<HttpField> headers;
  /// Lowercase hex SHA-256 of the body; empty means the empty body.
  std::string payload_sha256;
};

/// Where the credential scope points and when the signature is made.
struct SigV4Scope {
  std::string region;   ///< "us-east-1"
  std::string service;  ///< "iotdata" (REST), "iotdevicegateway" (WebSocket)
  std::chrono::system_clock::time_point time;
};

/// The intermediate strings, for tests and for error messages that help a
/// user compare with what AWS expected. They hold no secret.
struct SigV4Canonical {
  std::string canonical_request;
  std::string signed_headers;    ///< "host;x-amz-date"
  std::string credential_scope;  ///< "20150830/us-east-1/iotdata/aws4_request"
  std::string string_to_sign;
};

/// The result of SignSigV4Headers.
struct SigV4HeaderSignature {
  /// To add to the request as they are: X-Amz-Date, X-Amz-Security-Token
  /// (with temporary credentials) and Authorization, in that order.
  std::vector<HttpField> headers;
  SigV4Canonical canonical;
};

/// Where a presigned URL carries the session token.
enum class SigV4TokenPlacement {
  /// Signed for every service except iotdevicegateway.
  kByService,
  /// Part of the canonical query, as SigV4 and botocore do.
  kSigned,
  /// Appended after X-Amz-Signature and not signed: AWS IoT's WebSocket
  /// endpoint rejects a signed token (platform notes §3).
  kAppendedAfterSigning,
};

struct SigV4PresignOptions {
  std::chrono::seconds expires{3600};  ///< X-Amz-Expires, 1 s to 7 days
  SigV4TokenPlacement token_placement = SigV4TokenPlacement::kByService;
};

/// The result of PresignSigV4.
struct SigV4Presigned {
  /// The whole query, without "?": the request's parameters, then
  /// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
  /// X-Amz-SignedHeaders, [X-Amz-Security-Token,] X-Amz-Signature
  /// [, X-Amz-Security-Token when appended after signing].
  std::string query;
  SigV4Canonical canonical;
};

/// Signs with an Authorization header. kInvalidArgument when the request
/// sets a header the signer owns or a header whose name is not an HTTP
/// token (RFC 9110: empty, or with ':', ';', a blank...), misses the host,
/// or the credentials or scope have empty parts.
Result<SigV4HeaderSignature> SignSigV4Headers(const SigV4Request& request,
                                              const AwsCredentials& credentials,
                                              const SigV4Scope& scope);

/// Presigns: the URL is `https://<host><path>?<query>`. Errors as
/// SignSigV4Headers, plus an out-of-range expiry.
Result<SigV4Presigned> PresignSigV4(const SigV4Request& request, const AwsCredentials& credentials,
                                    const SigV4Scope& scope,
                                    const SigV4PresignOptions& options = {});

// ---- The building blocks, shared with the verifier (sigv4_verifier.h). ----

/// SigV4's UriEncode(): every byte but A-Z a-z 0-9 - . _ ~ (and '/' when
/// `keep_slash`) becomes %XX with uppercase hex.
std::string SigV4UriEncode(std::string_view bytes, bool keep_slash = false);

/// The canonical URI of a wire path (see the top of this file).
std::string SigV4CanonicalUri(std::string_view wire_path);

/// Encoded "name=value" pairs sorted by name, then value, joined with "&".
std::string SigV4CanonicalQuery(const std::vector<HttpField>& decoded_params);

/// Encoded "name=value" pairs in the given order, joined with "&": the
/// query as it goes on the wire.
std::string SigV4EncodeQuery(const std::vector<HttpField>& decoded_params);

/// "20150830T123600Z" (UTC).
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

/// Parses "20150830T123600Z"; kInvalidArgument otherwise.
Result<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text);

/// Lowercase hex SHA-256.
std::string Sha256Hex(std::string_view bytes);

/// Lowercase hex of the signature of `string_to_sign` with the key derived
/// from the secret, the date (yyyymmdd), region and service.
std::string SigV4Signature(std::string_view secret_access_key, std::string_view yyyymmdd,
                           std::string_view region, std::string_view service,
                           std::string_view string_to_sign);

}  // namespace shadowsync

#endif  // SHADOWSYNC_SIGV4_H_
