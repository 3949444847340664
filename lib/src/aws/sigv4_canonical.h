// SPDX-License-Identifier: Apache-2.0
//
// The canonical request and string to sign, shared by the signer (sigv4.cc)
// and the verifier (sigv4_verifier.cc) so that both read a request the same
// way.

#ifndef SHADOWSYNC_AWS_SIGV4_CANONICAL_H_
#define SHADOWSYNC_AWS_SIGV4_CANONICAL_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/sigv4.h"

namespace shadowsync::aws {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kSigV4Terminator = "aws4_request";

/// ASCII lowercase.
std::string LowerAscii(std::string_view text);

/// Case-insensitive ASCII equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// Trims and folds runs of spaces and tabs (and CR, LF, VT, FF) to one space.
std::string FoldHeaderValue(std::string_view value);

/// Headers botocore never signs: user-agent, expect, x-amzn-trace-id.
bool IsUnsignedHeader(std::string_view lowercase_name);

/// A header ready for the canonical request: lowercase name, folded value;
/// one entry per name, repeated headers' values joined with ",".
struct CanonicalHeader {
  std::string name;
  std::string value;
};

/// Lowercases, folds, merges repeated names (values in order) and sorts.
std::vector<CanonicalHeader> CanonicalizeHeaders(const std::vector<HttpField>& headers);

/// "<yyyymmdd>/<region>/<service>/aws4_request".
std::string CredentialScope(std::string_view yyyymmdd, std::string_view region,
                            std::string_view service);

/// Builds the canonical request and the string to sign. `headers` must be
/// sorted by name (CanonicalizeHeaders); an empty payload hash means the
/// hash of the empty body.
SigV4Canonical MakeCanonical(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query,
                             const std::vector<CanonicalHeader>& headers,
                             std::string_view payload_sha256, std::string_view amz_date,
                             std::string_view region, std::string_view service);

/// Decodes %XX escapes ('+' stays '+'); malformed escapes stay as they are.
std::string PercentDecode(std::string_view text);

/// Splits a raw query string at '&' and '=' and decodes both sides; empty
/// pieces are skipped, a piece without '=' has an empty value.
std::vector<HttpField> ParseQuery(std::string_view raw_query);

/// `time` in UTC with strftime's `format` ("%Y%m%dT%H%M%SZ" for SigV4,
/// "%Y-%m-%dT%H:%M:%SZ" for an expiration in a message).
std::string FormatUtc(std::chrono::system_clock::time_point time, const char* format);

}  // namespace shadowsync::aws

#endif  // SHADOWSYNC_AWS_SIGV4_CANONICAL_H_
