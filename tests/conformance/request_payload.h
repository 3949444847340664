// SPDX-License-Identifier: Apache-2.0
//
// The bytes a conformance vector publishes (spec 13, `request.payload`,
// `request.payload_raw`, `request.payload_hex`).
//
// Thread safety: free functions; safe for concurrent use.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_REQUEST_PAYLOAD_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_REQUEST_PAYLOAD_H_

#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::conformance {

/// Builds the payload of a vector's `request` object from exactly one of:
/// - `payload`: a JSON value, serialised compactly; the string "" means an
///   empty payload (any other string is sent as a JSON string, quotes
///   included);
/// - `payload_raw`: a string sent verbatim;
/// - `payload_hex`: a string of hex digit pairs, sent as those bytes.
/// kInvalidArgument when none or more than one is present, or one has the
/// wrong type, or the hex is malformed.
Result<std::string> BuildRequestPayload(const JsonValue& request);

/// Decodes pairs of hex digits (either case). ASCII whitespace between
/// digits is skipped. kInvalidArgument names the offset of a bad character,
/// or an odd number of digits.
Result<std::string> DecodeHex(std::string_view hex);

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_REQUEST_PAYLOAD_H_
