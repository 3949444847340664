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

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

/// `{"state":{...},"metadata":{...},"version":V}` (4.7, and the `previous` /
/// `current` entries of 4.5).
void WriteStoredForm(JsonWriter& writer, const ShadowDocument& document);

/// The metadata mirror of `value` with every leaf (nulls included) as
/// {"timestamp": now} (MD1); used for the update echo (4.2).
void WriteMetadataMirror(JsonWriter& writer, const JsonValue& value, Timestamp now);

/// `"clientToken": "..."` when `token` is set (V7).
void WriteClientToken(JsonWriter& writer, const std::optional<std::string>& token);

}  // namespace internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_SRC_DOCUMENT_WRITER_H_
