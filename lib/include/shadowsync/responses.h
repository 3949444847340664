// SPDX-License-Identifier: Apache-2.0
//
// Builders for every document the shadow service publishes (spec section 4
// and E1), as compact JSON payloads. ShadowService uses them; they are public
// so that tests and tools can build the exact messages AWS would send.
//
// Thread safety: free functions; safe for concurrent use.

#ifndef SHADOWSYNC_RESPONSES_H_
#define SHADOWSYNC_RESPONSES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/document.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/update_request.h"

namespace shadowsync {

using ClientToken = std::optional<std::string>;

/// `/update/accepted` (4.2): the request's state echoed as sent, metadata
/// `{"timestamp": now}` for every leaf of it (nulls included, arrays element
/// by element), the new version, the timestamp and the clientToken.
/// `request` must be ok().
std::string UpdateAcceptedPayload(const UpdateRequest& request, std::uint64_t version,
                                  Timestamp now);

/// `/update/documents` (4.5). `previous` is nullptr when the update created
/// the shadow (previous is then JSON null).
std::string DocumentsPayload(const ShadowDocument* previous, const ShadowDocument& current,
                             Timestamp now, const ClientToken& token);

/// The same document from the two stored forms as compact JSON text (what
/// ShadowDocument::ToJson gives; written verbatim, not re-validated), with
/// an empty `previous_stored_json` for a created shadow. Saves serialising
/// a document twice when the caller has its text already.
std::string DocumentsPayloadFromJson(std::string_view previous_stored_json,
                                     std::string_view current_stored_json, Timestamp now,
                                     const ClientToken& token);

/// `/update/delta` (4.4), or nullopt when the document has no delta (D5).
std::optional<std::string> DeltaPayload(const ShadowDocument& document, Timestamp now,
                                        const ClientToken& token);

/// `/get/accepted` (4.3): state with `delta` when non-empty, metadata with
/// `delta` mirrored from the desired metadata.
std::string GetAcceptedPayload(const ShadowDocument& document, Timestamp now,
                               const ClientToken& token);

/// `/delete/accepted` (4.6): the deleted version, not incremented.
std::string DeleteAcceptedPayload(std::uint64_t version, Timestamp now, const ClientToken& token);

/// Error document (E1): code, message and the clientToken when valid; no
/// timestamp (the E1 default).
std::string ErrorPayload(const ShadowError& error, const ClientToken& token);

}  // namespace shadowsync

#endif  // SHADOWSYNC_RESPONSES_H_
