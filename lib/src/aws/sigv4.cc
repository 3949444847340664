// SPDX-License-Identifier: Apache-2.0
//
// The SigV4 signer: Authorization header and presigned query.

#include "shadowsync/sigv4.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4_canonical.h"

namespace shadowsync {
namespace {

constexpr std::chrono::seconds kMaxPresignExpiry{7 * 24 * 3600};

// An HTTP field name is a token (RFC 9110 section 5.1): one or more of
// ALPHA DIGIT ! # $ % & ' * + - . ^ _ ` | ~. Anything else (empty, ':',
// ';', a blank, a control character) cannot go on the wire as written, and
// ';' or ':' would break the canonical request's SignedHeaders and header
// lines: the signature would match nothing a verifier can rebuild.
bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Status CheckInputs(const SigV4Request& request, const AwsCredentials& credentials,
                   const SigV4Scope& scope) {
  if (request.host.empty()) return InvalidArgumentError("SigV4: the request has no host");
  if (request.method.empty()) return InvalidArgumentError("SigV4: the request has no method");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return InvalidArgumentError("SigV4: the credentials have no access key id or secret key");
  }
  if (scope.region.empty() || scope.service.empty()) {
    return InvalidArgumentError("SigV4: the region and the service must be set");
  }
  for (const HttpField& h : request.headers) {
    if (!IsHeaderName(h.name)) {
      return InvalidArgumentError(
          "SigV4: a header name must be an HTTP token (letters, digits, "
          "!#$%&'*+-.^_`|~), not \"" +
          aws::LowerAscii(h.name.substr(0, 64)) + "\"");
    }
    const std::string name = aws::LowerAscii(h.name);
    if (name == "host" || name == "x-amz-date" || name == "x-amz-security-token" ||
        name == "authorization") {
      return InvalidArgumentError("SigV4: header " + h.name +
                                  " is set by the signer; remove it from the request");
    }
  }
  return Status::Ok();
}

// The request's own headers that get signed, plus Host.
std::vector<HttpField> HeadersToSign(const SigV4Request& request) {
  std::vector<HttpField> headers;
  headers.push_back({"host", request.host});
  for (const HttpField& h : request.headers) {
    if (!aws::IsUnsignedHeader(aws::LowerAscii(h.name))) headers.push_back(h);
  }
  return headers;
}

bool TokenAppendedAfterSigning(SigV4TokenPlacement placement, const std::string& service) {
  switch (placement) {
    case SigV4TokenPlacement::kSigned:
      return false;
    case SigV4TokenPlacement::kAppendedAfterSigning:
      return true;
    case SigV4TokenPlacement::kByService:
      break;
  }
  return service == "iotdevicegateway";
}

}  // namespace

Result<SigV4HeaderSignature> SignSigV4Headers(const SigV4Request& request,
                                              const AwsCredentials& credentials,
                                              const SigV4Scope& scope) {
  if (Status s = CheckInputs(request, credentials, scope); !s.ok()) return s;
  const std::string amz_date = FormatAmzDate(scope.time);

  SigV4HeaderSignature out;
  out.headers.push_back({"X-Amz-Date", amz_date});
  if (!credentials.session_token.empty()) {
    out.headers.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  std::vector<HttpField> to_sign = HeadersToSign(request);
  to_sign.insert(to_sign.end(), out.headers.begin(), out.headers.end());

  out.canonical =
      aws::MakeCanonical(request.method, SigV4CanonicalUri(request.path),
                         SigV4CanonicalQuery(request.query), aws::CanonicalizeHeaders(to_sign),
                         request.payload_sha256, amz_date, scope.region, scope.service);
  const std::string signature =
      SigV4Signature(credentials.secret_access_key, amz_date.substr(0, 8), scope.region,
                     scope.service, out.canonical.string_to_sign);
  out.headers.push_back({"Authorization", std::string(aws::kSigV4Algorithm) +
                                              " Credential=" + credentials.access_key_id + "/" +
                                              out.canonical.credential_scope +
                                              ", SignedHeaders=" + out.canonical.signed_headers +
                                              ", Signature=" + signature});
  return out;
}

Result<SigV4Presigned> PresignSigV4(const SigV4Request& request, const AwsCredentials& credentials,
                                    const SigV4Scope& scope, const SigV4PresignOptions& options) {
  if (Status s = CheckInputs(request, credentials, scope); !s.ok()) return s;
  if (options.expires.count() < 1 || options.expires > kMaxPresignExpiry) {
    return InvalidArgumentError("SigV4: X-Amz-Expires must be 1 to 604800 seconds, not " +
                                std::to_string(options.expires.count()));
  }
  for (const HttpField& p : request.query) {
    if (aws::LowerAscii(p.name).rfind("x-amz-", 0) == 0) {
      return InvalidArgumentError("SigV4: query parameter " + p.name +
                                  " is set by the presigner; remove it from the request");
    }
  }
  const std::string amz_date = FormatAmzDate(scope.time);
  const std::vector<aws::CanonicalHeader> headers =
      aws::CanonicalizeHeaders(HeadersToSign(request));
  std::string signed_headers;
  for (const aws::CanonicalHeader& h : headers) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += h.name;
  }
  const bool token_after = TokenAppendedAfterSigning(options.token_placement, scope.service);

  // botocore's order: Algorithm, Credential, Date, Expires, SignedHeaders,
  // Security-Token; the canonical query sorts them anyway.
  std::vector<HttpField> auth = {
      {"X-Amz-Algorithm", std::string(aws::kSigV4Algorithm)},
      {"X-Amz-Credential",
       credentials.access_key_id + "/" +
           aws::CredentialScope(amz_date.substr(0, 8), scope.region, scope.service)},
      {"X-Amz-Date", amz_date},
      {"X-Amz-Expires", std::to_string(options.expires.count())},
      {"X-Amz-SignedHeaders", signed_headers},
  };
  if (!credentials.session_token.empty() && !token_after) {
    auth.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  std::vector<HttpField> all = request.query;
  all.insert(all.end(), auth.begin(), auth.end());

  SigV4Presigned out;
  out.canonical =
      aws::MakeCanonical(request.method, SigV4CanonicalUri(request.path), SigV4CanonicalQuery(all),
                         headers, request.payload_sha256, amz_date, scope.region, scope.service);
  const std::string signature =
      SigV4Signature(credentials.secret_access_key, amz_date.substr(0, 8), scope.region,
                     scope.service, out.canonical.string_to_sign);
  out.query = SigV4EncodeQuery(request.query);
  if (!out.query.empty()) out.query += '&';
  out.query += SigV4EncodeQuery(auth);
  out.query += "&X-Amz-Signature=" + signature;
  if (!credentials.session_token.empty() && token_after) {
    out.query += "&X-Amz-Security-Token=" + SigV4UriEncode(credentials.session_token);
  }
  return out;
}

}  // namespace shadowsync
