// SPDX-License-Identifier: Apache-2.0
//
// Streaming writers for the pieces every response document shares, so that
// payloads are written straight into one buffer without building
// intermediate JSON trees.

#ifndef SHADOWSYNC_SRC_DOCUMENT_WRITER_H_
#define SHADOWSYNC_SRC_DOCUMENT_WRITER_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>

#include "shadowsync/document.h"

namespace shadowsync {
namespace internal {

/// Payloads are written into RapidJSON's StringBuffer (a pointer bump per
/// byte) and copied out once.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline std::string TakeString(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

/// The stored form as compact text. When `state_size` is given it receives
/// the L1 size (12a.1) measured on the way: the compact bytes of the desired
/// and reported values.
std::string StoredFormJson(const ShadowDocument& document, std::size_t* state_size = nullptr);

/// `{"state":{...},"metadata":{...},"version":V}` (4.7, and the `previous` /
/// `current` entries of 4.5).
void WriteStoredForm(JsonWriter& writer, const ShadowDocument& document);

/// The metadata mirror of `value` with every leaf (nulls included) as
/// {"timestamp": now} (MD1); used for the update echo (4.2). The leaf text is
/// formatted once and copied for every leaf.
void WriteMetadataMirror(JsonWriter& writer, const JsonValue& value, Timestamp now);

/// `"clientToken": "..."` when `token` is set (V7).
void WriteClientToken(JsonWriter& writer, const std::optional<std::string>& token);

}  // namespace internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_SRC_DOCUMENT_WRITER_H_
