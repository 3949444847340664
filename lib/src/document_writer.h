// SPDX-License-Identifier: Apache-2.0
//
// Streaming writers for the pieces every response document shares, so that
// payloads are written straight into one buffer without building
// intermediate JSON trees.

#ifndef SHADOWSYNC_SRC_DOCUMENT_WRITER_H_
#define SHADOWSYNC_SRC_DOCUMENT_WRITER_H_

#include <rapidjson/writer.h>

#include <optional>
#include <string>

#include "shadowsync/document.h"

namespace shadowsync {
namespace internal {

/// A RapidJSON output stream appending to a std::string, so payloads are
/// written once, into the string that is returned.
class StringOutput {
 public:
  using Ch = char;
  explicit StringOutput(std::string& out) : out_(out) {}
  void Put(char c) { out_.push_back(c); }
  void Flush() {}

 private:
  std::string& out_;
};

using JsonWriter = rapidjson::Writer<StringOutput>;

/// The stored form as compact text.
std::string StoredFormJson(const ShadowDocument& document);

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
