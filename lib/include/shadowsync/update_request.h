// SPDX-License-Identifier: Apache-2.0
//
// UpdateRequest: the payload of a PUBLISH to `.../update`, parsed and
// validated in the order of spec E3 (steps 1 to 10; the version conflict and
// the size check need the stored shadow and happen in ShadowService).
//
// Thread safety: const methods may run concurrently; others need external
// synchronization.

#ifndef SHADOWSYNC_UPDATE_REQUEST_H_
#define SHADOWSYNC_UPDATE_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/shadow_error.h"

namespace shadowsync {

/// Document limits (spec section 9), with the spec's defaults.
struct DocumentLimits {
  /// L1: desired plus reported, compact bytes, after the merge (12a.1).
  std::size_t max_document_bytes = 8192;
  /// L2: nesting levels of desired / reported (12a.2).
  int max_depth = 6;
  /// L3: clientToken bytes.
  std::size_t max_client_token_bytes = 64;
};

/// A parsed update request, or the error it is rejected with.
class UpdateRequest {
 public:
  /// Parses and validates `payload` (E3 steps 1 to 10). Never fails in any
  /// other way: the outcome is either ok() or error().
  static UpdateRequest Parse(std::string_view payload, const DocumentLimits& limits = {});

  UpdateRequest(UpdateRequest&&) = default;
  UpdateRequest& operator=(UpdateRequest&&) = default;

  /// True when the request passed validation.
  bool ok() const { return !error_.has_value(); }
  /// The rejection; only meaningful when !ok().
  const ShadowError& error() const { return *error_; }

  /// The request's valid clientToken, if it had one (V6, V7). Also set on a
  /// rejected request when the token itself was valid (E3 step 3).
  const std::optional<std::string>& client_token() const { return client_token_; }
  /// The request's `version`, if present (V3).
  const std::optional<std::uint64_t>& version() const { return version_; }

  /// The request's `state` as sent: an object, or null (M8). Only when ok().
  const JsonValue& state() const { return doc_["state"]; }
  /// `state.desired` / `state.reported` as sent (object or null), or nullptr
  /// when the key is absent. Only when ok().
  const JsonValue* desired() const;
  const JsonValue* reported() const;

 private:
  UpdateRequest() = default;
  void Reject(ShadowError error) { error_ = std::move(error); }
  void Validate(std::string_view payload, const DocumentLimits& limits);

  JsonDocument doc_;
  std::optional<ShadowError> error_;
  std::optional<std::string> client_token_;
  std::optional<std::uint64_t> version_;
};

/// E3 steps 9 and 10 for one section value of an update (`desired` or
/// `reported`, an object): nesting depth (L2) and null elements in arrays
/// (M12, the error names the pointer, prefixed with `pointer` such as
/// "/state/reported"). What the service would answer, or nullopt. For a
/// client that checks a patch before it builds the payload.
std::optional<ShadowError> CheckSection(const JsonValue& section, std::string_view pointer,
                                        const DocumentLimits& limits = {});

/// For get and delete requests (spec P5, 12a.9): the clientToken of a body
/// that is a JSON object with a valid token; nullopt for anything else. A
/// body is never a reason to reject.
std::optional<std::string> ExtractClientToken(std::string_view payload,
                                              const DocumentLimits& limits = {});

}  // namespace shadowsync

#endif  // SHADOWSYNC_UPDATE_REQUEST_H_
